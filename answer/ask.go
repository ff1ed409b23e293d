package answer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/prompts"
)

const (
	// searchDepth is how many passages a question retrieves before the
	// context budget picks among them.
	searchDepth = 12
	// maxTurnBytes bounds each history message given to the model.
	maxTurnBytes = 1500
	// answerMaxTokens bounds a written answer; Discord shows 2,000
	// characters a message, and a longer answer is split, not refused.
	answerMaxTokens = 900
)

// Ask answers one question. onDelta, when not nil, receives the checked
// answer text piece by piece as the model writes it (quotations and
// citations only once they are checked); the returned Answer holds the whole
// checked text. Errors are *fault.Error: Invalid for a bad question,
// Unavailable or Limited when the model fails.
func (e *Engine) Ask(ctx context.Context, req AskRequest, onDelta func(delta string)) (*Answer, error) {
	q, err := checkQuestion(req.Question)
	if err != nil {
		return nil, err
	}
	if req.Story != "" {
		if _, err := e.story(req.Story); err != nil {
			return nil, err
		}
	}
	lang := e.resolveLang(req.Lang, q)
	queries := e.searchQueries(ctx, retrievalQuery(q, req.History), q, req.Story)
	results, err := e.search(ctx, queries[0], knowledge.SearchOptions{K: searchDepth, Story: req.Story}, queries[1:]...)
	if err != nil {
		return nil, err
	}
	if e.model == nil {
		return e.offlineAsk(q, lang, results, ""), nil
	}

	selected := knowledge.SelectContext(e.withUnranked(results, req.Story), e.opts.ContextTokens)
	refs, passages := e.labelPassages(selected)
	in := e.promptInput(lang, passages)
	in.Question = q
	for _, t := range req.History {
		in.History = append(in.History, prompts.Turn{Role: normalizeRole(t.Role), Content: truncate(t.Content, maxTurnBytes)})
	}
	p, err := prompts.Render(prompts.Answer, in)
	if err != nil {
		return nil, err
	}
	// The checked text goes through the bound on its way out; the model's
	// stream is stopped once the bound has cut (or, while the checks hold
	// text back, once twice the bound has come in).
	sctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	bound := newStreamBound(MaxAnswerChars, textsFor(lang).answerCut, onDelta)
	chk := newChecker(refs, e.normTexts, lang, bound.Write)
	raw := 0
	resp, err := e.callModel(sctx, p, llm.Request{MaxTokens: answerMaxTokens}, func(delta string) {
		chk.Write(delta)
		if raw += utf8.RuneCountInString(delta); bound.cut || raw > rawAnswerLimit {
			stop(errAnswerLong)
		}
	})
	stopped := errors.Is(context.Cause(sctx), errAnswerLong)
	if errors.Is(err, errBudgetSpent) {
		return e.offlineAsk(q, lang, results, textsFor(lang).budgetSpent), nil
	}
	if err != nil && !stopped {
		return nil, fmt.Errorf("ask model: %w", err)
	}
	text := chk.Close()
	if bound.Close(stopped || resp.FinishReason == "length") {
		text = bound.Cut()
	}
	if text == "" {
		return nil, fault.New(fault.Unavailable, "the model returned an empty answer")
	}
	if chk.droppedCitations > 0 || chk.unverifiedQuotes > 0 {
		e.log.Info("answer checked", "dropped_citations", chk.droppedCitations, "unverified_quotes", chk.unverifiedQuotes)
	}
	a := &Answer{Question: q, Answer: text, Language: lang, Mode: ModeLLM, Usage: resp.Usage, Citations: []Citation{},
		Checks: Checks{DroppedCitations: chk.droppedCitations, VerifiedQuotes: chk.verifiedQuotes, UnverifiedQuotes: chk.unverifiedQuotes}}
	for _, c := range chk.cited {
		// A citation cut off with its sentence is no longer a source.
		if strings.Contains(text, "["+c.label+"]") {
			a.Citations = append(a.Citations, citationOf(c.passage))
		}
	}
	return a, nil
}

// errAnswerLong stops the stream of an answer that passed its bound.
var errAnswerLong = errors.New("the answer passed its bound")

// search ranks passages for q (and, fused, for its other phrasings more);
// when the embeddings API fails it answers from the words alone rather than
// not at all.
func (e *Engine) search(ctx context.Context, q string, opts knowledge.SearchOptions, more ...string) ([]knowledge.Result, error) {
	queries := append([]string{q}, more...)
	results, err := e.index.SearchAll(ctx, queries, opts)
	if err != nil && e.index.Dense() && ctx.Err() == nil {
		e.log.Warn("dense retrieval failed; using lexical retrieval for this question", "err", err)
		opts.LexicalOnly = true
		results, err = e.index.SearchAll(ctx, queries, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return results, nil
}

// withUnranked appends the passages the search did not find, in story
// order, after the ranked ones: a story that fits the context budget is then
// given whole (ranked first), and the budget cuts a long archive to its best.
func (e *Engine) withUnranked(results []knowledge.Result, story string) []knowledge.Result {
	found := make(map[*knowledge.Passage]bool, len(results))
	for _, r := range results {
		found[r.Passage] = true
	}
	out := results
	budget := e.opts.ContextTokens
	for _, r := range results {
		budget -= knowledge.EstimateTokens(r.Passage.Text)
	}
	for _, s := range e.stories {
		if story != "" && s.ID != story {
			continue
		}
		for i := range s.Passages {
			if budget <= 0 {
				return out
			}
			if p := &s.Passages[i]; !found[p] {
				out = append(out, knowledge.Result{Passage: p})
				budget -= knowledge.EstimateTokens(p.Text)
			}
		}
	}
	return out
}

// retrievalQuery adds the last question of the conversation to a follow-up
// ("and when did he leave?"), which names no subject of its own.
func retrievalQuery(q string, history []Turn) string {
	for i := len(history) - 1; i >= 0; i-- {
		if normalizeRole(history[i].Role) == "user" {
			return q + "\n" + truncate(history[i].Content, maxTurnBytes)
		}
	}
	return q
}

func normalizeRole(r string) string {
	if r == "assistant" {
		return "assistant"
	}
	return "user"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// labelPassages names each selected passage as the model will cite it: "§3"
// when all come from one story, "story-id §3" when they come from several.
func (e *Engine) labelPassages(results []knowledge.Result) (map[string]*knowledge.Passage, []prompts.Passage) {
	multi := false
	for _, r := range results {
		if r.Passage.Story != results[0].Passage.Story {
			multi = true
		}
	}
	refs := map[string]*knowledge.Passage{}
	var out []prompts.Passage
	for _, r := range results {
		label := r.Passage.ID
		if multi {
			label = r.Passage.Story + " " + r.Passage.ID
		}
		refs[label] = r.Passage
		title := ""
		if s := e.byID[r.Passage.Story]; s != nil {
			title = s.Title
		}
		out = append(out, prompts.Passage{Ref: label, Story: title, Section: r.Passage.Section, Text: r.Passage.Text})
	}
	return refs, out
}

func (e *Engine) promptInput(lang string, passages []prompts.Passage) prompts.Input {
	storyLang := e.stories[0].Language
	return prompts.Input{
		Language:      languageName(lang),
		LanguageCode:  lang,
		StoryLang:     languageName(storyLang),
		StoryLangCode: storyLang,
		Passages:      passages,
	}
}
