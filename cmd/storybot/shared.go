package main

import (
	"context"
	"log/slog"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/bot"
	"github.com/storybot/storybot/redisstate"
)

// sharedState is what REDIS_URL adds to serve: nil fields without it.
type sharedState struct {
	store *redisstate.Store
}

// openShared connects to REDIS_URL (when set), pings it once and starts its
// health loop for the life of ctx. Redis being down at start is not an
// error: the bot runs on in-process state until Redis answers.
func (c *cli) openShared(ctx context.Context, log *slog.Logger) (*sharedState, error) {
	if c.cfg.RedisURL == "" {
		return &sharedState{}, nil
	}
	st, err := redisstate.Open(redisstate.Options{URL: c.cfg.RedisURL, OpTimeout: c.cfg.RedisTimeout, Logger: log})
	if err != nil {
		return nil, usagef("configuration: %v", err)
	}
	st.Start(ctx)
	return &sharedState{store: st}, nil
}

// botOptions adds the shared parts to the bot's options: each keeps the
// bot's in-process implementation as its fallback.
func (s *sharedState) botOptions(o *bot.Options, rate bot.Rate) {
	if s.store == nil {
		return
	}
	if !rate.Unlimited() {
		o.Limiter = redisstate.NewRateLimiter(s.store, rate.Count, rate.Per, bot.NewRateLimiter(rate, nil))
	}
	o.Replays = redisstate.NewReplay(s.store, bot.NewReplayGuard(nil))
	o.IdentifyGate = redisstate.NewIdentifyGate(s.store, bot.IdentifyInterval)
	o.Status = s.store.Status
	o.Collectors = append(o.Collectors, s.store.Collectors()...)
}

// engineOptions adds the shared budget, cache tier and merging of work in
// flight to the engine's options, over their in-process versions.
func (s *sharedState) engineOptions(o *answer.Options) {
	if s.store == nil {
		return
	}
	o.SharedCache = redisstate.NewCache(s.store, 0)
	o.Flight = redisstate.NewFlight(s.store, answer.NewLocalFlight(0), 0)
	o.Budget = redisstate.NewBudget(s.store, o.DailyTokenBudget, o.Now, answer.NewDailyBudget(o.DailyTokenBudget, o.Now))
}

func (s *sharedState) close() {
	if s.store != nil {
		_ = s.store.Close()
	}
}

// The shared implementations fit the interfaces bot and answer declare.
var (
	_ bot.RateLimiter    = (*redisstate.RateLimiter)(nil)
	_ bot.ReplayGuard    = (*redisstate.Replay)(nil)
	_ bot.IdentifyGate   = (*redisstate.IdentifyGate)(nil)
	_ answer.SharedCache = (*redisstate.Cache)(nil)
	_ answer.Flight      = (*redisstate.Flight)(nil)
	_ answer.TokenBudget = (*redisstate.Budget)(nil)
)
