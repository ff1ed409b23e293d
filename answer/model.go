package answer

import (
	"context"

	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/prompts"
)

// callModel sends a rendered prompt to the model (instructions as the
// system message, data as the user message), streamed to onDelta when it is
// not nil, and counts what the call cost against the daily budget, whether
// it succeeded or not.
func (e *Engine) callModel(ctx context.Context, p prompts.Prompt, req llm.Request, onDelta llm.DeltaFunc) (llm.Response, error) {
	req.Messages = []llm.Message{{Role: llm.System, Content: p.System}, {Role: llm.User, Content: p.User}}
	var resp llm.Response
	var err error
	if onDelta != nil {
		resp, err = e.model.Stream(ctx, req, onDelta)
	} else {
		resp, err = e.model.Complete(ctx, req)
	}
	e.budget.add(resp.Usage.Total())
	return resp, err
}
