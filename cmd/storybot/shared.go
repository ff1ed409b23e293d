package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/bot"
	"github.com/storybot/storybot/redisstate"
)

// sharedState is what REDIS_URL adds to serve: nil fields without it.
type sharedState struct {
	store *redisstate.Store
}

// openShared connects to REDIS_URL (when set) and starts its health loop
// for the life of ctx. Redis being down at start is not an error: the bot
// runs on in-process state until Redis answers.
func (c *cli) openShared(ctx context.Context, log *slog.Logger) (*sharedState, error) {
	if c.cfg.RedisURL == "" {
		return &sharedState{}, nil
	}
	st, err := redisstate.Open(redisstate.Options{URL: c.cfg.RedisURL, Logger: log})
	if err != nil {
		return nil, usagef("configuration: %v", err)
	}
	go st.Run(ctx)
	return &sharedState{store: st}, nil
}

// replayWindow is how long an interaction id is remembered: a request is
// accepted while its timestamp is within 5 minutes of now, either way, so
// a copy can arrive up to 10 minutes after the first.
const replayWindow = 10 * time.Minute

// maxLocalReplayIDs bounds the ids one replica remembers while Redis is down.
const maxLocalReplayIDs = 100_000

// botOptions adds the shared parts to the bot's options.
func (s *sharedState) botOptions(o *bot.Options, _ bot.Rate) {
	if s.store == nil {
		return
	}
	o.IdentifyGate = redisstate.NewIdentifyGate(s.store, bot.IdentifyInterval)
	o.Status = s.store.Status
	o.Collectors = append(o.Collectors, s.store.Collectors()...)
}

// engineOptions adds the shared cache tier to the engine's options.
func (s *sharedState) engineOptions(o *answer.Options) {
	if s.store != nil {
		o.SharedCache = redisstate.NewCache(s.store, 0)
	}
}

func (s *sharedState) close() {
	if s.store != nil {
		_ = s.store.Close()
	}
}

// The shared implementations fit the interfaces bot and answer declare.
var (
	_ bot.IdentifyGate   = (*redisstate.IdentifyGate)(nil)
	_ answer.SharedCache = (*redisstate.Cache)(nil)
)
