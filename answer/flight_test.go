package answer

import (
	"context"
	"errors"
	"testing"

	"github.com/storybot/storybot/llm/openaitest"
)

// joiningFlight tells the test when a caller has joined the real flight.
type joiningFlight struct {
	Flight
	joined chan struct{}
}

func (f joiningFlight) Do(ctx context.Context, key string, fn func(context.Context) (any, error)) (any, error) {
	f.joined <- struct{}{}
	return f.Flight.Do(ctx, key, fn)
}

const timelineReply = `{"events":[{"date":"Juli 2018","event":"Altman reserved a Roadster.","id":"§2"}]}`

func TestIdenticalWorkAtOnceIsDoneOnce(t *testing.T) {
	const n = 8
	runs := []struct {
		name string
		call func(te *testEngine, ctx context.Context) error
	}{
		{"timeline", func(te *testEngine, ctx context.Context) error {
			_, err := te.Timeline(ctx, TimelineRequest{Lang: "en"})
			return err
		}},
		{"summary", func(te *testEngine, ctx context.Context) error {
			_, err := te.Summary(ctx, SummaryRequest{Lang: "en"})
			return err
		}},
		{"quotation contexts", func(te *testEngine, ctx context.Context) error {
			_, err := te.Quotes(ctx, QuoteRequest{Speaker: "Musk", Lang: "en"})
			return err
		}},
	}
	for _, r := range runs {
		for _, cancelFirst := range []bool{false, true} {
			name := r.name + ": eight at once make one call"
			if cancelFirst {
				name = r.name + ": the first caller giving up does not fail the others"
			}
			t.Run(name, func(t *testing.T) {
				flight := joiningFlight{NewLocalFlight(0), make(chan struct{}, n)}
				te := newTestEngine(t, nil, withFlight(flight))
				reply := openaitest.Reply{Content: timelineReply}
				if r.name == "summary" {
					reply.Content = "Musk answered Altman's complaint [§3]."
				}
				g := newGate(t, te.srv, n, reply)
				errs := make(chan error, n)
				firstCtx, cancel := context.WithCancel(context.Background())
				defer cancel()
				go func() { errs <- r.call(te, firstCtx) }()
				<-flight.joined
				<-g.arrived // the first caller's work is at the model
				for range n - 1 {
					go func() { errs <- r.call(te, context.Background()) }()
				}
				for range n - 1 {
					select {
					case <-flight.joined:
					case <-g.arrived:
						t.Fatal("a second identical call reached the model")
					}
				}
				if cancelFirst {
					cancel()
					if err := <-errs; !errors.Is(err, context.Canceled) {
						t.Fatalf("the cancelled caller got %v", err)
					}
				}
				g.open()
				for i := range n - btoi(cancelFirst) {
					if err := <-errs; err != nil {
						t.Fatalf("caller %d: %v", i, err)
					}
				}
				if calls := te.srv.ChatCalls(); calls != 1 {
					t.Errorf("%d model calls for %d identical requests, want 1", calls, n)
				}
			})
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestAPanicInSharedWorkIsAnErrorForEveryWaiter(t *testing.T) {
	_, err := NewLocalFlight(0).Do(context.Background(), "k", func(context.Context) (any, error) { panic("boom") })
	if err == nil {
		t.Fatal("a panic in shared work returned no error")
	}
}
