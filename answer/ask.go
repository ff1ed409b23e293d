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
	results, err := e.search(ctx, retrievalQuery(q, req.History), knowledge.SearchOptions{K: searchDepth, Story: req.Story})
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

// search ranks passages; when the embeddings API fails it answers from the
// words alone rather than not at all.
func (e *Engine) search(ctx context.Context, q string, opts knowledge.SearchOptions) ([]knowledge.Result, error) {
	results, err := e.index.Search(ctx, q, opts)
	if err != nil && e.index.Dense() && ctx.Err() == nil {
		e.log.Warn("dense retrieval failed; using lexical retrieval for this question", "err", err)
		opts.LexicalOnly = true
		results, err = e.index.Search(ctx, q, opts)
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
