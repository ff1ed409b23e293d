package answer

import (
	"fmt"
	"strings"

	"github.com/storybot/storybot/knowledge"
)

// Offline answers are made of the story's own sentences. What they are
// tuned by (on the development half of the evaluation set, see README
// "Evaluating"):
const (
	// offlinePassages is how many of the best-ranked passages an offline
	// answer takes its sentences from.
	offlinePassages = 3
	// kindBoost multiplies the score of a sentence that states what the
	// question asks for (a date for "when", an amount for "how much").
	kindBoost = 3
	// likelyBoost multiplies it again for a sentence that gives a number
	// in the units a question most likely wants, when it names no measure
	// that must be given (Question.LikelyMeasure: "Welche Fläche" → km²,
	// "wie lange" → a duration, "what share" → a percentage), as the
	// ranking's measure order does for passages. Tuned on the general dev
	// sets: dev2 English answers containing the fact 0.63 → 0.65 at 1.5
	// and 2, 0.67 at 3 and 5; nothing else moved.
	likelyBoost = 3
	// measureShare weighs a sentence that shares no word with the question
	// but gives a number in its likely units (see offlineAsk). Tuned on
	// the general dev sets: German answers containing the fact dev 0.86 →
	// 0.88 at 0.3, 0.92 at 0.5 to 1, dev2 0.58 → 0.60 at 0.5 to 1; dev2
	// English one answer gained and one lost at 0.5, more lost at 0.7 and 1.
	measureShare = 0.5
	// rankDecay lowers the score of sentences from lower-ranked passages,
	// per rank: retrieval has seen more of the question than one sentence.
	rankDecay = 0.3
	// extraSentenceChars: a further sentence that brings more of the
	// question is added only while the answer is shorter than this.
	extraSentenceChars = 300
	// maxOfflineSentences bounds an offline answer.
	maxOfflineSentences = 3
	// fillShare: while the answer is short, it is filled up to
	// maxOfflineSentences with the best remaining sentences of its story
	// that state what the question asks for and score at least this share
	// of the best one. The answer is often not in the sentence sharing most
	// words with the question but in one just below it (on the general dev
	// set, with fillShareOther, answers containing the fact: DE 0.73 → 0.80,
	// EN 0.46 → 0.54; median answer 141 → 230 (DE) and 160 → 285 (EN)
	// characters).
	fillShare = 0.2
	// fillShareOther is fillShare for a question that asks for no
	// particular kind of thing, where every sentence "states" it: a filler
	// must score higher (measured: as many facts as at 0.2, shorter answers,
	// fewer citations of passages that do not answer).
	fillShareOther = 0.5
)

