package bot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/storybot/storybot/answer"
)

// Answerer is what the bot needs of the engine (*answer.Engine implements it).
type Answerer interface {
	Ask(ctx context.Context, req answer.AskRequest, onDelta func(delta string)) (*answer.Answer, error)
	Timeline(ctx context.Context, req answer.TimelineRequest) (*answer.Timeline, error)
	Quotes(ctx context.Context, req answer.QuoteRequest) (*answer.Quotes, error)
	Summary(ctx context.Context, req answer.SummaryRequest) (*answer.Summary, error)
	Stories() []answer.StoryInfo
	Speakers(story string) []string
	Citations(story string, ids []string) []answer.Citation
}

var _ Answerer = (*answer.Engine)(nil)

// Options configures a Bot. They are plain values; cmd/storybot reads them
// from the environment.
type Options struct {
	Token     string // DISCORD_TOKEN, with or without the "Bot " prefix
	GuildID   string // DISCORD_GUILD_ID: register commands there only; "" registers globally
	PublicKey string // DISCORD_PUBLIC_KEY (hex), required by RunHTTP
	APIURL    string // DISCORD_API_URL: origin of every REST call; "" is https://discord.com

	AllowedGuilds   []string // ALLOWED_GUILDS; empty allows all
	AllowedChannels []string // ALLOWED_CHANNELS; empty allows all

	Rate              Rate          // RATE_LIMIT per user (see ParseRate); zero: no limit
	Limiter           RateLimiter   // replaces the in-process limiter of Rate (e.g. one shared in Redis); nil: in-process
	MaxConcurrent     int           // MAX_CONCURRENT_ANSWERS; <= 0: no cap
	ConversationDepth int           // CONVERSATION_DEPTH: messages of a reply chain given as history; 0: none
	EditInterval      time.Duration // EDIT_INTERVAL: least time between two edits of a streamed answer
	ShutdownTimeout   time.Duration // SHUTDOWN_TIMEOUT: time in-flight answers get after ctx ends

	HTTPAddr string     // HTTP_ADDR: /healthz, /readyz, /metrics (and /interactions in RunHTTP); "" serves nothing
	HTTP     HTTPLimits // timeouts and body bounds of that server; zero fields take the defaults
	// Replays remembers the signed interactions already taken; nil keeps
	// them in this process (several replicas would share one, e.g. in Redis).
	Replays ReplayGuard

	// ShardCount is SHARD_COUNT: gateway shards in all; 0 is 1, and
	// AutoShardCount takes Discord's recommendation.
	ShardCount int
	// OneShard runs only shard ShardID (SHARD_ID) in this process; false
	// runs every shard of ShardCount.
	OneShard bool
	ShardID  int
	// IdentifyGate orders the shards' IDENTIFYs (one per 5 s per bucket);
	// nil spaces this process's shards only.
	IdentifyGate IdentifyGate
	// Status, if set, adds lines to /readyz's body that do not change its
	// status code (e.g. shared state degraded to in-process limits).
	Status func() []string
	// Collectors are more Prometheus metrics served at /metrics.
	Collectors []prometheus.Collector

	Logger  *slog.Logger
	Version string
	// Now is the clock of the rate limiter and of the times shown to users; nil is time.Now.
	Now func() time.Time
}

// LogValue keeps the token out of logs.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Bool("token_set", o.Token != ""),
		slog.String("guild_id", o.GuildID),
		slog.String("api_url", o.APIURL),
		slog.Any("allowed_guilds", o.AllowedGuilds),
		slog.Any("allowed_channels", o.AllowedChannels),
		slog.String("rate", o.Rate.String()),
		slog.Int("max_concurrent", o.MaxConcurrent),
		slog.Int("conversation_depth", o.ConversationDepth),
		slog.Duration("edit_interval", o.EditInterval),
		slog.Duration("shutdown_timeout", o.ShutdownTimeout),
		slog.String("http_addr", o.HTTPAddr),
		slog.Int("shard_count", o.ShardCount),
		slog.Bool("one_shard", o.OneShard),
		slog.Int("shard_id", o.ShardID),
	)
}

