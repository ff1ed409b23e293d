package redisstate

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// IdentifyGate gives the gateway shards of every process turns to
// IDENTIFY: a lock per identify bucket that expires after interval (5 s,
// Discord's rule), so a bucket identifies at most once per interval
// whichever process asks. While Redis is unreachable Wait returns
// ErrUnavailable and the bot spaces its own shards.
type IdentifyGate struct {
	st       *Store
	interval time.Duration
}

// NewIdentifyGate returns the gate; interval is Discord's 5 s.
func NewIdentifyGate(st *Store, interval time.Duration) *IdentifyGate {
	return &IdentifyGate{st: st, interval: interval}
}

// Wait blocks until this process holds bucket's turn.
func (g *IdentifyGate) Wait(ctx context.Context, bucket int) error {
	key := g.st.key("identify", strconv.Itoa(bucket))
	for {
		var won bool
		var left time.Duration
		if !g.st.call(ctx, "identify", func(ctx context.Context, rdb *redis.Client) error {
			var err error
			if won, err = rdb.SetNX(ctx, key, randomToken(), g.interval).Result(); err != nil || won {
				return err
			}
			left, err = rdb.PTTL(ctx, key).Result()
			return err
		}) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return ErrUnavailable
		}
		if won {
			return nil
		}
		if left <= 0 {
			left = 10 * time.Millisecond // expired between the two calls
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(left):
		}
	}
}
