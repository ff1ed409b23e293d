package redisstate

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// LocalReplay is the in-process record of interaction ids (the bot's own
// guard), used while Redis is unreachable.
type LocalReplay interface {
	FirstSeen(ctx context.Context, id string, expires time.Time) (bool, error)
}

// Replay remembers signed interaction ids across replicas until their
// signature timestamp is no longer acceptable, so a request sent again to
// another replica is processed once.
type Replay struct {
	st    *Store
	now   func() time.Time
	local LocalReplay
}

// NewReplay returns the shared guard with local as its fallback.
func NewReplay(st *Store, local LocalReplay) *Replay {
	return &Replay{st: st, now: time.Now, local: local}
}

// FirstSeen records id until expires and reports whether it is new. It
// never fails: without Redis the local guard answers.
func (r *Replay) FirstSeen(ctx context.Context, id string, expires time.Time) (bool, error) {
	ttl := max(expires.Sub(r.now()), time.Second)
	var first bool
	if r.st.call(ctx, "replay", func(ctx context.Context, rdb *redis.Client) error {
		var err error
		first, err = rdb.SetNX(ctx, r.st.key("seen", id), 1, ttl).Result()
		return err
	}) {
		// Noted locally too: should Redis go away, this replica still
		// knows the ids it took.
		_, _ = r.local.FirstSeen(ctx, id, expires)
		return first, nil
	}
	return r.local.FirstSeen(ctx, id, expires)
}
