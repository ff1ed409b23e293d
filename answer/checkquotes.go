package answer

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/storybot/storybot/knowledge"
)

// Quotations in a model's answer.
//
// A quotation is what a reader takes for one: an opening mark the story
// parser knows („ “ ” » « ‚ ‘ › ‹ " — see knowledge.ClosingMarks — or the
// ASCII ') at the start of a word, and the nearest of its closing marks at
// the end of a word after it, across line breaks. Each one is held back
// until it closes, then:
//
//   - verbatim in the story (compared as NormalizeQuotation leaves it,
//     ignoring case and a leading ellipsis, at word boundaries): shown with
//     its marks and counted in verified_quotes;
//   - otherwise: shown without its marks, followed by the paraphrase note
//     when it has three words or more, and counted in unverified_quotes. The
//     words inside are checked again, so a verbatim quotation within keeps
//     its marks and an invented one loses them;
//   - a translation: a quotation in parentheses right after a verified one
//     (“Aber das liegt in deiner Natur” (“But that is in your nature”), also
//     with a label: (English: “…”)) is taken for its translation. It is
//     shown without marks too (it is not the story's words) but without the
//     note and not counted. A translation anywhere else is an unverified
//     quotation.
//
// A quotation longer than maxHeldQuote bytes is released without its marks
// as soon as it passes the limit (so memory stays bounded), the rest of it
// passes as it comes, and its closing mark is dropped; it is counted and
// noted unless what was held is verbatim. A mark left open at the end of the
// answer is dropped and what follows it is checked as plain text (counted
// and noted when it is not in the story).
//
// A mark written as plain text is dropped when the text after it would make
// a reader take it for an opening mark (see putLoneMark).
//
// Apostrophes are no quotation marks: a mark between two letters (don't,
// Musk's, Altman’s), a closing mark after a word with no quotation open
// (Altmans'), and an opening ' or ‘ before a short elided word (rock 'n'
// roll, 'til, 'em, the '90s).

// maxHeldQuote bounds the bytes of a quotation held back while it is open.
const maxHeldQuote = 2000

// maxRecheckDepth bounds how deeply the insides of unverified quotations are
// checked again; deeper, all their quotation marks are dropped.
const maxRecheckDepth = 4

// maxTranslationLead is how much text may stand between a verified
// quotation and its translation: a space, a citation, "(English: ".
const maxTranslationLead = 48

