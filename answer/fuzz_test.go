package answer

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/knowledge"
)

// FuzzOfflineAsk asks the offline engine anything, over two stories, in
// any language and for any story id. It either refuses with an error a user
// can be shown (an invalid question, an unknown story) or answers within
// MaxAnswerChars, in valid UTF-8, in one of its languages, citing passages
// that exist with their text verbatim.
func FuzzOfflineAsk(f *testing.F) {
	for _, s := range []struct{ q, lang, story string }{
		{"Wann hat Altman den Roadster reserviert?", "", ""},
		{"How much did the reservation cost?", "en", "musk-altman-roadster"},
		{"Wie warm war es?", "de", ""},
		{"What temperature does the pool have?", "en", ""},
		{"Wer ist der Bürgermeister von Lindenau?", "", "lindenau-hallenbad.de"},
		{"   ", "", ""},
		{strings.Repeat("Roadster ", 200), "", ""},
		{"\"Quelle\" § 2 [§3] <@123> @everyone", "fr", "nope"},
		{"Qui a réservé la Roadster ?", "fr", ""},
		{"Was sagte Musk: „bitte zurückerstatten“?", "de", ""},
		{"\x00\xff\xfe", "", ""},
	} {
		f.Add(s.q, s.lang, s.story)
	}
	pool, err := knowledge.Load("../evaluation/sets/general/stories/lindenau-hallenbad.de.txt")
	if err != nil {
		f.Fatal(err)
	}
	stories := append([]*knowledge.Story{knowledge.Default()}, pool...)
	e, err := New(context.Background(), Options{Stories: stories})
	if err != nil {
		f.Fatal(err)
	}
	byID := map[string]*knowledge.Story{}
	for _, s := range stories {
		byID[s.ID] = s
	}

	f.Fuzz(func(t *testing.T, q, lang, story string) {
		a, err := e.Ask(context.Background(), AskRequest{Question: q, Lang: lang, Story: story}, nil)
		if err != nil {
			if k := fault.KindOf(err); k != fault.Invalid && k != fault.NotFound {
				t.Fatalf("Ask(%q, %q, %q): %v (kind %v), want an invalid question or an unknown story", q, lang, story, err, k)
			}
			if fault.MessageOf(err) == "" {
				t.Fatalf("Ask(%q): error %v has no message for the user", q, err)
			}
			return
		}
		if a.Mode != ModeOffline {
			t.Fatalf("mode %q, want offline", a.Mode)
		}
		// Offline, the engine's own lines are German or English: a forced
		// German or English is kept, any other language gets English.
		want := NormalizeLang(lang)
		if want != "" && want != "de" {
			want = "en"
		}
		if (want != "" && a.Language != want) || (want == "" && a.Language != "de" && a.Language != "en") {
			t.Fatalf("Ask(%q, lang %q) answered in %q", q, lang, a.Language)
		}
		if a.Answer == "" || !utf8.ValidString(a.Answer) || utf8.RuneCountInString(a.Answer) > MaxAnswerChars {
			t.Fatalf("Ask(%q): answer of %d runes (valid UTF-8: %v), want 1 to %d", q, utf8.RuneCountInString(a.Answer), utf8.ValidString(a.Answer), MaxAnswerChars)
		}
		for _, c := range a.Citations {
			s := byID[c.Story]
			if s == nil || (story != "" && c.Story != story) {
				t.Fatalf("Ask(%q, story %q) cites story %q", q, story, c.Story)
			}
			p := s.Passage(c.ID)
			if p == nil || p.Text != c.Text {
				t.Fatalf("Ask(%q) cites %s/%s, which is not a passage of that story verbatim", q, c.Story, c.ID)
			}
		}
	})
}
