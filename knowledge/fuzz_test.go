package knowledge

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets. Seeds live in testdata/fuzz/<FuzzName>/ (the default story,
// mixed quotation marks, tricky numbers); the f.Add calls below add a few
// short ones. Run one for a while with
//
//	go test ./knowledge -run '^$' -fuzz '^FuzzParse$' -fuzztime 60s

var sortKeyPattern = regexp.MustCompile(`^(\d{4}(-\d{2}(-\d{2})?)?)?$`)

func addFuzzSeeds(f *testing.F) {
	f.Helper()
	for _, s := range []string{
		"Titel\n\n„Das liegt in deiner Natur“, erklärte Musk am 4. Juli 2018.",
		"T\n\n“We are close,” Altman said on July 4, 2018.",
		"T\n\n„a “b” c“ «d» »e« ‚f‘ \"g\" don’t 45.000 $ $45,000 innerhalb von 24 Stunden",
		"„\n\n“",
	} {
		f.Add(s)
	}
}

// spanOK checks that sp lies within text on rune boundaries.
func spanOK(t *testing.T, text string, sp Span, what string) bool {
	t.Helper()
	if sp.Start < 0 || sp.End < sp.Start || sp.End > len(text) {
		t.Errorf("%s: span %v out of bounds (len %d)", what, sp, len(text))
		return false
	}
	if utf8.ValidString(text) && (sp.Start < len(text) && !utf8.RuneStart(text[sp.Start]) || sp.End < len(text) && !utf8.RuneStart(text[sp.End])) {
		t.Errorf("%s: span %v not on rune boundaries", what, sp)
		return false
	}
	return true
}

func within(inner, outer Span) bool { return inner.Start >= outer.Start && inner.End <= outer.End }

// checkStory checks the invariants of a parsed story.
func checkStory(t *testing.T, s *Story) {
	t.Helper()
	text := s.Text
	last := -1
	for _, p := range s.Passages {
		if !spanOK(t, text, p.Span, "passage "+p.ID) {
			return
		}
		if p.Text != text[p.Span.Start:p.Span.End] {
			t.Errorf("passage %s text is not Text[Span]", p.ID)
		}
		if p.Span.Start < last {
			t.Errorf("passage %s out of order", p.ID)
		}
		last = p.Span.End
		prev := p.Span.Start
		for _, se := range p.Sentences {
			if !spanOK(t, text, se, "sentence") || !within(se, p.Span) || se.Start < prev || se.Start >= se.End {
				t.Errorf("sentence %v of passage %s %v is out of place", se, p.ID, p.Span)
			}
			prev = se.End
		}
	}
	checkQuotes(t, s)
	checkEvents(t, s)
}

func checkQuotes(t *testing.T, s *Story) {
	t.Helper()
	text := s.Text
	prev := -1
	for _, q := range s.Quotes {
		if !spanOK(t, text, q.Span, "quote") {
			continue
		}
		if got := text[q.Span.Start:q.Span.End]; got != q.Text {
			t.Errorf("Quote.Text %q != Text[Span] %q", q.Text, got)
		}
		if q.Text == "" || strings.TrimSpace(q.Text) != q.Text {
			t.Errorf("quote %q is empty or untrimmed", q.Text)
		}
		if !strings.Contains(q.Context, q.Text) {
			t.Errorf("context %q lacks quote %q", q.Context, q.Text)
		}
		if q.Span.Start < prev {
			t.Errorf("quote %q out of text order", q.Text)
		}
		prev = q.Span.Start
		if q.PassageID != "" && s.Passage(q.PassageID) == nil {
			t.Errorf("quote %q cites missing passage %q", q.Text, q.PassageID)
		}
		if strings.TrimSpace(q.Speaker) != q.Speaker || strings.ContainsAny(q.Speaker, "\n„“”\"«»") {
			t.Errorf("odd speaker %q", q.Speaker)
		}
	}
	for _, sp := range s.Speakers() {
		if sp == "" {
			t.Error("empty speaker listed")
		}
	}
}

func checkEvents(t *testing.T, s *Story) {
	t.Helper()
	text := s.Text
	undated := false
	prevKey, prevStart := "", -1
	for _, e := range s.Events {
		if !spanOK(t, text, e.Span, "event") || !spanOK(t, text, e.DateSpan, "date") {
			continue
		}
		if got := text[e.DateSpan.Start:e.DateSpan.End]; got != e.Date || e.Date == "" {
			t.Errorf("Event.Date %q != Text[DateSpan] %q", e.Date, got)
		}
		if got := text[e.Span.Start:e.Span.End]; got != e.Event {
			t.Errorf("Event.Event %q != Text[Span] %q", e.Event, got)
		}
		if !within(e.DateSpan, e.Span) {
			t.Errorf("date span %v outside sentence %v", e.DateSpan, e.Span)
		}
		if p := s.Passage(e.PassageID); p == nil || !within(e.Span, p.Span) {
			t.Errorf("event %q not in its passage %q", e.Date, e.PassageID)
		}
		if !sortKeyPattern.MatchString(e.Sort) || e.Relative && e.Sort != "" {
			t.Errorf("bad sort key %q (relative %v) for %q", e.Sort, e.Relative, e.Date)
		}
		if e.Sort != "" && !strings.Contains(e.Date, e.Sort[:4]) {
			t.Errorf("sort key %q has a year %q does not state", e.Sort, e.Date)
		}
		switch {
		case e.Sort == "":
			if undated && e.DateSpan.Start < prevStart {
				t.Errorf("undated event %q out of text order", e.Date)
			}
			undated, prevStart = true, e.DateSpan.Start
		case undated:
			t.Errorf("dated event %q after undated ones", e.Date)
		default:
			if k := timelineKey(e.Sort); k < prevKey {
				t.Errorf("event %q (%s) before %s", e.Date, k, prevKey)
			} else {
				prevKey = k
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"Titel\n\nText.", "# T\n\n## H „x“\n\nA. B.", "\xEF\xBB\xBFT\r\n\r\nx"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz", "fuzz", data)
		if err != nil {
			return
		}
		checkStory(t, s)
	})
}

func FuzzQuotes(f *testing.F) {
	addFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		// The scanner on any string, valid UTF-8 or not.
		prev := 0
		for _, q := range scanQuotes(text, 0, len(text)) {
			if !(q.open.Start >= prev && q.open.End <= q.inner.Start && q.inner.Start < q.inner.End &&
				q.inner.End <= q.close.Start && q.close.Start < q.close.End && q.close.End <= len(text)) {
				t.Fatalf("bad quotation spans %+v in %q", q, text)
			}
			prev = q.close.End
		}
		s, err := Parse("fuzz", "fuzz", []byte(text))
		if err != nil {
			return
		}
		checkQuotes(t, s)
		// The public search on the same text.
		n := min(len(text), 12)
		for !utf8.ValidString(text[:n]) {
			n--
		}
		for _, q := range FindQuotes(s, text[:n], text[n:]) {
			if q.Speaker == "" {
				t.Errorf("FindQuotes returned a quotation without speaker: %q", q.Text)
			}
		}
	})
}

func FuzzDates(f *testing.F) {
	addFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		// The matcher on any string, valid UTF-8 or not.
		prev := 0
		for _, d := range findDates(text, 0, len(text)) {
			if d.span.Start < prev || d.span.End <= d.span.Start || d.span.End > len(text) {
				t.Fatalf("bad date span %v in %q", d.span, text)
			}
			if !sortKeyPattern.MatchString(d.sort) || d.relative && d.sort != "" {
				t.Fatalf("bad sort key %q for %q", d.sort, text[d.span.Start:d.span.End])
			}
			prev = d.span.End
		}
		s, err := Parse("fuzz", "fuzz", []byte(text))
		if err != nil {
			return
		}
		checkEvents(t, s)
	})
}