// offlineAsk answers from the text alone: the sentence that best answers the
// question, with its neighbour when it leans on it or when the neighbour
// states what the question asks for, filled with the next best sentences of
// its story that state it, verbatim and cited. Stories that leave more of
// the question unmentioned than another are not quoted (silentStories); when
// none is left, or when the question asks for a measure ("Wie breit …",
// "How hot …") that no sentence on its subject gives in its units, the story
// does not say.
func (e *Engine) offlineAsk(q, lang string, results []knowledge.Result, note string) *Answer {
	t := textsFor(lang)
	if note == "" {
		note = t.offlineAsk
	}
	a := &Answer{Question: q, Language: textsLang(lang), Mode: ModeOffline, Citations: []Citation{}, Note: note}
	aq := knowledge.AnalyzeQuestion(q)
	kind := knowledge.QuestionKind(q)
	// states reports whether a sentence states what the question asks for:
	// a number in the units of the measure it asks for, when it asks for
	// one (knowledge.QuestionMeasure), or a thing of its kind.
	measure := knowledge.QuestionMeasure(q)
	likely := aq.LikelyMeasure()
	states := func(s *knowledge.Story, sp knowledge.Span) bool {
		if measure != knowledge.MeasureNone {
			return s.StatesMeasure(sp, measure) && aq.StatesDimension(s.Text[sp.Start:sp.End])
		}
		return s.States(sp, kind)
	}
	stated := false // a sentence on the question's subject states what it asks for
	type candidate struct {
		p       *knowledge.Passage
		i       int // the sentence's index in its passage
		matches []knowledge.Match
		score   float64
	}
	var cands []candidate
	best := 0.0 // unweighted: how much of the question the best sentence covers
	silent := e.silentStories(aq, results)
	for rank, r := range results {
		if rank == offlinePassages {
			break
		}
		if silent[r.Passage.Story] {
			continue // the story does not speak of what the question names
		}
		s := e.byID[r.Passage.Story]
		idf := e.idf[s.ID]
		// Whether the passage speaks of the question's subject, not merely
		// of the measure it asks for (see below).
		onSubject := false
		matches := make([][]knowledge.Match, len(r.Passage.Sentences))
		for i, sp := range r.Passage.Sentences {
			matches[i] = aq.Matches(s.Text[sp.Start:sp.End], s.Language)
			onSubject = onSubject || aq.OnSubject(matches[i])
		}
		pb := mostMatched(matches)
		for i, sp := range r.Passage.Sentences {
			ms, share, byMeasure := matches[i], 1.0, false
			if len(ms) == 0 {
				ms, share, byMeasure = borrowedMatches(aq, s, r.Passage, i, matches, pb, likely)
			}
			if len(ms) == 0 {
				continue
			}
			sc := sumWeights(ms, idf, nil) * (1 - rankDecay*float64(rank)) * share
			if kind != knowledge.AskOther && states(s, sp) {
				sc *= kindBoost
				if measure == knowledge.MeasureNone && s.StatesMeasure(sp, likely) {
					sc *= likelyBoost
				}
				// A measure stated in a passage on the question's subject,
				// not merely beside the word that names the measure, by a
				// sentence that speaks to the question itself.
				stated = stated || onSubject && !byMeasure
			}
			cands = append(cands, candidate{r.Passage, i, ms, sc})
			best = max(best, sumWeights(ms, nil, nil))
		}
	}
	abstain := func() *Answer {
		title := e.stories[0].Title
		if len(results) > 0 {
			title = e.byID[results[0].Passage.Story].Title
		}
		a.Answer = fmt.Sprintf(t.notInStory, title)
		return a
	}
	// Only partial word matches (a shared n-gram here and there) are not
	// an answer: better to say the story does not tell. So when no story
	// among the best results speaks of what the question names.
	if best < 1 || len(cands) == 0 {
		return abstain()
	}
	// A question for a measure ("Wie breit …") that no sentence on its
	// subject answers in that measure's units: the story does not say.
	if measure != knowledge.MeasureNone && !stated {
		return abstain()
	}
	bi := 0
	for i, c := range cands {
		if c.score > cands[bi].score {
			bi = i
		}
	}
	top := cands[bi]
	s := e.byID[top.p.Story]
	sents := top.p.Sentences
	group := []int{top.i}
	// The sentence before, when the best one leans on it ("Er …", "Damit …").
	if top.i > 0 && knowledge.RefersBack(s.Text[sents[top.i].Start:sents[top.i].End]) {
		group = []int{top.i - 1, top.i}
	}
	// The neighbour that states what is asked, when the best one does not
	// ("Im Juli 2018 …" after the sentence that names the reservation).
	if kind != knowledge.AskOther && !states(s, sents[top.i]) {
		for _, n := range []int{top.i + 1, top.i - 1} {
			if n >= 0 && n < len(sents) && states(s, sents[n]) {
				if n < group[0] {
					group = append([]int{n}, group...)
				} else if n > group[len(group)-1] {
					group = append(group, n)
				}
				break
			}
		}
	}
	var picked []storySentence
	length := 0
	for _, i := range group {
		picked = append(picked, storySentence{top.p, sents[i]})
		length += sents[i].End - sents[i].Start
	}
	// Then, while the answer is short, a sentence that brings question
	// words the answer does not cover yet (a question may ask two things).
	covered := map[string]bool{}
	inGroup := map[storySentence]bool{}
	pick := func(c candidate) {
		x := storySentence{c.p, c.p.Sentences[c.i]}
		picked = append(picked, x)
		inGroup[x] = true
		length += x.span.End - x.span.Start
	}
	for _, x := range picked {
		inGroup[x] = true
		for _, m := range aq.Matches(s.Text[x.span.Start:x.span.End], s.Language) {
			covered[m.Stem] = true
		}
	}
	for len(picked) < maxOfflineSentences && length < extraSentenceChars {
		bj, bs := -1, 0.0
		for j, c := range cands {
			if inGroup[storySentence{c.p, c.p.Sentences[c.i]}] || !addsWord(c.matches, covered) {
				continue
			}
			if sc := sumWeights(c.matches, e.idf[c.p.Story], covered); sc > bs {
				bj, bs = j, sc
			}
		}
		if bj < 0 || bs < 0.4*top.score {
			break
		}
		c := cands[bj]
		pick(c)
		for _, m := range c.matches {
			covered[m.Stem] = true
		}
	}
	// Then the best sentences left that state what is asked, whether or not
	// they bring new words (see fillShare).
	share := fillShare
	if kind == knowledge.AskOther {
		share = fillShareOther
	}
	for len(picked) < maxOfflineSentences && length < extraSentenceChars {
		bj := -1
		for j, c := range cands {
			// Of the best sentence's story only: a filler from another story
			// is more likely noise than the answer.
			if inGroup[storySentence{c.p, c.p.Sentences[c.i]}] || c.score < share*top.score || c.p.Story != top.p.Story {
				continue
			}
			if kind != knowledge.AskOther && !states(e.byID[c.p.Story], c.p.Sentences[c.i]) {
				continue
			}
			if bj < 0 || c.score > cands[bj].score {
				bj = j
			}
		}
		if bj < 0 {
			break
		}
		pick(cands[bj])
	}
	a.Answer, a.Citations = e.citeSentences(picked, "> ", "\n")
	return a
}

