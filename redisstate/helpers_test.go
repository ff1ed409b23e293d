package redisstate_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/redisstate"
)

// logBuffer is a log sink safe for concurrent use that tells waiters when
// a line containing some text arrives.
type logBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.changed)
	l.changed = make(chan struct{})
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// count returns how many lines contain s.
func (l *logBuffer) count(s string) int { return strings.Count(l.String(), s) }

// waitFor blocks until the log has n lines containing s.
func (l *logBuffer) waitFor(t *testing.T, s string, n int) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		l.mu.Lock()
		ch := l.changed
		got := strings.Count(l.b.String(), s)
		l.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("log never had %d lines with %q:\n%s", n, s, l.String())
		}
	}
}

// open returns a Store for url whose log goes to logs, pinged once.
func open(t *testing.T, url string, logs *logBuffer, opts ...func(*redisstate.Options)) *redisstate.Store {
	t.Helper()
	if logs == nil {
		logs = newLogBuffer()
	}
	o := redisstate.Options{URL: url, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OpTimeout: 500 * time.Millisecond} // generous: the machine is shared and runs -race
	for _, f := range opts {
		f(&o)
	}
	st, err := redisstate.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	_ = st.Ping(context.Background())
	return st
}

// localLimiter counts what reaches it and allows everything.
type localLimiter struct {
	mu            sync.Mutex
	allows, funds int
}

func (l *localLimiter) Allow(string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.allows++
	return true, 0
}

func (l *localLimiter) Refund(string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.funds++
}

func (l *localLimiter) calls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.allows
}

// localBudget counts in-process reservations and admits them all.
type localBudget struct {
	mu       sync.Mutex
	reserves int
}

func (b *localBudget) Reserve(context.Context, int) (answer.Reservation, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reserves++
	return noop{}, true
}

func (b *localBudget) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reserves
}

type noop struct{}

func (noop) Settle(context.Context, int) {}

// localReplay is a plain set.
type localReplay struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (r *localReplay) FirstSeen(_ context.Context, id string, _ time.Time) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	was := r.seen[id]
	r.seen[id] = true
	return !was, nil
}

// seen reports whether g had taken id before (FirstSeen says it is not new).
func seen(t *testing.T, g interface {
	FirstSeen(context.Context, string, time.Time) (bool, error)
}, id string) bool {
	t.Helper()
	first, err := g.FirstSeen(context.Background(), id, time.Now().Add(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	return !first
}
