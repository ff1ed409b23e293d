package answer

import (
	"github.com/storybot/storybot/knowledge"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on what the engine returns, whatever the model writes. A model
// may ignore max_tokens; these hold on receipt.
const (
	// MaxAnswerChars bounds Answer.Answer and Summary.Summary, in
	// characters (runes), the note of a cut answer included. It leaves room
	// for the echoed question (300) and the sources line inside the bot's
	// two Discord messages (2 × 2,000), so a cut answer carries one note.
	MaxAnswerChars = 3400
	// MaxTimelineEvents bounds Timeline.Events; MaxEventChars each event's text.
	MaxTimelineEvents = 200
	MaxEventChars     = 300
	// MaxQuotes bounds Quotes.Quotes; MaxQuoteNoteChars the model's context
	// and translation of each.
	MaxQuotes         = 50
	MaxQuoteNoteChars = 400
)

// cutWindow is how far back from the limit a cut looks for the end of a
// sentence before it settles for the end of a word.
const cutWindow = 400

// rawAnswerLimit is how much model text a streamed answer reads at most:
// the checks may drop text (citations of passages that do not exist), so a
// little more than the bound is read, but never without end.
const rawAnswerLimit = 2 * MaxAnswerChars

// boundText returns text when it has at most max runes; else text cut at a
// sentence end (or a word end) and the note after it, at most max runes in
// all. The second result reports a cut.
func boundText(text string, max int, note string) (string, bool) {
	if utf8.RuneCountInString(text) <= max {
		return text, false
	}
	room := max - utf8.RuneCountInString(note) - 1 - closeRoom
	kept := text[:cutPoint(text, room, 0)]
	return withNote(closeQuotes(kept), note), true
}

// cutBytes cuts text like boundText to at most limit bytes (a part of a
// prompt, measured as the token estimate measures), ending it with "…".
func cutBytes(text string, limit int) string {
	if len(text) <= limit {
		return text
	}
	limit = max(limit-len(" …"), 0)
	for limit > 0 && !utf8.RuneStart(text[limit]) {
		limit--
	}
	return withNote(text[:cutPoint(text, utf8.RuneCountInString(text[:limit]), 0)], "…")
}

// withNote ends a cut text with its note.
func withNote(kept, note string) string {
	kept = strings.TrimRightFunc(kept, unicode.IsSpace)
	if kept == "" {
		return note
	}
	return kept + " " + note
}

// cutPoint is the byte offset where text is cut to keep at most room runes:
// the last sentence end within the last cutWindow runes of the room, else
// the last word end, else room itself; never before floor (a byte offset
// at a word end, below which the text has been shown already).
func cutPoint(text string, room, floor int) int {
	end := len(text)
	if n := 0; room < utf8.RuneCountInString(text) {
		for i := range text {
			if n == room {
				end = i
				break
			}
			n++
		}
	}
	end = max(end, floor)
	start := end
	for n := 0; start > floor && n < cutWindow; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	word := -1
	for i := end; i > start; {
		if next := firstRune(text[i:]); i == len(text) || unicode.IsSpace(next) {
			if sentenceEnds(text[:i], next) {
				return i
			}
			if last, _ := utf8.DecodeLastRuneInString(text[:i]); word < 0 && !unicode.IsSpace(last) {
				word = i
			}
		}
		_, size := utf8.DecodeLastRuneInString(text[:i])
		i -= size
	}
	if word >= 0 {
		return word
	}
	return end
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// sentenceEnds reports whether s, followed by next, ends a sentence: with
// . ! ? … (closing quotation marks or brackets may follow) or a citation,
// or before a line break.
func sentenceEnds(s string, next rune) bool {
	if next == '\n' {
		return true
	}
	t := strings.TrimRight(strings.TrimRight(s, " \t"), "”“\"»«’')")
	if strings.HasSuffix(t, "]") {
		return true // a citation closes its sentence
	}
	r, _ := utf8.DecodeLastRuneInString(t)
	return r != utf8.RuneError && strings.ContainsRune(".!?…", r)
}

// streamBound passes a streamed answer on while it fits MaxAnswerChars and
// cuts it when it does not, so a reader never sees more than the bound.
// Text is passed on up to the end of its last word; within cutWindow of the
// limit it is held back, so the cut can still fall at a sentence end.
type streamBound struct {
	room int // runes of text before the note
	note string
	emit func(string)

	text  strings.Builder // all text received
	runes int
	sent  int // bytes of text passed on
	hold  int // byte offset from which text is held back; -1: none yet
	cut   bool
	final string // the bounded text once cut
}

func newStreamBound(max int, note string, emit func(string)) *streamBound {
	return &streamBound{room: max - utf8.RuneCountInString(note) - 1 - closeRoom, note: note, emit: emit, hold: -1}
}

// Write takes the next piece of checked text.
func (b *streamBound) Write(s string) {
	if b.cut || s == "" {
		return
	}
	before := b.text.Len()
	if before == 0 {
		b.text.Grow(1024) // one allocation for a usual answer instead of a doubling series
	}
	b.text.WriteString(s)
	n := utf8.RuneCountInString(s)
	if b.hold < 0 && b.runes+n > b.room-cutWindow {
		// The rune at room-cutWindow falls in s: hold back from there.
		off, k := before, b.runes
		for i := range s {
			if k == b.room-cutWindow {
				off = before + i
				break
			}
			k++
		}
		b.hold = max(off, before)
	}
	b.runes += n
	if b.runes > b.room {
		b.finish(true)
		return
	}
	text := b.text.String()
	upto := len(text)
	if b.hold >= 0 {
		upto = b.hold
	}
	if i := strings.LastIndexFunc(text[b.sent:upto], unicode.IsSpace); i >= 0 {
		b.pass(text[b.sent : b.sent+i+1])
	}
}

func (b *streamBound) pass(s string) {
	b.sent += len(s)
	if b.emit != nil && s != "" {
		b.emit(s)
	}
}

// Close passes on what is held. truncated says the text ended early (the
// model stopped at its token limit, or the stream was stopped): it is then
// cut at its last sentence end and noted, like a text that was too long.
// It reports whether the text was cut.
func (b *streamBound) Close(truncated bool) bool {
	if !b.cut {
		b.finish(truncated)
	}
	return b.final != ""
}

func (b *streamBound) finish(truncated bool) {
	b.cut = true
	text := b.text.String()
	if !truncated {
		b.pass(text[b.sent:])
		return
	}
	at := cutPoint(text, min(b.room, b.runes), b.sent)
	b.pass(text[b.sent:at])
	kept := text[:at]
	if closed := closeQuotes(kept); closed != kept {
		b.pass(closed[len(kept):])
		kept = closed
	}
	if strings.TrimRightFunc(kept, unicode.IsSpace) == kept && kept != "" {
		b.pass(" ")
	}
	b.pass(b.note)
	b.final = withNote(kept, b.note)
}

// closeQuotes closes the quotations a cut leaves open at the end of kept.
// What the checker passes on inside quotation marks is verbatim in the
// story, and so is every run of its whole words: closing the marks after
// the last kept word keeps a true quotation instead of leaving an opening
// mark before the cut note. A room of at most closeRoom runes is reserved
// for this in the cut (see newStreamBound and boundText).
func closeQuotes(kept string) string {
	trimmed := strings.TrimRightFunc(kept, unicode.IsSpace)
	var open []rune // openers not yet closed, innermost last
	prev := ' '
	for i, r := range trimmed {
		next := firstRune(trimmed[i+utf8.RuneLen(r):])
		if n := len(open); n > 0 && strings.ContainsRune(quoteClosers(open[n-1]), r) &&
			!unicode.IsLetter(next) && !unicode.IsDigit(next) {
			open = open[:n-1]
		} else if quoteClosers(r) != "" && opensQuote(prev, next) && len(open) < closeRoom {
			open = append(open, r)
		}
		prev = r
	}
	if len(open) == 0 {
		return kept
	}
	var b strings.Builder
	b.WriteString(trimmed)
	for i := len(open) - 1; i >= 0; i-- {
		c, _ := utf8.DecodeRuneInString(quoteClosers(open[i]))
		b.WriteRune(c)
	}
	return b.String()
}

// closeRoom bounds how many quotations closeQuotes closes (and so the
// runes it may add).
const closeRoom = 4

// quoteClosers is knowledge's table of quotation marks plus the ASCII single
// quote the checker also takes for one.
func quoteClosers(open rune) string {
	if open == '\'' {
		return "'"
	}
	return knowledge.ClosingMarks(open)
}

// opensQuote reports whether a mark between prev and next opens a
// quotation: after a space, a bracket or a dash, before a word (not an
// apostrophe inside or after a word).
func opensQuote(prev, next rune) bool {
	if next == 0 || unicode.IsSpace(next) {
		return false
	}
	return unicode.IsSpace(prev) || strings.ContainsRune("([{–—-/:", prev)
}

// Cut is the bounded text, "" when nothing was cut.
func (b *streamBound) Cut() string { return b.final }
