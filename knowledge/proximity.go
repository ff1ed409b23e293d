package knowledge

import "slices"

// Proximity: a passage whose one sentence holds several of the question's
// words more likely answers it than one that has the same words scattered
// over different sentences (BM25 sees a passage as a bag of words). The
// leading results of the fusion get a bonus for their best sentence: the
// share of the question's content words whose stems it contains. Several
// phrasings of a question (see SearchAll) share the bonus as they share the
// fusion's weight, so an English question that a story quotes verbatim
// does not outweigh its rewrite into the story's language.
//
// Tuned on the general development set only (README "Evaluating"): the
// bonus weights 0.25, 0.5 and 1 each lifted German recall@1 from 0.80 to
// 0.82 and lost no question there or on the default story; 4 lost one. Only
// the first proximityDepth results are rescored, so a passage the signals
// did not rank high cannot jump in on a sentence alone.
const (
	proximityWeight = 0.5
	proximityDepth  = 5
)

// sentenceTerms returns, for each sentence of p, the sorted distinct ids in
// lex of its words' stems, one list after another, each ended by -1. Made
// once at indexing, so a search compares sorted ids rather than stemming
// sentences. A compound's parts are left out: "Hallenbad" would otherwise
// count as three of a question's words (hallenbad, halle, bad), and on the
// development set they cost the one question proximity gains.
func sentenceTerms(p *Passage, lang string, lex *field, out []int32) []int32 {
	for _, s := range p.Sentences {
		start := len(out)
		words(p.Text[s.Start-p.Span.Start:s.End-p.Span.Start], func(w string) {
			if stopWords[w] {
				return
			}
			if id, ok := lex.ids[stem(w, lang)]; ok {
				out = append(out, id)
			}
		})
		slices.Sort(out[start:])
		out = append(out[:start], slices.Compact(out[start:])...)
		out = append(out, -1)
	}
	return out
}

// proximityQuery is one phrasing of a question as proximity sees it: the
// sorted distinct ids of its terms in lex, and its number of content words.
type proximityQuery struct {
	ids   []int32
	words int
}

// proximityQueryOf appends the ids of qa's terms known to lex to buf.
func proximityQueryOf(qa *queryAnalysis, lex *field, buf []int32) ([]int32, proximityQuery) {
	start := len(buf)
	for _, t := range qa.terms {
		if id, ok := lex.ids[t]; ok {
			buf = append(buf, id)
		}
	}
	slices.Sort(buf[start:])
	buf = append(buf[:start], slices.Compact(buf[start:])...)
	return buf, proximityQuery{ids: buf[start:len(buf):len(buf)], words: qa.words}
}

// addProximity adds the proximity bonus to the first proximityDepth of out
// (sorted best first) and sorts out again.
func (ix *Index) addProximity(qs []proximityQuery, out []Result) {
	n := min(len(out), proximityDepth)
	changed := false
	for i := range out[:n] {
		bonus := 0.0
		sents := ix.sentTerms[ix.docOf[out[i].Passage]]
		for _, q := range qs {
			if q.words > 0 {
				bonus += float64(bestSentenceHits(sents, q.ids)) / float64(q.words) / float64(len(qs))
			}
		}
		if bonus > 0 {
			out[i].Score += proximityWeight * bonus
			changed = true
		}
	}
	if changed {
		sortResults(out)
	}
}

// bestSentenceHits returns how many of the sorted ids q the sentence of
// sents (see sentenceTerms) holding the most of them holds.
func bestSentenceHits(sents, q []int32) int {
	best, hits, j := 0, 0, 0
	for _, id := range sents {
		if id < 0 {
			best, hits, j = max(best, hits), 0, 0
			continue
		}
		for j < len(q) && q[j] < id {
			j++
		}
		if j < len(q) && q[j] == id {
			hits++
		}
	}
	return best
}
