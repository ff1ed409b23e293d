package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/german"
)

// Text analysis for retrieval. Words are lower-cased and folded (ä → ae,
// ß → ss, accents dropped, so "Rückerstattung" and "Rueckerstattung" meet),
// stop words of both languages dropped, and stemmed with the Snowball stemmer
// of their language. A second view cuts every folded word into character
// n-grams, which lets a German compound meet its parts and an English word its
// German cognate (Vorreservierung / Reservierung / reservation).

// fold lower-cases r and writes its folded form to b.
func fold(b *strings.Builder, r rune) {
	r = unicode.ToLower(r)
	switch r {
	case 'ä':
		b.WriteString("ae")
	case 'ö':
		b.WriteString("oe")
	case 'ü':
		b.WriteString("ue")
	case 'ß':
		b.WriteString("ss")
	case 'à', 'á', 'â', 'ã', 'å':
		b.WriteByte('a')
	case 'è', 'é', 'ê', 'ë':
		b.WriteByte('e')
	case 'ì', 'í', 'î', 'ï':
		b.WriteByte('i')
	case 'ò', 'ó', 'ô', 'õ', 'ø':
		b.WriteByte('o')
	case 'ù', 'ú', 'û':
		b.WriteByte('u')
	case 'ç':
		b.WriteByte('c')
	case 'ñ':
		b.WriteByte('n')
	default:
		b.WriteRune(r)
	}
}

// Fold returns s lower-cased and folded as the analyzer sees it.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		fold(&b, r)
	}
	return b.String()
}

// words splits text into folded words: runs of letters and digits. An
// apostrophe inside a word ("Musk's") ends it; a hyphen splits compounds
// written with one ("Tesla-CEO" → tesla, ceo).
func words(text string, fn func(w string)) {
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			fn(b.String())
			b.Reset()
		}
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			fold(&b, r)
			continue
		}
		flush()
	}
	flush()
}

// stem returns the Snowball stem of a folded word in lang ("de" or "en").
func stem(w, lang string) string {
	if len(w) <= 3 || isDigits(w) {
		return w
	}
	env := snowballstem.NewEnv(w)
	if lang == "de" {
		german.Stem(env)
	} else {
		english.Stem(env)
	}
	return env.Current()
}

// Analyze returns the index terms of text in language lang: folded, without
// stop words, stemmed. Terms repeat as often as their words do.
func Analyze(text, lang string) []string {
	var out []string
	words(text, func(w string) {
		if stopWords[w] {
			return
		}
		out = append(out, stem(w, lang))
	})
	return out
}

// queryTerms analyzes a question for both languages at once: each word gives
// its German and its English stem (once when they agree), because a question
// may be in either language and name things in the other.
func queryTerms(text string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	words(text, func(w string) {
		if stopWords[w] {
			return
		}
		add(stem(w, "de"))
		add(stem(w, "en"))
	})
	return out
}

// ngramSize is the length of the character n-grams of the second signal.
// Four characters keep enough of a stem to be specific ("serv", "rese") while
// still letting compounds and cognates share most of their grams.
const ngramSize = 4

// ngrams calls fn with the character n-grams of each folded, non-stop word of
// text, the word padded with "_" at both ends. Words shorter than the n-gram
// give themselves, padded.
func ngrams(text string, fn func(g string)) {
	var buf []rune
	words(text, func(w string) {
		if stopWords[w] {
			return
		}
		buf = append(buf[:0], '_')
		buf = append(buf, []rune(w)...)
		buf = append(buf, '_')
		if len(buf) <= ngramSize {
			fn(string(buf))
			return
		}
		for i := 0; i+ngramSize <= len(buf); i++ {
			fn(string(buf[i : i+ngramSize]))
		}
	})
}
