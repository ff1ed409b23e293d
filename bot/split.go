package bot

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Discord's limits (the server enforces them, not discordgo).
const (
	maxContent          = 2000
	maxEmbedDescription = 4096
	maxEmbedTotal       = 6000
	maxEmbedTitle       = 256
	maxEmbeds           = 10
	maxChoices          = 25
	maxChoiceLength     = 100
	maxCustomID         = 100
)

// fenceClose is what a part that ends inside a code block gets appended.
const fenceClose = "\n```"

// splitMessage cuts text into parts of at most limit characters, at the
// best boundary the window offers: a paragraph, a line, a sentence, a
// space; never inside a word, a link or inline code unless one of them is
// longer than a whole part. A code block that has to be cut is closed at
// the end of one part and reopened (with its language) in the next.
// Nothing else changes: joined back with the whitespace at each cut, and
// without those added fence lines, the parts are the (trimmed) text.
func splitMessage(text string, limit int) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	var parts []string
	for longerThan(text, limit) {
		head, tail := cutOnce(text, limit)
		if head != "" {
			parts = append(parts, head)
		}
		if len(tail) >= len(text) { // no progress: should not happen, but never loop forever
			head, tail = hardCut(text, limit)
			parts = append(parts, head)
		}
		text = tail
	}
	if strings.TrimSpace(text) != "" {
		parts = append(parts, text)
	}
	return parts
}

// longerThan reports whether s has more than n runes, in O(n).
func longerThan(s string, n int) bool {
	if len(s) <= n {
		return false
	}
	return byteIndexOfRune(s, n) < len(s)
}

// hardCut cuts at exactly limit runes.
func hardCut(text string, limit int) (string, string) {
	w := byteIndexOfRune(text, limit)
	return text[:w], text[w:]
}

// byteIndexOfRune returns the byte offset of the n-th rune (len(s) when s is shorter).
func byteIndexOfRune(s string, n int) int {
	if n <= 0 {
		return 0
	}
	i := 0
	for j := range s {
		if i == n {
			return j
		}
		i++
	}
	return len(s)
}

var (
	// Spans a cut must not fall into. Bare URLs hold no spaces, so they
	// only matter for a hard cut.
	protectedSpan = regexp.MustCompile(`\[[^\]\n]*\]\([^)\s]*\)|<https?://[^>\s]+>|https?://\S+|` + "`[^`\n]+`")
)

// cutCandidates are the best cut positions (byte offsets into the text,
// -1 when none) found in the window, by kind.
type cutCandidates struct {
	paragraph int // a newline followed by an empty line, outside code
	line      int // a newline outside code
	codeLine  int // a newline inside a code block
	sentence  int // a space after the end of a sentence, outside code and links
	space     int // a space outside code and links
	codeLang  string
	// state at the window's end, for a hard cut
	endInCode  bool
	endLang    string
	endSpanLow int // start of a protected span containing the window's end, -1 if none
}

func cutOnce(text string, limit int) (head, tail string) {
	if limit < 24 {
		return hardCut(text, limit)
	}
	w := byteIndexOfRune(text, limit-len(fenceClose))
	c := findCuts(text, w)
	minFill := w / 2
	type choice struct {
		pos  int
		code bool
	}
	order := []choice{{c.paragraph, false}, {c.line, false}, {c.codeLine, true}, {c.sentence, false}, {c.space, false}}
	pick := choice{-1, false}
	for _, ch := range order {
		if ch.pos >= minFill {
			pick = ch
			break
		}
	}
	if pick.pos < 0 {
		for _, ch := range order {
			if ch.pos > 16 || (ch.pos > 0 && !ch.code) {
				pick = ch
				break
			}
		}
	}
	if pick.pos < 0 {
		// No boundary at all: cut hard, but before a link that straddles the end.
		cut := w
		if c.endSpanLow > 0 && c.endSpanLow > minFill/2 {
			cut = c.endSpanLow
		}
		if c.endInCode {
			return text[:cut] + fenceClose, reopenFence(c.endLang) + text[cut:]
		}
		return text[:cut], text[cut:]
	}
	if pick.code {
		return text[:pick.pos] + fenceClose, reopenFence(c.codeLang) + text[pick.pos+1:]
	}
	return strings.TrimRightFunc(text[:pick.pos], unicode.IsSpace), strings.TrimLeft(text[pick.pos:], " \t\r\n")
}

func reopenFence(lang string) string {
	if len(lang) > 20 || strings.ContainsAny(lang, "` ") {
		lang = ""
	}
	return "```" + lang + "\n"
}

// findCuts scans text line by line up to byte w and records the last cut
// position of each kind before w.
func findCuts(text string, w int) cutCandidates {
	c := cutCandidates{paragraph: -1, line: -1, codeLine: -1, sentence: -1, space: -1, endSpanLow: -1}
	inCode := false
	lang := ""
	// Look a little past the window, for a link that straddles its end.
	scanEnd := min(len(text), w+512)
	for ls := 0; ls < scanEnd && ls <= w; {
		le := strings.IndexByte(text[ls:scanEnd], '\n')
		if le < 0 {
			le = scanEnd
		} else {
			le += ls
		}
		line := text[ls:le]
		trimmed := strings.TrimLeft(line, " \t")
		isFence := strings.HasPrefix(trimmed, "```")
		if isFence {
			if inCode {
				inCode, lang = false, ""
			} else {
				inCode, lang = true, strings.TrimSpace(trimmed[3:])
			}
		}
		if !inCode && !isFence {
			scanLine(text, ls, le, w, &c)
		}
		if ls <= w && w <= le {
			c.endInCode = inCode
			c.endLang = lang
			if !inCode {
				for _, sp := range protectedSpan.FindAllStringIndex(line, -1) {
					if ls+sp[0] < w && w < ls+sp[1] {
						c.endSpanLow = ls + sp[0]
					}
				}
			}
		}
		if le < w && le < len(text) {
			if inCode {
				c.codeLine, c.codeLang = le, lang
			} else {
				c.line = le
				if le+1 < len(text) && text[le+1] == '\n' {
					c.paragraph = le
				}
			}
		}
		ls = le + 1
	}
	return c
}

// scanLine records the spaces of one prose line [ls, le) that lie before w
// and outside protected spans.
func scanLine(text string, ls, le, w int, c *cutCandidates) {
	line := text[ls:le]
	spans := protectedSpan.FindAllStringIndex(line, -1)
	inSpan := func(p int) bool {
		for _, sp := range spans {
			if sp[0] < p && p < sp[1] {
				return true
			}
		}
		return false
	}
	for i, r := range line {
		p := ls + i
		if p >= w {
			return
		}
		if r != ' ' || i == 0 || inSpan(i) {
			continue
		}
		c.space = p
		if endsSentence(line[:i]) {
			c.sentence = p
		}
	}
}

// endsSentence reports whether s ends with sentence punctuation, possibly
// followed by closing quotes, brackets or emphasis.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, `"')]»«“”„’*_`)
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '.' || r == '!' || r == '?' || r == '…'
}
