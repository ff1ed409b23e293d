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
	// DefaultFlightWait bounds how long a replica waits for another's
	// result before computing it itself (a model call for a long story's
	// timeline can take this long).
	DefaultFlightWait = 60 * time.Second
	// flightPoll is how often a waiting replica looks for the result.
	flightPoll = 50 * time.Millisecond
	// flightResultTTL keeps a result for the replicas still waiting; the
	// cache keeps it for good.
	flightResultTTL = 2 * time.Minute
)

// Flight merges identical work in flight across replicas: the first to
// take a key's lock computes, the others wait (bounded) for its result.
// The lock expires after the wait bound, so a replica that dies while
// computing holds nobody up for longer.
type Flight struct {
	st   *Store
	wait time.Duration
}

// NewFlight returns a Flight; wait <= 0 is DefaultFlightWait.
func NewFlight(st *Store, wait time.Duration) *Flight {
	if wait <= 0 {
		wait = DefaultFlightWait
	}
	return &Flight{st: st, wait: wait}
}

// releaseScript deletes the lock only if this replica still holds it.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0
`)

// Do returns the result of compute for key, computed once among the
// replicas that ask for key at the same time. shared reports whether the
// result came from another replica. With Redis unreachable, or after
// waiting the bound, compute runs here.
func (f *Flight) Do(ctx context.Context, key string, compute func(ctx context.Context) ([]byte, error)) (result []byte, shared bool, err error) {
	lockKey, resultKey := f.st.key("flight", key, "lock"), f.st.key("flight", key, "result")
	token := randomToken()
	deadline := time.Now().Add(f.wait)
	for {
		if data, ok := f.get(ctx, resultKey); ok {
			return data, true, nil
		}
		won, reachable := f.lock(ctx, lockKey, token)
		if !reachable {
			data, err := compute(ctx)
			return data, false, err
		}
		if won {
			// The previous holder may have stored its result and released
			// the lock between our two calls: look once more.
			if data, ok := f.get(ctx, resultKey); ok {
				f.release(lockKey, token)
				return data, true, nil
			}
			data, err := compute(ctx)
			if err == nil {
				f.st.call(ctx, "flight", func(ctx context.Context, rdb *redis.Client) error {
					return rdb.Set(ctx, resultKey, data, flightResultTTL).Err()
				})
			}
			f.release(lockKey, token)
			return data, false, err
		}
		// Another replica computes: wait for its result or for its lock to
		// go (it failed, or died and the lock expired), within the bound.
		for {
			if time.Now().After(deadline) {
				data, err := compute(ctx)
				return data, false, err
			}
			select {
			case <-ctx.Done():
				return nil, false, ctx.Err()
			case <-time.After(flightPoll):
			}
			if data, ok := f.get(ctx, resultKey); ok {
				return data, true, nil
			}
			held, reachable := f.exists(ctx, lockKey)
			if !reachable {
				data, err := compute(ctx)
				return data, false, err
			}
			if !held {
				break // try to take the lock ourselves
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

func (f *Flight) get(ctx context.Context, key string) ([]byte, bool) {
	var data []byte
	found := false
	f.st.call(ctx, "flight", func(ctx context.Context, rdb *redis.Client) error {
		b, err := rdb.Get(ctx, key).Bytes()
		if err == nil {
			data, found = b, true
		}
		return err
	})
	return data, found
}

func (f *Flight) lock(ctx context.Context, key, token string) (won, reachable bool) {
	reachable = f.st.call(ctx, "flight", func(ctx context.Context, rdb *redis.Client) error {
		var err error
		won, err = rdb.SetNX(ctx, key, token, f.wait).Result()
		return err
	})
	return won, reachable
}

func (f *Flight) exists(ctx context.Context, key string) (held, reachable bool) {
	reachable = f.st.call(ctx, "flight", func(ctx context.Context, rdb *redis.Client) error {
		n, err := rdb.Exists(ctx, key).Result()
		held = n > 0
		return err
	})
	return held, reachable
}

func randomToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ErrUnavailable is returned by calls that have no in-process fallback of
// their own while Redis is unreachable; the caller falls back.
var ErrUnavailable = errors.New("redisstate: redis unreachable")
