package knowledge

import "slices"

// In an archive, a question names things ("the canoe club", "the Sellach",
// "the bypass tunnel") that one story speaks of and the others do not, and
// BM25 over a passage sees only the passage: an English question whose
// translations meet a word or two of another story's paragraph may rank
// that paragraph above the right story's, which names the rest of the
// question in its title, its other paragraphs or its compounds. So the
// leading results of the fusion are lowered by how much more of the
// question their story leaves unmentioned (Question.Unmentioned, the
// measure an offline answer uses to leave a story out) than the story among
// them that leaves least.
//
// Tuned on the general development sets only (dev.json and dev2.json,
// README "The general sets"), with the answer-kind nouns left out of what a
// story must mention (contentWords): weights 1, 2, 4 and 8 per unmentioned
// word gave English recall@5 0.88, 0.90, 0.92, 0.87 on dev and 0.85, 0.85,
// 0.87, 0.81 on dev2 (0.88 and 0.83 without the prior), German recall@1 on
// dev2 0.62, 0.67, 0.67, 0.67 (0.62 without), English facts 0.60, 0.60,
// 0.63, 0.63 on dev; at 8 the prior starts to override the fusion. A depth
// of 10 results gained less than 20, and 40 no more. It costs abstentions:
// dev's English 0.25 → 0.08 from weight 1 on.
const (
	storyPriorWeight = 4
	storyPriorDepth  = 20
)

// addStoryPrior lowers the first storyPriorDepth of out (sorted best first)
// by how much more of the question their stories leave unmentioned than the
// story among them that leaves least, and sorts them again. A question asked
// in several phrasings (see SearchAll: the question and its rewrite into the
// stories' language) is as well mentioned by a story as its best-mentioned
// phrasing. Results of one story only are left as they are: there is
// nothing to weigh them against.
func (ix *Index) addStoryPrior(queries []string, out []Result) {
	out = out[:min(len(out), storyPriorDepth)]
	if len(out) < 2 || !slices.ContainsFunc(out[1:], func(r Result) bool { return r.Passage.Story != out[0].Passage.Story }) {
		return
	}
	qs := make([]*Question, len(queries))
	for i, text := range queries {
		qs[i] = &Question{content: contentWords(text), english: DetectLanguage(text) == "en"}
	}
	missing := make(map[string]float64, 4)
	least := -1.0
	for _, r := range out {
		id := r.Passage.Story
		if _, ok := missing[id]; ok {
			continue
		}
		sum := -1.0
		for _, q := range qs {
			s := 0.0
			if v := ix.vocab[id]; v != nil {
				s = q.UnmentionedWeight(v)
			}
			if sum < 0 || s < sum {
				sum = s
			}
		}
		missing[id] = sum
		if least < 0 || sum < least {
			least = sum
		}
	}
	for i := range out {
		out[i].Score -= storyPriorWeight * (missing[out[i].Passage.Story] - least)
	}
	sortResults(out)
}

// Vocabulary returns the words of an indexed story as Question.Unmentioned
// looks them up, nil for a story the index does not have.
func (ix *Index) Vocabulary(story string) *Vocabulary { return ix.vocab[story] }
