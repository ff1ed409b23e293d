// Package redisstate keeps the state that several storybot replicas and
// gateway shards must share in Redis: the per-user rate limit (GCRA), the
// daily token budget (atomic reservations), cached timelines, summaries and
// quote contexts, identical work in flight, HTTP replay protection and the
// gateway IDENTIFY turns.
//
// Redis is a help, never a dependency: every call is bounded (Options.
// OpTimeout, about 100 ms in all for an interaction), and while Redis is
// unreachable each type falls back to the in-process implementation it was
// given (or to doing the work itself). A Store notices the loss on the
// first failed call, logs it once, and a background ping (Store.Run) brings
// shared state back within PingInterval of Redis answering again, logged
// once too. Store.Collector exposes storybot_redis_up; Store.Status says
// what runs degraded, for /readyz.
//
//	st, err := redisstate.Open(redisstate.Options{URL: "redis://localhost:6379/0", Logger: log})
//	go st.Run(ctx)
//	limiter := redisstate.NewRateLimiter(st, 5, time.Minute, localLimiter)
//	ok, retryAfter := limiter.Allow("user-id")
//
// The packages that use these (bot, answer) declare the small interfaces
// they need; cmd/storybot wires the two together.
package redisstate
