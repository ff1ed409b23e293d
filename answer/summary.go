package answer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/prompts"
)

// Summary summarizes a story: "short" is at most three sentences, "long" a
// paragraph per section; both cite their passages. Offline, it is
// extractive: the lead and the key sentence of each section (long), or the
// lead and the two most central sentences (short).
func (e *Engine) Summary(ctx context.Context, req SummaryRequest) (*Summary, error) {
	s, err := e.story(req.Story)
	if err != nil {
		return nil, err
	}
	length := strings.ToLower(strings.TrimSpace(req.Length))
	switch length {
	case "":
		length = "short"
	case "short", "long":
	default:
		return nil, fault.Keyed(fault.Invalid, "summary_length", "summary length must be short or long, not %q", req.Length)
	}
	lang := e.resolveLang(req.Lang, "")
	if e.model == nil {
		return e.offlineSummary(s, length, textsFor(lang).offlineSummary), nil
	}
	key := cacheKey("summary", s.Version, lang, length, e.model.Model(), strconv.Itoa(e.opts.ContextTokens))
	v, usage, err := cachedOnce(ctx, e, "summary", key, func(ctx context.Context) (*Summary, Usage, error) {
		out, err := e.modelSummary(ctx, s, lang, length)
		if err != nil {
			return nil, Usage{}, err
		}
		return out, out.Usage, nil
	})
	if errors.Is(err, errBudgetSpent) {
		return e.offlineSummary(s, length, textsFor(lang).budgetSpent), nil
	}
	if err != nil {
		return nil, err
	}
	out := *v // each caller its own copy
	out.Usage = usage
	return &out, nil
}

// summaryMaxTokens bounds a summary the model writes; partSummaryMaxTokens
// the summary of one part of a long story (its text is cut further on
// receipt so that all parts fit the prompt that joins them).
var summaryMaxTokens = map[string]int{"short": 300, "long": 1000}

const partSummaryMaxTokens = 400

// modelSummary has the model summarize s: in one call when the story fits
// ContextTokens; else each part (at most MaxChunks; past that, the story's
// most central passages) and then the parts' summaries into one.
func (e *Engine) modelSummary(ctx context.Context, s *knowledge.Story, lang, length string) (*Summary, error) {
	in := e.promptInput(lang, nil)
	in.Length = length
	in.Sections = len(s.Sections)
	all := allPassages(s)
	parts := chunkPassages(all, e.passageBudget(prompts.Summary, in))
	if len(parts) <= 1 {
		refs, passages := e.labelPassages(all)
		in.Passages = passages
		return e.writeSummary(ctx, prompts.Summary, in, refs, lang, length, Usage{}, "")
	}
	in.Part, in.Parts = 1, MaxChunks
	budget := e.passageBudget(prompts.Summary, in)
	parts = chunkPassages(all, budget)
	note := ""
	if len(parts) > MaxChunks {
		central := e.centralPassages(s, budget)
		parts = chunkPassages(central, budget)
		parts = parts[:min(len(parts), MaxChunks)]
		note = fmt.Sprintf(textsFor(lang).longStorySummary, countPassages(parts), len(s.Passages))
	}
	// Each part's summary is cut to its share of the prompt that joins them.
	merge := prompts.Input{Language: in.Language, LanguageCode: lang, StoryLang: in.StoryLang, StoryLangCode: in.StoryLangCode, Length: length}
	share := (e.passageBudget(prompts.SummaryMerge, merge)*4)/len(parts) - 40
	allRefs := map[string]*knowledge.Passage{}
	var usage Usage
	for i, part := range parts {
		refs, passages := e.labelPassages(part)
		maps.Copy(allRefs, refs)
		in.Part, in.Parts, in.Passages = i+1, len(parts), passages
		p, err := prompts.Render(prompts.Summary, in)
		if err != nil {
			return nil, err
		}
		resp, err := e.callModel(ctx, p, llm.Request{MaxTokens: min(partSummaryMaxTokens, max(share/4, 50))}, nil)
		usage = usage.Add(resp.Usage)
		if err != nil {
			return nil, fmt.Errorf("summary model (part %d of %d): %w", i+1, len(parts), err)
		}
		chk := newChecker(refs, e.normTexts, lang, nil)
		chk.Write(resp.Content)
		if text := chk.Close(); text != "" {
			merge.Summaries = append(merge.Summaries, cutBytes(text, share))
		}
	}
	if len(merge.Summaries) == 0 {
		return nil, fault.New(fault.Unavailable, "the model returned an empty summary")
	}
	return e.writeSummary(ctx, prompts.SummaryMerge, merge, allRefs, lang, length, usage, note)
}

