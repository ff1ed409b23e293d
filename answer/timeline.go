package answer

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"

	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/prompts"
)

// timelineSchema is the JSON the model is asked for.
var timelineSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"events": map[string]any{
			"type": "array",
			"items": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"date":  map[string]any{"type": "string"},
					"event": map[string]any{"type": "string"},
					"id":    map[string]any{"type": "string"},
				},
				"required":             []string{"date", "event", "id"},
				"additionalProperties": false,
			},
		},
	},
	"required":             []string{"events"},
	"additionalProperties": false,
}

type modelEvent struct {
	Date  string `json:"date"`
	Event string `json:"event"`
	ID    string `json:"id"`
}

// timelineMaxTokens bounds the model's reply per call: about 35 events.
const timelineMaxTokens = 1500

// maxModelEventsPerCall bounds how many of one reply's events are read.
const maxModelEventsPerCall = 200

// Timeline returns a story's dated events in order, undated (relative) ones
// last. Every date is one the text states: with a model, an event whose date
// does not stand in the passage it cites is dropped, and the extractor's
// events are merged in so that nothing dated in the text is missing.
//
// A story too long for one prompt is read in parts (one call each, at most
// MaxChunks); past that, only the passages with a date the extractor found
// are read, and if those too are more than MaxChunks parts, the first
// MaxChunks parts: the rest of the events keep the extractor's wording.
// Identical requests at once share one computation; the result is cached
// per story version.
func (e *Engine) Timeline(ctx context.Context, req TimelineRequest) (*Timeline, error) {
	s, err := e.story(req.Story)
	if err != nil {
		return nil, err
	}
	lang := e.resolveLang(req.Lang, "")
	if e.model == nil {
		return boundTimeline(e.offlineTimeline(s, lang, textsFor(lang).offlineTimeline), lang), nil
	}
	key := cacheKey("timeline", s.Version, lang, e.model.Model(), strconv.Itoa(e.opts.ContextTokens))
	v, usage, err := cachedOnce(ctx, e, "timeline", key, func(ctx context.Context) (*Timeline, Usage, error) {
		t, err := e.modelTimeline(ctx, s, lang)
		if err != nil {
			return nil, Usage{}, err
		}
		return t, t.Usage, nil
	})
	if errors.Is(err, errBudgetSpent) {
		return boundTimeline(e.offlineTimeline(s, lang, textsFor(lang).budgetSpent), lang), nil
	}
	if err != nil {
		return nil, err
	}
	t := *v // each caller its own copy
	t.Usage = usage
	return &t, nil
}

func (e *Engine) modelTimeline(ctx context.Context, s *knowledge.Story, lang string) (*Timeline, error) {
	in := e.promptInput(lang, nil)
	budget := e.passageBudget(prompts.Timeline, in)
	parts := chunkPassages(allPassages(s), budget)
	note := ""
	if len(parts) > MaxChunks {
		parts = chunkPassages(passagesWithEvents(s), budget)
		parts = parts[:min(len(parts), MaxChunks)]
		note = fmt.Sprintf(textsFor(lang).longStoryTimeline, countPassages(parts), len(s.Passages))
	}
	allRefs := map[string]*knowledge.Passage{}
	var events []modelEvent
	var usage Usage
	for _, part := range parts {
		refs, passages := e.labelPassages(part)
		in.Passages = passages
		p, err := prompts.Render(prompts.Timeline, in)
		if err != nil {
			return nil, err
		}
		resp, err := e.callModel(ctx, p, llm.Request{
			MaxTokens:      timelineMaxTokens,
			JSONSchema:     timelineSchema,
			JSONSchemaName: "timeline",
		}, nil)
		usage = usage.Add(resp.Usage)
		if err != nil {
			return nil, fmt.Errorf("timeline model: %w", err)
		}
		var out struct {
			Events []modelEvent `json:"events"`
		}
		if err := decodeLooseJSON(resp.Content, &out); err != nil {
			e.log.Warn("timeline: model reply is not JSON; using the extractor's events", "err", err)
		}
		// mergeTimeline checks each date against the passage it cites.
		events = append(events, out.Events[:min(len(out.Events), maxModelEventsPerCall)]...)
		maps.Copy(allRefs, refs)
	}
	t := &Timeline{Events: mergeTimeline(s, allRefs, events), Mode: ModeLLM, Usage: usage, Note: note}
	return boundTimeline(t, lang), nil
}

