package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
)

// AutoShardCount as Options.ShardCount runs as many shards as Discord
// recommends (GET /gateway/bot's "shards").
const AutoShardCount = -1

// IdentifyInterval is how often one identify bucket may IDENTIFY: Discord
// allows max_concurrency IDENTIFYs per 5 s, one per bucket
// shard_id % max_concurrency.
const IdentifyInterval = 5 * time.Second

// IdentifyGate hands out turns to IDENTIFY on the gateway. The default,
// in-process gate spaces the shards of one process; a shared gate (Redis)
// spaces the shards of several processes.
type IdentifyGate interface {
	// Wait blocks until this process may IDENTIFY in bucket (no other
	// IDENTIFY of that bucket within IdentifyInterval) and claims the turn.
	Wait(ctx context.Context, bucket int) error
}

// localIdentifyGate spaces the IDENTIFYs of one process per bucket.
type localIdentifyGate struct {
	clock clock
	mu    sync.Mutex
	last  map[int]time.Time
}

func newLocalIdentifyGate(c clock) *localIdentifyGate {
	return &localIdentifyGate{clock: c, last: make(map[int]time.Time)}
}

func (g *localIdentifyGate) Wait(ctx context.Context, bucket int) error {
	for {
		g.mu.Lock()
		now := g.clock.Now()
		last, seen := g.last[bucket]
		wait := last.Add(IdentifyInterval).Sub(now)
		if !seen || wait <= 0 {
			g.last[bucket] = now
			g.mu.Unlock()
			return nil
		}
		g.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-g.clock.After(wait):
		}
	}
}

// shardState is where one shard's gateway connection stands.
type shardState int32

const (
	shardWaiting      shardState = iota // waiting for its turn to IDENTIFY
	shardConnecting                     // IDENTIFY sent or being retried
	shardReady                          // READY (or RESUMED) received
	shardDisconnected                   // lost; discordgo reconnects
)

func (s shardState) String() string {
	switch s {
	case shardWaiting:
		return "waiting for its identify turn"
	case shardConnecting:
		return "connecting"
	case shardReady:
		return "ready"
	}
	return "disconnected"
}

// shard is one gateway connection of this process.
type shard struct {
	id, count int
	session   *discordgo.Session
	state     atomic.Int32
}

func (s *shard) State() shardState { return shardState(s.state.Load()) }

// shardPlan is what GET /gateway/bot decides: the shard count, the shards
// this process runs, and the identify buckets.
type shardPlan struct {
	count          int
	ids            []int
	maxConcurrency int
}

// planShards turns the options and Discord's GET /gateway/bot answer into
// the shards to run. It refuses a SHARD_ID outside the count, and a start
// when Discord's session start limit has fewer starts left than this
// process needs (starting anyway would fail half-way with the token locked
// out until the reset).
func planShards(opts Options, gb *discordgo.GatewayBotResponse) (shardPlan, error) {
	p := shardPlan{count: opts.ShardCount, maxConcurrency: max(gb.SessionStartLimit.MaxConcurrency, 1)}
	switch {
	case p.count == AutoShardCount:
		p.count = max(gb.Shards, 1)
	case p.count <= 0:
		p.count = 1
	}
	if opts.OneShard {
		if opts.ShardID < 0 || opts.ShardID >= p.count {
			return p, fmt.Errorf("bot: SHARD_ID %d is not below the shard count %d", opts.ShardID, p.count)
		}
		p.ids = []int{opts.ShardID}
	} else {
		for id := range p.count {
			p.ids = append(p.ids, id)
		}
	}
	if l := gb.SessionStartLimit; l.Total > 0 && l.Remaining < len(p.ids) {
		reset := time.Duration(l.ResetAfter) * time.Millisecond
		return p, fmt.Errorf("bot: Discord allows %d more gateway session starts (of %d per day; more in %s) and this process needs %d: wait for the reset or run fewer shards per process",
			l.Remaining, l.Total, reset.Round(time.Second), len(p.ids))
	}
	return p, nil
}

// fetchGatewayBot asks Discord for the recommended shard count and the
// session start limit.
func (b *Bot) fetchGatewayBot(ctx context.Context) (*discordgo.GatewayBotResponse, error) {
	var gb *discordgo.GatewayBotResponse
	ok, err := b.retry(ctx, "reach the Discord gateway", func() error {
		var err error
		gb, err = b.session.GatewayBot(discordgo.WithContext(ctx))
		return err
	}, authFailure)
	if !ok {
		return nil, err
	}
	return gb, nil
}

