package answer

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/storybot/storybot/knowledge"
)

// checker holds a model's answer to the story, as it streams in: a citation
// [§n] is kept only when §n is a passage the model was given, and a
// quotation is kept as a quotation only when it stands verbatim in the story
// (see checkquotes.go for what counts as a quotation and what happens to one
// that is not verbatim). Text outside quotation marks and brackets passes
// through at once; a quotation or a bracket is held back until it closes,
// then checked, so a reader never sees an unchecked quotation, not even while
// the answer streams, however the stream is cut into pieces.
type checker struct {
	refs    map[string]*knowledge.Passage // citation label → passage
	stories []string                      // normalized story texts, for the verbatim check
	marker  string                        // appended to a longer quotation that is not verbatim
	emit    func(string)                  // receives checked text as it is ready; may be nil
	depth   int                           // 0 for the answer; n for text re-checked inside an unverified quotation
	quiet   bool                          // no notes: the text is inside a quotation that gets one
	*checkResult

	out   strings.Builder
	ready strings.Builder // checked text not yet handed to emit

	// partial is the start of a rune a delta cut in two; input is text
	// waiting to be checked, in pieces, the next piece last: a new delta, or
	// the part of a bracket that turned out not to be a citation.
	partial []byte
	input   []string
	prev    rune // the rune before the next one, as the reader will see it; -1 at the start

	// lone is a quotation mark written as plain text (an apostrophe, a
	// closing mark with nothing open), waiting for the rune written after
	// it; lonePrev is the rune before it. See putLoneMark.
	lone, lonePrev rune

	pending       strings.Builder // a held bracket or quotation, with its opening mark
	bracket       bool            // while a [ is open
	bracketBefore rune            // the rune before the [
	quote         *heldQuote      // while a quotation is open

	// stripClosers are the marks that close a quotation released without
	// its marks because it grew past maxHeldQuote: the first of them that
	// closes is dropped too, followed by the marker when stripMarker.
	stripClosers string
	stripMarker  bool

	// since is the text written after the last verified quotation, while it
	// is short: a quotation that opens right after it in parentheses is its
	// translation.
	since         strings.Builder
	afterVerified bool
}

// checkResult is what a check found; shared by a checker and the checkers
// it runs on the insides of unverified quotations.
type checkResult struct {
	cited     []citedPassage // in order of first citation
	citedSeen map[*knowledge.Passage]bool
	// Counts for metrics and evaluation.
	droppedCitations, unverifiedQuotes, verifiedQuotes int
}

// citedPassage is a passage an answer cites, with the label it cited.
type citedPassage struct {
	label   string
	passage *knowledge.Passage
}

const maxHeldBracket = 64

// newChecker checks against stories, the normalized texts of the loaded
// stories (see normalizedTexts).
func newChecker(refs map[string]*knowledge.Passage, stories []string, lang string, emit func(string)) *checker {
	return &checker{refs: refs, stories: stories, marker: textsFor(lang).paraphrased, emit: emit, prev: -1, lone: -1,
		checkResult: &checkResult{citedSeen: map[*knowledge.Passage]bool{}}}
}

// normalizedTexts prepares story texts for the verbatim check, once.
func normalizedTexts(stories []*knowledge.Story) []string {
	out := make([]string, len(stories))
	for i, s := range stories {
		out[i] = strings.ToLower(knowledge.NormalizeQuotation(s.Text))
	}
	return out
}

// Write takes the next piece of the answer. A piece may end inside a rune or
// right after a quotation mark: that is kept until the next piece says what
// it is.
func (c *checker) Write(delta string) {
	c.partial = append(c.partial, delta...)
	n := completeRunes(c.partial)
	if n > 0 {
		// The waiting text (at most a mark) comes before the new piece.
		c.input = slices.Insert(c.input, 0, string(c.partial[:n]))
		c.partial = append(c.partial[:0], c.partial[n:]...)
	}
	c.run(false)
	c.flushReady()
}

