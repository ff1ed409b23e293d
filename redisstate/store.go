package redisstate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Defaults for Options left zero.
const (
	// DefaultOpTimeout bounds one Redis call, connecting included. An
	// interaction makes a few calls; once one fails the Store is down and
	// the others do not wait at all, so an interaction waits about this
	// long on a Redis that hangs.
	DefaultOpTimeout = 100 * time.Millisecond
	// DefaultPingInterval is how often Run checks Redis: shared state
	// resumes within it of Redis coming back.
	DefaultPingInterval = 2 * time.Second
	// DefaultPrefix starts every key, so storybot can share a Redis.
	DefaultPrefix = "storybot:"
)

// Options configures a Store.
type Options struct {
	// URL is REDIS_URL: redis://[user:password@]host:port/db, rediss:// for TLS.
	URL          string
	OpTimeout    time.Duration
	PingInterval time.Duration
	Prefix       string
	Logger       *slog.Logger
}

// Store is a Redis connection that knows whether Redis is reachable.
type Store struct {
	rdb       *redis.Client
	log       *slog.Logger
	prefix    string
	opTimeout time.Duration
	interval  time.Duration

	up        atomic.Bool
	downSince atomic.Int64 // unix nanoseconds
	upGauge   prometheus.Gauge
	fallbacks *prometheus.CounterVec
}

// Open parses opts.URL and prepares the client. It does not wait for Redis:
// a Redis that is down at start only means in-process state until it is up
// (Run finds out). A malformed URL is an error.
func Open(opts Options) (*Store, error) {
	ro, err := redis.ParseURL(strings.TrimSpace(opts.URL))
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %s", scrubURL(err.Error(), opts.URL))
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = DefaultOpTimeout
	}
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// Every call fails fast rather than retrying: a fallback answers at
	// once, and the ping loop brings Redis back.
	ro.DialTimeout = opts.OpTimeout
	ro.DialerRetries = 1
	ro.ReadTimeout = opts.OpTimeout
	ro.WriteTimeout = opts.OpTimeout
	ro.ContextTimeoutEnabled = true
	ro.MaxRetries = -1
	ro.PoolSize = 8
	ro.PoolTimeout = opts.OpTimeout
	ro.MinIdleConns = 1
	ro.ConnMaxIdleTime = time.Minute
	ro.Protocol = 2 // plain request/response: no push notifications to handle
	ro.DisableIdentity = true
	s := &Store{
		rdb:       redis.NewClient(ro),
		log:       logger.With("component", "redis"),
		prefix:    opts.Prefix,
		opTimeout: opts.OpTimeout,
		interval:  opts.PingInterval,
		upGauge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "storybot_redis_up",
			Help: "1 while Redis (REDIS_URL) answers and state is shared; 0 while this process falls back to in-process limits and caches.",
		}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "storybot_redis_fallbacks_total",
			Help: "Operations done in-process because Redis was unreachable, by operation.",
		}, []string{"op"}),
	}
	s.downSince.Store(time.Now().UnixNano())
	setRedisLogger(logger)
	return s, nil
}

// Collectors are the Store's Prometheus metrics.
func (s *Store) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.upGauge, s.fallbacks}
}

// Up reports whether Redis answered the last call.
func (s *Store) Up() bool { return s.up.Load() }

// Status is the Store's line for /readyz.
func (s *Store) Status() []string {
	if s.Up() {
		return []string{"redis: connected; rate limits, budget, caches and replay protection are shared"}
	}
	since := time.Unix(0, s.downSince.Load()).UTC().Format(time.RFC3339)
	return []string{"redis: unreachable since " + since + "; degraded to per-process rate limits, budget, caches and replay protection"}
}

// Ping checks Redis once and updates the state.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opTimeout*5)
	defer cancel()
	err := s.rdb.Ping(ctx).Err()
	if err != nil {
		s.markDown(err)
		return err
	}
	s.markUp()
	return nil
}

