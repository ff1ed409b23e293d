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

// foldAppend lower-cases r and appends its folded form to b.
func foldAppend(b []byte, r rune) []byte {
	r = unicode.ToLower(r)
	switch r {
	case 'ä':
		return append(b, "ae"...)
	case 'ö':
		return append(b, "oe"...)
	case 'ü':
		return append(b, "ue"...)
	case 'ß':
		return append(b, "ss"...)
	case 'à', 'á', 'â', 'ã', 'å':
		return append(b, 'a')
	case 'è', 'é', 'ê', 'ë':
		return append(b, 'e')
	case 'ì', 'í', 'î', 'ï':
		return append(b, 'i')
	case 'ò', 'ó', 'ô', 'õ', 'ø':
		return append(b, 'o')
	case 'ù', 'ú', 'û':
		return append(b, 'u')
	case 'ç':
		return append(b, 'c')
	case 'ñ':
		return append(b, 'n')
	default:
		return utf8.AppendRune(b, r)
	}
}

// Fold returns s lower-cased and folded as the analyzer sees it.
func Fold(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = foldAppend(b, r)
	}
	return string(b)
}

// words splits text into folded words: runs of letters and digits. An
// apostrophe inside a word ("Musk's") ends it; a hyphen splits compounds
// written with one ("Tesla-CEO" → tesla, ceo).
//
// A word already in its folded form (lower-case ASCII letters and digits,
// most words of a text) is passed as a substring of text, without a copy;
// others are folded into a buffer reused from word to word, one allocation
// each (BenchmarkBuildIndex10k).
func words(text string, fn func(w string)) {
	var arr [64]byte
	buf := arr[:0]
	start := -1   // where the current word begins in text; -1 between words
	plain := true // the current word so far is text[start:i] as it stands
	flush := func(end int) {
		if start >= 0 {
			if plain {
				fn(text[start:end])
			} else {
				fn(string(buf))
			}
			start = -1
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				if start < 0 {
					start, plain = i, true
				}
				if !plain {
					buf = append(buf, c)
				}
			case 'A' <= c && c <= 'Z':
				if start < 0 {
					start, plain = i, true
				}
				if plain {
					buf, plain = append(buf[:0], text[start:i]...), false
				}
				buf = append(buf, c+'a'-'A')
			default:
				flush(i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start, plain = i, true
			}
			if plain {
				buf, plain = append(buf[:0], text[start:i]...), false
			}
			buf = foldAppend(buf, r)
		} else {
			flush(i)
		}
		i += n
	}
	flush(len(text))
}

// stem returns the Snowball stem of a folded word in lang ("de" or "en").
// Stems are cached: a text repeats its words, and questions repeat the
// story's. The cache stops growing at stemCacheMax entries, so hostile input
// cannot make it grow without bound.
func stem(w, lang string) string {
	if len(w) <= 3 || isDigits(w) {
		return w
	}
	cache := &stemCacheEN
	if lang == "de" {
		cache = &stemCacheDE
	}
	if s, ok := cache.Load(w); ok {
		return s.(string)
	}
	env := snowballstem.NewEnv(w)
	if lang == "de" {
		german.Stem(env)
	} else {
		english.Stem(env)
	}
	s := env.Current()
	if lang == "de" {
		s = vowelS(s)
	}
	if stemCacheSize.Load() < stemCacheMax {
		if _, loaded := cache.LoadOrStore(w, s); !loaded {
			stemCacheSize.Add(1)
		}
	}
	return s
}

const stemCacheMax = 200_000

// vowelS drops the -s of a plural or genitive after a, i, o or y, which
// Snowball's German stemmer keeps (it strips -s only after b, d, f, g, h,
// k, l, m, n, r, t): "Büros", "Autos", "Kameras", "Handys" then meet
// "Büro", "Auto", "Kamera", "Handy". Applied to every German stem, text
// and question alike, so a word that merely ends so ("Kosmos") loses its
// -s everywhere and still meets itself.
func vowelS(s string) string {
	n := len(s)
	if n >= 5 && s[n-1] == 's' {
		switch s[n-2] {
		case 'a', 'i', 'o', 'y':
			return s[:n-1]
		}
	}
	return s
}

