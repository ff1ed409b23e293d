package answer

import (
	"sort"

	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/prompts"
)

// MaxChunks bounds the model calls one timeline or summary makes on the
// parts of a story too long for one prompt (a summary makes one more to
// join the parts). What a story beyond MaxChunks parts gets is decided in
// Timeline and Summary: the passages that matter most, and a note.
const MaxChunks = 8

// minPassageBudget keeps a chunk useful when ContextTokens is set very low.
const minPassageBudget = 600

// passageCost is what a passage adds to a prompt, its tags included.
func passageCost(p *knowledge.Passage) int {
	return knowledge.EstimateTokens(p.Text) + knowledge.EstimateTokens(p.Section) + 12
}

// passageBudget is how many tokens of passages a prompt of task may carry
// so that the whole prompt (instructions included) fits ContextTokens.
func (e *Engine) passageBudget(task prompts.Task, in prompts.Input) int {
	in.Passages = nil
	p, err := prompts.Render(task, in)
	overhead := 0
	if err == nil {
		overhead = knowledge.EstimateTokens(p.System) + knowledge.EstimateTokens(p.User)
	}
	return max(e.opts.ContextTokens-overhead, minPassageBudget)
}

// chunkPassages splits passages, in their order, into runs that fit budget
// tokens each (a passage longer than the budget alone is a run of its own).
func chunkPassages(ps []knowledge.Result, budget int) [][]knowledge.Result {
	var out [][]knowledge.Result
	var cur []knowledge.Result
	used := 0
	for _, r := range ps {
		c := passageCost(r.Passage)
		if len(cur) > 0 && used+c > budget {
			out = append(out, cur)
			cur, used = nil, 0
		}
		cur = append(cur, r)
		used += c
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func countPassages(parts [][]knowledge.Result) int {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	return n
}

// passagesWithEvents are the passages in which the extractor found a date,
// in story order.
func passagesWithEvents(s *knowledge.Story) []knowledge.Result {
	dated := map[string]bool{}
	for _, ev := range s.Events {
		dated[ev.PassageID] = true
	}
	var out []knowledge.Result
	for i := range s.Passages {
		if dated[s.Passages[i].ID] {
			out = append(out, knowledge.Result{Passage: &s.Passages[i]})
		}
	}
	return out
}

// centralPassages picks a story's most central passages (by their most
// central sentence; the lead always) while they fit MaxChunks chunks of
// budget, and returns them in story order.
func (e *Engine) centralPassages(s *knowledge.Story, budget int) []knowledge.Result {
	scores := e.keySent[s.ID]
	order := make([]int, len(s.Passages))
	score := make([]float64, len(s.Passages))
	for i := range s.Passages {
		order[i] = i
		for _, c := range scores[i] {
			score[i] = max(score[i], c)
		}
	}
	sort.SliceStable(order[1:], func(a, b int) bool { return score[order[1+a]] > score[order[1+b]] })
	// Chunks are packed greedily in story order, so leave each one room
	// for a passage that did not fit its predecessor.
	capacity := MaxChunks * max(budget-maxPassageTokens, budget/2)
	picked := make([]bool, len(s.Passages))
	used := 0
	for _, i := range order {
		if c := passageCost(&s.Passages[i]); used+c <= capacity {
			picked[i] = true
			used += c
		}
	}
	var out []knowledge.Result
	for i := range s.Passages {
		if picked[i] {
			out = append(out, knowledge.Result{Passage: &s.Passages[i]})
		}
	}
	return out
}

// maxPassageTokens is about the largest passage the parser makes.
const maxPassageTokens = 500
