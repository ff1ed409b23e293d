package answer

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/singleflight"
)

// Flight merges identical work in progress: while fn runs for a key, other
// callers of Do with that key wait for its result instead of doing the same
// work again (eight /timeline requests at once cost one model call). The
// in-process LocalFlight implements it; a shared (Redis) one can replace it
// for several replicas.
type Flight interface {
	// Do runs fn once per key at a time and gives every caller its result.
	// fn gets a context of its own, not the caller's: one caller giving up
	// does not fail the others. A caller whose ctx ends stops waiting and
	// gets ctx.Err().
	Do(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (any, error)
}

// DefaultFlightTimeout bounds merged work once it no longer belongs to the
// caller that started it: long enough for a chunked summary with retries.
const DefaultFlightTimeout = 5 * time.Minute

// LocalFlight is a Flight within one process (golang.org/x/sync/singleflight).
type LocalFlight struct {
	g       singleflight.Group
	timeout time.Duration
}

var _ Flight = (*LocalFlight)(nil)

// NewLocalFlight returns a Flight whose work may run for timeout at most
// (0: DefaultFlightTimeout).
func NewLocalFlight(timeout time.Duration) *LocalFlight {
	if timeout <= 0 {
		timeout = DefaultFlightTimeout
	}
	return &LocalFlight{timeout: timeout}
}

// Do implements Flight. The work keeps the first caller's context values
// (a logger, a trace) but not its cancellation or deadline.
func (f *LocalFlight) Do(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (any, error) {
	ch := f.g.DoChan(key, func() (v any, err error) {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.timeout)
		defer cancel()
		// singleflight re-panics a panic of fn in a goroutine of its own,
		// which would end the process: turn it into an error for the waiters.
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("shared work %s panicked: %v", key, p)
			}
		}()
		return fn(wctx)
	})
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// computed is what a merged computation hands every caller: the value and
// what it cost.
type computed[T any] struct {
	v     T
	usage Usage
}

// cachedOnce returns the value cached under kind/key, or computes it once
// for every caller asking at the same time (e.flight) and caches it. The
// cache is read again inside the merged work: a computation merged
// elsewhere (another replica, with a shared flight) may have finished in
// between. usage is what the computation cost, zero when the value came
// from the cache. Callers sharing one computation share its value: copy
// before changing it.
func cachedOnce[T any](ctx context.Context, e *Engine, kind, key string, compute func(context.Context) (T, Usage, error)) (v T, usage Usage, err error) {
	if e.cache.get(kind, key, &v) {
		return v, Usage{}, nil
	}
	r, err := e.flight.Do(ctx, kind+"/"+key, func(ctx context.Context) (any, error) {
		var again T
		if e.cache.get(kind, key, &again) {
			return computed[T]{v: again}, nil
		}
		v, usage, err := compute(ctx)
		if err != nil {
			return nil, err
		}
		if err := e.cache.put(kind, key, v); err != nil {
			e.log.Warn(kind+": cannot cache", "err", err)
		}
		return computed[T]{v, usage}, nil
	})
	if err != nil {
		return v, Usage{}, err
	}
	c := r.(computed[T])
	return c.v, c.usage, nil
}
