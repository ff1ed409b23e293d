package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/storybot/storybot/llm/openaitest"
)

// flood is what a model that ignores max_tokens sends: 50,000 characters.
func flood(sentence string) string {
	return strings.Repeat(sentence, 50_000/len(sentence)+1)[:50_000]
}

func TestEveryModelCallSendsATokenLimit(t *testing.T) {
	calls := []struct {
		name string
		run  func(te *testEngine) error
	}{
		{"ask", func(te *testEngine) error {
			_, err := te.Ask(context.Background(), AskRequest{Question: "When did Altman reserve?"}, func(string) {})
			return err
		}},
		{"short summary", func(te *testEngine) error {
			_, err := te.Summary(context.Background(), SummaryRequest{Lang: "en"})
			return err
		}},
		{"long summary", func(te *testEngine) error {
			_, err := te.Summary(context.Background(), SummaryRequest{Lang: "en", Length: "long"})
			return err
		}},
		{"timeline", func(te *testEngine) error {
			_, err := te.Timeline(context.Background(), TimelineRequest{Lang: "en"})
			return err
		}},
		{"quotation contexts", func(te *testEngine) error {
			_, err := te.Quotes(context.Background(), QuoteRequest{Speaker: "Musk", Lang: "en"})
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name+" of a short story", func(t *testing.T) {
			te := newTestEngine(t, nil)
			if err := c.run(te); err != nil {
				t.Fatal(err)
			}
			wantLimits(t, te)
		})
	}
	long := longStory(t, 60_000)
	for _, c := range calls[1:4] {
		t.Run(c.name+" of a story read in parts", func(t *testing.T) {
			te := newTestEngine(t, nil, withStories(long))
			if err := c.run(te); err != nil {
				t.Fatal(err)
			}
			if te.srv.ChatCalls() < 2 {
				t.Fatalf("%d calls: the story was not read in parts", te.srv.ChatCalls())
			}
			wantLimits(t, te)
		})
	}
}

func wantLimits(t *testing.T, te *testEngine) {
	t.Helper()
	n := 0
	for _, r := range te.srv.Requests() {
		if r.Chat == nil {
			continue
		}
		n++
		if sentLimit(r.Chat) <= 0 || !strings.Contains(string(r.Body), `"max_tokens"`) {
			t.Errorf("request %d has no token limit: %s", n, r.Body)
		}
	}
	if n == 0 {
		t.Fatal("no model call")
	}
}

func TestAStreamedAnswerThatIgnoresMaxTokensIsCutWithANote(t *testing.T) {
	for _, lang := range []string{"en", "de"} {
		t.Run(lang, func(t *testing.T) {
			te := newTestEngine(t, nil)
			te.srv.SetAnswer(flood("Altman reserved a Roadster in July 2018 [§2]. "))
			var streamed strings.Builder
			a, err := te.Ask(context.Background(), AskRequest{Question: "When did Altman reserve?", Lang: lang}, func(d string) { streamed.WriteString(d) })
			if err != nil {
				t.Fatal(err)
			}
			note := textsFor(lang).answerCut
			for what, text := range map[string]string{"answer": a.Answer, "streamed text": streamed.String()} {
				if n := utf8.RuneCountInString(text); n > MaxAnswerChars || n < MaxAnswerChars-cutWindow-len(note) {
					t.Errorf("%s has %d characters, want at most %d (and not far below)", what, n, MaxAnswerChars)
				}
				if !strings.HasSuffix(text, "[§2]. "+note) && !strings.HasSuffix(text, "[§2] "+note) {
					t.Errorf("%s does not end at a sentence with the note %q: …%q", what, note, text[max(len(text)-80, 0):])
				}
			}
			if a.Usage.CompletionTokens > 2*MaxAnswerChars/4+100 {
				t.Errorf("%d completion tokens read: the stream was not stopped once the answer passed its bound", a.Usage.CompletionTokens)
			}
			if len(a.Citations) != 1 || a.Citations[0].ID != "§2" {
				t.Errorf("citations %+v", a.Citations)
			}
			wantLimits(t, te)
		})
	}
}

func TestAnAnswerStoppedByItsTokenLimitEndsWithTheNote(t *testing.T) {
	te := newTestEngine(t, nil)
	te.srv.Queue(openaitest.Reply{Content: "Altman reserved a Roadster in July 2018 [§2]. He then wrote that the", FinishReason: "length"})
	a, err := te.Ask(context.Background(), AskRequest{Question: "When did Altman reserve?", Lang: "en"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// What streamed out already stays: the note follows the last word.
	if want := "Altman reserved a Roadster in July 2018 [§2]. He then wrote that the " + textsFor("en").answerCut; a.Answer != want {
		t.Errorf("answer %q, want %q", a.Answer, want)
	}
}

func TestNonStreamedRepliesAreBounded(t *testing.T) {
	t.Run("a summary", func(t *testing.T) {
		te := newTestEngine(t, nil)
		te.srv.SetAnswer(flood("Musk answered Altman's complaint [§3]. "))
		s, err := te.Summary(context.Background(), SummaryRequest{Lang: "de", Length: "long"})
		if err != nil {
			t.Fatal(err)
		}
		if n := utf8.RuneCountInString(s.Summary); n > MaxAnswerChars || !strings.HasSuffix(s.Summary, "[§3]. "+textsFor("de").answerCut) {
			t.Errorf("summary of %d characters ends …%q", n, s.Summary[max(len(s.Summary)-80, 0):])
		}
	})
	t.Run("a long summary stopped by its token limit", func(t *testing.T) {
		te := newTestEngine(t, nil)
		te.srv.Queue(openaitest.Reply{Content: "Musk answered Altman's complaint [§3]. Then he wrote that", FinishReason: "length"})
		s, err := te.Summary(context.Background(), SummaryRequest{Lang: "en", Length: "long"})
		if err != nil {
			t.Fatal(err)
		}
		if want := "Musk answered Altman's complaint [§3]. " + textsFor("en").answerCut; s.Summary != want {
			t.Errorf("summary %q, want %q", s.Summary, want)
		}
	})
	t.Run("timeline events", func(t *testing.T) {
		te := newTestEngine(t, nil)
		reply, _ := json.Marshal(map[string]any{"events": []map[string]string{{"date": "Juli 2018", "event": flood("Altman reserved a Roadster. "), "id": "§2"}}})
		te.srv.SetAnswer(string(reply))
		tl, err := te.Timeline(context.Background(), TimelineRequest{Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, ev := range tl.Events {
			if n := utf8.RuneCountInString(ev.Event); n > MaxEventChars {
				t.Errorf("an event of %d characters", n)
			}
			found = found || strings.HasPrefix(ev.Event, "Altman reserved a Roadster.")
		}
		if !found || len(tl.Events) > MaxTimelineEvents {
			t.Errorf("%d events, the model's among them: %v", len(tl.Events), found)
		}
	})
	t.Run("quotation contexts", func(t *testing.T) {
		te := newTestEngine(t, nil)
		reply, _ := json.Marshal(map[string]any{"quotes": []map[string]any{{"n": 1, "context": flood("Musk on X. "), "translation": flood("And you forgot. ")}}})
		te.srv.SetAnswer(string(reply))
		q, err := te.Quotes(context.Background(), QuoteRequest{Speaker: "Musk", Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		it := q.Quotes[0]
		if utf8.RuneCountInString(it.Context) > MaxQuoteNoteChars || utf8.RuneCountInString(it.Translation) > MaxQuoteNoteChars || !strings.HasPrefix(it.Context, "Musk on X.") {
			t.Errorf("context of %d and translation of %d characters", utf8.RuneCountInString(it.Context), utf8.RuneCountInString(it.Translation))
		}
	})
}

func TestCutPointPrefersSentencesThenWords(t *testing.T) {
	long := strings.Repeat("word ", 200) // 1,000 runes, no sentence end
	cases := []struct {
		name, text string
		room       int
		want       string
	}{
		{"a text that fits is kept whole", "Short. Text.", 100, "Short. Text."},
		{"a sentence end within the window wins", "First one. Second one goes on", 20, "First one."},
		{"a citation ends a sentence", "It was 2018 [§2] and then more words", 25, "It was 2018 [§2]"},
		{"a line break ends a sentence", "A list item\nanother item that is long", 20, "A list item"},
		{"without a sentence end, a word end", long, 502, strings.TrimSpace(long[:500])},
		{"without any space, the room itself", strings.Repeat("x", 50), 10, strings.Repeat("x", 10)},
		{"runes, not bytes, are counted", "Grüße über Äcker. Öl", 19, "Grüße über Äcker."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.text[:cutPoint(c.text, c.room, 0)]; got != c.want {
				t.Errorf("cut %q at %d = %q, want %q", c.text, c.room, got, c.want)
			}
		})
	}
}

// Whatever the deltas, the streamed text is the returned one, within the bound.
func TestStreamBoundStreamsWhatItReturns(t *testing.T) {
	text := flood("Ein Satz mit Wörtern über Ähnliches [§2]. ")
	for _, step := range []int{1, 3, 7, 64, 1000} {
		var streamed strings.Builder
		b := newStreamBound(MaxAnswerChars, "… (cut)", func(s string) { streamed.WriteString(s) })
		for i := 0; i < len(text); {
			j := min(i+step, len(text))
			for j < len(text) && !utf8.RuneStart(text[j]) {
				j++
			}
			b.Write(text[i:j])
			i = j
		}
		if !b.Close(false) {
			t.Fatalf("step %d: a text of 50,000 characters was not cut", step)
		}
		if streamed.String() != b.Cut() || utf8.RuneCountInString(b.Cut()) > MaxAnswerChars {
			t.Errorf("step %d: streamed %d characters ≠ returned %d", step, utf8.RuneCountInString(streamed.String()), utf8.RuneCountInString(b.Cut()))
		}
	}
}

// Text the checks drop (citations of passages that do not exist) never
// reaches the bound; the stream is stopped anyway once twice the bound has
// come in.
func TestAFloodTheChecksDropIsStillStopped(t *testing.T) {
	te := newTestEngine(t, nil)
	te.srv.SetAnswer(flood("[§99] "))
	a, err := te.Ask(context.Background(), AskRequest{Question: "When did Altman reserve?", Lang: "en"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Usage.CompletionTokens > rawAnswerLimit/2 {
		t.Errorf("%d completion tokens read of a 50,000-character flood", a.Usage.CompletionTokens)
	}
	if a.Answer != textsFor("en").answerCut {
		t.Errorf("answer %q", a.Answer)
	}
}

func TestACitationCutOffWithItsSentenceIsNoSource(t *testing.T) {
	te := newTestEngine(t, nil)
	// §3 arrives before the bound is reached, in a sentence the cut drops.
	te.srv.SetAnswer("Altman reserved a Roadster in July 2018 [§2]. " + flood("It was a long wait. ")[:3780] +
		"Musk replied [§3], and " + strings.Repeat("then more words ", 50))
	a, err := te.Ask(context.Background(), AskRequest{Question: "When did Altman reserve?", Lang: "en"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Citations) != 1 || a.Citations[0].ID != "§2" {
		t.Errorf("citations %+v, want only §2 (§3 was cut off)", a.Citations)
	}
}

// A cut that falls inside a verified quotation closes it after the last
// kept word (still verbatim) instead of leaving an opening mark before the
// note.
func TestACutInsideAQuotationClosesIt(t *testing.T) {
	quote := "“Und du hast Akt 4 vergessen zu erwähnen, wo das Problem behoben wurde und du innerhalb von 24 Stunden eine Rückerstattung erhalten hast. Aber das liegt in deiner Natur”"
	filler := "Musk antwortete Altman auf X [§3]. "
	for _, pad := range []int{60, 120, 200} {
		prefix := strings.Repeat(filler, (MaxAnswerChars-pad)/utf8.RuneCountInString(filler))
		t.Run(fmt.Sprintf("through the engine, %d characters before the bound", pad), func(t *testing.T) {
			te := newTestEngine(t, nil)
			te.srv.SetAnswer(prefix + "Er schrieb: " + quote + " [§3]. " + flood(filler))
			var streamed strings.Builder
			a, err := te.Ask(context.Background(), AskRequest{Question: "What did Musk reply?", Lang: "en"}, func(d string) { streamed.WriteString(d) })
			if err != nil {
				t.Fatal(err)
			}
			if streamed.String() != a.Answer {
				t.Errorf("streamed text differs from the answer")
			}
			checkQuotesBalanced(t, a.Answer)
			if utf8.RuneCountInString(a.Answer) > MaxAnswerChars {
				t.Errorf("answer of %d characters", utf8.RuneCountInString(a.Answer))
			}
		})
		t.Run(fmt.Sprintf("boundText, %d characters before the bound", pad), func(t *testing.T) {
			out, cut := boundText(prefix+"Er schrieb: "+quote+" Mehr. "+flood(filler), MaxAnswerChars, "… (cut)")
			if !cut {
				t.Fatal("not cut")
			}
			checkQuotesBalanced(t, out)
		})
	}
}

func checkQuotesBalanced(t *testing.T, s string) {
	t.Helper()
	if o, c := strings.Count(s, "“"), strings.Count(s, "”"); o != c {
		t.Errorf("%d opening and %d closing marks; end: %q", o, c, s[max(0, len(s)-200):])
	}
}