// Defaults for options left zero.
const (
	defaultEditInterval    = 1200 * time.Millisecond
	defaultShutdownTimeout = 20 * time.Second
	// interactionTimeout bounds the work for one interaction: its token lives 15 minutes.
	interactionTimeout = 14 * time.Minute
)

// Bot is a running Discord bot. Create it with New, run it with Run
// (gateway) or RunHTTP (interactions over HTTP); a Bot runs once.
type Bot struct {
	opts     Options
	ans      Answerer
	log      *slog.Logger
	clock    clock
	now      func() time.Time
	session  *discordgo.Session
	commands []*discordgo.ApplicationCommand
	stories  []answer.StoryInfo
	multi    bool // several stories: commands take a story option

	allowedGuilds, allowedChannels map[string]bool

	limiter RateLimiter
	slots   *answerSlots
	metrics *metrics
	health  *http.ServeMux
	pubKey  ed25519.PublicKey

	appID      atomic.Value // string
	selfID     atomic.Value // string, the bot user's id
	registered atomic.Bool
	httpMode   atomic.Bool

	// shards are this process's gateway connections, set once Discord
	// has told the shard count; the first one's session is b.session.
	shardsMu sync.RWMutex
	shards   []*shard

	// in-flight interactions and messages, for graceful shutdown
	flightMu sync.Mutex
	inFlight int
	closing  bool
	idle     chan struct{} // closed when closing and inFlight reaches 0
	closed   chan struct{} // closed when closing starts

	// work is the parent of every interaction's context. It outlives the
	// Run context by the shutdown timeout, so answers in progress finish;
	// then it is cancelled with errShutdownCut as its cause.
	work       context.Context
	cancelWork context.CancelCauseFunc

	bodies  *bodyBudget // unverified interaction bodies held at once
	replays ReplayGuard

	// registeredCh is closed once the commands are registered (tests wait on it).
	registeredCh   chan struct{}
	registeredOnce sync.Once

	// renderProgress renders a streamed answer so far (progressContent);
	// tests replace it to inject a failure into the stream editor.
	renderProgress func(prefix, text string) string

	// handled, if set, is called when an interaction's handler has
	// returned (tests wait on it instead of sleeping).
	handled func(interactionID string)

	// connect backoff; tests shorten it
	backoffMin, backoffMax time.Duration
	started                atomic.Bool
}

// New checks opts and prepares a bot; it does not touch the network.
func New(opts Options, a Answerer) (*Bot, error) {
	if a == nil {
		return nil, errors.New("bot: no answerer")
	}
	token := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(opts.Token), "Bot "))
	if token == "" {
		return nil, errors.New("bot: DISCORD_TOKEN is empty")
	}
	opts.Token = token
	if opts.APIURL == "" {
		opts.APIURL = "https://discord.com"
	}
	origin, err := parseOrigin(opts.APIURL)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	if opts.EditInterval <= 0 {
		opts.EditInterval = defaultEditInterval
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = defaultShutdownTimeout
	}
	opts.ConversationDepth = max(opts.ConversationDepth, 0)
	opts.HTTP = opts.HTTP.withDefaults()
	var pub ed25519.PublicKey
	if k := strings.TrimSpace(opts.PublicKey); k != "" {
		raw, err := hex.DecodeString(k)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("bot: DISCORD_PUBLIC_KEY must be %d bytes of hex", ed25519.PublicKeySize)
		}
		pub = ed25519.PublicKey(raw)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}

	s, err := discordgo.New("Bot " + token)
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	s.Client = newHTTPClient(origin)
	// Slash commands need no intent; guild and direct messages (not
	// privileged) bring the mentions and replies. Mentions carry their
	// content without the privileged message-content intent.
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
	s.LogLevel = discordgo.LogError
	// Handlers run on their own goroutines (discordgo's default), so a
	// slow answer never holds up the acknowledgement of the next one.
	s.SyncEvents = false

	stories := a.Stories()
	b := &Bot{
		opts:            opts,
		ans:             a,
		log:             logger.With("component", "bot"),
		clock:           realClock{},
		now:             now,
		session:         s,
		stories:         stories,
		multi:           len(stories) > 1,
		allowedGuilds:   idSet(opts.AllowedGuilds),
		allowedChannels: idSet(opts.AllowedChannels),
		limiter:         opts.Limiter,
		slots:           newAnswerSlots(opts.MaxConcurrent),
		metrics:         newMetrics(opts.Collectors...),
		pubKey:          pub,
		bodies:          newBodyBudget(opts.HTTP.UnverifiedBodyBytes),
		replays:         opts.Replays,
		idle:            make(chan struct{}),
		closed:          make(chan struct{}),
		registeredCh:    make(chan struct{}),
		backoffMin:      time.Second,
		backoffMax:      time.Minute,
	}
	b.renderProgress = progressContent
	if b.limiter == nil {
		b.limiter = newUserLimiter(opts.Rate, now)
	}
	if b.replays == nil {
		b.replays = newMemoryReplays(now)
	}
	b.appID.Store("")
	b.selfID.Store("")
	b.commands = commandDefinitions(b.multi)
	b.health = b.healthMux()
	b.work, b.cancelWork = context.WithCancelCause(context.Background())
	return b, nil
}