// mostMatched returns the index of the sentence whose matches (one list
// per sentence of a passage) weigh most, -1 when none matches.
func mostMatched(matches [][]knowledge.Match) int {
	pb, most := -1, 0.0
	for i, ms := range matches {
		if w := sumWeights(ms, nil, nil); len(ms) > 0 && (pb < 0 || w > most) {
			pb, most = i, w
		}
	}
	return pb
}

// borrowedMatches returns the matches sentence i of p, which shares no word
// with the question, counts with, at what share of their weight, and
// whether it borrowed them for giving a number in the question's likely
// units; nil when it borrows none. matches are those of p's sentences, pb
// the one that weighs most (mostMatched).
//
// A sentence that goes on about the one before ("Sie zahlte 14.500 Euro"
// after "Gertrud Hamann … berichtete …") speaks of what that one names in
// words of its own: it counts with that one's matches in full, so that
// when it states what is asked it wins and brings the sentence it leans on
// along. (Tuned on the general dev sets, at a share of those matches'
// weight: dev2 German answers containing the fact 0.52 → 0.56 at 0.3, 0.58
// at 0.5 to 1; dev German 0.84 → 0.86 at 1 only; nothing lost.)
//
// A sentence that gives a number in the units the question likely wants
// ("Beim Gewicht lagen die Geräte zwischen 1,9 und 3,4 Kilogramm" for "Wie
// viel wiegen die geprüften Staubsauger?") is in a passage that ranks here
// for its other sentences: it counts with the matches of the one that
// weighs most, when that one speaks of the question's subject (not only of
// the measure's word), at measureShare; it does not by itself keep a
// measure question from abstaining.
func borrowedMatches(aq *knowledge.Question, s *knowledge.Story, p *knowledge.Passage, i int, matches [][]knowledge.Match, pb int, likely knowledge.Measure) ([]knowledge.Match, float64, bool) {
	sp := p.Sentences[i]
	text := s.Text[sp.Start:sp.End]
	if i > 0 && len(matches[i-1]) > 0 && knowledge.RefersBack(text) {
		return matches[i-1], 1, false
	}
	if pb >= 0 && likely != knowledge.MeasureNone && aq.OnSubject(matches[pb]) && s.StatesMeasure(sp, likely) && aq.StatesDimension(text) {
		return matches[pb], measureShare, true
	}
	return nil, 1, false
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
