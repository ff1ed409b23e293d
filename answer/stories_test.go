package answer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/knowledge"
)

func TestEngineRefusesEmptyOrSharedStoryIDs(t *testing.T) {
	parse := func(id, text string) *knowledge.Story {
		t.Helper()
		s, err := knowledge.Parse(id, id+".txt", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := parse("a", "Erste\n\nDer Roadster kam 2018.")
	cases := map[string][]*knowledge.Story{
		"two stories with one id": {a, parse("a", "Zweite\n\nDer Tesla kam 2020 zurück.")},
		"a story with no id":      {a, parse("", "Dritte\n\nNichts geschah.")},
	}
	for name, stories := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := New(context.Background(), Options{Stories: stories})
			if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), "unique and non-empty") {
				t.Errorf("New: %v, want an Invalid error about ids", err)
			}
		})
	}
}

// Files whose names once gave one id twice ("a.txt", "a-2.txt", "sub/a.txt")
// made Ask and Summary panic; each now answers from its own story.
func TestStoriesWithLookAlikeFileNamesAreAnsweredFromTheirOwnText(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.txt":     "Der Leuchtturm\n\nDer Leuchtturm von Kampen wurde 1856 gebaut.",
		"a-2.txt":   "Die Brücke\n\nDie Brücke über die Elbe wurde 1921 eröffnet.",
		"sub/a.txt": "Der Bahnhof\n\nDer Bahnhof von Husum erhielt 1887 ein Stellwerk.",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stories, err := knowledge.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), Options{Stories: stories})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ story, question, want string }{
		{"a", "Wann wurde der Leuchtturm gebaut?", "1856"},
		{"a-2", "Wann wurde die Brücke eröffnet?", "1921"},
		{"sub/a", "Wann erhielt der Bahnhof ein Stellwerk?", "1887"},
	} {
		a, err := e.Ask(context.Background(), AskRequest{Question: c.question, Story: c.story}, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.story, err)
		}
		if !strings.Contains(a.Answer, c.want) || len(a.Citations) == 0 || a.Citations[0].Story != c.story {
			t.Errorf("%s: answer %q citations %+v", c.story, a.Answer, a.Citations)
		}
		s, err := e.Summary(context.Background(), SummaryRequest{Story: c.story})
		if err != nil {
			t.Fatalf("summary of %s: %v", c.story, err)
		}
		if !strings.Contains(s.Summary, c.want) {
			t.Errorf("summary of %s: %q", c.story, s.Summary)
		}
	}
}