func idSet(ids []string) map[string]bool {
	m := make(map[string]bool)
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			m[id] = true
		}
	}
	return m
}

// Handler serves /healthz, /readyz and /metrics (and, in RunHTTP,
// /interactions): what HTTP_ADDR serves, for tests and embedding.
func (b *Bot) Handler() http.Handler { return b.health }

// Run connects to the gateway and answers until ctx ends, then stops
// taking new interactions, lets answers in progress finish within
// ShutdownTimeout and closes the session. While Discord cannot be reached
// it keeps retrying with exponential backoff (the health endpoint is up
// meanwhile); an authentication failure ends it with an error.
func (b *Bot) Run(ctx context.Context) error {
	if !b.started.CompareAndSwap(false, true) {
		return errors.New("bot: already running")
	}
	httpErr, stopHTTP, err := b.serveHTTP()
	if err != nil {
		return err
	}
	defer stopHTTP()

	connErr := make(chan error, 1)
	go func() { connErr <- b.connect(ctx) }()
	var failed error
	select {
	case err := <-connErr:
		connErr = nil
		if err != nil {
			failed = err
		} else if ctx.Err() == nil {
			b.log.Info("running", "mode", "gateway", "version", b.opts.Version)
			select {
			case <-ctx.Done():
			case failed = <-httpErr:
			}
		}
	case failed = <-httpErr:
	case <-ctx.Done():
		// Stopped while still connecting: do not wait for a hanging dial.
	}
	b.shutdown()
	if connErr != nil {
		// connect is still running (a dial or REST call in flight); close
		// the session once it gives up or succeeds.
		go func() {
			<-connErr
			b.closeShards()
		}()
	} else {
		b.closeShards()
	}
	if failed != nil {
		return failed
	}
	b.log.Info("stopped")
	return nil
}

// connect asks Discord for the shard count and session start limit, opens
// this process's shards (each retried with backoff until it works or ctx
// ends), then registers the commands.
func (b *Bot) connect(ctx context.Context) error {
	gb, err := b.fetchGatewayBot(ctx)
	if gb == nil {
		return err
	}
	plan, err := planShards(b.opts, gb)
	if err != nil {
		return err
	}
	if ok, err := b.openShards(ctx, plan); !ok {
		return err
	}
	app, _ := b.appID.Load().(string)
	if st := b.session.State; app == "" && st != nil {
		st.RLock()
		if st.Application != nil {
			app = st.Application.ID
		}
		if app == "" && st.User != nil {
			app = st.User.ID
		}
		st.RUnlock()
	}
	return b.register(ctx, app)
}

// register overwrites the commands with one bulk call, retrying while
// Discord is unreachable. appID "" asks Discord for it.
func (b *Bot) register(ctx context.Context, appID string) error {
	_, err := b.retry(ctx, "register commands", func() error { return b.registerOnce(ctx, appID) }, func(err error) error {
		if fatal := authFailure(err); fatal != nil {
			return fatal
		}
		if isClientError(err) {
			return fmt.Errorf("bot: register commands: %w", err)
		}
		return nil
	})
	return err
}

