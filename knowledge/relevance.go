package knowledge

import (
	"math"
	"strings"
)

// Question is an analyzed question, ready to score sentences against.
type Question struct {
	terms map[string]bool // German and English stems of its words
	grams map[string]bool // n-grams of its words
	words int
	// asked are the question's content words as n-gram sets: the word and
	// each of its translations, one set each. A compound in the text
	// ("Vorreservierung") holds most of the grams of one form
	// ("reserviert"), not of all of them.
	asked []askedWord
	// content are the words a story must speak of to answer (see
	// Unmentioned); english: the question is in English.
	content []questionWord
	english bool
	// measure is the question's cue words for the measure it asks for
	// ("cost", "wie teuer", "temperature") analyzed alone, nil when it asks
	// for none: see OnSubject.
	measure *Question
	// dimension are the word parts a sentence must have to give the length
	// the question asks for (see dimensionCues), nil for no dimension.
	dimension []string
	// likely is the measure a sentence that answers the question most
	// likely gives a number in (rankMeasureOf): see LikelyMeasure.
	likely Measure
}

type askedWord struct {
	forms []map[string]bool
}

// cueWords, in a question that asks for an amount ("wie viele", "how
// many"), say nothing of what it asks about: matched in a text they would
// find every "viele" of it.
var cueWords = map[string]bool{"viel": true, "viele": true, "vielen": true, "wieviel": true, "wieviele": true, "many": true, "much": true}

// AnalyzeQuestion prepares a question for SentenceScore and Matches.
func AnalyzeQuestion(q string) *Question {
	aq := analyzeQuestion(q)
	var ws []string
	words(q, func(w string) { ws = append(ws, w) })
	aq.likely = rankMeasureOf(ws)
	if m := questionMeasure(ws); m != MeasureNone {
		if cues := measureCueWords(ws); cues != "" {
			aq.measure = analyzeQuestion(cues)
		}
		if m == MeasureLength {
			aq.dimension = questionDimension(ws)
		}
	}
	return aq
}

// LikelyMeasure tells which measures a sentence that answers the question
// most likely gives a number in: QuestionMeasure's, or one a ranking cue or
// a unit after "wie viele" names ("Welche Fläche", "wie lange", "How many
// minutes"; see rankMeasureOf). Unlike QuestionMeasure it is a guess, to
// prefer a sentence by, never to abstain on.
func (q *Question) LikelyMeasure() Measure { return q.likely }

// StatesDimension reports whether text names the dimension of the length
// the question asks for ("breit" for "Wie breit …"); true when it asks for
// none.
func (q *Question) StatesDimension(text string) bool {
	if len(q.dimension) == 0 {
		return true
	}
	found := false
	words(text, func(w string) {
		for _, d := range q.dimension {
			found = found || strings.Contains(w, d)
		}
	})
	return found
}

// OnSubject reports whether ms (a sentence's Matches) holds a word of the
// question beyond those that name the measure it asks for: "Die Preise der
// Geräte reichen von 129 bis 649 Euro" gives a price, but not the price of
// the thing "What is the price of the Brisa Clean 200?" asks about.
func (q *Question) OnSubject(ms []Match) bool {
	for _, m := range ms {
		if q.measure != nil && (q.measure.terms[m.Stem] || m.Partial && q.measure.partly(m.Stem)) {
			continue
		}
		return true
	}
	return false
}

func analyzeQuestion(q string) *Question {
	asked, english := contentWords(q), DetectLanguage(q) == "en"
	if QuestionKind(q) == AskAmount {
		var content []string
		words(q, func(w string) {
			if !cueWords[w] {
				content = append(content, w)
			}
		})
		q = strings.Join(content, " ")
	}
	qa := analyzeQuery(q, nil)
	aq := &Question{terms: make(map[string]bool, len(qa.terms)), grams: make(map[string]bool, len(qa.grams)), words: qa.words, content: asked, english: english}
	for _, t := range qa.terms {
		aq.terms[t] = true
	}
	for _, g := range qa.grams {
		aq.grams[g] = true
	}
	seen := map[string]bool{}
	words(q, func(w string) {
		if stopWords[w] || seen[w] {
			return
		}
		seen[w] = true
		c := askedWord{forms: []map[string]bool{gramSet(w)}}
		for _, tr := range translations(w) {
			c.forms = append(c.forms, gramSet(tr))
		}
		aq.asked = append(aq.asked, c)
	})
	return aq
}