// completeRunes returns the length of the longest prefix of b that does not
// end inside a rune.
func completeRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

// run checks the waiting input. A quotation mark is only decided with the
// rune after it in view, so unless final, a mark at the very end waits.
func (c *checker) run(final bool) {
	for len(c.input) > 0 {
		top := len(c.input) - 1
		if c.input[top] == "" {
			c.input = c.input[:top]
			continue
		}
		r, n := utf8.DecodeRuneInString(c.input[top])
		next := rune(-3) // not looked at: only a mark is decided by the rune after it
		if isMark(r) {
			var ok bool
			if next, ok = c.peek(n); !ok {
				if !final {
					return
				}
				next = c.end()
			}
		}
		c.input[top] = c.input[top][n:]
		c.step(r, next)
	}
}

// end is the rune after the text, as step and settleLone take it: -1 at
// the end of the answer; -2 at the end of a re-checked quotation, where what
// follows is not known here.
func (c *checker) end() rune {
	if c.depth == 0 {
		return -1
	}
	return -2
}

// peek returns the rune after the first n bytes of the input.
func (c *checker) peek(n int) (rune, bool) {
	for k := len(c.input) - 1; k >= 0; k-- {
		if s := c.input[k][n:]; s != "" {
			r, _ := utf8.DecodeRuneInString(s)
			return r, true
		}
		n = 0
	}
	return 0, false
}

// step checks one rune; next is the rune after it (see end), known when r
// is a quotation mark.
func (c *checker) step(r, next rune) {
	switch {
	case c.quote != nil:
		c.stepQuote(r, next)
	case c.bracket:
		c.hold(r)
		if r == ']' {
			c.finishBracket()
		} else if r == '\n' || c.pending.Len() > maxHeldBracket {
			c.releaseBracket()
		}
	case isMark(r):
		c.stepMark(r, next)
	case r == '[':
		c.bracket, c.bracketBefore = true, c.prev
		c.hold(r)
	default:
		c.put(string(r))
	}
}

func (c *checker) hold(r rune) {
	c.pending.WriteRune(r)
	c.prev = r
}

// put writes checked text.
func (c *checker) put(s string) {
	if s == "" {
		return
	}
	first, _ := utf8.DecodeRuneInString(s)
	c.settleLone(first)
	c.write(s)
	c.prev, _ = utf8.DecodeLastRuneInString(s)
}

// putLoneMark writes a quotation mark as plain text, once the rune written
// after it shows that a reader will not take it for the start of a
// quotation; else it is dropped. A mark's place decides that (see canOpen),
// and the checker decided with the text the model wrote: this looks at the
// text the reader gets, where a mark dropped next to it ('„x → 'x) or the
// note after a released quotation («  → « (paraphrased…)) can change it.
func (c *checker) putLoneMark(r rune) {
	c.settleLone(r)
	c.lone, c.lonePrev = r, c.prev
	c.prev = r
}

// settleLone writes or drops the waiting lone mark, now that the rune after
// it is known (or is the end, see end).
func (c *checker) settleLone(next rune) {
	if c.lone < 0 {
		return
	}
	r := c.lone
	c.lone = -1
	opens := canOpen(r, c.lonePrev, next)
	if next == -2 {
		opens = canOpen(r, c.lonePrev, 'a') || canOpen(r, c.lonePrev, ' ')
	}
	if !opens {
		c.write(string(r))
	}
}

func (c *checker) write(s string) {
	c.out.WriteString(s)
	c.ready.WriteString(s)
	if c.afterVerified {
		c.since.WriteString(s)
		if c.since.Len() > maxTranslationLead {
			c.afterVerified = false
		}
	}
}

func (c *checker) flushReady() {
	if c.ready.Len() > 0 && c.emit != nil {
		c.emit(c.ready.String())
	}
	c.ready.Reset()
}