// retry runs op with exponential backoff (backoffMin doubling to
// backoffMax) until it succeeds (true, nil), ctx ends (false, nil), or
// fatal turns its error into one not worth retrying (false, that error).
// Each failure is logged at warn as "cannot <what>; retrying".
func (b *Bot) retry(ctx context.Context, what string, op func() error, fatal func(error) error) (bool, error) {
	delay := b.backoffMin
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil {
			return true, nil
		}
		if f := fatal(err); f != nil {
			return false, f
		}
		b.log.Warn("cannot "+what+"; retrying", "attempt", attempt, "retry_in", delay, "err", b.scrub(err.Error()))
		select {
		case <-ctx.Done():
			return false, nil
		case <-b.clock.After(delay):
		}
		delay = min(2*delay, b.backoffMax)
	}
}

func (b *Bot) registerOnce(ctx context.Context, appID string) error {
	if appID == "" {
		app, err := b.session.Application("@me")
		if err != nil {
			return err
		}
		appID = app.ID
	}
	b.appID.Store(appID)
	if b.selfID.Load().(string) == "" {
		b.selfID.Store(appID)
	}
	cmds, err := b.session.ApplicationCommandBulkOverwrite(appID, b.opts.GuildID, b.commands, discordgo.WithContext(ctx))
	if err != nil {
		return err
	}
	scope := "global"
	if b.opts.GuildID != "" {
		scope = "guild " + b.opts.GuildID
	}
	b.registered.Store(true)
	b.registeredOnce.Do(func() { close(b.registeredCh) })
	b.log.Info("commands registered", "count", len(cmds), "scope", scope)
	return nil
}

func (b *Bot) onReady(r *discordgo.Ready) {
	if r.User != nil {
		b.selfID.Store(r.User.ID)
	}
	if r.Application != nil && r.Application.ID != "" {
		b.appID.Store(r.Application.ID)
	}
}

// logGuilds logs the guilds of one shard, from its state (under its lock:
// discordgo updates the guilds as GUILD_CREATE events arrive).
func (b *Bot) logGuilds(sh *shard) {
	st := sh.session.State
	if st == nil {
		return
	}
	st.RLock()
	name := ""
	if st.User != nil {
		name = st.User.Username
	}
	ids := make([]string, 0, len(st.Guilds))
	for _, g := range st.Guilds {
		ids = append(ids, g.ID)
	}
	st.RUnlock()
	b.log.Info("gateway ready", "shard", sh.id, "shard_count", sh.count, "user", name, "guilds", len(ids), "guild_ids", ids)
}

// authFailure returns a fatal error when err says the token is wrong: a
// 401 from the REST API or gateway close code 4004.
func authFailure(err error) error {
	var rest *discordgo.RESTError
	if errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode == http.StatusUnauthorized {
		return fmt.Errorf("bot: Discord rejected the token (401): check DISCORD_TOKEN")
	}
	if errors.Is(err, discordgo.ErrUnauthorized) {
		return fmt.Errorf("bot: Discord rejected the token (401): check DISCORD_TOKEN")
	}
	switch code := closeCode(err); code {
	case 4004:
		return fmt.Errorf("bot: Discord rejected the token (gateway close 4004): check DISCORD_TOKEN")
	case 4010, 4011, 4012, 4013, 4014:
		return fmt.Errorf("bot: Discord closed the gateway with code %d (%w)", code, err)
	}
	return nil
}

// closeCode returns the websocket close code in err's chain, 0 when none.
func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

func isClientError(err error) bool {
	var rest *discordgo.RESTError
	return errors.As(err, &rest) && rest.Response != nil && rest.Response.StatusCode >= 400 && rest.Response.StatusCode < 500 &&
		rest.Response.StatusCode != http.StatusTooManyRequests
}

// permanentDiscordError reports a REST error that retrying the same call
// cannot fix (the message or interaction is gone, or access is denied).
func permanentDiscordError(err error) bool {
	var rest *discordgo.RESTError
	if !errors.As(err, &rest) || rest.Response == nil {
		return false
	}
	switch rest.Response.StatusCode {
	case http.StatusNotFound, http.StatusForbidden, http.StatusUnauthorized:
		return true
	}
	return false
}
