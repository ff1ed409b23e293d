package redisstate

import (
	"context"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// LocalLimiter is the in-process per-user limiter used while Redis is
// unreachable.
type LocalLimiter interface {
	Allow(user string) (ok bool, retryAfter time.Duration)
	Refund(user string)
}

// RateLimiter is the per-user rate limit shared by every replica: GCRA
// (redis_rate) with a burst of count, count per period, on Redis's clock.
type RateLimiter struct {
	st    *Store
	gcra  *redis_rate.Limiter
	limit redis_rate.Limit
	local LocalLimiter
}

// NewRateLimiter limits each user to count questions per period (bursts of
// up to count), like RATE_LIMIT's token bucket. local answers while Redis
// is unreachable.
func NewRateLimiter(st *Store, count int, per time.Duration, local LocalLimiter) *RateLimiter {
	return &RateLimiter{
		st:    st,
		gcra:  redis_rate.NewLimiter(st.rdb),
		limit: redis_rate.Limit{Rate: count, Burst: count, Period: per},
		local: local,
	}
}

// Allow takes one question from user's allowance; when none is left it
// says how long until the next one.
func (l *RateLimiter) Allow(user string) (bool, time.Duration) {
	var res *redis_rate.Result
	if !l.st.call(context.Background(), "rate_limit", func(ctx context.Context, _ *redis.Client) error {
		var err error
		res, err = l.gcra.Allow(ctx, l.st.key("user", user), l.limit)
		return err
	}) {
		return l.local.Allow(user)
	}
	if res.Allowed > 0 {
		return true, 0
	}
	return false, max(res.RetryAfter, 0)
}

// Refund gives back a question taken by Allow that was not answered after
// all (every answer slot was busy).
func (l *RateLimiter) Refund(user string) {
	if !l.st.call(context.Background(), "rate_limit", func(ctx context.Context, _ *redis.Client) error {
		// A negative cost moves the GCRA's theoretical arrival time back.
		_, err := l.gcra.AllowN(ctx, l.st.key("user", user), l.limit, -1)
		return err
	}) {
		l.local.Refund(user)
	}
}
