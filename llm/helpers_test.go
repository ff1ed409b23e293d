package llm_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

// testKey is a fake key that is easy to spot in any output.
const testKey = "sk-test-SECRET-KEY-0123456789"

// sleeps records the waits between retries instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// syncBuffer is a log sink that is safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newClient returns a client for srv that retries 3 times without waiting
// (the waits are recorded, with no jitter), and its recorded waits.
func newClient(t *testing.T, srv *openaitest.Server, mod func(*llm.Options)) (*llm.Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	o := llm.Options{
		APIKey:         testKey,
		BaseURL:        srv.BaseURL(),
		Model:          "gpt-4o-mini",
		EmbeddingModel: "text-embedding-3-small",
		Timeout:        10 * time.Second,
		MaxRetries:     3,
		Sleep:          sl.sleep,
		Jitter:         func(d time.Duration) time.Duration { return d },
	}
	if mod != nil {
		mod(&o)
	}
	c, err := llm.New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, sl
}

func question(q string) llm.Request {
	return llm.Request{Messages: []llm.Message{
		{Role: llm.System, Content: "You answer questions about the story, citing passages like [§1]."},
		{Role: llm.User, Content: q},
	}}
}

func wantFault(t *testing.T, err error, kind fault.Kind, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want a %v fault %q", kind, message)
	}
	if got := fault.KindOf(err); got != kind {
		t.Errorf("kind = %v, want %v (err: %v)", got, kind, err)
	}
	if got := fault.MessageOf(err); got != message {
		t.Errorf("message = %q, want %q (err: %v)", got, message, err)
	}
}

func wantCalls(t *testing.T, srv *openaitest.Server, want int) {
	t.Helper()
	if got := srv.ChatCalls(); got != want {
		t.Errorf("chat calls = %d, want %d", got, want)
	}
}

func durations(ds ...time.Duration) []time.Duration { return ds }

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func newLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