// writeSummary makes the call that writes the summary the user gets and
// checks it: citations against refs, quotations against the story, a short
// summary to three sentences, any summary to MaxAnswerChars.
func (e *Engine) writeSummary(ctx context.Context, task prompts.Task, in prompts.Input, refs map[string]*knowledge.Passage, lang, length string, usage Usage, storyNote string) (*Summary, error) {
	p, err := prompts.Render(task, in)
	if err != nil {
		return nil, err
	}
	resp, err := e.callModel(ctx, p, llm.Request{MaxTokens: summaryMaxTokens[length]}, nil)
	usage = usage.Add(resp.Usage)
	if err != nil {
		return nil, fmt.Errorf("summary model: %w", err)
	}
	chk := newChecker(refs, e.normTexts, lang, nil)
	chk.Write(resp.Content)
	out := &Summary{Summary: chk.Close(), Citations: []Citation{}, Mode: ModeLLM, Usage: usage, Note: storyNote}
	if out.Summary == "" {
		return nil, fault.New(fault.Unavailable, "the model returned an empty summary")
	}
	note := textsFor(lang).answerCut
	if resp.FinishReason == "length" {
		// The model stopped at its token limit, likely mid-sentence (a
		// short summary may lose the cut sentence and the note just below).
		out.Summary = withNote(out.Summary[:cutPoint(out.Summary, utf8.RuneCountInString(out.Summary), 0)], note)
	}
	if length == "short" {
		out.Summary = firstSentences(out.Summary, maxShortSentences)
	}
	out.Summary, _ = boundText(out.Summary, MaxAnswerChars, note)
	for _, c := range chk.cited {
		// A citation cut off with its sentence is no longer a source.
		if strings.Contains(out.Summary, "["+c.label+"]") {
			out.Citations = append(out.Citations, citationOf(c.passage))
		}
	}
	return out, nil
}

type keySentence struct {
	p     *knowledge.Passage
	span  knowledge.Span
	score float64
}

func (e *Engine) offlineSummary(s *knowledge.Story, length, note string) *Summary {
	out := &Summary{Citations: []Citation{}, Mode: ModeOffline, Note: note}
	if len(s.Passages) == 0 {
		return out
	}
	scores := e.keySent[s.ID]
	// The lead: the first sentence of the first passage.
	lead := keySentence{p: &s.Passages[0], span: s.Passages[0].Sentences[0]}
	picked := []keySentence{lead}
	// The key sentence of each section (the lead's section included, after its first sentence).
	bySection := map[string]keySentence{}
	var order []string
	for i := range s.Passages {
		p := &s.Passages[i]
		for j, sp := range p.Sentences {
			if i == 0 && j == 0 {
				continue
			}
			best, ok := bySection[p.Section]
			if !ok {
				order = append(order, p.Section)
			}
			if !ok || scores[i][j] > best.score {
				bySection[p.Section] = keySentence{p, sp, scores[i][j]}
			}
		}
	}
	var keys []keySentence
	for _, sec := range order {
		if sec == "" {
			continue // the lead section is represented by the lead
		}
		keys = append(keys, bySection[sec])
	}
	if length == "short" {
		// The two most central, in the story's order.
		sorted := append([]keySentence(nil), keys...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].score > sorted[j].score })
		if len(sorted) > 2 {
			sorted = sorted[:2]
		}
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].span.Start < sorted[j].span.Start })
		keys = sorted
	}
	picked = append(picked, keys...)
	sents := make([]storySentence, len(picked))
	for i, k := range picked {
		sents[i] = storySentence{k.p, k.span}
	}
	sep := " "
	if length == "long" {
		sep = "\n\n"
	}
	out.Summary, out.Citations = e.citeSentences(sents, "", sep)
	return out
}

// maxShortSentences is what a short summary promises.
const maxShortSentences = 3

// firstSentences keeps the first n sentences of text, with the citations
// that follow the last one ("… 2018. [§2]"). Models overrun length
// instructions; a short summary must stay short.
func firstSentences(text string, n int) string {
	spans := knowledge.SplitSentences(text, 0, len(text))
	count := 0
	for _, sp := range spans {
		sent := text[sp.Start:sp.End]
		if citationsOnly.MatchString(sent) {
			continue // citations standing after a period belong to the sentence before
		}
		if count == n {
			// Cut before this sentence, but after the citations that open
			// its span when the model cited after the period.
			if loc := leadingCitations.FindStringIndex(sent); loc != nil {
				return strings.TrimSpace(text[:sp.Start+loc[1]])
			}
			return strings.TrimSpace(text[:sp.Start])
		}
		count++
	}
	return text
}

var (
	citationsOnly    = regexp.MustCompile(`^(\s*\[[^\]]*§[^\]]*\])+\s*$`)
	leadingCitations = regexp.MustCompile(`^(\s*\[[^\]]*§[^\]]*\])+`)
)
