package evaluation

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/knowledge"
)

func parsed(t *testing.T, id, text string) *knowledge.Story {
	t.Helper()
	s, err := knowledge.Parse(id, id+".txt", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Two harbour stories: "nordheim" answers the question squarely; "suedheim"
// mentions the same year in passing. Both passages hold the snippet "1850".
func harbourEngine(t *testing.T) *answer.Engine {
	t.Helper()
	nord := parsed(t, "nordheim", "Der Hafen von Nordheim\n\nDer Hafen von Nordheim wurde im Jahr 1850 gebaut und im Jahr 1850 eröffnet; der Hafen von Nordheim ist seitdem der größte Hafen der Küste.\n\nHeute legen dort vor allem Fähren an.\n")
	sued := parsed(t, "suedheim", "Der Markt von Südheim\n\nDer Wochenmarkt von Südheim findet jeden Samstag statt und bietet Obst, Gemüse und Fisch.\n\nSeit 1850 verkaufen dort Fischer aus der Gegend ihren Fang.\n")
	e, err := answer.New(context.Background(), answer.Options{Stories: []*knowledge.Story{nord, sued}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestInAnArchiveOnlyThePassageOfTheQuestionsStoryCounts(t *testing.T) {
	e := harbourEngine(t)
	q := "Wann wurde der Hafen von Nordheim gebaut, seit wann verkaufen Fischer?"
	all, err := e.Search(context.Background(), q, depth, "")
	if err != nil {
		t.Fatal(err)
	}
	want := 0 // the rank of Südheim's passage in a search over both stories
	for i, r := range all {
		if r.Passage.Story == "suedheim" && strings.Contains(r.Passage.Text, "1850") {
			want = i + 1
			break
		}
	}
	if want < 2 || all[0].Passage.Story != "nordheim" || !strings.Contains(all[0].Passage.Text, "1850") {
		t.Fatalf("the fixture needs Nordheim's passage (with the snippet) first and Südheim's after it: %d, %+v", want, all[0].Passage)
	}
	file := &File{Questions: []Question{{ID: "fischer", Lang: "de", Story: "suedheim", Question: q, Passages: []string{"1850"}, Facts: [][]string{{"1850"}}}}}
	rep, err := Run(context.Background(), e, file, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.Rank != want || deref(r.Recall1) != 0 || deref(r.Recall5) != 1 || r.Story != "suedheim" {
		t.Errorf("rank %d recall@1 %v recall@5 %v story %q; want rank %d: the snippet in another story's passage must not count, and the search must span the archive", r.Rank, deref(r.Recall1), deref(r.Recall5), r.Story, want)
	}
}

func TestQuestionsMustNameALoadedStory(t *testing.T) {
	e := harbourEngine(t)
	cases := []struct {
		name string
		q    Question
		kind fault.Kind
		want string
	}{
		{"a story that is not loaded", Question{ID: "x", Story: "westheim", Question: "Wann?", Passages: []string{"1850"}, Kind: KindAnswer}, fault.NotFound, `story "westheim", which is not loaded`},
		{"no story while several are loaded", Question{ID: "y", Question: "Wann?", Passages: []string{"1850"}, Kind: KindAnswer}, fault.Invalid, "names no story"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Run(context.Background(), e, &File{Questions: []Question{c.q}}, Options{})
			if err == nil || fault.KindOf(err) != c.kind || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v (kind %v), want %v containing %q", err, fault.KindOf(err), c.kind, c.want)
			}
		})
	}
}

func TestAQuestionsStoryDefaultsToTheFiles(t *testing.T) {
	f, err := Parse([]byte(`{"story":"a","questions":[{"question":"x?","passages":["p"]},{"story":"b","question":"y?","passages":["p"]}]}`), "f.json")
	if err != nil {
		t.Fatal(err)
	}
	if f.Questions[0].Story != "a" || f.Questions[1].Story != "b" {
		t.Errorf("stories %q %q, want a and b", f.Questions[0].Story, f.Questions[1].Story)
	}
}

func TestTheStoriesFolderIsRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sets", "q.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ stories, want string }{
		{"stories", filepath.Join(dir, "sets", "stories")},
		{"../other", filepath.Join(dir, "other")},
		{"/abs/stories", "/abs/stories"},
		{"", ""},
	} {
		data := `{"stories":"` + c.stories + `","questions":[{"question":"x?","passages":["p"]}]}`
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.StoryFolder(); got != c.want {
			t.Errorf("stories %q: folder %q, want %q", c.stories, got, c.want)
		}
	}
}

// scripted is an Engine whose ranks and answers are set per question, to
// check the arithmetic of the totals.
type scripted struct {
	rank   map[string]int    // question → rank of its supporting passage (0: absent)
	answer map[string]string // question → answer
}

func (s scripted) Mode() string { return answer.ModeOffline }
func (s scripted) Stories() []answer.StoryInfo {
	return []answer.StoryInfo{{ID: "s"}}
}
func (s scripted) Search(_ context.Context, q string, k int, _ string) ([]knowledge.Result, error) {
	out := make([]knowledge.Result, k)
	for i := range out {
		out[i].Passage = &knowledge.Passage{Story: "s", Text: "filler"}
	}
	if r := s.rank[q]; r > 0 && r <= k {
		out[r-1].Passage = &knowledge.Passage{Story: "s", Text: "the gold passage"}
	}
	return out, nil
}
func (s scripted) Ask(_ context.Context, req answer.AskRequest, _ func(string)) (*answer.Answer, error) {
	a, ok := s.answer[req.Question]
	if !ok {
		return nil, errors.New("unscripted question")
	}
	return &answer.Answer{Answer: a}, nil
}

func TestTotalsPerLanguageWithRecallAtFiveAndAnswerLength(t *testing.T) {
	gold := []string{"gold passage"}
	file := &File{Questions: []Question{
		{ID: "en1", Lang: "en", Question: "e1", Passages: gold, Facts: [][]string{{"42"}}, Kind: KindAnswer},
		{ID: "en2", Lang: "en", Question: "e2", Passages: gold, Facts: [][]string{{"42"}}, Kind: KindAnswer},
		{ID: "en3", Lang: "en", Question: "e3", Kind: KindAbsent},
		{ID: "de1", Lang: "de", Question: "d1", Passages: gold, Facts: [][]string{{"42"}}, Kind: KindAnswer},
		{ID: "de2", Lang: "de", Question: "d2", Passages: gold, Facts: [][]string{{"42"}}, Kind: KindAnswer},
		{ID: "de3", Lang: "de", Question: "d3", Passages: gold, Facts: [][]string{{"42"}}, Kind: KindAnswer},
	}}
	e := scripted{
		rank: map[string]int{"e1": 1, "e2": 4, "d1": 2, "d2": 6, "d3": 1},
		answer: map[string]string{
			"e1": "It is 42.", "e2": strings.Repeat("ä", 300), "e3": "The story does not say.",
			"d1": "Es sind 42, laut der Geschichte.", "d2": "42", "d3": strings.Repeat("x", 50),
		},
	}
	rep, err := Run(context.Background(), e, file, Options{Answers: true})
	if err != nil {
		t.Fatal(err)
	}
	en, de := rep.Totals.ByLang["en"], rep.Totals.ByLang["de"]
	if en == nil || de == nil || len(rep.Totals.ByLang) != 2 {
		t.Fatalf("by language: %+v", rep.Totals.ByLang)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"en questions", float64(en.Questions), 3},
		{"en recall@1", deref(en.Recall1), 0.5},
		{"en recall@3", deref(en.Recall3), 0.5},
		{"en recall@5 (rank 4 counts)", deref(en.Recall5), 1},
		{"en facts", deref(en.Facts), 0.5},
		{"en abstention", deref(en.Abstention), 1},
		{"en median answer length in characters, not bytes, absent answers left out", en.AnswerCharsP50, 9},
		{"de recall@1", deref(de.Recall1), 1.0 / 3},
		{"de recall@5 (rank 6 misses)", deref(de.Recall5), 2.0 / 3},
		{"de facts", deref(de.Facts), 2.0 / 3},
		{"all recall@5", deref(rep.Totals.Recall5), 0.8},
		{"all median answer length", rep.Totals.AnswerCharsP50, 32},
	}
	for _, c := range checks {
		if c.got < c.want-1e-9 || c.got > c.want+1e-9 {
			t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
		}
	}
	if de.Abstention != nil {
		t.Errorf("German abstention %v without a German absent question", *de.Abstention)
	}
	if r := rep.Results[1]; r.Rank != 4 || r.Chars != 300 || r.Lang != "en" {
		t.Errorf("result en2: rank %d chars %d lang %q", r.Rank, r.Chars, r.Lang)
	}
	if failed := rep.Check(map[string]float64{"en.recall5": 1, "de.recall5": 0.9, "recall5": 0.8, "fr.recall1": 0.1}); strings.Join(failed, "; ") != "de.recall5 0.67 < 0.90; fr.recall1 not measured (< 0.10)" {
		t.Errorf("gate: %q", failed)
	}
}
