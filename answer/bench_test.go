package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
)

// instantModel answers at once with a fixed text, streamed in word-sized
// deltas: what is left to time is the engine's own work.
type instantModel struct{ answer string }

func (m instantModel) Model() string { return "instant" }

func (m instantModel) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	return llm.Response{Content: m.answer, Usage: llm.Usage{PromptTokens: 700, CompletionTokens: 40}}, nil
}

func (m instantModel) Stream(_ context.Context, req llm.Request, onDelta llm.DeltaFunc) (llm.Response, error) {
	rest := m.answer
	for rest != "" {
		i := strings.IndexByte(rest[1:], ' ') + 1
		if i <= 0 {
			i = len(rest)
		}
		onDelta(rest[:i])
		rest = rest[i:]
	}
	return llm.Response{Content: m.answer, Usage: llm.Usage{PromptTokens: 700, CompletionTokens: 40}}, nil
}

var _ Model = instantModel{}

// BenchmarkAskEngineOverhead is one question through retrieval, prompt
// rendering, streaming checks of citations and quotations, and the result,
// around a model that takes no time (target: under 1 ms).
func BenchmarkAskEngineOverhead(b *testing.B) {
	e, err := New(context.Background(), Options{
		Stories: []*knowledge.Story{knowledge.Default()},
		Model: instantModel{answer: "Altman made a pre-reservation of $45,000 in July 2018 [§2]. Musk replied: " +
			"“Aber das liegt in deiner Natur” (But that is in your nature) [§3][§9]."},
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	questions := []string{
		"When did Altman reserve his Roadster, and what did Musk reply?",
		"Wann hat sich Musk von OpenAI zurückgezogen?",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a, err := e.Ask(ctx, AskRequest{Question: questions[i%2]}, func(string) {})
		if err != nil || len(a.Citations) != 2 {
			b.Fatalf("%v %+v", err, a)
		}
	}
}
