package answer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

// The archive of the rewrite tests: the answer to the English question
// stands in German in the first story; the other two quote English that
// shares the question's words, so that the question alone ranks them first.
const (
	poolTarget   = "Die Wiedereröffnung des Hallenbads am Mühlgraben ist für Anfang 2028 geplant."
	poolRewrite  = "Wann wird das Hallenbad am Mühlgraben wiedereröffnet?\nWiedereröffnung Hallenbad Mühlgraben"
	poolQuestion = "When will the indoor pool open again?"
)

func rewriteArchive(t *testing.T) []*knowledge.Story {
	t.Helper()
	var blog strings.Builder
	blog.WriteString("Reiseblog: Englische Schilder\n\n")
	for i := range 6 {
		fmt.Fprintf(&blog, "Am Strand %d stand auf einem Schild: „When will the pool open again? The indoor pool is closed, open again soon.“ Wir lachten darüber.\n\n", i+1)
	}
	var council strings.Builder
	council.WriteString("Stadtrat rettet das Hallenbad\n\n")
	council.WriteString(poolTarget + " Bis dahin fahren die Schulklassen nach Kirchheim.\n\n")
	for i := range 6 {
		fmt.Fprintf(&council, "Die Sitzung Nummer %d des Stadtrats dauerte lange; es ging um Haushalt, Straßenbau und Friedhofsgebühren.\n\n", i+1)
	}
	var out []*knowledge.Story
	for _, s := range []struct{ id, text string }{{"stadtrat", council.String()}, {"reiseblog", blog.String()}} {
		st, err := knowledge.Parse(s.id, s.id+".txt", []byte(s.text))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, st)
	}
	return out
}

// isRewrite tells the rewrite call from the answer call.
func isRewrite(req openai.ChatCompletionRequest) bool {
	return strings.HasPrefix(message(&req, "system"), "You help search")
}

