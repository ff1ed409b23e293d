package bot

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// longAnswer builds a text of about n characters: paragraphs of sentences,
// with links, inline code and a code block somewhere in the middle.
func longAnswer(n int) string {
	sentences := []string{
		"Musk antwortete Altman auf X mit einem knappen Satz.",
		"Die Reservierung für den Roadster wurde 2018 angezahlt, siehe [den Bericht](https://example.com/roadster-bericht).",
		"Altman schrieb, er habe sieben Jahre gewartet!",
		"Details stehen unter https://example.com/a/very/long/path/that/should/never/be/cut?x=1&y=2 im Archiv.",
		"Wer hat die `refund_reservation()` Funktion aufgerufen?",
		"Tesla erstattete die Anzahlung von 45.000 Dollar.",
	}
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(sentences[i%len(sentences)])
		if i%4 == 3 {
			sb.WriteString("\n\n")
		} else {
			sb.WriteString(" ")
		}
		if i == 20 {
			sb.WriteString("\n```go\n")
			for j := 0; j < 30; j++ {
				sb.WriteString("fmt.Println(\"line of code number ")
				sb.WriteString(strings.Repeat("x", j%7))
				sb.WriteString("\")\n")
			}
			sb.WriteString("```\n\n")
		}
	}
	return sb.String()
}

var (
	wordAtEnd   = regexp.MustCompile(`\p{L}$`)
	wordAtStart = regexp.MustCompile(`^\p{L}`)
)

func checkParts(t *testing.T, text string, parts []string, limit int) {
	t.Helper()
	if len(parts) == 0 {
		t.Fatal("no parts")
	}
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > limit {
			t.Errorf("part %d has %d characters, more than %d", i, n, limit)
		}
		if strings.Count(p, "```")%2 != 0 {
			t.Errorf("part %d leaves a code block open:\n%s", i, p)
		}
		if i+1 < len(parts) && wordAtEnd.MatchString(p) && wordAtStart.MatchString(parts[i+1]) {
			t.Errorf("parts %d and %d split a word: %q | %q", i, i+1, tail(p, 20), head(parts[i+1], 20))
		}
	}
	// Every link and inline code span survives whole in some part.
	for _, span := range protectedSpan.FindAllString(text, -1) {
		found := false
		for _, p := range parts {
			if strings.Contains(p, span) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("span %q was cut", span)
		}
	}
	if err := rejoins(text, parts); err != nil {
		t.Error(err)
	}
	// Nothing is lost: the words of the text come out in order.
	got := dropFences(strings.Fields(strings.Join(parts, " ")))
	want := dropFences(strings.Fields(text))
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("words differ after splitting")
	}
}

// rejoins checks that parts are text cut up, nothing else: joined back
// with the whitespace at each cut, and without the code fences a cut in a
// code block adds ("\n```" closing a part, "```lang\n" reopening the
// next), they are the text (as splitMessage documents).
func rejoins(text string, parts []string) error {
	rest := strings.TrimSpace(text)
	for i, p := range parts {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		cands := []string{p}
		reopened, hasOpen := cutReopenedFence(p)
		if i > 0 && hasOpen {
			cands = append(cands, reopened)
		}
		if closed, ok := strings.CutSuffix(p, fenceClose); ok && i < len(parts)-1 {
			cands = append(cands, closed)
			if both, ok := cutReopenedFence(closed); ok && i > 0 {
				cands = append(cands, both)
			}
		}
		matched := false
		for _, c := range cands {
			c = strings.TrimLeftFunc(c, unicode.IsSpace)
			if strings.HasPrefix(rest, c) {
				rest, matched = rest[len(c):], true
				break
			}
		}
		if !matched {
			return fmt.Errorf("part %d of %d is not the text at that point:\npart %q\ntext %q", i+1, len(parts), head(p, 60), head(rest, 60))
		}
	}
	if strings.TrimSpace(rest) != "" {
		return fmt.Errorf("the parts lose the end of the text: %q", head(rest, 60))
	}
	return nil
}

