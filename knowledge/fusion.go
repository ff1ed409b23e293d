package knowledge

import "math"

// signal is one way of ranking passages for a question.
type signal int

const (
	sigLexical signal = iota // BM25 over stems of the passage text
	sigNgram                 // BM25 over character n-grams of the passage text
	sigHeading               // BM25 over stems of the section heading and the story title
	sigDense                 // cosine similarity of embeddings
	numSignals
)

var signalNames = [numSignals]string{"lexical", "ngram", "heading", "dense"}

// fusion combines the rankings of the signals into one: each signal's
// scores are standardized (divided by their standard deviation over the
// passages it found, shifted so its weakest is 0, as is a passage it did not
// find) and added up with weights.
//
// The stems and the n-grams are weighed per question by how much of it the
// stems know: the share of the question's content words that have a stem
// (or a translation's stem) in the stories. Where every word is known, exact
// stems are the sharper signal; where words are not (an inflection the
// stemmer does not undo, "enthalten" for "enthielten", a compound, a word
// of the other language the lexicon lacks), n-grams carry the question.
//
// Measured (fusion_eval_test.go, README "Evaluating"), tuned on the
// general development set only: reciprocal-rank fusion and max-, min-max-
// and z-normalized sums with fixed weights each lost to one signal alone on
// one of the evaluation sets (the n-grams on the general set, the stems on
// the default story, whose bridge lexicon was written on it); weighed by
// the known share, the fusion is at least as good as each signal alone at
// recall@1 and @5 on all of them.
type fusion struct {
	weights [numSignals]float64
	// floor keeps the n-grams in the fusion when every word is known.
	floor float64
}

var defaultFusion = fusion{weights: [numSignals]float64{sigLexical: 1, sigNgram: 1, sigHeading: 0.2, sigDense: 1}, floor: 0.3}

// add folds one query's rankings into fused, each counted with share (the
// phrasings of one question share a weight of 1). known is the share of the
// query's content words the stems know.
func (fu fusion) add(sc *scratch, passages []*Passage, lists [numSignals][]scored, known, share float64) {
	for s, list := range lists {
		w := fu.weights[s] * share
		switch signal(s) {
		case sigLexical:
			w *= known
		case sigNgram:
			w *= 1 - known + fu.floor
		}
		if len(list) == 0 || w == 0 {
			continue
		}
		norm := standardize(list)
		for _, d := range list {
			at := sc.fusedAt[d.doc]
			if at == 0 {
				sc.fused = append(sc.fused, Result{Passage: passages[d.doc]})
				sc.fusedDoc = append(sc.fusedDoc, d.doc)
				at = int32(len(sc.fused))
				sc.fusedAt[d.doc] = at
			}
			r := &sc.fused[at-1]
			raw := float64(d.score)
			r.Score += w * norm.of(raw)
			switch signal(s) {
			case sigLexical:
				r.Lexical = max(r.Lexical, raw)
			case sigNgram:
				r.Ngram = max(r.Ngram, raw)
			case sigHeading:
				r.Heading = max(r.Heading, raw)
			case sigDense:
				r.Dense = max(r.Dense, raw)
			}
		}
	}
}

// standardize returns the map from a score of list to how many standard
// deviations it stands above the weakest of list. A list whose scores are
// all equal gives each 1: the signal found them, and no more.
func standardize(list []scored) standardized {
	worst := float64(list[len(list)-1].score)
	mean, sq := 0.0, 0.0
	for _, d := range list {
		mean += float64(d.score)
	}
	mean /= float64(len(list))
	for _, d := range list {
		sq += (float64(d.score) - mean) * (float64(d.score) - mean)
	}
	sd := math.Sqrt(sq / float64(len(list)))
	return standardized{worst: worst, sd: sd}
}

// standardized is standardize's map (a value, not a closure: no allocation).
type standardized struct{ worst, sd float64 }

func (n standardized) of(s float64) float64 {
	if n.sd == 0 {
		return 1
	}
	return (s - n.worst) / n.sd
}

// knownShare is the share of the content words of a question (as qa
// analyzed it) that have a term in one of fields: a stem of their own, of a
// compound part, or of a translation (the dictionary's only for an English
// question, as in analyzeQuery); 0 for a question without content words.
func (ix *Index) knownShare(qa *queryAnalysis, fields ...*field) float64 {
	has := func(t string) bool {
		for _, f := range fields {
			if _, ok := f.ids[t]; ok {
				return true
			}
		}
		return false
	}
	knows := func(cw *contentWord) bool {
		for _, t := range cw.stems {
			if has(t) {
				return true
			}
		}
		for _, t := range cw.parts {
			if t != "" && has(t) {
				return true
			}
		}
		ts := cw.ts
		if !cw.tsOK {
			ts = translationsOf([]string{cw.word}, qa.english)
		}
		found := false
		for _, tr := range ts {
			words(tr.German, func(t string) { found = found || !stopWords[t] && has(stem(t, "de")) })
			if found {
				return true
			}
		}
		return false
	}
	known := 0
	for i := range qa.content {
		if knows(&qa.content[i]) {
			known++
		}
	}
	if len(qa.content) == 0 {
		return 0
	}
	return float64(known) / float64(len(qa.content))
}
