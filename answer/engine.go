package answer

import (
	"context"
	"errors"
)

// Engine answers questions about the loaded stories.
type Engine struct{}

var errTODO = errors.New("not implemented yet")

// Ask answers one question. onDelta, when not nil, receives the answer text as
// it is written (streaming); the returned Answer is the checked, final text.
func (e *Engine) Ask(ctx context.Context, req AskRequest, onDelta func(delta string)) (*Answer, error) {
	return nil, errTODO
}

// Timeline returns the story's dated events in order, undated ones last.
func (e *Engine) Timeline(ctx context.Context, req TimelineRequest) (*Timeline, error) {
	return nil, errTODO
}

// Quotes returns verbatim quotations, filtered by speaker and ranked by topic.
func (e *Engine) Quotes(ctx context.Context, req QuoteRequest) (*Quotes, error) {
	return nil, errTODO
}

// Summary summarizes a story.
func (e *Engine) Summary(ctx context.Context, req SummaryRequest) (*Summary, error) {
	return nil, errTODO
}

// Stories lists the loaded stories.
func (e *Engine) Stories() []StoryInfo { return nil }

// Speakers lists the speakers of quotations in a story ("" = all stories), most quoted first.
func (e *Engine) Speakers(story string) []string { return nil }

// Citations returns the passages with the given ids of a story, verbatim; unknown ids are skipped.
func (e *Engine) Citations(story string, ids []string) []Citation { return nil }
