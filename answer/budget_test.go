package answer

import (
	"context"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

// gate holds every chat request at the fake server until released, and
// tells the test when each arrives.
type gate struct {
	arrived chan struct{}
	release chan struct{}
	once    sync.Once
}

func newGate(t *testing.T, srv *openaitest.Server, capacity int, reply openaitest.Reply) *gate {
	g := &gate{arrived: make(chan struct{}, capacity), release: make(chan struct{})}
	srv.Reply(func(openai.ChatCompletionRequest) openaitest.Reply {
		g.arrived <- struct{}{}
		<-g.release
		return reply
	})
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

func TestConcurrentQuestionsExceedTheBudgetByAtMostOneCall(t *testing.T) {
	for _, n := range []int{8, 50} {
		t.Run("", func(t *testing.T) {
			te := newTestEngine(t, nil, withBudget(1))
			g := newGate(t, te.srv, n, openaitest.Reply{Content: "In July 2018 [§2]."})
			type result struct {
				a   *Answer
				err error
			}
			results := make(chan result, n)
			for range n {
				go func() {
					a, err := te.Ask(context.Background(), AskRequest{Question: "When did Altman make his reservation?"}, nil)
					results <- result{a, err}
				}()
			}
			// Every question but the one at the model must be answered
			// offline while that call is still open.
			arrived, offline := 0, 0
			for offline < n-1 {
				select {
				case <-g.arrived:
					if arrived++; arrived > 1 {
						t.Fatalf("%d calls reached the model with a budget of 1 token", arrived)
					}
				case r := <-results:
					if r.err != nil || r.a.Mode != ModeOffline {
						t.Fatalf("an answer past the budget: %v %+v", r.err, r.a)
					}
					offline++
				}
			}
			g.open()
			if r := <-results; r.err != nil || r.a.Mode != ModeLLM {
				t.Fatalf("the one call: %v %+v", r.err, r.a)
			}
			if calls := te.srv.ChatCalls(); calls != 1 {
				t.Errorf("%d model calls for %d questions, want 1", calls, n)
			}
		})
	}
}

// llmPrompt is the llm client's estimate of a recorded request's prompt.
func llmPrompt(req *openai.ChatCompletionRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += (utf8.RuneCountInString(m.Content) + 3) / 4
	}
	return n
}

func TestFailedAttemptsCountAgainstTheBudget(t *testing.T) {
	cases := []struct {
		name     string
		replies  []openaitest.Reply
		fails    int // failed attempts that reached the model
		answered bool
	}{
		{"two 500s, then an answer", []openaitest.Reply{openaitest.Error(500, "boom"), openaitest.Error(500, "boom"),
			{Content: "In July 2018 [§2].", Usage: &openai.Usage{PromptTokens: 700, CompletionTokens: 20}}}, 2, true},
		{"three 500s: the question fails", []openaitest.Reply{openaitest.Error(500, "boom"), openaitest.Error(500, "boom"), openaitest.Error(500, "boom")}, 3, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := NewDailyBudget(1_000_000, nil)
			te := newTestEngine(t, nil, withRetries(2), func(o *Options, _ *llm.Options) { o.Budget = b })
			te.srv.Queue(c.replies...)
			_, err := te.Ask(context.Background(), AskRequest{Question: "When did Altman make his reservation?"}, nil)
			if (err == nil) != c.answered {
				t.Fatalf("err = %v", err)
			}
			want := c.fails * llmPrompt(te.lastChat(t))
			if c.answered {
				want += 720
			}
			if got := b.Used(); got != want {
				t.Errorf("budget counts %d tokens, want %d (%d failed attempts' prompts)", got, want, c.fails)
			}
		})
	}
}

func TestDailyBudgetReservesAndSettles(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)
	b := NewDailyBudget(1500, func() time.Time { return now })
	first, ok := b.Reserve(ctx, 1000)
	if !ok {
		t.Fatal("the first reservation was refused")
	}
	second, ok := b.Reserve(ctx, 1000)
	if !ok {
		t.Fatal("a reservation under the limit was refused")
	}
	if _, ok := b.Reserve(ctx, 1); ok || b.Used() != 2000 {
		t.Fatalf("a third reservation past the limit was granted (used %d)", b.Used())
	}
	first.Settle(ctx, 100)
	if b.Used() != 1100 {
		t.Errorf("after settling 100 of 1000: used %d, want 1100", b.Used())
	}
	if _, ok := b.Reserve(ctx, 1); !ok {
		t.Error("the room a settled reservation gave back was not granted")
	}
	now = now.Add(2 * time.Hour) // the next UTC day
	if b.Used() != 0 {
		t.Errorf("a new day starts at %d", b.Used())
	}
	second.Settle(ctx, 300)
	if b.Used() != 300 {
		t.Errorf("a call reserved yesterday and ended today: used %d, want its 300", b.Used())
	}
	if r, ok := NewDailyBudget(0, nil).Reserve(ctx, 1<<30); !ok || r == nil {
		t.Error("no limit refused a call")
	}
}
