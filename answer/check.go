package answer

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/storybot/storybot/knowledge"
)

// checker holds a model's answer to the story, as it streams in: a citation
// [§n] is kept only when §n is a passage the model was given, and a
// quotation is kept as a quotation only when it stands verbatim in the story.
// Text outside quotation marks and brackets passes through at once; a
// quotation or a bracket is held back until it closes, then checked, so a
// reader never sees an unchecked quotation, not even while the answer streams.
type checker struct {
	refs    map[string]*knowledge.Passage // citation label → passage
	stories []string                      // normalized story texts, for the verbatim check
	marker  string                        // appended to a longer quotation that is not verbatim
	emit    func(string)                  // receives checked text as it is ready; may be nil

	out     strings.Builder
	pending strings.Builder
	closers string // while a quotation is open: the marks that close it
	bracket bool   // while a [ is open

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

// quoteOpeners maps the quotation marks a model may open with to the marks
// that close them, the canonical one first.
var quoteOpeners = map[rune]string{'“': "”“", '„': "“”", '"': "\"", '«': "»", '»': "«"}

const (
	maxHeldQuote   = 1200 // a "quotation" longer than this is a stray mark, not a quotation
	maxHeldBracket = 64
)

// newChecker checks against stories, the normalized texts of the loaded
// stories (see normalizedTexts).
func newChecker(refs map[string]*knowledge.Passage, stories []string, lang string, emit func(string)) *checker {
	return &checker{refs: refs, stories: stories, marker: textsFor(lang).paraphrased, emit: emit, citedSeen: map[*knowledge.Passage]bool{}}
}

// normalizedTexts prepares story texts for the verbatim check, once.
func normalizedTexts(stories []*knowledge.Story) []string {
	out := make([]string, len(stories))
	for i, s := range stories {
		out[i] = strings.ToLower(knowledge.NormalizeQuotation(s.Text))
	}
	return out
}

// Write takes the next piece of the answer.
func (c *checker) Write(delta string) {
	for _, r := range delta {
		c.step(r)
	}
}

func (c *checker) step(r rune) {
	switch {
	case c.closers != "":
		if strings.ContainsRune(c.closers, r) {
			c.finishQuote()
			return
		}
		if r == '\n' || c.pending.Len() > maxHeldQuote {
			// An opening mark that never closed: not a quotation after all.
			c.pending.WriteRune(r)
			c.flushLiteral()
			return
		}
		c.pending.WriteRune(r)
	case c.bracket:
		c.pending.WriteRune(r)
		if r == ']' {
			c.finishBracket()
		} else if r == '\n' || c.pending.Len() > maxHeldBracket {
			c.flushLiteral()
		}
	default:
		if cl, ok := quoteOpeners[r]; ok {
			c.closers = cl
			c.pending.WriteRune(r)
			return
		}
		if r == '[' {
			c.bracket = true
			c.pending.WriteRune(r)
			return
		}
		c.put(string(r))
	}
}

func (c *checker) put(s string) {
	if s == "" {
		return
	}
	c.out.WriteString(s)
	if c.emit != nil {
		c.emit(s)
	}
}

func (c *checker) flushLiteral() {
	s := c.pending.String()
	c.pending.Reset()
	c.closers, c.bracket = "", false
	c.put(s)
}

// finishQuote checks the held quotation (its opening mark in pending, the
// closing mark not yet written).
func (c *checker) finishQuote() {
	held := c.pending.String()
	openRune, n := utf8.DecodeRuneInString(held)
	open, inner := held[:n], held[n:]
	c.pending.Reset()
	// The canonical closing mark is the first of the opener's closers.
	closer, _ := utf8.DecodeRuneInString(quoteOpeners[openRune])
	c.closers = ""
	if strings.TrimSpace(inner) == "" {
		c.put(held + string(closer))
		return
	}
	if c.verbatim(inner) {
		c.verifiedQuotes++
		c.put(open + inner + string(closer))
		return
	}
	c.unverifiedQuotes++
	// Not in the story: shown as the model's words, without quotation marks,
	// and marked when it is long enough to pass for a quotation.
	if len(strings.Fields(inner)) >= 3 {
		c.put(strings.TrimSpace(inner) + " " + c.marker)
		return
	}
	c.put(inner)
}

func (c *checker) verbatim(inner string) bool {
	q := strings.ToLower(knowledge.NormalizeQuotation(inner))
	if q == "" {
		return false
	}
	for _, s := range c.stories {
		if strings.Contains(s, q) {
			return true
		}
	}
	return false
}

// citationRef matches the inside of a citation bracket: one or more labels
// such as "§3", "§ 3", "§3, §4" or "story-id §3".
var citationRef = regexp.MustCompile(`^\s*(?:[\w.-]+\s*)?§\s*\d+(?:\s*[,;]\s*(?:[\w.-]+\s*)?§\s*\d+)*\s*$`)
var citationLabel = regexp.MustCompile(`(?:([\w.-]+)\s*)?§\s*(\d+)`)

// finishBracket keeps a citation's known labels and drops unknown ones; a
// bracket that is not a citation ("[sic]") passes through.
func (c *checker) finishBracket() {
	held := c.pending.String()
	c.pending.Reset()
	c.bracket = false
	inner := held[1 : len(held)-1]
	if !citationRef.MatchString(inner) {
		c.put(held)
		return
	}
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
	c.put(strings.Join(kept, ""))
}

// Close flushes what is still held (an unclosed quotation or bracket passes
// as plain text) and returns the whole checked answer, tidied.
func (c *checker) Close() string {
	if c.pending.Len() > 0 {
		c.flushLiteral()
	}
	return tidy(c.out.String())
}

var (
	spaceBeforePunct = regexp.MustCompile(`[ \t]+([.,;:!?])`)
	multiSpace       = regexp.MustCompile(`[ \t]{2,}`)
)

// tidy mends the spacing that dropping a citation can leave ("word  ." → "word.").
func tidy(s string) string {
	s = spaceBeforePunct.ReplaceAllString(s, "$1")
	s = multiSpace.ReplaceAllString(s, " ")
	return strings.TrimSpace(s)
}