// One cache per language, keyed by the word itself: a string key hashes
// faster than a struct in an interface (BenchmarkSearchDefaultStory).
var (
	stemCacheDE, stemCacheEN sync.Map // word → stem
	stemCacheSize            atomic.Int64
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
	// content is each content word of the question in order (repeats too),
	// with what knownShare asks of it, so a search analyzes a word once.
	content []contentWord
	english bool // DetectLanguage said English
}

// contentWord is one content word of a question as analyzeQuery saw it.
type contentWord struct {
	word  string
	stems [2]string // German, English
	parts [2]string // German stems of its compound parts ("" for none)
	// ts are translationsOf the word alone in an English question when
	// known (tsOK); analyzeQuery leaves out names, knownShare does not.
	ts   []Translation
	tsOK bool
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

// queryAnalyzer is analyzeQuery's working state. It is a struct with
// methods rather than closures so that one question costs a few
// allocations, not a few per word (BenchmarkSearchDefaultStory).
type queryAnalyzer struct {
	qa    queryAnalysis
	split func(w string, fn func(part string))
	// seen marks terms already in qa.terms (seenFlat) and those already a
	// concept of their own (seenOwn).
	seen map[string]uint8
	// seenConcept holds the stems of the words whose translations are in.
	seenConcept map[[2]string]bool
	// trSeen is addTranslations' list of translations already added for
	// the current concept: a handful, so a slice beats a map.
	trSeen []string
	// c is the concept the split callbacks add to.
	c      *concept
	weight float32
	// cw is the content word the split callback adds parts to, np how many.
	cw *contentWord
	np int
	// padded holds the question's words padded for n-grams, one after
	// another: the grams are substrings of it, one allocation a question
	// rather than one a word. A Builder never changes bytes it has handed
	// out, so earlier grams stay valid as it grows.
	padded strings.Builder
	// ws, names and wt are buffers kept for the next question (see
	// analyzerPool): its words, which are names, and its concepts' terms.
	ws    []string
	names []bool
	wt    []weightedTerm
}

// grams adds the n-grams of w (see wordGrams) to the question's.
func (a *queryAnalyzer) grams(w string) {
	start := a.padded.Len()
	a.padded.WriteByte('_')
	a.padded.WriteString(w)
	a.padded.WriteByte('_')
	paddedGrams(a.padded.String()[start:], a.addGram)
}

const (
	seenFlat uint8 = 1 << iota
	seenOwn
)

// flat adds t to the question's distinct terms.
func (a *queryAnalyzer) flat(t string) {
	if a.seen[t]&seenFlat == 0 {
		a.seen[t] |= seenFlat
		a.qa.terms = append(a.qa.terms, t)
	}
}

// frameWeight is how much a frame word ("Jahr", "gibt", "happened", see
// frameWords) counts as a concept of its own, against 1 for a word that says
// what the question is about: a story that answers "In welchem Jahr …" need
// not say "Jahr", and one that says it often is not the more likely answer.
// Measured on the general development set only: 0.3 and 0.5 each lifted
// English recall@1 from 0.50 to 0.52, German unchanged; 0.15 and 0.7 gained
// nothing, and 0 lost a German question.
const frameWeight = 0.5

// participleFormWeight is how much a participle's other forms count (see
// participleForms): the split verb without its prefix ("rechnete" for
// "vorgerechnet": a story writes "rechnete … vor", but "rechnete" alone may
// be another verb) and the simple past, which a story may use in another
// sense than the question's participle. On the general dev set 0.5 and 1
// (for the past of a participle without a prefix) gave the same figures;
// half is the cautious choice.
const participleFormWeight = 0.5

// weightOf is the weight of a question word's own stems.
func weightOf(w string) float32 {
	if frameWords[w] {
		return frameWeight
	}
	return 1
}

// own adds t as a term of the question and as a concept of its own.
func (a *queryAnalyzer) own(t string) { a.ownWeighted(t, 1) }

// ownWeighted is own with the concept's weight.
func (a *queryAnalyzer) ownWeighted(t string, w float32) {
	a.flat(t)
	if a.seen[t]&seenOwn == 0 {
		a.seen[t] |= seenOwn
		c := a.carve(1)[:1:1] // a concept of one term: full, so add would move it
		c[0] = weightedTerm{t, w}
		a.qa.concepts = append(a.qa.concepts, c)
	}
}

func (a *queryAnalyzer) addGram(g string) { a.qa.grams = append(a.qa.grams, g) }

// addTranslations adds the stems of translations to c with their weights,
// and their n-grams to the question's, once per word: the n-gram signal
// sees a translation as one more way to write the word.
func (a *queryAnalyzer) addTranslations(c *concept, ts []Translation) {
	if len(ts) == 0 {
		return
	}
	top := ts[0].Weight
	a.trSeen = a.trSeen[:0]
	for i, tr := range ts {
		// Both sources store one folded word a translation.
		t := tr.German
		strong := i < maxStrongTranslations && tr.Weight >= top/2
		if stopWords[t] || slices.Contains(a.trSeen, t) {
			continue
		}
		a.trSeen = append(a.trSeen, t)
		for _, lang := range [2]string{"de", "en"} {
			if lang == "en" && !tr.either {
				continue // a dictionary translation is German
			}
			st := stem(t, lang)
			c.add(st, tr.Weight)
			if strong {
				a.flat(st)
			}
		}
		if a.split != nil {
			a.c, a.weight = c, tr.Weight
			a.split(t, a.addPart)
			a.c = nil
		}
		a.grams(t)
	}
}

// ownPart adds a question word's compound part as its own concepts.
func (a *queryAnalyzer) ownPart(part string) {
	de := stem(part, "de")
	a.own(de)
	a.own(stem(part, "en"))
	if a.np < len(a.cw.parts) {
		a.cw.parts[a.np] = de
		a.np++
	}
}

// addPart adds a translation's compound part to the concept in hand.
func (a *queryAnalyzer) addPart(part string) { a.c.add(stem(part, "de"), a.weight) }

// analyzeQuery analyzes a question for both languages at once: each content
// word gives its German and its English stem (once when they agree), because
// a question may be in either language and name things in the other; with
// split, each compound adds its parts (a translation's too, so "refund" →
// Rückerstattung meets a story's Rückerstattungsstreit split at indexing,
// and a compound translation meets the story's parts). Each word's
// translations (see translationsOf) are one concept beside its own stems, and
// so are those of a phrase the dictionary knows ("fall asleep").
func analyzeQuery(text string, split func(w string, fn func(part string))) queryAnalysis {
	var a queryAnalyzer
	a.analyze(text, split)
	return a.qa
}

// analyzerPool keeps queryAnalyzers for Index searches, whose analysis is
// dead once the search has ranked: their maps and slices are reused rather
// than made again for every question (BenchmarkSearchDefaultStory).
var analyzerPool = sync.Pool{New: func() any { return new(queryAnalyzer) }}

// analyze is analyzeQuery into a, whose buffers it reuses: a.qa is valid
// until a is used again.
func (a *queryAnalyzer) analyze(text string, split func(w string, fn func(part string))) {
	english := DetectLanguage(text) == "en"
	ws := a.ws[:0]
	words(text, func(w string) { ws = append(ws, w) })
	a.ws = ws
	a.split = split
	if a.seen == nil {
		a.seen = make(map[string]uint8, 4*len(ws))
		a.seenConcept = make(map[[2]string]bool, len(ws))
	} else {
		clear(a.seen)
		clear(a.seenConcept)
	}
	a.qa = queryAnalysis{
		english:  english,
		terms:    slices.Grow(a.qa.terms[:0], 4*len(ws)),
		concepts: slices.Grow(a.qa.concepts[:0], 3*len(ws)),
		grams:    slices.Grow(a.qa.grams[:0], 8*len(ws)),
		content:  slices.Grow(a.qa.content[:0], len(ws)),
	}
	a.wt = a.wt[:0]
	a.padded = strings.Builder{} // the grams of the last question may live on
	a.padded.Grow(8 * len(text))
	a.names = namesOf(text, a.names[:0], len(ws))
	names := a.names
	for i, w := range ws {
		if stopWords[w] {
			continue
		}
		a.qa.words++
		a.qa.content = append(a.qa.content, contentWord{word: w})
		cw := &a.qa.content[len(a.qa.content)-1]
		// The word's own stems and parts are each a concept of their own, as
		// a plain BM25 query has them; its translations together are one.
		for l, lang := range [2]string{"de", "en"} {
			t := stem(w, lang)
			a.ownWeighted(t, weightOf(w))
			cw.stems[l] = t
		}
		if split != nil {
			a.cw, a.np = cw, 0
			split(w, a.ownPart)
			a.cw = nil
		}
		if p := participleForms(w); p.infinitive != "" {
			a.own(stem(p.infinitive, "de"))
			// Its other forms count less, and a frame word ("geben" of
			// "ausgegeben") not at all.
			for _, f := range [2]string{p.bare, p.past} {
				if f != "" && !frameWords[f] {
					a.ownWeighted(stem(f, "de"), participleFormWeight)
				}
			}
		}
		a.grams(w)
		if a.seenConcept[cw.stems] {
			continue // the same word again ("Roadster … Roadsters") counts once
		}
		a.seenConcept[cw.stems] = true
		ts := translationsOf(ws[i:i+1], english && !names[i])
		if !names[i] {
			cw.ts, cw.tsOK = ts, true
		}
		c := a.carve(len(ts))
		a.addTranslations(&c, ts)
		if len(c) > 0 {
			a.qa.concepts = append(a.qa.concepts, c)
		}
		// Phrases of two and three words known as one ("fall asleep",
		// "co-found").
		for n := maxKeyWords; n >= 2; n-- {
			if i+n > len(ws) || slices.ContainsFunc(ws[i+1:i+n], func(x string) bool { return stopWords[x] }) {
				continue
			}
			if ts := translationsOf(ws[i:i+n], english && !names[i]); ts != nil {
				pc := a.carve(len(ts))
				a.addTranslations(&pc, ts)
				a.qa.concepts = append(a.qa.concepts, pc)
				break
			}
		}
	}
	a.split = nil // a pooled analyzer must not keep an Index alive
}

// carve returns an empty concept with room for the terms of n
// translations (each gives up to two stems and two compound parts), cut
// from a's shared buffer; a concept that outgrows it moves out on append.
func (a *queryAnalyzer) carve(n int) concept {
	n *= 4
	if n == 0 {
		return nil
	}
	if cap(a.wt)-len(a.wt) < n {
		a.wt = make([]weightedTerm, 0, max(2*cap(a.wt), n, 64))
	}
	l := len(a.wt)
	a.wt = a.wt[:l+n]
	return a.wt[l : l : l+n]
}

// translationsOf returns the German translations of a folded question word
// or phrase (as translateWords takes it):
// the curated lexicon's, each certain (it was written for news questions),
// and, in an English question, the dictionary's, weighed by likelihood. A
// German question's words are not looked up in the English dictionary, where
// many would mean something else ("Rat", "Gift"). The result may be shared:
// callers only read it.
func translationsOf(w []string, english bool) []Translation {
	key := w[0]
	if len(w) > 1 {
		key = strings.Join(w, " ")
	}
	lex := lexiconTranslations[key]
	var dict []Translation
	if english && len(w[0]) >= minDictionaryWord {
		dict = translateKey(w, key)
	}
	// nil, not empty, when there are none: the phrase loop asks.
	switch {
	case len(dict) == 0 && len(lex) == 0:
		return nil
	case len(dict) == 0:
		return lex
	case len(lex) == 0:
		return dict
	}
	out := make([]Translation, 0, len(lex)+len(dict))
	return append(append(out, lex...), dict...)
}

// minDictionaryWord: shorter words are left to the curated lexicon. They are
// abbreviations and fragments of hyphenated words more often than words
// ("co" of "co-found" is the dictionary's "co-ed", gemischt).
const minDictionaryWord = 3

// namesOf marks, by position among text's words, the capitalized words that
// do not begin a sentence: in an English question these are names ("What
// did Musk say?"), which the dictionary would translate as words (Moschus).
// n is how many words text has (words counts them the same way); names is
// a buffer to reuse.
func namesOf(text string, names []bool, n int) []bool {
	names = slices.Grow(names[:0], n)[:n]
	clear(names)
	i, inWord, sentenceStart := 0, false, true
	for _, r := range text {
		letter := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case letter && !inWord:
			if unicode.IsUpper(r) && !sentenceStart && i < n {
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

// wordGrams calls fn with the n-grams of one folded word padded with "_" at
// both ends; a word shorter than the n-gram gives itself, padded.
func wordGrams(w string, fn func(g string)) {
	paddedGrams("_"+w+"_", fn)
}

// paddedGrams is wordGrams of a word already padded: a string (a
// question's words), or bytes in a reused buffer (indexing), whose grams are
// only valid during the call. Grams are cut on rune boundaries.
func paddedGrams[S string | []byte](padded S, fn func(g S)) {
	var offs [64]int
	idx := offs[:0]
	for i := 0; i < len(padded); i++ {
		if utf8.RuneStart(padded[i]) {
			idx = append(idx, i)
		}
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
