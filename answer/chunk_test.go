package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/storybot/storybot/llm/openaitest"
)

var (
	passageRe = regexp.MustCompile(`<passage ref="(§\d+)"[^>]*>\n([^<]*)`)
	fullDate  = regexp.MustCompile(`\d+\. \p{L}+ \d{4}`)
	citeRe    = regexp.MustCompile(`\[§\d+\]`)
)

// partsModel answers like a model that reads what it is given: per
// passage an event with the passage's date and one with an invented date;
// per part a summary citing its first passage; for the join, a summary
// citing the first and last citation of the parts.
func partsModel(req openai.ChatCompletionRequest) openaitest.Reply {
	system, user := req.Messages[0].Content, req.Messages[1].Content
	switch {
	case strings.Contains(system, "timeline"):
		var events []map[string]string
		for _, m := range passageRe.FindAllStringSubmatch(user, -1) {
			if d := fullDate.FindString(m[2]); d != "" {
				events = append(events, map[string]string{"date": d, "event": "Model read " + m[1] + ".", "id": m[1]})
			}
			events = append(events, map[string]string{"date": "1. Januar 1899", "event": "invented", "id": m[1]})
		}
		b, _ := json.Marshal(map[string]any{"events": events})
		return openaitest.Reply{Content: string(b)}
	case strings.Contains(system, "summaries of its parts"):
		cites := citeRe.FindAllString(user, -1)
		return openaitest.Reply{Content: fmt.Sprintf("Die Chronik beginnt mit dem ersten Werk %s und endet mit dem letzten %s.", cites[0], cites[len(cites)-1])}
	default:
		m := passageRe.FindStringSubmatch(user)
		return openaitest.Reply{Content: fmt.Sprintf("Dieser Teil beginnt bei %s [%s].", m[1], m[1])}
	}
}

func wantPromptsUnderBudget(t *testing.T, te *testEngine) {
	t.Helper()
	for i, r := range te.srv.Requests() {
		if r.Chat != nil && promptTokens(r.Chat) > te.opts.ContextTokens {
			t.Errorf("prompt %d has %d tokens, over the budget of %d", i, promptTokens(r.Chat), te.opts.ContextTokens)
		}
	}
}

func TestALongStoryIsReadInParts(t *testing.T) {
	story := longStory(t, 30_000)
	last := story.Passages[len(story.Passages)-1].ID

	t.Run("timeline: events of every part, dates checked", func(t *testing.T) {
		te := newTestEngine(t, nil, withStories(story))
		te.srv.Reply(partsModel)
		tl, err := te.Timeline(context.Background(), TimelineRequest{Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		calls := te.srv.ChatCalls()
		if calls < 2 || calls > MaxChunks {
			t.Fatalf("%d calls, want 2 to %d", calls, MaxChunks)
		}
		wantPromptsUnderBudget(t, te)
		described := map[string]bool{}
		for _, ev := range tl.Events {
			if ev.Event == "invented" || !strings.Contains(story.Passage(ev.ID).Text, ev.Date) {
				t.Errorf("an event whose date its passage does not state: %+v", ev)
			}
			described[ev.Event] = true
		}
		if !described["Model read §1."] || !described["Model read "+last+"."] {
			t.Errorf("the events of the first and the last part were not both merged (%d events)", len(tl.Events))
		}
		if tl.Note != "" {
			t.Errorf("a story within %d parts got a note: %q", MaxChunks, tl.Note)
		}
		if _, err := te.Timeline(context.Background(), TimelineRequest{Lang: "en"}); err != nil || te.srv.ChatCalls() != calls {
			t.Errorf("the timeline was not cached: %v, %d calls", err, te.srv.ChatCalls())
		}
	})

	t.Run("summary: the parts' summaries joined into one", func(t *testing.T) {
		te := newTestEngine(t, nil, withStories(story))
		te.srv.Reply(partsModel)
		s, err := te.Summary(context.Background(), SummaryRequest{Lang: "de"})
		if err != nil {
			t.Fatal(err)
		}
		calls := te.srv.ChatCalls()
		if calls < 3 || calls > MaxChunks+1 {
			t.Fatalf("%d calls, want parts plus one", calls)
		}
		wantPromptsUnderBudget(t, te)
		join := te.lastChat(t)
		if n := strings.Count(message(join, "user"), "Dieser Teil beginnt"); n != calls-1 {
			t.Errorf("the join got %d of %d parts' summaries", n, calls-1)
		}
		if !strings.HasPrefix(s.Summary, "Die Chronik beginnt mit dem ersten Werk [§1] und endet mit dem letzten [§") {
			t.Errorf("summary %q", s.Summary)
		}
		if len(s.Citations) != 2 || s.Citations[0].ID != "§1" {
			t.Errorf("citations %+v", s.Citations)
		}
		if _, err := te.Summary(context.Background(), SummaryRequest{Lang: "de"}); err != nil || te.srv.ChatCalls() != calls {
			t.Errorf("the summary was not cached: %v, %d calls", err, te.srv.ChatCalls())
		}
	})
}

func TestAStoryBeyondMaxChunksIsBoundedAndSaysSo(t *testing.T) {
	story := longStory(t, 2<<20) // 2 MiB
	if n := len(chunkPassages(allPassages(story), 3000)); n <= 10*MaxChunks {
		t.Fatalf("the story has only %d parts", n)
	}
	te := newTestEngine(t, nil, withStories(story)) // one engine: indexing 2 MiB is the slow part
	te.srv.Reply(partsModel)
	t.Run("timeline", func(t *testing.T) {
		before := te.srv.ChatCalls()
		tl, err := te.Timeline(context.Background(), TimelineRequest{Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if calls := te.srv.ChatCalls() - before; calls > MaxChunks {
			t.Errorf("%d calls, at most %d", calls, MaxChunks)
		}
		wantPromptsUnderBudget(t, te)
		if !strings.Contains(tl.Note, "The story is long") || len(tl.Events) != MaxTimelineEvents || !strings.Contains(tl.Note, "Showing the first") {
			t.Errorf("%d events, note %q", len(tl.Events), tl.Note)
		}
		for _, ev := range tl.Events {
			if p := story.Passage(ev.ID); p == nil || !strings.Contains(p.Text, ev.Date) {
				t.Errorf("an event whose date its passage does not state: %+v", ev)
			}
		}
	})
	t.Run("summary", func(t *testing.T) {
		before := te.srv.ChatCalls()
		s, err := te.Summary(context.Background(), SummaryRequest{Lang: "en", Length: "long"})
		if err != nil {
			t.Fatal(err)
		}
		if calls := te.srv.ChatCalls() - before; calls > MaxChunks+1 {
			t.Errorf("%d calls, at most %d", calls, MaxChunks+1)
		}
		wantPromptsUnderBudget(t, te)
		if !strings.HasPrefix(s.Note, "The story is long: this summary rests on its") {
			t.Errorf("note %q", s.Note)
		}
	})
}