// Start pings Redis once, so that what the process does first (a gateway
// shard's identify turn, the first rate limit) already knows whether Redis
// is there, then runs the health loop in the background until ctx ends.
// Without the first ping, a replica whose shard asked for its turn a
// millisecond before the loop's first ping answered took it alone, beside
// another replica's (seen in TestShardProcesses on a busy machine). It
// waits at most five OpTimeouts, when Redis does not answer.
func (s *Store) Start(ctx context.Context) {
	_ = s.Ping(ctx)
	go s.loop(ctx)
}

// Run pings Redis now and every PingInterval until ctx ends: it notices
// Redis coming back (and going away while idle).
func (s *Store) Run(ctx context.Context) {
	_ = s.Ping(ctx)
	s.loop(ctx)
}

// loop pings Redis every PingInterval until ctx ends.
func (s *Store) loop(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.Ping(ctx)
		}
	}
}

// Close closes the connections.
func (s *Store) Close() error { return s.rdb.Close() }

func (s *Store) markUp() {
	if s.up.CompareAndSwap(false, true) {
		s.upGauge.Set(1)
		s.log.Info("redis reachable; rate limits, budget, caches and replay protection are shared")
	}
}

func (s *Store) markDown(err error) {
	if s.up.CompareAndSwap(true, false) {
		s.downSince.Store(time.Now().UnixNano())
		s.upGauge.Set(0)
		s.log.Warn("redis lost; falling back to per-process state until it answers again", "err", err)
	}
}

// call runs op against Redis within OpTimeout when Redis is up. It
// returns false when the caller must fall back: Redis is down, or op
// failed for a reason other than the caller's own context (the Store is
// then down until a ping succeeds).
func (s *Store) call(ctx context.Context, name string, op func(ctx context.Context, rdb *redis.Client) error) bool {
	if !s.up.Load() {
		s.fallbacks.WithLabelValues(name).Inc()
		return false
	}
	cctx, cancel := context.WithTimeout(ctx, s.opTimeout)
	defer cancel()
	err := op(cctx, s.rdb)
	if err == nil || errors.Is(err, redis.Nil) {
		return true
	}
	if ctx.Err() == nil && isConnectionError(err) {
		s.markDown(err)
	} else if ctx.Err() == nil {
		s.log.Warn("redis call failed", "op", name, "err", err)
	}
	s.fallbacks.WithLabelValues(name).Inc()
	return false
}

// isConnectionError tells a Redis that cannot be reached or answers too
// slowly from an error in one command (a script error, a wrong type).
func isConnectionError(err error) bool {
	var re redis.Error
	if errors.As(err, &re) && !errors.Is(err, redis.ErrClosed) && !errors.Is(err, redis.ErrPoolTimeout) {
		// A reply: only LOADING, READONLY, MASTERDOWN, BUSY say the server
		// cannot serve now; others are about the one command.
		msg := re.Error()
		return strings.HasPrefix(msg, "LOADING") || strings.HasPrefix(msg, "READONLY") ||
			strings.HasPrefix(msg, "MASTERDOWN") || strings.HasPrefix(msg, "BUSY")
	}
	// Timeouts, refused or reset connections, a closed pool, and anything
	// unknown: treat Redis as gone and let the ping decide.
	return true
}

func (s *Store) key(parts ...string) string { return s.prefix + strings.Join(parts, ":") }

// scrubURL removes the URL (which may hold a password) from a message.
func scrubURL(msg, url string) string {
	if url != "" {
		msg = strings.ReplaceAll(msg, url, "(REDIS_URL)")
	}
	return msg
}

// setRedisLogger sends go-redis's own messages (pool and dial failures)
// to slog at debug level: the Store logs the loss and the return of Redis
// once each, so these would only repeat it. go-redis has one global
// logger; the first Store's logger wins.
var loggerOnce sync.Once

func setRedisLogger(l *slog.Logger) {
	loggerOnce.Do(func() { redis.SetLogger(slogPrintf{l.With("component", "go-redis")}) })
}

type slogPrintf struct{ log *slog.Logger }

func (p slogPrintf) Printf(ctx context.Context, format string, v ...any) {
	p.log.DebugContext(ctx, fmt.Sprintf(format, v...))
}
