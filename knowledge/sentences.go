package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// quotePairs maps an opening quotation mark to the marks that may close it.
// German „ closes with “ (and, in careless text, ”); English “ with ”; » and «
// open each other's pairs in German and French use.
var quotePairs = map[rune]string{
	'„': "“”",
	'“': "”",
	'"': "\"",
	'«': "»",
	'»': "«",
	'‚': "‘’",
	'‹': "›",
	'›': "‹",
}

// abbreviations end with a period that does not end a sentence. Lower case,
// without the period. Single letters (initials, "z. B.", "U.S.") are handled
// apart.
var abbreviations = map[string]bool{
	"dr": true, "prof": true, "mr": true, "mrs": true, "ms": true, "st": true, "jr": true, "sr": true,
	"nr": true, "no": true, "bzw": true, "ca": true, "etc": true, "usw": true, "vgl": true, "inc": true,
	"ltd": true, "co": true, "corp": true, "hr": true, "fr": true, "abs": true, "bspw": true, "ggf": true,
	"inkl": true, "evtl": true, "sog": true, "zb": true, "vs": true, "mio": true, "mrd": true, "tsd": true,
	"jan": true, "feb": true, "mär": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true,
	"sept": true, "okt": true, "oct": true, "nov": true, "dez": true, "dec": true, "str": true, "gen": true,
}

// SplitSentences returns the sentences of text[start:end] as spans of text,
// trimmed of surrounding space. It does not break inside a quotation, after an
// abbreviation or initial, inside numbers ("45.000", "3.5"), or after a day
// number before a month ("4. Juli").
func SplitSentences(text string, start, end int) []Span {
	var out []Span
	var stack []rune // open quotation marks
	sentStart := start
	emit := func(to int) {
		a, b := trimSpan(text, sentStart, to)
		if a < b {
			out = append(out, Span{a, b})
		}
		sentStart = to
	}
	for i := start; i < end; {
		r, n := utf8.DecodeRuneInString(text[i:end])
		switch {
		case isQuoteMark(r):
			stack = updateQuotes(stack, text, start, i, end, r)
			i += n
			continue
		case r == '\n' && len(stack) > 0:
			// A quotation never spans a line break in our sources: one left
			// open is unbalanced, and must not swallow the rest.
			stack = stack[:0]
		case strings.ContainsRune(".!?…", r):
		default:
			i += n
			continue
		}
		if r == '\n' {
			i += n
			continue
		}
		// Consume the run of terminal punctuation and closing marks.
		j := i + n
		for j < end {
			r2, n2 := utf8.DecodeRuneInString(text[j:end])
			if strings.ContainsRune(".!?…", r2) || r2 == ')' || r2 == ']' {
				j += n2
				continue
			}
			if isQuoteMark(r2) && len(stack) > 0 && strings.ContainsRune(quotePairs[stack[len(stack)-1]], r2) {
				stack = stack[:len(stack)-1]
				j += n2
				continue
			}
			break
		}
		if len(stack) == 0 && r == '.' && !periodEnds(text, start, i, j, end) {
			i = j
			continue
		}
		if len(stack) == 0 && boundaryFollows(text, j, end) {
			emit(j)
		}
		i = j
	}
	emit(end)
	return out
}

func isQuoteMark(r rune) bool {
	_, open := quotePairs[r]
	return open || r == '”' || r == '‘' || r == '’'
}

// updateQuotes opens or closes a quotation at text[i] (the mark r).
func updateQuotes(stack []rune, text string, start, i, end int, r rune) []rune {
	if len(stack) > 0 && strings.ContainsRune(quotePairs[stack[len(stack)-1]], r) {
		// ’ is also an apostrophe ("don’t"): it closes only before a non-letter.
		if r == '’' && nextIsLetter(text, i+len("’"), end) {
			return stack
		}
		return stack[:len(stack)-1]
	}
	if _, opens := quotePairs[r]; !opens {
		return stack // a closing mark with nothing open, or an apostrophe
	}
	if r == '"' || r == '‚' || r == '»' || r == '›' {
		// Ambiguous marks open only at the start of a word.
		if i > start {
			prev, _ := utf8.DecodeLastRuneInString(text[start:i])
			if !unicode.IsSpace(prev) && !strings.ContainsRune("([{–—-:/", prev) {
				return stack
			}
		}
	}
	return append(stack, r)
}

func nextIsLetter(text string, i, end int) bool {
	if i >= end {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:end])
	return unicode.IsLetter(r)
}

// boundaryFollows reports whether a sentence may start after text[:j]: space,
// then a capital, a digit, an opening mark or the end of the paragraph.
func boundaryFollows(text string, j, end int) bool {
	if j >= end {
		return true
	}
	k := j
	for k < end {
		r, n := utf8.DecodeRuneInString(text[k:end])
		if !unicode.IsSpace(r) {
			break
		}
		k += n
	}
	if k == j {
		return false
	}
	if k >= end {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[k:end])
	_, opens := quotePairs[r]
	return unicode.IsUpper(r) || unicode.IsDigit(r) || opens || r == '(' || r == '['
}

// periodEnds decides whether the period at text[i] (the terminal run ending at
// j) ends a sentence.
func periodEnds(text string, start, i, j, end int) bool {
	// The word before the period.
	w := i
	for w > start {
		r, n := utf8.DecodeLastRuneInString(text[start:w])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' {
			break
		}
		w -= n
	}
	word := text[w:i]
	if word == "" {
		return true
	}
	if last := strings.LastIndexByte(word, '.'); last >= 0 {
		// "U.S." or "z.B.": dotted abbreviations.
		if utf8.RuneCountInString(word[last+1:]) <= 2 {
			return false
		}
		word = word[last+1:]
	}
	if utf8.RuneCountInString(word) == 1 {
		r, _ := utf8.DecodeRuneInString(word)
		if unicode.IsLetter(r) {
			return false // an initial, or "z. B."
		}
	}
	if abbreviations[strings.ToLower(word)] {
		return false
	}
	if isDigits(word) && len(word) <= 2 && monthFollows(text, j, end) {
		return false // "4. Juli"
	}
	return true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func monthFollows(text string, j, end int) bool {
	rest := strings.TrimLeftFunc(text[j:end], unicode.IsSpace)
	w := rest
	if k := strings.IndexFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) }); k >= 0 {
		w = rest[:k]
	}
	_, ok := monthNumber(w)
	return ok
}
