package answer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/prompts"
)

// maxQuotesWithContext bounds how many quotations one request asks the model
// to explain; the rest are listed without context.
const maxQuotesWithContext = 10

var quoteSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"quotes": map[string]any{
			"type": "array",
			"items": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"n":           map[string]any{"type": "integer"},
					"context":     map[string]any{"type": "string"},
					"translation": map[string]any{"type": "string"},
				},
				"required":             []string{"n", "context", "translation"},
				"additionalProperties": false,
			},
		},
	},
	"required":             []string{"quotes"},
	"additionalProperties": false,
}

// Quotes returns quotations filtered by speaker and ranked by topic. The
// quotation text always comes verbatim from the extractor; a model only adds
// a one-line context and, when the answer language is not the story's, a
// translation.
func (e *Engine) Quotes(ctx context.Context, req QuoteRequest) (*Quotes, error) {
	s, err := e.story(req.Story)
	if err != nil {
		return nil, err
	}
	lang := e.resolveLang(req.Lang, req.Topic)
	found := knowledge.FindQuotes(s, req.Speaker, req.Topic)
	out := &Quotes{Quotes: []QuoteItem{}, Mode: ModeOffline}
	if n := len(found); n > MaxQuotes {
		found = found[:MaxQuotes]
		out.Note = fmt.Sprintf(textsFor(lang).moreQuotes, MaxQuotes, n)
	}
	for _, q := range found {
		out.Quotes = append(out.Quotes, QuoteItem{Text: q.Text, Speaker: q.Speaker, ID: q.PassageID, Section: q.Section, Context: q.Context})
	}
	if e.model == nil || len(found) == 0 {
		return out, nil
	}
	n := min(len(found), maxQuotesWithContext)
	key := cacheKey("quotes", s.Version, lang, e.model.Model(), quoteKey(found[:n]))
	notes, usage, err := cachedOnce(ctx, e, "quotes", key, func(ctx context.Context) ([]quoteNote, Usage, error) {
		return e.quoteNotes(ctx, s, lang, found[:n])
	})
	if errors.Is(err, errBudgetSpent) {
		out.Note = joinNotes(out.Note, textsFor(lang).budgetSpent)
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	out.Usage = usage
	out.Mode = ModeLLM
	for _, nt := range notes {
		if nt.N < 1 || nt.N > n {
			continue // the model numbered a quotation that was not asked about
		}
		item := &out.Quotes[nt.N-1]
		if c := strings.TrimSpace(nt.Context); c != "" {
			item.Context, _ = boundText(c, MaxQuoteNoteChars, "…")
		}
		if lang != s.Language {
			item.Translation, _ = boundText(strings.TrimSpace(nt.Translation), MaxQuoteNoteChars, "…")
		}
	}
	return out, nil
}

// quoteMaxTokens bounds the model's reply: context and translation for
// maxQuotesWithContext quotations.
const quoteMaxTokens = 1500

type quoteNote struct {
	N           int    `json:"n"`
	Context     string `json:"context"`
	Translation string `json:"translation"`
}

func quoteKey(qs []knowledge.Quote) string {
	var b strings.Builder
	for _, q := range qs {
		fmt.Fprintf(&b, "%d-%d,", q.Span.Start, q.Span.End)
	}
	return b.String()
}

func (e *Engine) quoteNotes(ctx context.Context, s *knowledge.Story, lang string, qs []knowledge.Quote) ([]quoteNote, Usage, error) {
	var results []knowledge.Result
	seen := map[string]bool{}
	for _, q := range qs {
		if p := s.Passage(q.PassageID); p != nil && !seen[p.ID] {
			seen[p.ID] = true
			results = append(results, knowledge.Result{Passage: p})
		}
	}
	_, passages := e.labelPassages(results)
	in := e.promptInput(lang, passages)
	in.StoryLangCode = s.Language
	for _, q := range qs {
		in.Quotes = append(in.Quotes, prompts.QuoteItem{Ref: q.PassageID, Speaker: q.Speaker, Text: q.Text, Context: q.Context})
	}
	p, err := prompts.Render(prompts.Quote, in)
	if err != nil {
		return nil, Usage{}, err
	}
	resp, err := e.callModel(ctx, p, llm.Request{
		MaxTokens:      quoteMaxTokens,
		JSONSchema:     quoteSchema,
		JSONSchemaName: "quote_context",
	}, nil)
	if err != nil {
		return nil, resp.Usage, fmt.Errorf("quote model: %w", err)
	}
	var out struct {
		Quotes []quoteNote `json:"quotes"`
	}
	if err := decodeLooseJSON(resp.Content, &out); err != nil {
		e.log.Warn("quotes: model reply is not JSON; quotations shown without context", "err", err)
	}
	return out.Quotes, resp.Usage, nil
}
