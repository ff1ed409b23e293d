package llm_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

func TestRetries(t *testing.T) {
	ok := openaitest.Reply{Content: "fine"}
	tests := []struct {
		name    string
		replies []openaitest.Reply // then "fine" for ever
		opts    func(*llm.Options)
		kind    fault.Kind // 0 with msg "": success
		msg     string
		calls   int
		waits   []time.Duration
	}{
		{
			name:    "a 429 with Retry-After in seconds waits that long, then succeeds",
			replies: []openaitest.Reply{openaitest.RateLimited(7 * time.Second)},
			calls:   2, waits: durations(7 * time.Second),
		},
		{
			name:    "a 429 with retry-after-ms waits that many milliseconds",
			replies: []openaitest.Reply{{Status: 429, Header: http.Header{"Retry-After-Ms": {"1500"}}}},
			calls:   2, waits: durations(1500 * time.Millisecond),
		},
		{
			name:    "a Retry-After above the cap waits the cap",
			replies: []openaitest.Reply{openaitest.RateLimited(time.Hour)},
			opts:    func(o *llm.Options) { o.MaxRetryAfter = 45 * time.Second },
			calls:   2, waits: durations(45 * time.Second),
		},
		{
			name:    "a 429 on every try is a busy model after MaxRetries+1 attempts",
			replies: repeat(openaitest.RateLimited(2*time.Second), 10),
			kind:    fault.Limited, msg: "the model is busy",
			calls: 4, waits: durations(2*time.Second, 2*time.Second, 2*time.Second),
		},
		{
			name:    "a 500 on every try is an unavailable model after MaxRetries+1 attempts, with exponential backoff",
			replies: repeat(openaitest.Error(500, ""), 10),
			kind:    fault.Unavailable, msg: "the model did not answer",
			calls: 4, waits: durations(500*time.Millisecond, time.Second, 2*time.Second),
		},
		{
			name:    "the backoff stops growing at its cap",
			replies: repeat(openaitest.Error(503, ""), 10),
			opts:    func(o *llm.Options) { o.Backoff, o.MaxBackoff, o.MaxRetries = time.Second, 3*time.Second, 4 },
			kind:    fault.Unavailable, msg: "the model did not answer",
			calls: 5, waits: durations(time.Second, 2*time.Second, 3*time.Second, 3*time.Second),
		},
		{
			name:    "a 503 with Retry-After honours it",
			replies: []openaitest.Reply{{Status: 503, RetryAfter: 3 * time.Second}},
			calls:   2, waits: durations(3 * time.Second),
		},
		{
			name:    "MaxRetries 0 tries once",
			replies: []openaitest.Reply{openaitest.Error(500, "")},
			opts:    func(o *llm.Options) { o.MaxRetries = 0 },
			kind:    fault.Unavailable, msg: "the model did not answer", calls: 1,
		},
		{
			name:    "a 400 is not retried",
			replies: []openaitest.Reply{openaitest.Error(400, "This model's maximum context length is 128000 tokens.")},
			kind:    fault.Unavailable, msg: "the model API rejected the request", calls: 1,
		},
		{
			name:    "a 401 is a refused key, not retried",
			replies: []openaitest.Reply{openaitest.Error(401, "")},
			kind:    fault.Unavailable, msg: "the model API refused the key", calls: 1,
		},
		{
			name:    "a 403 is a refused key, not retried",
			replies: []openaitest.Reply{openaitest.Error(403, "Project does not have access")},
			kind:    fault.Unavailable, msg: "the model API refused the key", calls: 1,
		},
		{
			name:    "a 404 names the model, not retried",
			replies: []openaitest.Reply{openaitest.Error(404, "")},
			kind:    fault.Unavailable, msg: "model not found: gpt-4o-mini", calls: 1,
		},
		{
			name:    "an error body that is not JSON is still read by its status",
			replies: []openaitest.Reply{{Status: 502, Body: "<html>Bad Gateway</html>"}},
			calls:   2, waits: durations(500 * time.Millisecond),
		},
		{
			name:    "a malformed JSON answer is unreadable, not retried",
			replies: []openaitest.Reply{{Malformed: true}},
			kind:    fault.Unavailable, msg: "the model sent an unreadable answer", calls: 1,
		},
		{
			name:    "an answer with no choices is empty, not retried",
			replies: []openaitest.Reply{{Body: `{"id": "x", "object": "chat.completion", "choices": []}`}},
			kind:    fault.Unavailable, msg: "the model sent an empty answer", calls: 1,
		},
		{
			name:    "a connection dropped halfway through the body is retried",
			replies: []openaitest.Reply{{Content: "fine", CutAfter: 1}},
			calls:   2, waits: durations(500 * time.Millisecond),
		},
		{
			name:    "an answer slower than the timeout is retried, then fails",
			replies: repeat(openaitest.Reply{Content: "late", Delay: time.Minute}, 10),
			opts:    func(o *llm.Options) { o.Timeout, o.MaxRetries = 20*time.Millisecond, 2 },
			kind:    fault.Unavailable, msg: "the model did not answer",
			calls: 3, waits: durations(500*time.Millisecond, time.Second),
		},
		{
			name:    "an answer slower than the timeout once is retried and succeeds",
			replies: []openaitest.Reply{{Content: "late", Delay: time.Minute}},
			opts:    func(o *llm.Options) { o.Timeout = 50 * time.Millisecond },
			calls:   2, waits: durations(500 * time.Millisecond),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Queue(tt.replies...)
			srv.Reply(func(openai.ChatCompletionRequest) openaitest.Reply { return ok })
			c, sl := newClient(t, srv, tt.opts)
			resp, err := c.Complete(context.Background(), question("q"))
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if resp.Content != "fine" {
					t.Errorf("content = %q", resp.Content)
				}
			} else {
				wantFault(t, err, tt.kind, tt.msg)
			}
			wantCalls(t, srv, tt.calls)
			if got := sl.all(); !equalDurations(got, tt.waits) {
				t.Errorf("waits = %v, want %v", got, tt.waits)
			}
		})
	}
}

