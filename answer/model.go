package answer

import (
	"context"
	"errors"

	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/prompts"
)

// errBudgetSpent is returned by callModel, before anything is sent, when
// the daily token budget has no room for the call; callers answer offline.
var errBudgetSpent = errors.New("today's model token budget is spent")

// callModel sends a rendered prompt to the model (instructions as the
// system message, data as the user message), streamed to onDelta when it is
// not nil. It reserves the call's most expensive outcome (the prompt
// estimate plus req.MaxTokens) against the token budget first, and settles
// with what the call cost, failed attempts included, whether it succeeded
// or not.
func (e *Engine) callModel(ctx context.Context, p prompts.Prompt, req llm.Request, onDelta llm.DeltaFunc) (llm.Response, error) {
	req.Messages = []llm.Message{{Role: llm.System, Content: p.System}, {Role: llm.User, Content: p.User}}
	prompt := knowledge.EstimateTokens(p.System) + knowledge.EstimateTokens(p.User)
	res, ok := e.budget.Reserve(ctx, prompt+req.MaxTokens)
	if !ok {
		return llm.Response{}, errBudgetSpent
	}
	var resp llm.Response
	var err error
	if onDelta != nil {
		resp, err = e.model.Stream(ctx, req, onDelta)
	} else {
		resp, err = e.model.Complete(ctx, req)
	}
	cost := resp.Usage.Total() + resp.Wasted.Total()
	if err == nil && resp.Usage == (llm.Usage{}) {
		// A model that reports no usage still cost its prompt and answer.
		cost += prompt + knowledge.EstimateTokens(resp.Content)
	}
	// Settled even when the caller gave up: the tokens were spent.
	res.Settle(context.WithoutCancel(ctx), cost)
	return resp, err
}
