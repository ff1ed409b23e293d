package answer

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

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
		return nil, fault.New(fault.Invalid, "summary length must be short or long, not %q", req.Length)
	}
	lang := e.resolveLang(req.Lang, "")
	if e.model == nil {
		return e.offlineSummary(s, length, textsFor(lang).offlineSummary), nil
	}
	key := cacheKey("summary", s.Version, lang, length, e.model.Model())
	var cached Summary
	if e.cache.get("summary", key, &cached) {
		cached.Usage = Usage{}
		return &cached, nil
	}
	if e.budget.spent() {
		return e.offlineSummary(s, length, textsFor(lang).budgetSpent), nil
	}
	refs, passages := e.labelPassages(allPassages(s))
	in := e.promptInput(lang, passages)
	in.Length = length
	in.Sections = len(s.Sections)
	p, err := prompts.Render(prompts.Summary, in)
	if err != nil {
		return nil, err
	}
	resp, err := e.callModel(ctx, p, llm.Request{}, nil)
	if err != nil {
		return nil, fmt.Errorf("summary model: %w", err)
	}
	chk := newChecker(refs, e.normTexts, lang, nil)
	chk.Write(resp.Content)
	out := &Summary{Summary: chk.Close(), Citations: []Citation{}, Mode: ModeLLM, Usage: resp.Usage}
	if out.Summary == "" {
		return nil, fault.New(fault.Unavailable, "the model returned an empty summary")
	}
	if length == "short" {
		out.Summary = firstSentences(out.Summary, maxShortSentences)
	}
	for _, c := range chk.cited {
		// A citation cut off with its sentence is no longer a source.
		if strings.Contains(out.Summary, "["+c.label+"]") {
			out.Citations = append(out.Citations, citationOf(c.passage))
		}
	}
	if err := e.cache.put("summary", key, out); err != nil {
		e.log.Warn("summary: cannot cache", "err", err)
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
