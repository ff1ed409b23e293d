package redisstate

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// LocalReplay is the in-process record of interaction ids used while
// Redis is unreachable.
type LocalReplay interface {
	Seen(id string) bool
}

// Replay remembers signed interaction ids across replicas for the
// timestamp window, so a request replayed to another replica is processed
// once.
type Replay struct {
	st     *Store
	window time.Duration
	local  LocalReplay
}

// NewReplay remembers each id for window (the signature timestamp's
// tolerance: a replay older than that fails the timestamp check anyway).
func NewReplay(st *Store, window time.Duration, local LocalReplay) *Replay {
	return &Replay{st: st, window: window, local: local}
}

// Seen records id and reports whether it was recorded before.
func (r *Replay) Seen(id string) bool {
	var first bool
	if r.st.call(context.Background(), "replay", func(ctx context.Context, rdb *redis.Client) error {
		var err error
		first, err = rdb.SetNX(ctx, r.st.key("seen", id), 1, r.window).Result()
		return err
	}) {
		// Also note it locally: should Redis go away, this replica still
		// knows the ids it saw.
		r.local.Seen(id)
		return !first
	}
	return r.local.Seen(id)
}