// openShards creates the shards of the plan (the first reuses b.session,
// which also serves every REST call) and opens them in order, each after
// its identify bucket's turn. It returns false with a nil error when ctx
// ended first.
func (b *Bot) openShards(ctx context.Context, p shardPlan) (bool, error) {
	shards := make([]*shard, len(p.ids))
	for i, id := range p.ids {
		s := b.session
		if i > 0 {
			s = b.newShardSession()
		}
		s.ShardID, s.ShardCount = id, p.count
		shards[i] = &shard{id: id, count: p.count, session: s}
		b.metrics.shardReady.WithLabelValues(strconv.Itoa(id)).Set(0)
	}
	b.shardsMu.Lock()
	b.shards = shards
	b.shardsMu.Unlock()
	for _, sh := range shards {
		b.addHandlers(sh)
	}
	local := newLocalIdentifyGate(b.clock)
	gate := b.opts.IdentifyGate
	if gate == nil {
		gate = local
	}
	for _, sh := range shards {
		bucket := sh.id % p.maxConcurrency
		err := gate.Wait(ctx, bucket)
		if err != nil && ctx.Err() == nil && gate != IdentifyGate(local) {
			// The shared gate is unreachable: space this process's shards.
			b.log.Warn("shared identify turns unavailable; spacing this process's shards only", "shard", sh.id, "err", err)
			err = local.Wait(ctx, bucket)
		}
		if err != nil {
			if ctx.Err() != nil {
				return false, nil
			}
			return false, fmt.Errorf("bot: wait to identify shard %d: %w", sh.id, err)
		}
		sh.state.Store(int32(shardConnecting))
		ok, err := b.retry(ctx, fmt.Sprintf("open gateway shard %d/%d", sh.id, sh.count), sh.session.Open, authFailure)
		if !ok {
			return false, err
		}
		b.setShardState(sh, shardReady)
		b.logGuilds(sh)
	}
	return true, nil
}

// newShardSession is a gateway session for one more shard, sharing the
// REST client and rate limiter of b.session.
func (b *Bot) newShardSession() *discordgo.Session {
	base := b.session
	s, _ := discordgo.New(base.Token) // cannot fail: it only builds the struct
	s.Client = base.Client
	s.Ratelimiter = base.Ratelimiter
	s.Identify.Intents = base.Identify.Intents
	s.LogLevel = base.LogLevel
	s.SyncEvents = base.SyncEvents
	return s
}

// addHandlers routes one shard's gateway events to the bot.
func (b *Bot) addHandlers(sh *shard) {
	s := sh.session
	label := strconv.Itoa(sh.id)
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		b.onReady(r)
		b.setShardState(sh, shardReady)
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		b.setShardState(sh, shardDisconnected)
		if !b.isClosing() {
			b.log.Warn("gateway disconnected; discordgo reconnects", "shard", sh.id)
		}
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { b.setShardState(sh, shardReady) })
	s.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) {
		b.log.Info("in guild", "guild_id", g.ID, "guild", g.Name, "shard", sh.id)
	})
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
		b.metrics.gatewayEvents.WithLabelValues(label, "interaction").Inc()
		b.onInteraction(ic.Interaction, b.restResponder(ic.Interaction))
	})
	s.AddHandler(func(s *discordgo.Session, mc *discordgo.MessageCreate) {
		b.metrics.gatewayEvents.WithLabelValues(label, "message").Inc()
		b.onMessage(s, mc)
	})
}

func (b *Bot) setShardState(sh *shard, st shardState) {
	sh.state.Store(int32(st))
	v := 0.0
	if st == shardReady {
		v = 1
	}
	b.metrics.shardReady.WithLabelValues(strconv.Itoa(sh.id)).Set(v)
}

// shardList returns this process's shards (none before the plan).
func (b *Bot) shardList() []*shard {
	b.shardsMu.RLock()
	defer b.shardsMu.RUnlock()
	return b.shards
}

// closeShards closes every shard's gateway connection.
func (b *Bot) closeShards() {
	shards := b.shardList()
	if len(shards) == 0 {
		shards = []*shard{{session: b.session}}
	}
	// In parallel: discordgo's Close waits a second after its close frame.
	errs := make([]error, len(shards))
	var wg sync.WaitGroup
	for i, sh := range shards {
		wg.Go(func() {
			if err := sh.session.Close(); err != nil && !errors.Is(err, discordgo.ErrWSNotFound) {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.log.Warn("close gateway", "err", b.scrub(err.Error()))
	}
}
