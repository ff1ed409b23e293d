package llm_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

// A failed attempt that reached the model may be billed: the daily token
// budget must count it, so the client reports it as Wasted.
func TestFailedAttemptsReportWhatTheyMayHaveCost(t *testing.T) {
	q := question("Who refunded what?")
	prompt := estimate(q, "").PromptTokens
	tests := []struct {
		name       string
		replies    []openaitest.Reply
		stream     bool
		timeout    time.Duration
		wantErr    bool
		wantWasted int
	}{
		{
			name:       "each 5xx before the answer costs its prompt",
			replies:    []openaitest.Reply{openaitest.Error(500, ""), openaitest.Error(503, ""), {Content: "fine"}},
			wantWasted: 2 * prompt,
		},
		{
			name:       "a 429 and a 400 are refusals that cost nothing",
			replies:    []openaitest.Reply{openaitest.RateLimited(time.Millisecond), {Content: "fine"}},
			wantWasted: 0,
		},
		{
			name:       "attempts that all fail return their cost with the error",
			replies:    []openaitest.Reply{openaitest.Error(500, ""), openaitest.Error(500, ""), openaitest.Error(500, ""), openaitest.Error(500, "")},
			wantErr:    true,
			wantWasted: 4 * prompt,
		},
		{
			name:       "an attempt that timed out while the model was writing costs its prompt",
			replies:    []openaitest.Reply{{Content: "late", Delay: time.Minute}, {Content: "fine"}},
			timeout:    100 * time.Millisecond,
			wantWasted: prompt,
		},
		{
			name:       "a stream refused with a 502 before its first word costs its prompt",
			replies:    []openaitest.Reply{openaitest.Error(502, ""), {Content: "fine"}},
			stream:     true,
			wantWasted: prompt,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Queue(tt.replies...)
			c, _ := newClient(t, srv, func(o *llm.Options) {
				if tt.timeout > 0 {
					o.Timeout = tt.timeout
				}
			})
			var resp llm.Response
			var err error
			if tt.stream {
				resp, err = c.Stream(context.Background(), q, nil)
			} else {
				resp, err = c.Complete(context.Background(), q)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if resp.Wasted.Total() != tt.wantWasted {
				t.Errorf("wasted = %+v, want %d prompt tokens", resp.Wasted, tt.wantWasted)
			}
			if got, want := c.Usage(), resp.Usage.Add(resp.Wasted); got != want {
				t.Errorf("client usage = %+v, want the answer's and the failed attempts' %+v", got, want)
			}
		})
	}
}

func TestAnAttemptThatNeverReachedTheServerCostsNothing(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close() // nothing listens there any more: every attempt fails to connect
	c, err := llm.New(llm.Options{BaseURL: url + "/v1", Model: "gpt-4o-mini", MaxRetries: 2,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Complete(context.Background(), question("Who refunded what?"))
	if err == nil {
		t.Fatal("a call to a closed port succeeded")
	}
	if resp.Wasted != (llm.Usage{}) {
		t.Errorf("wasted = %+v for attempts that never reached a server", resp.Wasted)
	}
}