// cutReopenedFence removes a leading "```lang\n" from p.
func cutReopenedFence(p string) (string, bool) {
	if !strings.HasPrefix(p, "```") {
		return p, false
	}
	nl := strings.IndexByte(p, '\n')
	if nl < 0 {
		return p, false
	}
	return p[nl+1:], true
}

func dropFences(words []string) []string {
	var out []string
	for _, w := range words {
		if !strings.HasPrefix(w, "```") {
			out = append(out, w)
		}
	}
	return out
}

func head(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestSplitMessage(t *testing.T) {
	codeHeavy := "Here is the code:\n\n```python\n" + strings.Repeat("print('a line of python that is long enough')\n", 120) + "```\nThat was it."
	oneParagraph := strings.Repeat("Ein Satz ohne Absatz, aber mit Kommas und Wörtern. ", 100)
	noSpaces := strings.Repeat("x", 4500)
	tests := []struct {
		name      string
		text      string
		limit     int
		wantParts int // 0: don't check
	}{
		{"a short answer stays in one message", "Kurz und gut.", 2000, 1},
		{"a 5,000-character answer is split into three parts or so", longAnswer(5000), 2000, 0},
		{"an answer of exactly the limit is not split", strings.Repeat("a", 2000), 2000, 1},
		{"a code block that has to be split is closed and reopened", codeHeavy, 2000, 0},
		{"a long paragraph is split between sentences", oneParagraph, 2000, 0},
		{"a word longer than the limit is cut hard as the last resort", noSpaces, 2000, 3},
		{"embed descriptions use their own limit", longAnswer(9000), 4096, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := splitMessage(tt.text, tt.limit)
			if tt.wantParts > 0 && len(parts) != tt.wantParts {
				t.Fatalf("got %d parts, want %d", len(parts), tt.wantParts)
			}
			if tt.name == "a word longer than the limit is cut hard as the last resort" {
				if strings.Join(parts, "") != tt.text {
					t.Fatal("hard cut lost characters")
				}
				return
			}
			checkParts(t, tt.text, parts, tt.limit)
		})
	}
}

func TestSplitMessageReopensCodeBlockWithItsLanguage(t *testing.T) {
	text := "```python\n" + strings.Repeat("print('x')\n", 400) + "```"
	parts := splitMessage(text, 2000)
	if len(parts) < 2 {
		t.Fatalf("got %d parts", len(parts))
	}
	for i, p := range parts {
		if !strings.HasPrefix(p, "```python\n") {
			t.Errorf("part %d does not open the code block with its language: %q", i, head(p, 20))
		}
		if !strings.HasSuffix(p, "```") {
			t.Errorf("part %d does not close the code block: %q", i, tail(p, 20))
		}
	}
}

func TestSplitMessagePrefersParagraphs(t *testing.T) {
	p1 := strings.Repeat("Erster Absatz mit Sätzen. ", 50)  // 1300 chars
	p2 := strings.Repeat("Zweiter Absatz mit Sätzen. ", 50) // 1350 chars
	parts := splitMessage(p1+"\n\n"+p2, 2000)
	if len(parts) != 2 {
		t.Fatalf("got %d parts, want 2", len(parts))
	}
	if parts[0] != strings.TrimSpace(p1) || parts[1] != strings.TrimSpace(p2) {
		t.Errorf("did not split at the paragraph boundary: %q | %q", tail(parts[0], 30), head(parts[1], 30))
	}
}

func FuzzSplitMessage(f *testing.F) {
	f.Add(longAnswer(3000), 200)
	f.Add("```go\nx\n```\n"+strings.Repeat("a b ", 300), 50)
	f.Add(strings.Repeat("ü", 500), 30)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if limit < 1 || limit > 5000 || !utf8.ValidString(text) {
			return
		}
		parts := splitMessage(text, limit)
		for _, p := range parts {
			if n := utf8.RuneCountInString(p); n > limit {
				t.Fatalf("part of %d characters over limit %d", n, limit)
			}
			if strings.TrimSpace(p) == "" {
				t.Fatalf("empty part")
			}
		}
		if err := rejoins(text, parts); err != nil {
			t.Fatal(err)
		}
	})
}
