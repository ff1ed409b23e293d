package discordtest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Default identities used when Options leaves them empty. They are valid
// snowflakes far older than anything the server generates, so they never
// collide with generated ids.
const (
	DefaultAppID     = "1000000000000000001"
	DefaultGuildID   = "1000000000000000002"
	DefaultChannelID = "1000000000000000003"
	DefaultUserID    = "1000000000000000004"
)

// DefaultHeartbeatInterval is the heartbeat interval sent in HELLO when
// Options.HeartbeatInterval is zero (the value real Discord sends).
const DefaultHeartbeatInterval = 41250 * time.Millisecond

// Errors returned by the dispatching methods.
var (
	// ErrNotConnected: no client has completed IDENTIFY (or RESUME) on a
	// gateway connection that is still open.
	ErrNotConnected = errors.New("discordtest: no gateway client is connected")
	// ErrIntentMissing: the connected client did not IDENTIFY with the
	// intent real Discord requires for this event, so it was not dispatched.
	ErrIntentMissing = errors.New("discordtest: event not dispatched, client lacks the required gateway intent")
	// ErrClosed: the server was closed.
	ErrClosed = errors.New("discordtest: server closed")
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Addr is the TCP address to listen on; default "127.0.0.1:0".
	Addr string

	// AppID is the application id; the bot user has the same id, as for
	// every modern Discord application. Default DefaultAppID.
	AppID string
	// BotUsername is the bot user's name; default "storybot".
	BotUsername string
	// GuildID, GuildName, ChannelID, ChannelName describe the one guild
	// the bot is in and its default text channel.
	GuildID, GuildName     string
	ChannelID, ChannelName string
	// ExtraGuildIDs are more guilds the bot is in (snowflakes). Each has
	// a default text channel whose id is the guild id plus one. With a
	// sharded client their events go to the shard (guild_id >> 22) %
	// shard_count, so guilds with different ids exercise several shards.
	ExtraGuildIDs []string
	// User is the default human user that invokes interactions and posts
	// messages; default id DefaultUserID, username "tester".
	User *discordgo.User

	// Token, if set, is the bot token the server expects (without the
	// "Bot " prefix): REST calls to authenticated routes without
	// "Authorization: Bot <Token>" get 401, and an IDENTIFY with another
	// token is closed with 4004. Empty accepts any token.
	Token string
	// IdentifyCloseCode, if set, closes every IDENTIFY's connection with
	// this code (e.g. 4004 for a token revoked after the REST calls
	// accepted it, 4011 sharding required).
	IdentifyCloseCode int
	// AllowedPrivilegedIntents are the privileged intents (GuildMembers,
	// GuildPresences, MessageContent) "enabled in the developer portal".
	// An IDENTIFY asking for others is closed with 4014 like real Discord.
	// It also decides whether message content is visible (see doc.go).
	AllowedPrivilegedIntents discordgo.Intent

	// HeartbeatInterval is sent in HELLO; default DefaultHeartbeatInterval.
	HeartbeatInterval time.Duration
	// CallbackDeadline, if positive, makes interaction callbacks that arrive
	// later than this after the dispatch fail with 404 Unknown interaction
	// (code 10062), as real Discord does after 3 s. Zero disables it.
	CallbackDeadline time.Duration
	// EchoBotMessages dispatches MESSAGE_CREATE for messages the bot itself
	// creates (channel messages, non-ephemeral interaction responses and
	// follow-ups), as real Discord does. Off by default.
	EchoBotMessages bool
	// DisableValidation turns off the checks of Discord's limits (content
	// length, embed sizes, component rules, command names...).
	DisableValidation bool
	// ControlAPI enables the /_test/ HTTP control API (see doc.go).
	ControlAPI bool
	// HTTPResponseLatency delays every write of a bot's HTTP response to
	// InteractHTTP by this much, like a slow network: the response counts
	// as received only when its last byte is through. A bot that sends
	// edits or follow-ups before its response is complete then sees them
	// fail (Unknown Message / Unknown Webhook) as with real Discord.
	HTTPResponseLatency time.Duration
	// Shards is the shard count GET /gateway/bot recommends; default 1.
	Shards int
	// MaxConcurrency is session_start_limit.max_concurrency of GET
	// /gateway/bot: how many IDENTIFY buckets (shard_id % max_concurrency)
	// may each identify once per 5 s; default 1.
	MaxConcurrency int
	// SessionStartLimit sets session_start_limit.total and remaining of
	// GET /gateway/bot (remaining counts down with every IDENTIFY, like
	// Discord's); nil: 1000 and 1000.
	SessionStartLimit *SessionStartLimit
	// Logf, if set, is called once for every recorded REST call.
	Logf func(format string, args ...any)
}

