package redisstate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Defaults of a Flight.
const (
	// DefaultFlightWait bounds how long a replica waits for another that
	// computes the same thing before it computes it itself (a long
	// story's timeline in parts can take this long).
	DefaultFlightWait = 60 * time.Second
	// flightPoll is how often a waiting replica looks whether the lock is
	// gone.
	flightPoll = 50 * time.Millisecond
)

// LocalFlight merges identical work within this process (answer.LocalFlight).
type LocalFlight interface {
	Do(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (any, error)
}

// Flight merges identical work in flight across replicas. Within a
// process the local flight merges callers; across processes a lock per
// key (SET NX PX) lets one replica run the work while the others wait
// until the lock is released, then run it themselves: the engine's work
// looks in the cache first, and the cache has a Redis tier, so they find
// the first replica's result there instead of calling the model. The wait
// is bounded (and the lock expires after it), so a replica that dies while
// holding the lock delays the others by that bound at most. With Redis
// unreachable the work runs at once.
type Flight struct {
	st    *Store
	local LocalFlight
	wait  time.Duration
}

// NewFlight returns a Flight over local; wait <= 0 is DefaultFlightWait.
func NewFlight(st *Store, local LocalFlight, wait time.Duration) *Flight {
	if wait <= 0 {
		wait = DefaultFlightWait
	}
	return &Flight{st: st, local: local, wait: wait}
}

// releaseScript deletes the lock only if this replica still holds it.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`)

// Do runs fn once per key among this process's callers, and among the
// replicas one after the other.
func (f *Flight) Do(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (any, error) {
	return f.local.Do(ctx, key, func(ctx context.Context) (any, error) {
		release, err := f.turn(ctx, key)
		if err != nil {
			return nil, err
		}
		defer release()
		return fn(ctx)
	})
}

// turn waits until this replica holds key's lock, or the lock is gone
// because the holder finished (its result is then in the cache), or the
// wait bound passed, or Redis is unreachable. release frees a lock taken.
func (f *Flight) turn(ctx context.Context, key string) (release func(), err error) {
	lockKey := f.st.key("flight", key)
	token := randomToken()
	deadline := time.Now().Add(f.wait)
	for {
		var won bool
		if !f.st.call(ctx, "flight", func(ctx context.Context, rdb *redis.Client) error {
			var err error
			won, err = rdb.SetNX(ctx, lockKey, token, f.wait).Result()
			return err
		}) {
			return func() {}, nil // unreachable: work alone
		}
		if won {
			return func() { f.release(lockKey, token) }, nil
		}
		for {
			if time.Now().After(deadline) {
				return func() {}, nil
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(flightPoll):
			}
			var held bool
			if !f.st.call(ctx, "flight", func(ctx context.Context, rdb *redis.Client) error {
				n, err := rdb.Exists(ctx, lockKey).Result()
				held = n > 0
				return err
			}) {
				return func() {}, nil
			}
			if !held {
				break // free: take it (the holder's result is in the cache by now)
			}
		}
	}
}

// release deletes the lock if this replica still holds it, with a context
// of its own: the caller's may be over.
func (f *Flight) release(lockKey, token string) {
	f.st.call(context.Background(), "flight", func(ctx context.Context, rdb *redis.Client) error {
		return releaseScript.Run(ctx, rdb, []string{lockKey}, token).Err()
	})
}

func randomToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrUnavailable is returned by calls that have no in-process fallback of
// their own while Redis is unreachable; the caller falls back.
var ErrUnavailable = errors.New("redisstate: redis unreachable")
