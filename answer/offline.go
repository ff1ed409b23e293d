package answer

import (
	"fmt"
	"strings"

	"github.com/storybot/storybot/knowledge"
)

// offlineAsk answers from the text alone: the sentences of the best passages
// that share most with the question, verbatim and cited.
func (e *Engine) offlineAsk(q, lang string, results []knowledge.Result, note string) *Answer {
	t := textsFor(lang)
	if note == "" {
		note = t.offlineAsk
	}
	a := &Answer{Question: q, Language: lang, Mode: ModeOffline, Citations: []Citation{}, Note: note}
	aq := knowledge.AnalyzeQuestion(q)
	type candidate struct {
		p       *knowledge.Passage
		span    knowledge.Span
		matches []knowledge.Match
		rank    int
	}
	var cands []candidate
	best := 0.0 // unweighted: how much of the question the best sentence covers
	for rank, r := range results {
		if rank == 3 {
			break
		}
		s := e.byID[r.Passage.Story]
		for _, sp := range r.Passage.Sentences {
			if ms := aq.Matches(s.Text[sp.Start:sp.End], s.Language); len(ms) > 0 {
				cands = append(cands, candidate{r.Passage, sp, ms, rank})
				best = max(best, sumWeights(ms, nil, nil))
			}
		}
	}
	// Only partial word matches (a shared n-gram here and there) are not
	// an answer: better to say the story does not tell.
	if best < 1 {
		title := e.stories[0].Title
		if len(results) > 0 {
			title = e.byID[results[0].Passage.Story].Title
		}
		a.Answer = fmt.Sprintf(t.notInStory, title)
		return a
	}
	// Greedy: the sentence with the most rare question words first, then
	// those that add question words not covered yet (a question may ask two
	// things), at most three.
	covered := map[string]bool{}
	var picked []candidate
	first := 0.0
	for len(picked) < 3 {
		bi, bs := -1, 0.0
		for i, c := range cands {
			if len(picked) > 0 && !addsWord(c.matches, covered) {
				continue // a later sentence must bring a question word of its own, not only a look-alike
			}
			idf := e.idf[c.p.Story]
			sc := sumWeights(c.matches, idf, covered)
			if sc > bs || sc == bs && bi >= 0 && c.rank < cands[bi].rank {
				bi, bs = i, sc
			}
		}
		if bi < 0 || bs <= 0 || len(picked) > 0 && bs < 0.4*first {
			break // nothing left that adds enough to the first
		}
		if len(picked) == 0 {
			first = bs
		}
		picked = append(picked, cands[bi])
		for _, m := range cands[bi].matches {
			covered[m.Stem] = true
		}
		cands = append(cands[:bi], cands[bi+1:]...)
	}
	sents := make([]storySentence, len(picked))
	for i, c := range picked {
		sents[i] = storySentence{c.p, c.span}
	}
	a.Answer, a.Citations = e.citeSentences(sents, "> ", "\n")
	return a
}

// storySentence is one sentence of a passage: answers made of the story's
// own words are lists of them.
type storySentence struct {
	p    *knowledge.Passage
	span knowledge.Span
}

// citeSentences writes sentences verbatim, each after prefix and followed by
// its passage id, joined by sep, and returns the cited passages, once each,
// in order.
func (e *Engine) citeSentences(sents []storySentence, prefix, sep string) (string, []Citation) {
	var b strings.Builder
	cits := []Citation{}
	seen := map[*knowledge.Passage]bool{}
	for i, x := range sents {
		if i > 0 {
			b.WriteString(sep)
		}
		s := e.byID[x.p.Story]
		fmt.Fprintf(&b, "%s%s [%s]", prefix, s.Text[x.span.Start:x.span.End], x.p.ID)
		if !seen[x.p] {
			seen[x.p] = true
			cits = append(cits, citationOf(x.p))
		}
	}
	return b.String(), cits
}

// sumWeights adds up matches: each weighed by its stem's rarity (idf; 1 when
// idf is nil) and not counted when covered already.
func sumWeights(ms []knowledge.Match, idf map[string]float64, covered map[string]bool) float64 {
	sum := 0.0
	for _, m := range ms {
		if covered[m.Stem] {
			continue
		}
		w := 1.0
		if idf != nil {
			if x, ok := idf[m.Stem]; ok {
				w = x
			} else {
				w = 2 // a stem no sentence has: only a compound part can match it
			}
		}
		sum += m.Weight * w
	}
	return sum
}

// addsWord reports whether ms has a whole-word match not covered yet.
func addsWord(ms []knowledge.Match, covered map[string]bool) bool {
	for _, m := range ms {
		if !m.Partial && !covered[m.Stem] {
			return true
		}
	}
	return false
}