// Server is a fake Discord: REST API, gateway websocket and message store.
// All methods are safe for concurrent use.
type Server struct {
	opts    Options
	ln      net.Listener
	httpSrv *http.Server
	mux     *http.ServeMux
	origin  string
	bot     discordgo.User
	user    discordgo.User
	started time.Time

	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup // gateway connections

	lastID  atomic.Int64 // last generated snowflake
	callSeq atomic.Int64

	// mu guards the fake's world state below.
	mu           sync.Mutex
	closed       bool
	messages     map[string]*wireMessage
	channels     map[string]*channelInfo
	users        map[string]*discordgo.User
	interactions map[string]*interactionState // by token
	commands     map[string][]*discordgo.ApplicationCommand
	faults       []*faultEntry
	identify     *discordgo.Identify
	identifies   []IdentifyRecord
	startsLeft   int
	shardConns   map[int]*gwConn // identified sharded connections by shard id
	shardCount   int             // the shard count those connections identified with
	presence     []byte
	gw           GatewayStats
	sessions     map[string]*gwSession
	conns        map[*gwConn]struct{}
	current      *gwConn

	// signing key of InteractHTTP (PublicKey)
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey

	// callMu guards calls and changed.
	callMu  sync.Mutex
	calls   []Call
	changed chan struct{}
}

// NewServer starts a fake Discord listening on opts.Addr. Close it when
// done. For tests prefer New or Start, which close it on tb.Cleanup.
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.AppID == "" {
		opts.AppID = DefaultAppID
	}
	if opts.BotUsername == "" {
		opts.BotUsername = "storybot"
	}
	if opts.GuildID == "" {
		opts.GuildID = DefaultGuildID
	}
	if opts.GuildName == "" {
		opts.GuildName = "Story Guild"
	}
	if opts.ChannelID == "" {
		opts.ChannelID = DefaultChannelID
	}
	if opts.ChannelName == "" {
		opts.ChannelName = "general"
	}
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if opts.Shards <= 0 {
		opts.Shards = 1
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 1
	}
	if opts.SessionStartLimit == nil {
		opts.SessionStartLimit = &SessionStartLimit{Total: 1000, Remaining: 1000}
	}
	for _, g := range opts.ExtraGuildIDs {
		if _, err := strconv.ParseUint(g, 10, 64); err != nil || g == opts.GuildID {
			return nil, fmt.Errorf("discordtest: extra guild id %q is not a new snowflake", g)
		}
	}
	user := discordgo.User{ID: DefaultUserID, Username: "tester", Discriminator: "0", GlobalName: "Tester"}
	if opts.User != nil {
		user = *opts.User
		if user.ID == "" {
			user.ID = DefaultUserID
		}
		if user.Username == "" {
			user.Username = "tester"
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("discordtest: signing key: %w", err)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("discordtest: listen: %w", err)
	}
	s := &Server{
		opts:         opts,
		ln:           ln,
		origin:       "http://" + ln.Addr().String(),
		bot:          discordgo.User{ID: opts.AppID, Username: opts.BotUsername, Discriminator: "0", Bot: true},
		user:         user,
		started:      time.Now(),
		done:         make(chan struct{}),
		messages:     make(map[string]*wireMessage),
		channels:     make(map[string]*channelInfo),
		users:        make(map[string]*discordgo.User),
		interactions: make(map[string]*interactionState),
		commands:     make(map[string][]*discordgo.ApplicationCommand),
		sessions:     make(map[string]*gwSession),
		shardConns:   make(map[int]*gwConn),
		startsLeft:   opts.SessionStartLimit.Remaining,
		conns:        make(map[*gwConn]struct{}),
		changed:      make(chan struct{}),
		pub:          pub,
		priv:         priv,
	}
	s.channels[opts.ChannelID] = &channelInfo{ID: opts.ChannelID, GuildID: opts.GuildID, Name: opts.ChannelName}
	for _, g := range opts.ExtraGuildIDs {
		ch := extraGuildChannel(g)
		s.channels[ch] = &channelInfo{ID: ch, GuildID: g, Name: opts.ChannelName}
	}
	bot, u := s.bot, s.user
	s.users[bot.ID] = &bot
	s.users[u.ID] = &u
	s.mux = http.NewServeMux()
	s.routes()
	s.httpSrv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.httpSrv.Serve(ln) }()
	return s, nil
}