func repeat(r openaitest.Reply, n int) []openaitest.Reply {
	out := make([]openaitest.Reply, n)
	for i := range out {
		out[i] = r
	}
	return out
}

func TestRetryAfterAsHTTPDate(t *testing.T) {
	srv := openaitest.New(t)
	at := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	srv.Queue(openaitest.Reply{Status: 429, Header: http.Header{"Retry-After": {at}}}, openaitest.Reply{Content: "fine"})
	c, sl := newClient(t, srv, nil)
	if _, err := c.Complete(context.Background(), question("q")); err != nil {
		t.Fatal(err)
	}
	waits := sl.all()
	// The date has a resolution of a second.
	if len(waits) != 1 || waits[0] < 27*time.Second || waits[0] > 31*time.Second {
		t.Errorf("waits = %v, want about 30s", waits)
	}
}

func TestRetriesRespectTheCallersContext(t *testing.T) {
	t.Run("a Retry-After beyond the deadline gives up at once", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Queue(openaitest.RateLimited(30*time.Second), openaitest.Reply{Content: "too late"})
		c, sl := newClient(t, srv, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.Complete(ctx, question("q"))
		wantFault(t, err, fault.Limited, "the model is busy")
		wantCalls(t, srv, 1)
		if len(sl.all()) != 0 {
			t.Errorf("waited %v", sl.all())
		}
	})
	t.Run("a context canceled while waiting returns context.Canceled", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Queue(openaitest.Error(500, ""))
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c, _ := newClient(t, srv, func(o *llm.Options) {
			o.Sleep = func(ctx context.Context, d time.Duration) error {
				cancel()
				return ctx.Err()
			}
		})
		_, err := c.Complete(ctx, question("q"))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		wantCalls(t, srv, 1)
	})
	t.Run("a context canceled before the call makes no request", func(t *testing.T) {
		srv := openaitest.New(t)
		c, _ := newClient(t, srv, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.Stream(ctx, question("q"), nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		wantCalls(t, srv, 0)
	})
	t.Run("a caller's deadline passing during the call is an unavailable model", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Queue(openaitest.Reply{Content: "late", Delay: time.Minute})
		c, _ := newClient(t, srv, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		_, err := c.Complete(ctx, question("q"))
		wantFault(t, err, fault.Unavailable, "the model did not answer")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
		}
		wantCalls(t, srv, 1)
	})
}