// releaseBracket lets a bracket that is no citation pass: the [ at once, the
// rest checked again (it may hold a quotation).
func (c *checker) releaseBracket() {
	rest := c.pending.String()[1:]
	c.pending.Reset()
	c.bracket = false
	c.put("[")
	c.input = append(c.input, rest)
}

// citationRef matches the inside of a citation bracket: one or more labels
// such as "§3", "§ 3", "§3, §4" or "story-id §3".
var citationRef = regexp.MustCompile(`^\s*(?:[\w.-]+\s*)?§\s*\d+(?:\s*[,;]\s*(?:[\w.-]+\s*)?§\s*\d+)*\s*$`)
var citationLabel = regexp.MustCompile(`(?:([\w.-]+)\s*)?§\s*(\d+)`)

// finishBracket keeps a citation's known labels and drops unknown ones; a
// bracket that is not a citation ("[sic]") passes through.
func (c *checker) finishBracket() {
	held := c.pending.String()
	inner := held[1 : len(held)-1]
	if !citationRef.MatchString(inner) {
		c.releaseBracket()
		return
	}
	c.pending.Reset()
	c.bracket = false
	var kept []string
	for _, m := range citationLabel.FindAllStringSubmatch(inner, -1) {
		label := "§" + m[2]
		if m[1] != "" {
			label = m[1] + " " + label
		}
		p, ok := c.refs[label]
		if !ok {
			c.droppedCitations++
			continue
		}
		kept = append(kept, "["+label+"]")
		if !c.citedSeen[p] {
			c.citedSeen[p] = true
			c.cited = append(c.cited, citedPassage{label, p})
		}
	}
	if len(kept) == 0 {
		c.prev = c.bracketBefore // the reader sees no bracket
	}
	if len(kept) == 0 && isSingle(c.bracketBefore) {
		// A space where the citation stood keeps an apostrophe or the
		// closing mark before it from joining the next word ('Natur'[§99]x
		// would read as 'Natur'x).
		c.put(" ")
		return
	}
	c.put(strings.Join(kept, ""))
}

// Close checks what is still held (a bracket that never closed passes as
// plain text; see finishUnclosed for a quotation) and returns the whole
// checked answer, tidied.
func (c *checker) Close() string {
	c.finish()
	c.flushReady()
	return tidy(c.out.String())
}

// finish checks all the input as the end of the text.
func (c *checker) finish() {
	if len(c.partial) > 0 {
		// A rune cut off at the very end: each byte becomes U+FFFD.
		c.input = append([]string{string(c.partial)}, c.input...)
		c.partial = nil
	}
	for {
		c.run(true)
		switch {
		case c.bracket:
			c.releaseBracket()
		case c.quote != nil:
			c.finishUnclosed()
		default:
			if c.stripClosers != "" && c.stripMarker && !c.quiet {
				c.put(" " + c.marker)
			}
			c.stripClosers = ""
			c.settleLone(c.end())
			return
		}
	}
}

var (
	// spaceBeforePunct leaves the space after a quotation mark: without it,
	// a mark standing alone (a " b) could become one that opens (a ". b).
	spaceBeforePunct = regexp.MustCompile(`([^\s"'“”„‚‘’«»‹›])[ \t]+([.,;:!?])`)
	multiSpace       = regexp.MustCompile(`[ \t]{2,}`)
)

// tidy mends the spacing that dropping a citation can leave ("word  ." → "word.").
func tidy(s string) string {
	if mayTidy(s) {
		s = spaceBeforePunct.ReplaceAllString(s, "$1$2")
		s = multiSpace.ReplaceAllString(s, " ")
	}
	return strings.TrimSpace(s)
}

// mayTidy reports whether either regexp of tidy can match s: both need a
// space or tab followed by punctuation or by another space or tab. Most
// answers have neither, and the regexps cost (BenchmarkAskEngineOverhead).
func mayTidy(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' {
			switch s[i+1] {
			case ' ', '\t', '.', ',', ';', ':', '!', '?':
				return true
			}
		}
	}
	return false
}
