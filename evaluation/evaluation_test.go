package evaluation

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

const shipped = "sets/musk-altman-roadster.json"

func engine(t *testing.T, srv *openaitest.Server) *answer.Engine {
	t.Helper()
	opts := answer.Options{Stories: []*knowledge.Story{knowledge.Default()}}
	if srv != nil {
		c, err := llm.New(llm.Options{APIKey: "test", BaseURL: srv.BaseURL(), Model: "fake", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		opts.Model = c
	}
	e, err := answer.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestTheShippedFileOffline(t *testing.T) {
	file, err := ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	langs := map[string]int{}
	for _, q := range file.Questions {
		kinds[q.Kind]++
		langs[q.Lang]++
	}
	if len(file.Questions) < 30 || kinds[KindAbsent] == 0 || kinds[KindOffTopic] == 0 || langs["de"] == 0 || langs["en"] == 0 {
		t.Fatalf("the shipped file needs 30+ questions in both languages with absent and off-topic ones: %v %v", kinds, langs)
	}
	var progress []int
	rep, err := Run(context.Background(), engine(t, nil), file, Options{Progress: func(i, n int, _ Question) { progress = append(progress, i) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) != len(file.Questions) || rep.Mode != answer.ModeOffline || rep.Answers {
		t.Errorf("progress %d calls, mode %s, answers %v", len(progress), rep.Mode, rep.Answers)
	}
	if rep.Totals.Recall3 == nil || *rep.Totals.Recall3 < 0.9 || rep.Totals.Recall1 == nil || *rep.Totals.Recall1 < 0.75 {
		t.Errorf("recall@1 %v recall@3 %v", deref(rep.Totals.Recall1), deref(rep.Totals.Recall3))
	}
	t.Logf("offline: recall@1 %.3f recall@3 %.3f", deref(rep.Totals.Recall1), deref(rep.Totals.Recall3))
	if rep.Totals.Facts != nil || rep.Totals.Abstention != nil {
		t.Error("answer figures without answers")
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil || !strings.Contains(buf.String(), "recall@3") {
		t.Errorf("table: %v\n%s", err, buf.String())
	}
	data, err := json.Marshal(rep)
	if err != nil || !json.Valid(data) {
		t.Fatal(err)
	}
}

// fakeModel answers each evaluation question from a script keyed by a word
// of the question, the way a decent model would; invent makes it put an
// invented quotation into one answer.
func fakeModel(t *testing.T, invent bool) *openaitest.Server {
	srv := openaitest.New(t)
	srv.Reply(func(req openai.ChatCompletionRequest) openaitest.Reply {
		user := req.Messages[len(req.Messages)-1].Content
		q := user[strings.Index(user, "<question>"):]
		switch {
		case strings.Contains(q, "reservation?"):
			return openaitest.Reply{Content: "Altman made it in July 2018 [§2]."}
		case strings.Contains(q, "demo"):
			if invent {
				return openaitest.Reply{Content: "Musk said “Die Demo wird die beste aller Zeiten” [§5]."}
			}
			return openaitest.Reply{Content: "Musk said “Die Demo wird unvergesslich sein” (the demo will be unforgettable) [§5]."}
		case strings.Contains(q, "colour"), strings.Contains(q, "weather"):
			return openaitest.Reply{Content: "The story does not say that. I answer questions about this story."}
		}
		return openaitest.Reply{Content: "It was 2017 [§4][§99]."}
	})
	return srv
}

func TestAnswersAgainstAFakeModel(t *testing.T) {
	file := &File{Questions: []Question{
		{ID: "date", Lang: "en", Question: "When did Altman make his reservation?", Passages: []string{"Im Juli 2018"}, Facts: [][]string{{"July 2018", "Juli 2018"}}, Kind: KindAnswer},
		{ID: "demo", Lang: "en", Question: "What did Musk say about the demo?", Passages: []string{"Demo wird unvergesslich"}, Facts: [][]string{{"unforgettable", "unvergesslich"}}, Kind: KindAnswer},
		{ID: "colour", Lang: "en", Question: "What colour is the Roadster?", Kind: KindAbsent},
		{ID: "weather", Lang: "en", Question: "What's the weather in Berlin?", Kind: KindOffTopic},
	}}
	honest, err := Run(context.Background(), engine(t, fakeModel(t, false)), file, Options{Answers: true})
	if err != nil {
		t.Fatal(err)
	}
	tot := honest.Totals
	if deref(tot.Facts) != 1 || deref(tot.Abstention) != 1 || deref(tot.Quotes) != 1 || deref(tot.Citations) != 1 || tot.Tokens == 0 || tot.LatencyP50MS <= 0 {
		t.Errorf("honest model totals: %+v facts %v abst %v quotes %v cites %v", tot, deref(tot.Facts), deref(tot.Abstention), deref(tot.Quotes), deref(tot.Citations))
	}
	liar, err := Run(context.Background(), engine(t, fakeModel(t, true)), file, Options{Answers: true})
	if err != nil {
		t.Fatal(err)
	}
	if q := deref(liar.Totals.Quotes); q >= deref(tot.Quotes) {
		t.Errorf("an invented quotation did not lower quotation fidelity: %v vs %v", q, deref(tot.Quotes))
	}
	if f := deref(liar.Totals.Facts); f >= 1 {
		t.Errorf("the invented quotation still counts as the fact: %v", f)
	}
	if failed := liar.Check(map[string]float64{"quotes": 0.9, "recall3": 0.5}); len(failed) != 1 || !strings.HasPrefix(failed[0], "quotes") {
		t.Errorf("gate: %v", failed)
	}
}

func TestACitationOfAMissingPassageLowersCitationValidity(t *testing.T) {
	file := &File{Questions: []Question{{ID: "x", Lang: "en", Question: "When was the Roadster unveiled?", Passages: []string{"2017 vorgestellte"}, Facts: [][]string{{"2017"}}}}}
	rep, err := Run(context.Background(), engine(t, fakeModel(t, false)), file, Options{Answers: true})
	if err != nil {
		t.Fatal(err)
	}
	if c := deref(rep.Totals.Citations); c != 0.5 {
		t.Errorf("citation validity %v, want 0.5 (one of two cited ids exists)", c)
	}
}

func TestBadQuestionFiles(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"not JSON", "{", "not valid JSON"},
		{"no questions", `{"questions":[]}`, "no questions"},
		{"an empty question", `{"questions":[{"question":" ","passages":["x"]}]}`, "empty"},
		{"an unknown kind", `{"questions":[{"question":"x?","kind":"maybe"}]}`, "kind"},
		{"an answerable question with nothing to check", `{"questions":[{"question":"x?"}]}`, "needs passages or facts"},
		{"an unknown field", `{"questions":[{"question":"x?","passages":["a"],"answer":"b"}]}`, "not valid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Parse([]byte(c.data), "f.json"); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestParseThresholds(t *testing.T) {
	got, err := ParseThresholds("recall3=0.9, facts=0.8")
	if err != nil || got["recall3"] != 0.9 || got["facts"] != 0.8 {
		t.Errorf("%v %v", got, err)
	}
	for _, bad := range []string{"recall3", "speed=0.5", "facts=2", "facts=x"} {
		if _, err := ParseThresholds(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func deref(v *float64) float64 {
	if v == nil {
		return -1
	}
	return *v
}