// rewriteEngine is an engine over the archive whose context budget holds
// two passages, so that retrieval decides what the model sees.
func rewriteEngine(t *testing.T, srv *openaitest.Server, timeout time.Duration) *Engine {
	t.Helper()
	// No client timeout: only the rewrite bound may end a hanging call.
	client, err := llm.New(llm.Options{APIKey: "test", BaseURL: srv.BaseURL(), Model: "fake-model", Timeout: time.Hour, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), Options{Stories: rewriteArchive(t), Model: client, ContextTokens: 80, RewriteTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// answerPrompt is the user message of the last answer call.
func answerPrompt(t *testing.T, srv *openaitest.Server) string {
	t.Helper()
	reqs := srv.Requests()
	for i := len(reqs) - 1; i >= 0; i-- {
		if c := reqs[i].Chat; c != nil && !isRewrite(*c) {
			return message(c, "user")
		}
	}
	t.Fatal("no answer call")
	return ""
}

func rewriteCalls(srv *openaitest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Chat != nil && isRewrite(*r.Chat) {
			n++
		}
	}
	return n
}

func TestRewrittenQuestionReachesThePassageInTheStorysLanguage(t *testing.T) {
	srv := openaitest.New(t)
	srv.Reply(func(req openai.ChatCompletionRequest) openaitest.Reply {
		if isRewrite(req) {
			return openaitest.Reply{Content: "1. " + strings.ReplaceAll(poolRewrite, "\n", "\n- ")}
		}
		// Cite the passage the answer stands in, under the label it is given.
		user := message(&req, "user")
		ref := ""
		if i := strings.Index(user, poolTarget); i > 0 {
			open := strings.LastIndex(user[:i], `ref="`)
			ref = user[open+len(`ref="`):]
			ref = ref[:strings.IndexByte(ref, '"')]
		}
		return openaitest.Reply{Content: "Early 2028 [" + ref + "]."}
	})
	e := rewriteEngine(t, srv, time.Minute)

	// The question alone: the English sign of the travel blog wins, and the
	// model never sees the council's passage.
	lexical, err := e.Search(context.Background(), poolQuestion, 2, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range lexical {
		if strings.Contains(r.Passage.Text, poolTarget) {
			t.Fatalf("the question alone already finds the passage (%s %s): the test proves nothing", r.Passage.Story, r.Passage.ID)
		}
	}

	a, err := e.Ask(context.Background(), AskRequest{Question: poolQuestion}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := rewriteCalls(srv); got != 1 {
		t.Fatalf("%d rewrite calls, want 1", got)
	}
	var rw *openai.ChatCompletionRequest
	for _, r := range srv.Requests() {
		if r.Chat != nil && isRewrite(*r.Chat) {
			rw = r.Chat
		}
	}
	if !strings.Contains(message(rw, "user"), poolQuestion) || !strings.Contains(message(rw, "system"), "German") || sentLimit(rw) != rewriteMaxTokens {
		t.Errorf("rewrite request: system %q user %q token limit %d", message(rw, "system"), message(rw, "user"), sentLimit(rw))
	}
	if p := answerPrompt(t, srv); !strings.Contains(p, poolTarget) {
		t.Errorf("the model did not see the passage found through the rewrite:\n%s", p)
	}
	if len(a.Citations) == 0 || a.Citations[0].Story != "stadtrat" {
		t.Errorf("citations %+v, want stadtrat §1", a.Citations)
	}

	// Asked again, the rewrite comes from the cache.
	if _, err := e.Ask(context.Background(), AskRequest{Question: poolQuestion}, nil); err != nil {
		t.Fatal(err)
	}
	if got := rewriteCalls(srv); got != 1 {
		t.Errorf("%d rewrite calls after asking twice, want 1 (cached)", got)
	}
}

func TestAnswerGoesOnLexicallyWhenTheRewriteFails(t *testing.T) {
	cases := []struct {
		name    string
		reply   openaitest.Reply
		timeout time.Duration
	}{
		{"a server error", openaitest.Error(500, "boom"), time.Minute},
		// The fake holds the reply for an hour; the bound ends the call, and
		// the fake's handler ends with the request.
		{"a call that hangs past the bound", openaitest.Reply{Content: poolRewrite, Delay: time.Hour}, 20 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Reply(func(req openai.ChatCompletionRequest) openaitest.Reply {
				if isRewrite(req) {
					return c.reply
				}
				return openaitest.Reply{Content: "The story does not say."}
			})
			e := rewriteEngine(t, srv, c.timeout)
			// Without the bound the rewrite would wait for this deadline
			// and the whole answer fail.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			a, err := e.Ask(ctx, AskRequest{Question: poolQuestion}, nil)
			if err != nil {
				t.Fatalf("the answer did not go on: %v", err)
			}
			if a.Mode != ModeLLM || a.Answer == "" {
				t.Errorf("answer %+v, want the model's", a)
			}
			if got := rewriteCalls(srv); got != 1 {
				t.Errorf("%d rewrite calls, want 1", got)
			}
			if p := answerPrompt(t, srv); strings.Contains(p, poolTarget) || !strings.Contains(p, "When will the pool open again?") {
				t.Errorf("want the passages of the question alone (the blog's sign), got:\n%s", p)
			}
			if e.rewrites.len() != 0 {
				t.Errorf("a failed rewrite was cached")
			}
		})
	}
}

func TestNoRewriteWhereRetrievalDoesNotDecide(t *testing.T) {
	cases := []struct {
		name     string
		stories  []*knowledge.Story
		question string
	}{
		{"a story that fits the context budget is given whole", []*knowledge.Story{knowledge.Default()}, "When did Altman make his reservation?"},
		{"a question in the stories' language needs none", nil, "Wann wird das Hallenbad wiedereröffnet?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.SetAnswer("An answer [§1].")
			e := rewriteEngine(t, srv, time.Minute)
			if c.stories != nil {
				client, _ := llm.New(llm.Options{APIKey: "test", BaseURL: srv.BaseURL(), Model: "fake-model", Timeout: 5 * time.Second})
				var err error
				e, err = New(context.Background(), Options{Stories: c.stories, Model: client})
				if err != nil {
					t.Fatal(err)
				}
			}
			if _, err := e.Ask(context.Background(), AskRequest{Question: c.question}, nil); err != nil {
				t.Fatal(err)
			}
			if got := rewriteCalls(srv); got != 0 {
				t.Errorf("%d rewrite calls, want none", got)
			}
		})
	}
}

func TestQueryLinesAreBounded(t *testing.T) {
	got := queryLines("1. „Wann wird das Bad eröffnet?“\n\n- Hallenbad Eröffnung\n* drei\nvier\nfünf")
	want := []string{"Wann wird das Bad eröffnet?", "Hallenbad Eröffnung", "drei"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("queryLines = %q, want %q", got, want)
	}
	if l := queryLines(strings.Repeat("x", 500)); len(l) != 1 || len(l[0]) > rewriteMaxLineBytes+len("…") {
		t.Errorf("a long line is not cut: %d bytes", len(l[0]))
	}
}

func TestRewriteCacheIsBounded(t *testing.T) {
	var c rewriteCache
	for i := range rewriteCacheSize + 10 {
		c.put("de", fmt.Sprint("question ", i), []string{"x"})
	}
	if c.len() != rewriteCacheSize {
		t.Errorf("cache holds %d, want %d", c.len(), rewriteCacheSize)
	}
	if _, ok := c.get("de", "question 0"); ok {
		t.Errorf("the oldest entry was kept")
	}
	if _, ok := c.get("de", fmt.Sprint("question ", rewriteCacheSize+9)); !ok {
		t.Errorf("the newest entry is missing")
	}
}