func TestConnectionErrorsAreRetried(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	url := gone.URL
	gone.Close()
	sl := &sleeps{}
	c, err := llm.New(llm.Options{BaseURL: url + "/v1", Model: "m", MaxRetries: 2, Sleep: sl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Complete(context.Background(), question("q"))
	wantFault(t, err, fault.Unavailable, "the model did not answer")
	if got := len(sl.all()); got != 2 {
		t.Errorf("%d waits, want 2 (3 attempts)", got)
	}
	for _, w := range sl.all() {
		if w < 0 || w > 20*time.Second {
			t.Errorf("wait %v outside [0, 20s]", w)
		}
	}
}

func TestTheKeyNeverShows(t *testing.T) {
	echoKey := "Incorrect API key provided: " + testKey + ". You can find your API key at https://platform.openai.com/account/api-keys."
	tests := []struct {
		name  string
		reply openaitest.Reply
		kind  fault.Kind
		msg   string
	}{
		{"a 401 that repeats the key", openaitest.Error(401, echoKey), fault.Unavailable, "the model API refused the key"},
		{"a 500 whose raw body holds the key", openaitest.Reply{Status: 500, Body: "upstream said " + testKey}, fault.Unavailable, "the model did not answer"},
		{"a 400 that repeats the key", openaitest.Error(400, "bad key "+testKey), fault.Unavailable, "the model API rejected the request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Reply(func(openai.ChatCompletionRequest) openaitest.Reply { return tt.reply })
			var logs syncBuffer
			c, _ := newClient(t, srv, func(o *llm.Options) { o.Logger = newLogger(&logs) })
			_, err := c.Complete(context.Background(), question("q"))
			wantFault(t, err, tt.kind, tt.msg)
			_, serr := c.Stream(context.Background(), question("q"), nil)
			wantFault(t, serr, tt.kind, tt.msg)
			for _, s := range []string{err.Error(), serr.Error(), fmt.Sprintf("%+v %#v", err, err), logs.String()} {
				if strings.Contains(s, testKey) {
					t.Errorf("the key shows in %q", s)
				}
			}
			var he *llm.HTTPError
			if !errors.As(err, &he) || he.StatusCode != tt.reply.Status {
				t.Errorf("err = %v, want an *llm.HTTPError with status %d", err, tt.reply.Status)
			}
			if tt.reply.Status == 500 && !strings.Contains(logs.String(), "retrying") {
				t.Errorf("retries not logged: %s", logs.String())
			}
		})
	}
}

// The transport notes each attempt's Retry-After in that attempt's own
// context: concurrent calls never see each other's.
func TestConcurrentCallsKeepTheirOwnRetryAfter(t *testing.T) {
	srv := openaitest.New(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	srv.Reply(func(req openai.ChatCompletionRequest) openaitest.Reply {
		q := req.Messages[len(req.Messages)-1].Content
		mu.Lock()
		defer mu.Unlock()
		if !seen[q] {
			seen[q] = true
			var n int
			fmt.Sscanf(q, "q%d", &n)
			return openaitest.RateLimited(time.Duration(n+1) * time.Second)
		}
		return openaitest.Reply{Content: "a" + q}
	})
	type key struct{}
	var waitsMu sync.Mutex
	waits := map[int][]time.Duration{}
	c, _ := newClient(t, srv, func(o *llm.Options) {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			waitsMu.Lock()
			defer waitsMu.Unlock()
			id := ctx.Value(key{}).(int)
			waits[id] = append(waits[id], d)
			return nil
		}
	})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			ctx := context.WithValue(context.Background(), key{}, i)
			q := fmt.Sprintf("q%d", i)
			var (
				resp llm.Response
				err  error
			)
			if i%2 == 0 {
				resp, err = c.Complete(ctx, question(q))
			} else {
				resp, err = c.Stream(ctx, question(q), nil)
			}
			if err != nil || resp.Content != "a"+q {
				t.Errorf("%s: %q, %v", q, resp.Content, err)
			}
		})
	}
	wg.Wait()
	for i := range 16 {
		if want := durations(time.Duration(i+1) * time.Second); !equalDurations(waits[i], want) {
			t.Errorf("call %d waited %v, want %v", i, waits[i], want)
		}
	}
}