// partly reports whether a folded word of a text shares most of its
// n-grams with the question (a cognate, an inflection the stemmer misses),
// or holds most of those of a question word (a compound: "Vorreservierung"
// for "reserviert").
func (q *Question) partly(w string) bool {
	g := gramSet(w)
	n, hit := len(g), 0
	for x := range g {
		if q.grams[x] {
			hit++
		}
	}
	if n >= 3 && float64(hit)/float64(n) >= 0.5 {
		return true
	}
	for _, c := range q.asked {
		if c.partly([]map[string]bool{g}) {
			return true
		}
	}
	return false
}

// partly reports whether one of the text words (as n-gram sets) holds most
// of the n-grams of one of the concept's forms.
func (c askedWord) partly(text []map[string]bool) bool {
	for _, f := range c.forms {
		if len(f) < minFormGrams {
			continue
		}
		for _, g := range text {
			n := 0
			for x := range f {
				if g[x] {
					n++
				}
			}
			if float64(n)/float64(len(f)) >= 0.5 {
				return true
			}
		}
	}
	return false
}

// minFormGrams: a word of fewer n-grams (under five letters) is too short
// to be found inside another.
const minFormGrams = 5

func gramSet(w string) map[string]bool {
	g := map[string]bool{}
	words(w, func(x string) { wordGrams(x, func(y string) { g[y] = true }) })
	return g
}

// Empty reports whether the question has no content words at all
// ("what?", "and then?").
func (q *Question) Empty() bool { return q.words == 0 }

// Match is a word of a text that speaks to a question.
type Match struct {
	Stem    string  // the word's stem in the text's language
	Weight  float64 // 1 for a stem the question has, 0.5 for a word sharing most of its n-grams with the question (a compound or cognate)
	Partial bool
}

// Matches returns the distinct words of text (in language lang) that speak
// to the question.
func (q *Question) Matches(text, lang string) []Match {
	var out []Match
	seen := map[string]bool{}
	words(text, func(w string) {
		if stopWords[w] || seen[w] {
			return
		}
		seen[w] = true
		st := stem(w, lang)
		if q.terms[st] {
			out = append(out, Match{Stem: st, Weight: 1})
			return
		}
		if q.partly(w) {
			out = append(out, Match{Stem: st, Weight: 0.5, Partial: true})
		}
	})
	return out
}

// SentenceScore says how much of the question a piece of text (in language
// lang) speaks to: a point for each question stem it contains, and half a
// point for a word that shares most of its n-grams with the question (a
// compound or a cognate). Zero means the text has nothing in common with the
// question.
func (q *Question) SentenceScore(text, lang string) float64 {
	score := 0.0
	for _, m := range q.Matches(text, lang) {
		score += m.Weight
	}
	return score
}

// SentenceStats are a story's sentences seen as bags of stems: how many
// sentences carry each stem, and how central each sentence is.
type SentenceStats struct {
	// DF counts, for each stem, the sentences that contain it; with
	// Sentences, what a caller needs to weigh rare words over common ones.
	DF        map[string]int
	Sentences int
	// Centrality scores each sentence of each passage (in passage order) by
	// how many of the story's recurring content words it carries: the more,
	// the more it says what the story is about. Offline summaries take the
	// most central sentence of each section.
	Centrality [][]float64
}

// Stats analyzes every sentence of s once.
func Stats(s *Story) SentenceStats {
	st := SentenceStats{DF: map[string]int{}}
	var sentTerms [][][]string
	for _, p := range s.Passages {
		var ps [][]string
		for _, sp := range p.Sentences {
			terms := uniq(Analyze(s.Text[sp.Start:sp.End], s.Language))
			for _, t := range terms {
				st.DF[t]++
			}
			st.Sentences++
			ps = append(ps, terms)
		}
		sentTerms = append(sentTerms, ps)
	}
	st.Centrality = make([][]float64, len(sentTerms))
	for i, ps := range sentTerms {
		st.Centrality[i] = make([]float64, len(ps))
		for j, terms := range ps {
			sum := 0.0
			for _, t := range terms {
				if st.DF[t] > 1 && !isDigits(t) {
					sum += float64(st.DF[t] - 1)
				}
			}
			if len(terms) > 0 {
				st.Centrality[i][j] = sum / math.Sqrt(float64(len(terms)))
			}
		}
	}
	return st
}

func uniq(ts []string) []string {
	seen := map[string]bool{}
	out := ts[:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// quotationReplacer is NormalizeQuotation's, made once: a Replacer is safe
// for concurrent use and costs a build per NewReplacer.
var quotationReplacer = strings.NewReplacer("’", "'", "‘", "'", "–", "-", "—", "-", "\u00a0", " ")

// NormalizeQuotation prepares text for a verbatim comparison: typographic
// apostrophes and dashes made plain, runs of space made one, the ends
// trimmed of space and trailing punctuation. Case is kept.
func NormalizeQuotation(s string) string {
	s = quotationReplacer.Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRight(s, " ,.;:!?…")
}
