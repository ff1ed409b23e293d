package answer

import (
	"fmt"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
)

func withStories(stories ...*knowledge.Story) engineOption {
	return func(o *Options, _ *llm.Options) { o.Stories = stories }
}

func withFlight(f Flight) engineOption {
	return func(o *Options, _ *llm.Options) { o.Flight = f }
}

var months = []string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}

// longStory generates a German story of about size bytes: sections of
// paragraphs, each with a full date the extractor finds.
func longStory(t *testing.T, size int) *knowledge.Story {
	t.Helper()
	var b strings.Builder
	b.WriteString("Die lange Chronik der Fahrzeugwerke\n\n")
	for i := 0; b.Len() < size; i++ {
		if i%10 == 0 {
			fmt.Fprintf(&b, "Kapitel %d der Chronik\n\n", i/10+1)
		}
		fmt.Fprintf(&b, "Am %d. %s %d meldete das Werk Nummer %d einen Rekord von %d Fahrzeugen. "+
			"Der Vorstand sprach von einem guten Jahr für die Belegschaft und die Kunden. "+
			"Die Zahlen wurden später im Bericht %d bestätigt, den die Aufsicht ohne Einwände annahm.\n\n",
			i%28+1, months[i%12], 1990+i%30, i, i*7+3, i)
	}
	s, err := knowledge.Parse("chronik", "chronik.txt", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// promptTokens is the estimate of what a recorded request's messages cost.
func promptTokens(req *openai.ChatCompletionRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += knowledge.EstimateTokens(m.Content)
	}
	return n
}

// sentLimit is the token limit a request carries, in either field.
func sentLimit(req *openai.ChatCompletionRequest) int {
	//lint:ignore SA1019 reading what the client sent
	return max(req.MaxTokens, req.MaxCompletionTokens)
}
