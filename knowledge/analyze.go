package knowledge

import (
	"slices"
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
	// concepts are what BM25 scores: one per content word (its German and
	// English stems, its compound parts, its translations) and one per
	// phrase the dictionary knows ("fall asleep"). See rankConcepts.
	concepts []concept
	// terms are the distinct stems of the question's words, their parts and
	// their likeliest translations: what a sentence is matched against.
	terms []string
	grams []string // n-grams, repeated as often as they occur
	words int      // content words of the question itself
}

// concept is one thing a question asks about, as the index terms that may
// stand for it, each with how likely it is to (1 for the word itself).
type concept []weightedTerm

type weightedTerm struct {
	term   string
	weight float32
}

// add puts t into c, keeping the larger weight when it is there already.
func (c *concept) add(t string, w float32) {
	for i := range *c {
		if (*c)[i].term == t {
			(*c)[i].weight = max((*c)[i].weight, w)
			return
		}
	}
	*c = append(*c, weightedTerm{t, w})
}

// Of a word's translations, the likeliest (up to maxStrongTranslations, at
// least half as likely as the first) also count as the question's words when
// sentences are matched (Question.Matches); the rest count only in ranking,
// where BM25 weighs them by likelihood and a wrong sense costs little.
const maxStrongTranslations = 2

// analyzeQuery analyzes a question for both languages at once: each content
// word gives its German and its English stem (once when they agree), because
// a question may be in either language and name things in the other; with
// split, each compound adds its parts (a translation's too, so "refund" →
// Rückerstattung meets a story's Rückerstattungsstreit split at indexing,
// and a compound translation meets the story's parts). Each word's
// translations (see translationsOf) are one concept beside its own stems, and
// so are those of a phrase the dictionary knows ("fall asleep").
func analyzeQuery(text string, split func(w string, fn func(part string))) queryAnalysis {
	var qa queryAnalysis
	english := DetectLanguage(text) == "en"
	seenTerm := map[string]bool{}
	flat := func(t string) {
		if !seenTerm[t] {
			seenTerm[t] = true
			qa.terms = append(qa.terms, t)
		}
	}
	seenConcept := map[string]bool{}
	// addTranslations adds the stems of translations to c with their
	// weights, and their n-grams to the question's, once per word: the
	// n-gram signal sees a translation as one more way to write the word.
	addTranslations := func(c *concept, ts []Translation) {
		if len(ts) == 0 {
			return
		}
		top := ts[0].Weight
		seen := map[string]bool{}
		add := func(t string, tr Translation, strong bool) {
			if stopWords[t] || seen[t] {
				return
			}
			seen[t] = true
			for _, lang := range [2]string{"de", "en"} {
				if lang == "en" && !tr.either {
					continue // a dictionary translation is German
				}
				st := stem(t, lang)
				c.add(st, tr.Weight)
				if strong {
					flat(st)
				}
			}
			if split != nil {
				split(t, func(part string) { c.add(stem(part, "de"), tr.Weight) })
			}
			wordGrams(t, func(g string) { qa.grams = append(qa.grams, g) })
		}
		for i, tr := range ts {
			// Both sources store one folded word a translation.
			add(tr.German, tr, i < maxStrongTranslations && tr.Weight >= top/2)
		}
	}

	var ws []string
	words(text, func(w string) { ws = append(ws, w) })
	names := namesOf(text)
	for i, w := range ws {
		if stopWords[w] {
			continue
		}
		qa.words++
		// The word's own stems and parts are each a concept of their own, as
		// a plain BM25 query has them; its translations together are one.
		key := ""
		own := func(t string) {
			flat(t)
			if !seenTerm[" "+t] {
				seenTerm[" "+t] = true
				qa.concepts = append(qa.concepts, concept{{t, 1}})
			}
		}
		for _, lang := range [2]string{"de", "en"} {
			t := stem(w, lang)
			own(t)
			key += t + " "
		}
		if split != nil {
			split(w, func(part string) {
				for _, lang := range [2]string{"de", "en"} {
					own(stem(part, lang))
				}
			})
		}
		wordGrams(w, func(g string) { qa.grams = append(qa.grams, g) })
		if seenConcept[key] {
			continue // the same word again ("Roadster … Roadsters") counts once
		}
		seenConcept[key] = true
		var c concept
		addTranslations(&c, translationsOf(ws[i:i+1], english && !names[i]))
		if len(c) > 0 {
			qa.concepts = append(qa.concepts, c)
		}
		// Phrases of two and three words known as one ("fall asleep",
		// "co-found").
		for n := maxKeyWords; n >= 2; n-- {
			if i+n > len(ws) || slices.ContainsFunc(ws[i+1:i+n], func(x string) bool { return stopWords[x] }) {
				continue
			}
			if ts := translationsOf(ws[i:i+n], english && !names[i]); ts != nil {
				var pc concept
				addTranslations(&pc, ts)
				qa.concepts = append(qa.concepts, pc)
				break
			}
		}
	}
	return qa
}

// translationsOf returns the German translations of a folded question word
// or phrase (as translateWords takes it):
// the curated lexicon's, each certain (it was written for news questions),
// and, in an English question, the dictionary's, weighed by likelihood. A
// German question's words are not looked up in the English dictionary, where
// many would mean something else ("Rat", "Gift").
func translationsOf(w []string, english bool) []Translation {
	var out []Translation
	key := w[0]
	if len(w) > 1 {
		key = strings.Join(w, " ")
	}
	for _, t := range translations(key) {
		out = append(out, Translation{German: t, Weight: 1, either: true})
	}
	if english && len(w[0]) >= minDictionaryWord {
		out = append(out, translateWords(w)...)
	}
	return out
}

// minDictionaryWord: shorter words are left to the curated lexicon. They are
// abbreviations and fragments of hyphenated words more often than words
// ("co" of "co-found" is the dictionary's "co-ed", gemischt).
const minDictionaryWord = 3

// namesOf marks, by position among text's words, the capitalized words that
// do not begin a sentence: in an English question these are names ("What
// did Musk say?"), which the dictionary would translate as words (Moschus).
func namesOf(text string) map[int]bool {
	names := map[int]bool{}
	i, inWord, sentenceStart := 0, false, true
	for _, r := range text {
		letter := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case letter && !inWord:
			if unicode.IsUpper(r) && !sentenceStart {
				names[i] = true
			}
			inWord, sentenceStart = true, false
		case !letter && inWord:
			inWord = false
			i++
		}
		if r == '.' || r == '?' || r == '!' || r == ':' {
			sentenceStart = true
		}
	}
	return names
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
