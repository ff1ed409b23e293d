package knowledge

import (
	"strings"
	"sync"
	"sync/atomic"
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
// Stems are cached: a text repeats its words, and questions repeat the
// story's. The cache stops growing at stemCacheMax entries, so hostile input
// cannot make it grow without bound.
func stem(w, lang string) string {
	if len(w) <= 3 || isDigits(w) {
		return w
	}
	key := stemKey{w, lang == "de"}
	if s, ok := stemCache.Load(key); ok {
		return s.(string)
	}
	env := snowballstem.NewEnv(w)
	if key.de {
		german.Stem(env)
	} else {
		english.Stem(env)
	}
	s := env.Current()
	if stemCacheSize.Load() < stemCacheMax {
		if _, loaded := stemCache.LoadOrStore(key, s); !loaded {
			stemCacheSize.Add(1)
		}
	}
	return s
}

type stemKey struct {
	word string
	de   bool
}

const stemCacheMax = 200_000

var (
	stemCache     sync.Map // stemKey → string
	stemCacheSize atomic.Int64
)

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

// queryAnalysis is a question as retrieval sees it.
type queryAnalysis struct {
	terms []string // distinct stems, German and English
	grams []string // n-grams, repeated as often as they occur
	words int      // content words of the question itself
}

// analyzeQuery analyzes a question for both languages at once: each content
// word gives its German and its English stem (once when they agree), because
// a question may be in either language and name things in the other; each
// word the bridge lexicon knows adds its translations; and with split, each
// compound adds its parts.
func analyzeQuery(text string, split func(w string, fn func(part string))) queryAnalysis {
	var qa queryAnalysis
	seen := map[string]bool{}
	addWord := func(w string) {
		for _, lang := range [2]string{"de", "en"} {
			if t := stem(w, lang); !seen[t] {
				seen[t] = true
				qa.terms = append(qa.terms, t)
			}
		}
		wordGrams(w, func(g string) { qa.grams = append(qa.grams, g) })
	}
	words(text, func(w string) {
		if stopWords[w] {
			return
		}
		qa.words++
		addWord(w)
		for _, tr := range translations(w) {
			words(tr, func(t string) {
				if !stopWords[t] {
					addWord(t)
				}
			})
		}
		if split != nil {
			split(w, func(part string) {
				for _, lang := range [2]string{"de", "en"} {
					if t := stem(part, lang); !seen[t] {
						seen[t] = true
						qa.terms = append(qa.terms, t)
					}
				}
			})
		}
	})
	return qa
}

// ngramSize is the length of the character n-grams of the second signal.
// Four characters keep enough of a stem to be specific ("serv", "rese") while
// still letting compounds and cognates share most of their grams.
const ngramSize = 4

// ngrams calls fn with the character n-grams of each folded, non-stop word
// of text.
func ngrams(text string, fn func(g string)) {
	words(text, func(w string) {
		if !stopWords[w] {
			wordGrams(w, fn)
		}
	})
}

// wordGrams calls fn with the n-grams of one folded word padded with "_" at
// both ends; a word shorter than the n-gram gives itself, padded.
func wordGrams(w string, fn func(g string)) {
	padded := "_" + w + "_"
	// Byte offsets of the runes, so grams are cut on rune boundaries.
	var offs [64]int
	idx := offs[:0]
	for i := range padded {
		idx = append(idx, i)
	}
	if len(idx) <= ngramSize {
		fn(padded)
		return
	}
	idx = append(idx, len(padded))
	for i := 0; i+ngramSize < len(idx); i++ {
		fn(padded[idx[i]:idx[i+ngramSize]])
	}
}
