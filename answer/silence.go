package answer

import "github.com/storybot/storybot/knowledge"

// How much of a question a story may leave unmentioned (see
// knowledge.Question.Unmentioned: a missing noun, name or number weighs 1, a
// missing German verb or adjective 0.4, a missing English word 0.5, or 0.25
// when the dictionary does not know it) before an offline answer stops
// taking sentences from it. Measured on the general dev set: a story that
// misses one noun of the question still answers it about as often as not
// (questions paraphrase: "Geld" for "Euro", "Menschen" for "Zuhörer"), so
// the bar for abstaining is high; leaving out a story that misses a word
// more than another among the best results drops sentences of the wrong
// story (median answer 307 → 280 characters, no answer lost).
const (
	// maxUnmentioned: a story leaving this much unmentioned cannot answer.
	maxUnmentioned = 2.5
	// unmentionedMargin: a story leaving this much more unmentioned than
	// another among the best results is the wrong story.
	unmentionedMargin = 1.0
)

// silentStories returns the stories of the top results that do not speak
// of what the question names: an offline answer takes no sentence from them.
func (e *Engine) silentStories(aq *knowledge.Question, results []knowledge.Result) map[string]bool {
	missing := map[string]float64{}
	least := -1.0
	for rank, r := range results {
		if rank == offlinePassages {
			break
		}
		id := r.Passage.Story
		if _, ok := missing[id]; ok {
			continue
		}
		sum := aq.UnmentionedWeight(e.vocab[id])
		missing[id] = sum
		if least < 0 || sum < least {
			least = sum
		}
	}
	silent := map[string]bool{}
	for id, m := range missing {
		if m >= maxUnmentioned || m >= least+unmentionedMargin {
			silent[id] = true
		}
	}
	return silent
}
