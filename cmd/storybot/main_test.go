package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/llm/openaitest"
)

// cleanEnv unsets every configuration variable for the test (restored after
// it), then sets env, so the machine's environment cannot leak in.
func cleanEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, v := range configVars() {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	t.Setenv("CACHE_DIR", t.TempDir())
	for k, v := range env {
		t.Setenv(k, v)
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	cleanEnv(t, env)
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

func TestQuotesBySpeakerAreExactlyMusksVerbatim(t *testing.T) {
	r := runCLI(t, nil, "quotes", "--speaker", "Musk", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		Quotes []struct{ Text, Speaker, ID string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Und du hast Akt 4 vergessen zu erwähnen, wo das Problem behoben wurde und du innerhalb von 24 Stunden eine Rückerstattung erhalten hast. Aber das liegt in deiner Natur",
		"Wir sind nah dran. Die Demo wird unvergesslich sein",
	}
	var texts []string
	for _, q := range got.Quotes {
		texts = append(texts, q.Text)
		if q.Speaker != "Elon Musk" {
			t.Errorf("speaker %q for %q", q.Speaker, q.Text)
		}
	}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("quotes\n got %q\nwant %q", texts, want)
	}
	plain := runCLI(t, nil, "quotes", "--speaker", "musks")
	for _, w := range want {
		if !strings.Contains(plain.stdout, w) {
			t.Errorf("text output lacks %q:\n%s", w, plain.stdout)
		}
	}
	if strings.Contains(plain.stdout, "Adresse nicht gefunden") {
		t.Error("the error message is listed as Musk's words")
	}
}

func TestTimelineListsTheStatedDatesInOrder(t *testing.T) {
	r := runCLI(t, nil, "timeline", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		Events []struct{ Date, Sort, Event, ID string }
		Mode   string
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	var dated []string
	undated := false
	story := mustReadStory(t)
	for _, ev := range got.Events {
		if !strings.Contains(story, ev.Date) {
			t.Errorf("date %q is not in the text", ev.Date)
		}
		if ev.Sort == "" {
			undated = true
			continue
		}
		if undated {
			t.Errorf("dated event %q after an undated one", ev.Date)
		}
		dated = append(dated, ev.Date+" "+ev.ID)
	}
	want := []string{"2015 §6", "2017 §4", "Juli 2018 §2", "2018 §6"}
	if !reflect.DeepEqual(dated, want) {
		t.Errorf("dated events %q, want %q", dated, want)
	}
	if !undated || got.Mode != "offline" {
		t.Errorf("undated events present: %v, mode %q", undated, got.Mode)
	}
}

func mustReadStory(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../knowledge/stories/musk-altman-roadster.de.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAskOffline(t *testing.T) {
	r := runCLI(t, nil, "ask", "--json", "When did Altman make his reservation?")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var a struct {
		Question, Answer, Language, Mode string
		Citations                        []struct{ ID, Story, Section, Text string }
		Usage                            struct {
			PromptTokens     *int `json:"prompt_tokens"`
			CompletionTokens *int `json:"completion_tokens"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
		t.Fatal(err)
	}
	if a.Mode != "offline" || a.Language != "en" || !strings.Contains(a.Answer, "Juli 2018") {
		t.Errorf("answer %+v", a)
	}
	if len(a.Citations) == 0 || a.Citations[0].ID != "§2" || a.Citations[0].Story != "musk-altman-roadster.de" || !strings.Contains(mustReadStory(t), a.Citations[0].Text) {
		t.Errorf("citations %+v", a.Citations)
	}
	if a.Usage.PromptTokens == nil || a.Usage.CompletionTokens == nil {
		t.Error("usage fields missing from the JSON")
	}
}

// TestAskOfflineAnswersWhenWithTheDate: the German "when" question of issue
// 10 gets the sentence that holds the date, first.
func TestAskOfflineAnswersWhenWithTheDate(t *testing.T) {
	r := runCLI(t, nil, "ask", "Wann hat Altman den Roadster reserviert?")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "> Im Juli 2018 tätigte Altman eine angebliche Vorreservierung") {
		t.Errorf("answer:\n%s\nwant it to open with the July 2018 sentence", r.stdout)
	}
}

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"an empty question", nil, []string{"ask", "   "}, 2, "needs a question"},
		{"no command", nil, nil, 2, "no command"},
		{"an unknown command", nil, []string{"frobnicate"}, 2, "unknown command"},
		{"an unknown flag", nil, []string{"ask", "--bogus", "x"}, 2, "bogus"},
		{"a missing story file", map[string]string{"STORY_PATH": filepath.Join(dir, "nope.txt")}, []string{"ask", "x?"}, 2, "does not exist"},
		{"an empty story file", map[string]string{"STORY_PATH": write("empty.txt", []byte("  \n"))}, []string{"ask", "x?"}, 2, "is empty"},
		{"a binary story file", map[string]string{"STORY_PATH": write("bin.txt", []byte("GIF89a\x00\x01\x02\x00\x00"))}, []string{"ask", "x?"}, 2, "binary"},
		{"a story file that is not UTF-8", map[string]string{"STORY_PATH": write("latin1.txt", []byte("Gr\xfc\xdfe aus M\xfcnchen"))}, []string{"ask", "x?"}, 2, "not UTF-8"},
		{"a story folder without stories", map[string]string{"STORY_PATH": t.TempDir()}, []string{"stories"}, 2, "no .txt or .md"},
		{"a malformed duration", map[string]string{"LLM_TIMEOUT": "soon"}, []string{"ask", "x?"}, 2, "LLM_TIMEOUT"},
		{"a bad summary length", nil, []string{"summary", "--length", "medium"}, 2, "short or long"},
		{"an unknown story id", nil, []string{"ask", "--story", "nope", "Who?"}, 2, "no story"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.env, c.args...)
			if r.code != c.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, c.wantCode, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, c.wantMsg) || !strings.HasPrefix(last, "storybot: ") {
				t.Errorf("stderr %q, want one line with %q", r.stderr, c.wantMsg)
			}
			if c.args != nil && len(lines) != 1 {
				t.Errorf("stderr has %d lines, want 1: %q", len(lines), r.stderr)
			}
		})
	}
}

func TestAskWithAModel(t *testing.T) {
	srv := openaitest.New(t)
	srv.SetAnswer("Altman reserved the Roadster in July 2018 [§2].")
	env := map[string]string{"OPENAI_API_KEY": "test", "OPENAI_BASE_URL": srv.BaseURL()}
	r := runCLI(t, env, "ask", "--json", "When did Altman make his reservation?")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var a struct {
		Answer, Mode string
		Citations    []struct{ ID, Text string }
		Usage        struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &a); err != nil {
		t.Fatal(err)
	}
	if a.Mode != "llm" || a.Answer != "Altman reserved the Roadster in July 2018 [§2]." {
		t.Errorf("answer %+v", a)
	}
	if len(a.Citations) != 1 || a.Citations[0].ID != "§2" || a.Usage.PromptTokens == 0 || a.Usage.CompletionTokens == 0 {
		t.Errorf("citations %+v usage %+v", a.Citations, a.Usage)
	}
	text := runCLI(t, env, "ask", "When did Altman make his reservation?")
	if !strings.Contains(text.stdout, "Sources:") || !strings.Contains(text.stdout, "Im Juli 2018 tätigte Altman") {
		t.Errorf("text output lacks its checked sources:\n%s", text.stdout)
	}
}

func TestAFailingModelExitsOneAfterRetries(t *testing.T) {
	cases := []struct {
		name  string
		reply openaitest.Reply
	}{
		{"500 on every try", openaitest.Error(500, "internal error")},
		{"a timeout on every try", openaitest.Reply{Delay: 5e9, Content: "late"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Reply(func(_ openai.ChatCompletionRequest) openaitest.Reply { return c.reply })
			r := runCLI(t, map[string]string{
				"OPENAI_API_KEY": "sk-secret-test-key", "OPENAI_BASE_URL": srv.BaseURL(),
				"LLM_MAX_RETRIES": "2", "LLM_TIMEOUT": "100ms",
			}, "ask", "When did Altman make his reservation?")
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 || r.stderr == "" {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
			if strings.Contains(r.stderr, "sk-secret-test-key") {
				t.Error("the API key appears in the error")
			}
			if n := srv.ChatCalls(); n != 3 {
				t.Errorf("%d attempts, want 3 (1 + LLM_MAX_RETRIES)", n)
			}
		})
	}
}

func TestSecondSummaryWithTheSameCacheMakesNoModelCall(t *testing.T) {
	srv := openaitest.New(t)
	srv.SetAnswer("Musk rebuts Altman's refund complaint [§3].")
	cache := t.TempDir()
	env := map[string]string{"OPENAI_API_KEY": "test", "OPENAI_BASE_URL": srv.BaseURL(), "CACHE_DIR": cache}
	for i := 0; i < 2; i++ {
		if r := runCLI(t, env, "summary"); r.code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, r.code, r.stderr)
		}
	}
	if n := srv.ChatCalls(); n != 1 {
		t.Errorf("%d model calls for two summaries with one CACHE_DIR, want 1", n)
	}
}

func TestEvalOfflineOnTheShippedFile(t *testing.T) {
	r := runCLI(t, nil, "eval", "--json", "--fail-under", "recall3=0.9", "../../evaluation/sets/musk-altman-roadster.json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		Mode    string
		Answers bool
		Results []struct{ ID string }
		Totals  struct {
			Questions        int
			Recall1, Recall3 *float64
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Mode != "offline" || rep.Answers || rep.Totals.Questions < 30 || len(rep.Results) != rep.Totals.Questions {
		t.Errorf("report %+v", rep)
	}
	if rep.Totals.Recall3 == nil || *rep.Totals.Recall3 < 0.9 {
		t.Errorf("recall@3 %v", rep.Totals.Recall3)
	}
	table := runCLI(t, nil, "eval", "../../evaluation/sets/musk-altman-roadster.json")
	if !strings.Contains(table.stdout, "recall@1") || !strings.Contains(table.stdout, "reservation-date") {
		t.Errorf("table:\n%s", table.stdout)
	}
	gate := runCLI(t, nil, "eval", "--fail-under", "recall1=1.01", "../../evaluation/sets/musk-altman-roadster.json")
	if gate.code != 2 {
		t.Errorf("an impossible threshold: exit %d, want 2 (bad usage)", gate.code)
	}
	gate = runCLI(t, nil, "eval", "--fail-under", "facts=0.5", "../../evaluation/sets/musk-altman-roadster.json")
	if gate.code != 1 || !strings.Contains(gate.stderr, "facts not measured") {
		t.Errorf("a gate on an unmeasured metric: exit %d, %q", gate.code, gate.stderr)
	}
}