// Start starts a server with opts and closes it on tb.Cleanup. It calls
// tb.Fatal if the server cannot start.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := NewServer(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New is Start with default Options.
func New(tb testing.TB) *Server {
	tb.Helper()
	return Start(tb, Options{})
}

// URL returns the origin, e.g. "http://127.0.0.1:41234". Point the bot's
// HTTP transport (DISCORD_API_URL) at it; paths are the real Discord paths.
func (s *Server) URL() string { return s.origin }

// GatewayURL returns the websocket URL that GET /api/v9/gateway hands out.
func (s *Server) GatewayURL() string { return "ws://" + s.ln.Addr().String() + "/gateway" }

// AppID returns the application id (also the bot user id).
func (s *Server) AppID() string { return s.opts.AppID }

// BotUser returns a copy of the bot user.
func (s *Server) BotUser() discordgo.User { return s.bot }

// BotMention returns "<@BOTID>", the text that mentions the bot.
func (s *Server) BotMention() string { return "<@" + s.bot.ID + ">" }

// User returns a copy of the default human user.
func (s *Server) User() discordgo.User { return s.user }

// GuildID returns the id of the bot's guild.
func (s *Server) GuildID() string { return s.opts.GuildID }

// ChannelID returns the id of the default text channel.
func (s *Server) ChannelID() string { return s.opts.ChannelID }

// Options returns the effective options (with defaults filled in).
func (s *Server) Options() Options { return s.opts }

// Close shuts the server down: gateway connections are closed, REST
// requests in flight are cut off, and waiters return ErrClosed. It is
// idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		conns := make([]*gwConn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.current = nil
		clear(s.shardConns)
		s.mu.Unlock()
		close(s.done)
		for _, c := range conns {
			c.close(websocketCloseGoingAway, "server closing")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.httpSrv.Shutdown(ctx)
		_ = s.httpSrv.Close()
		s.wg.Wait()
	})
}

// nextID returns a fresh, strictly increasing snowflake.
func (s *Server) nextID() string {
	for {
		last := s.lastID.Load()
		cand := (time.Now().UnixMilli() - discordEpochMs) << 22
		if cand <= last {
			cand = last + 1
		}
		if s.lastID.CompareAndSwap(last, cand) {
			return strconv.FormatInt(cand, 10)
		}
	}
}

const discordEpochMs = 1420070400000

// notify wakes every waiter (WaitFor, WaitReady, WaitGateway, ...).
func (s *Server) notify() {
	s.callMu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.callMu.Unlock()
}

func (s *Server) changeCh() <-chan struct{} {
	s.callMu.Lock()
	defer s.callMu.Unlock()
	return s.changed
}

// waitUntil blocks until check returns true, ctx ends or the server closes.
// The change channel is taken before check runs, so no wake-up is lost.
func (s *Server) waitUntil(ctx context.Context, check func() bool) error {
	for {
		ch := s.changeCh()
		if check() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			if check() {
				return nil
			}
			return ErrClosed
		}
	}
}

// Commands returns the application commands registered for guildID
// ("" = global), in registration order, as the server stored them (with
// ids assigned).
func (s *Server) Commands(guildID string) []*discordgo.ApplicationCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneCommands(s.commands[guildID])
}

// WaitCommands blocks until at least one command is registered for guildID
// ("" = global) and returns them.
func (s *Server) WaitCommands(ctx context.Context, guildID string) ([]*discordgo.ApplicationCommand, error) {
	var out []*discordgo.ApplicationCommand
	err := s.waitUntil(ctx, func() bool {
		out = s.Commands(guildID)
		return len(out) > 0
	})
	return out, err
}

// Message returns the stored message with the given id, unredacted.
func (s *Server) Message(id string) (*discordgo.Message, bool) {
	s.mu.Lock()
	m, ok := s.messages[id]
	var b []byte
	if ok {
		b = s.renderLocked(m, viewRaw)
	}
	s.mu.Unlock()
	if !ok {
		return nil, false
	}
	return decodeMessage(b), true
}

// Messages returns every stored message in channelID, oldest first,
// unredacted (deleted messages are gone).
func (s *Server) Messages(channelID string) []*discordgo.Message {
	s.mu.Lock()
	ms := s.channelMessagesLocked(channelID)
	bs := make([][]byte, len(ms))
	for i, m := range ms {
		bs[i] = s.renderLocked(m, viewRaw)
	}
	s.mu.Unlock()
	out := make([]*discordgo.Message, len(bs))
	for i, b := range bs {
		out[i] = decodeMessage(b)
	}
	return out
}