// translationLead matches what may stand between a verified quotation and
// its translation. It is compiled on first use: the bounded repetition of a Unicode letter
// class makes a program of about 0.8 MB, which a process that never sees a
// quotation followed by a translation need not hold.
var translationLead = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*(?:\[[^\]]*\]\s*)*\(\s*(?:\p{L}[\p{L}. -]{0,24}:\s*)?$`)
})

// heldQuote is an open quotation.
type heldQuote struct {
	open        rune
	closers     string // the marks that close it, the usual one first
	before      rune   // the rune before the opening mark
	single      bool   // opened with ' or ‘, which are apostrophes too
	wordDone    bool   // its first word is complete
	translation bool   // it stands where a translation of the last verified quotation does
}

// isMark reports a rune that may open or close a quotation.
func isMark(r rune) bool {
	if r < '«' { // the common case, without a map look-up
		return r == '"' || r == '\''
	}
	return knowledge.IsQuotationMark(r)
}

// closingMarks returns the marks that close a quotation opened with r, or "".
// The story parser's table, plus what a model writes that it does not: the
// ASCII '…' and ”…”.
func closingMarks(r rune) string {
	switch r {
	case '\'':
		return "'"
	case '”':
		return "”"
	}
	return knowledge.ClosingMarks(r)
}

func isSingle(r rune) bool    { return r == '\'' || r == '‘' || r == '’' }
func isGuillemet(r rune) bool { return r == '«' || r == '»' || r == '‹' || r == '›' }
func isWordRune(r rune) bool  { return r >= 0 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

// canOpen reports a mark that starts a quotation: ' and ‘ not after a
// letter or digit and before one or a mark (else they are apostrophes); the others
// before anything but space, wherever they stand (a reader takes
// sagte„Ich …“ for a quotation too); guillemets also before a space after a
// space, as in French (« Je … »).
func canOpen(r, prev, next rune) bool {
	switch {
	case next < 0:
		return false
	case isSingle(r):
		// Before another mark too: if that one is dropped, a reader
		// would see this one open a quotation ('„x → 'x).
		return !isWordRune(prev) && (isWordRune(next) || isMark(next))
	case isGuillemet(r):
		return !unicode.IsSpace(next) || !isWordRune(prev)
	}
	return !unicode.IsSpace(next)
}

// closes reports whether r, one of the closing marks of an open quotation,
// closes it: it ends a word, or it cannot start one. A single mark between
// two letters is an apostrophe; so is one after a letter and before another
// mark, which may yet be dropped ('000'"0 would show as '000'0), or before
// what is not known yet (-2: the end of a re-checked quotation).
func closes(r, prev, next rune) bool {
	if isSingle(r) && isWordRune(prev) && (isWordRune(next) || isMark(next) || next == -2) {
		return false
	}
	canClose := prev >= 0 && (!unicode.IsSpace(prev) || isGuillemet(r))
	return canClose || !canOpen(r, prev, next)
}

// elisions are the words an apostrophe starts in English ('n', 'til); a '
// or ‘ before one of them, or before two digits ('90s, '18, but not
// '45.000), opens nothing. end is the rune after the word (-1 for none).
var elisions = map[string]bool{"n": true, "em": true, "til": true, "cause": true, "tis": true, "twas": true, "bout": true, "cos": true}

func isElision(word string, end rune) bool {
	if elisions[word] {
		return true
	}
	d := strings.TrimSuffix(word, "s")
	return len(d) == 2 && d[0] >= '0' && d[0] <= '9' && d[1] >= '0' && d[1] <= '9' &&
		(d != word || end != '.' && end != ',')
}

func hasWordRune(s string) bool { return strings.IndexFunc(s, isWordRune) >= 0 }

// stepMark takes a quotation mark outside any quotation or bracket.
func (c *checker) stepMark(r, next rune) {
	if c.stripClosers != "" && strings.ContainsRune(c.stripClosers, r) && closes(r, c.prev, next) {
		// The end of a quotation already released without its marks.
		c.stripClosers = ""
		if c.stripMarker && !c.quiet {
			c.put(" " + c.marker)
		}
		return
	}
	if cl := closingMarks(r); cl != "" && canOpen(r, c.prev, next) {
		c.quote = &heldQuote{open: r, closers: cl, before: c.prev, single: isSingle(r),
			translation: c.afterVerified && translationLead().MatchString(c.since.String())}
		c.afterVerified = false
		c.hold(r)
		return
	}
	c.putLoneMark(r)
}

// stepQuote takes a rune while a quotation is open.
func (c *checker) stepQuote(r, next rune) {
	q := c.quote
	if strings.ContainsRune(q.closers, r) && closes(r, c.prev, next) {
		c.finishQuote(r)
		return
	}
	c.hold(r)
	if q.single && !q.wordDone && !isWordRune(r) {
		q.wordDone = true
		held := c.pending.String()
		word := held[utf8.RuneLen(q.open) : len(held)-utf8.RuneLen(r)]
		// Only before a rune that stays: a mark may be dropped and a
		// bracket may be a citation that is, joining the word to the
		// next ('00"00 → '0000, not the elision '00).
		if isElision(word, r) && r != '[' && !isMark(r) {
			// An apostrophe ('til, 'n, '90s): the text passes, the rune
			// after the word is checked as any other.
			c.pending.Reset()
			c.quote = nil
			c.put(held[:len(held)-utf8.RuneLen(r)])
			c.input = append(c.input, string(r))
			return
		}
	}
	if c.pending.Len() > maxHeldQuote {
		c.overflow()
	}
}

// takeQuote ends the held quotation and returns it and the text after its
// opening mark.
func (c *checker) takeQuote() (*heldQuote, string) {
	q := c.quote
	inner := c.pending.String()[utf8.RuneLen(q.open):]
	c.pending.Reset()
	c.quote = nil
	return q, inner
}

// finishQuote checks the held quotation, closed by the mark r.
func (c *checker) finishQuote(r rune) {
	q, inner := c.takeQuote()
	switch {
	case q.single && !q.wordDone && isElision(inner, r):
		c.put(string(q.open) + inner + string(r)) // rock 'n' roll
	case !hasWordRune(inner):
		// Marks around no words ("", “…”): nothing is quoted.
		c.putLoneMark(q.open)
		c.put(stripMarks(inner, q.open))
		c.putLoneMark(r)
	case c.verbatim(inner):
		c.verifiedQuotes++
		closer, _ := utf8.DecodeRuneInString(q.closers)
		c.put(string(q.open) + inner + string(closer))
		c.afterVerified = true
		c.since.Reset()
	default:
		if q.translation {
			c.put(c.recheck(inner, q.before, false))
			return
		}
		c.unverifiedQuotes++
		// Not in the story: shown as the model's words, without quotation
		// marks, and marked when it is long enough to pass for a quotation.
		c.putUnverified(inner, q.before)
	}
}

// overflow releases a quotation that grew past maxHeldQuote without its
// marks.
func (c *checker) overflow() {
	q, inner := c.takeQuote()
	c.stripClosers = q.closers
	c.stripMarker = !q.translation && !c.verbatim(inner)
	if c.stripMarker {
		c.unverifiedQuotes++
	}
	c.put(c.recheck(inner, q.before, c.stripMarker))
}

// putUnverified writes the words of an unverified quotation, with the note
// when they are long enough to pass for a quotation and no note will follow
// the quotation this one stands in.
func (c *checker) putUnverified(inner string, before rune) {
	if len(strings.Fields(inner)) >= 3 && !c.quiet {
		c.put(strings.TrimSpace(c.recheck(strings.TrimSpace(inner), before, true)) + " " + c.marker)
		return
	}
	c.put(c.recheck(inner, before, c.quiet))
}

// finishUnclosed drops the opening mark of a quotation still open at the end
// of the text; what follows it is checked as plain text.
func (c *checker) finishUnclosed() {
	q, inner := c.takeQuote()
	if q.single && !q.wordDone && isElision(inner, -1) && c.depth == 0 {
		c.put(string(q.open) + inner) // 'n at the very end
		return
	}
	note := c.depth == 0 && !q.translation && hasWordRune(inner) && !c.verbatim(inner)
	if note {
		c.unverifiedQuotes++
	}
	if note {
		c.putUnverified(inner, q.before)
		return
	}
	c.put(c.recheck(inner, q.before, c.quiet))
}

// recheck checks text that stood inside an unverified quotation, as the
// whole of a text of its own: a quotation inside it is verified or loses its
// marks like any other; quiet when the text will be followed by the note.
func (c *checker) recheck(text string, before rune, quiet bool) string {
	if c.depth >= maxRecheckDepth {
		return stripMarks(text, before)
	}
	sub := &checker{refs: c.refs, stories: c.stories, marker: c.marker, depth: c.depth + 1, quiet: quiet,
		checkResult: c.checkResult, prev: before, lone: -1, input: []string{text}}
	sub.finish()
	return sub.out.String()
}

// stripMarks drops every quotation mark from text but apostrophes between
// two letters.
func stripMarks(text string, before rune) string {
	var b strings.Builder
	prev := before
	for i, r := range text {
		if isMark(r) {
			next, _ := utf8.DecodeRuneInString(text[i+utf8.RuneLen(r):])
			if i+utf8.RuneLen(r) == len(text) {
				next = -1
			}
			if !(isSingle(r) && isWordRune(prev) && isWordRune(next)) {
				continue
			}
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// verbatim reports whether a quotation stands in one of the stories, as
// NormalizeQuotation leaves both, ignoring case and a leading ellipsis, and
// starting and ending at word boundaries ("Natur" is not in "Naturgesetz").
func (c *checker) verbatim(inner string) bool {
	q := strings.ToLower(strings.TrimLeft(knowledge.NormalizeQuotation(inner), "…. "))
	if !hasWordRune(q) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(q)
	last, _ := utf8.DecodeLastRuneInString(q)
	for _, s := range c.stories {
		for off := 0; off < len(s); {
			i := strings.Index(s[off:], q)
			if i < 0 {
				break
			}
			i += off
			before, _ := utf8.DecodeLastRuneInString(s[:i])
			after, _ := utf8.DecodeRuneInString(s[i+len(q):])
			if (!isWordRune(first) || i == 0 || !isWordRune(before)) &&
				(!isWordRune(last) || i+len(q) == len(s) || !isWordRune(after)) {
				return true
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			off = i + n
		}
	}
	return false
}
