package knowledge

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quotation marks: which marks open and close a quotation, and how a story's
// marks pair up. The extractor (quotes.go) and the answer checker in package
// answer share this table, so a reader's quotation is the same everywhere.

// maxQuoteDepth bounds how deeply quotations nest: marks opening past it are
// ignored, which keeps pathological input linear.
const maxQuoteDepth = 16

// quoteOpeners maps each mark that can open a quotation to the marks that
// close it. It is quotePairs (used by the sentence splitter) plus the English
// single quote ‘…’.
var quoteOpeners = func() map[rune]string {
	m := map[rune]string{'‘': "’"}
	for k, v := range quotePairs {
		m[k] = v
	}
	return m
}()

// isQuotationMark reports a rune that may open or close a quotation.
func isQuotationMark(r rune) bool {
	_, open := quoteOpeners[r]
	return open || r == '”' || r == '’'
}

// ClosingMarks returns the marks that close a quotation opened by open, the
// usual one first ("“”" for „), or "" when open opens no quotation.
func ClosingMarks(open rune) string { return quoteOpeners[open] }

// IsQuotationMark reports a rune the story parser takes for a quotation mark:
// one that opens a quotation (see ClosingMarks) or only closes one (” ’).
func IsQuotationMark(r rune) bool { return isQuotationMark(r) }

func isGuillemet(r rune) bool { return r == '«' || r == '»' || r == '‹' || r == '›' }

// rawQuote is a quotation as the scanner finds it: the opening and closing
// marks and the words between them.
type rawQuote struct {
	open, close Span // the marks
	inner       Span // the quoted words, trimmed of space
}

type quoteFrame struct {
	mark     rune
	open     Span
	children []rawQuote // quotations closed inside this one
}

// scanQuotes pairs the quotation marks in text[start:end] and returns the
// outermost quotations in text order. A mark that could either open or close
// (“ after „, ", », ‘) closes when it stands at the end of a word and opens at
// the start of one; an apostrophe (’ before a letter, as in "don’t") closes
// nothing. Marks left open at the end are dropped, and the quotations closed
// inside them are kept as if they stood outside.
func scanQuotes(text string, start, end int) []rawQuote {
	var out []rawQuote
	var stack []quoteFrame
	// promote hands the quotations closed inside the frame at depth k to the
	// frame below it, or to out.
	promote := func(k int) {
		if k == 0 {
			out = append(out, stack[0].children...)
		} else {
			stack[k-1].children = append(stack[k-1].children, stack[k].children...)
		}
	}
	for i := start; i < end; {
		r, n := utf8.DecodeRuneInString(text[i:end])
		if !isQuotationMark(r) {
			i += n
			continue
		}
		prev, next := rune(-1), rune(-1)
		if i > start {
			prev, _ = utf8.DecodeLastRuneInString(text[start:i])
		}
		if i+n < end {
			next, _ = utf8.DecodeRuneInString(text[i+n : end])
		}
		_, isOpener := quoteOpeners[r]
		canOpen := isOpener && len(stack) < maxQuoteDepth && next >= 0 &&
			(!unicode.IsSpace(next) || isGuillemet(r)) &&
			(prev < 0 || !(unicode.IsLetter(prev) || unicode.IsDigit(prev)))
		canClose := prev >= 0 && (!unicode.IsSpace(prev) || isGuillemet(r))
		// The innermost open quotation r can close.
		m := -1
		if !(r == '’' && next >= 0 && unicode.IsLetter(next)) {
			for k := len(stack) - 1; k >= 0; k-- {
				if strings.ContainsRune(quoteOpeners[stack[k].mark], r) {
					m = k
					break
				}
			}
		}
		switch {
		case m >= 0 && m == len(stack)-1 && !(canOpen && !canClose):
			// closes the innermost quotation
		case m >= 0 && m < len(stack)-1 && canClose && !canOpen:
			// closes an outer quotation; the ones inside it stay unclosed
			// and are dropped with their contents (they lie inside it).
		case canOpen:
			stack = append(stack, quoteFrame{mark: r, open: Span{i, i + n}})
			m = -1
		default:
			m = -1
		}
		if m >= 0 {
			f := stack[m]
			stack = stack[:m]
			a, b := trimSpan(text, f.open.End, i)
			// A comma before the closing mark ("“We are close,” Altman
			// said") belongs to the sentence around the quotation.
			for b > a && strings.ContainsRune(",;:", rune(text[b-1])) {
				b--
			}
			a, b = trimSpan(text, a, b)
			if a < b {
				q := rawQuote{open: f.open, close: Span{i, i + n}, inner: Span{a, b}}
				if m == 0 {
					out = append(out, q)
				} else {
					stack[m-1].children = append(stack[m-1].children, q)
				}
			}
		}
		i += n
	}
	for k := len(stack) - 1; k >= 0; k-- {
		promote(k)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].open.Start < out[b].open.Start })
	return out
}
