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
// once too. Store.Collectors expose storybot_redis_up; Store.Status says
// what runs degraded, for /readyz.
//
//	st, err := redisstate.Open(redisstate.Options{URL: "redis://localhost:6379/0", Logger: log})
//	go st.Run(ctx)
//	limiter := redisstate.NewRateLimiter(st, 5, time.Minute, bot.NewRateLimiter(rate, nil))
//	ok, retryAfter := limiter.Allow("user-id")
//
// The bot and the engine declare the interfaces (bot.RateLimiter,
// bot.ReplayGuard, bot.IdentifyGate, answer.TokenBudget, answer.Flight,
// answer.SharedCache); the types here satisfy them, each over the
// in-process implementation as its fallback, and cmd/storybot wires them.
package redisstate