// boundTimeline keeps at most MaxTimelineEvents events of at most
// MaxEventChars each, and says so when it drops some.
func boundTimeline(t *Timeline, lang string) *Timeline {
	for i := range t.Events {
		t.Events[i].Event, _ = boundText(t.Events[i].Event, MaxEventChars, "…")
	}
	if n := len(t.Events); n > MaxTimelineEvents {
		t.Events = t.Events[:MaxTimelineEvents]
		t.Note = joinNotes(t.Note, fmt.Sprintf(textsFor(lang).moreEvents, MaxTimelineEvents, n))
	}
	return t
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

func allPassages(s *knowledge.Story) []knowledge.Result {
	out := make([]knowledge.Result, len(s.Passages))
	for i := range s.Passages {
		out[i] = knowledge.Result{Passage: &s.Passages[i]}
	}
	return out
}

func (e *Engine) offlineTimeline(s *knowledge.Story, lang, note string) *Timeline {
	t := &Timeline{Events: []TimelineEvent{}, Mode: ModeOffline, Note: note}
	for _, ev := range s.Events {
		t.Events = append(t.Events, TimelineEvent{Date: ev.Date, Sort: ev.Sort, Event: ev.Event, ID: ev.PassageID})
	}
	return t
}

// mergeTimeline checks the model's events against the text and merges them
// with the extractor's. The extractor's events are the ground truth: each one
// appears, described by the model when the model dated the same passage with
// the same date; a model event with a date the extractor did not see is kept
// only when its date stands verbatim in the passage it cites, and sorts with
// the undated ones unless its date matches an extracted one.
func mergeTimeline(s *knowledge.Story, refs map[string]*knowledge.Passage, model []modelEvent) []TimelineEvent {
	type key struct{ id, date string }
	described := map[key]string{}
	var extra []TimelineEvent
	for _, m := range model {
		p := refs[strings.TrimSpace(strings.Trim(m.ID, "[]"))]
		date := strings.TrimSpace(m.Date)
		if p == nil || date == "" || strings.TrimSpace(m.Event) == "" || !strings.Contains(strings.ToLower(p.Text), strings.ToLower(date)) {
			continue // a date the cited passage does not state
		}
		matched := false
		for _, ev := range s.Events {
			if ev.PassageID == p.ID && strings.EqualFold(ev.Date, date) {
				k := key{p.ID, ev.Date}
				if _, dup := described[k]; !dup {
					described[k] = strings.TrimSpace(m.Event)
				}
				matched = true
			}
		}
		if !matched {
			extra = append(extra, TimelineEvent{Date: date, Event: strings.TrimSpace(m.Event), ID: p.ID})
		}
	}
	var dated, undated []TimelineEvent
	for _, ev := range s.Events {
		te := TimelineEvent{Date: ev.Date, Sort: ev.Sort, Event: ev.Event, ID: ev.PassageID}
		if d, ok := described[key{ev.PassageID, ev.Date}]; ok {
			te.Event = d
		}
		if te.Sort != "" {
			dated = append(dated, te)
		} else {
			undated = append(undated, te)
		}
	}
	// Extra events: keep the story's order among the undated.
	undated = append(undated, extra...)
	sort.SliceStable(undated, func(i, j int) bool { return passageNumber(undated[i].ID) < passageNumber(undated[j].ID) })
	return append(dated, undated...)
}

func passageNumber(id string) int {
	n := 0
	for _, r := range strings.TrimPrefix(id, "§") {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}
