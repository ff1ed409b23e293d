// Package llm is storybot's model layer: neutral request and response types,
// and (in openai.go) the implementation over any OpenAI-compatible API through
// github.com/sashabaranov/go-openai. The interface a consumer needs is
// declared by that consumer (answer.Model); this package only provides.
package llm

import "context"

// Role of a chat message.
type Role string

const (
	System    Role = "system"
	User      Role = "user"
	Assistant Role = "assistant"
)

// Message is one chat message.
type Message struct {
	Role    Role
	Content string
}

// Request is one chat completion.
type Request struct {
	Messages    []Message
	MaxTokens   int     // 0: the server's default
	Temperature float32 // 0 is sent as 0 (deterministic answers are what we want)
	// JSONSchema, when set, asks for a structured answer (response_format
	// json_schema) with this schema; servers that reject it are retried once
	// without, and the caller parses tolerantly.
	JSONSchema     map[string]any
	JSONSchemaName string
}

// Usage is what a call cost.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Add returns the sum of two usages.
func (u Usage) Add(o Usage) Usage {
	return Usage{PromptTokens: u.PromptTokens + o.PromptTokens, CompletionTokens: u.CompletionTokens + o.CompletionTokens}
}

// Total is prompt plus completion tokens.
func (u Usage) Total() int { return u.PromptTokens + u.CompletionTokens }

// Response is a finished completion.
type Response struct {
	Content      string
	Usage        Usage
	Model        string
	FinishReason string
	// Wasted is what the failed attempts of this call may have cost: the
	// estimated prompt tokens of each attempt that reached the server and
	// was not refused with a 4xx (timeouts, 5xx, streams cut before their
	// first word). Complete and Stream return it with their error too, so a
	// caller can count it against a budget. Not part of Usage, which is the
	// answer's own cost.
	Wasted Usage
}

// DeltaFunc receives streamed text as it arrives. It must not block for long.
type DeltaFunc func(delta string)

// EmbedFunc turns texts into vectors, one per text, in order.
type EmbedFunc func(ctx context.Context, texts []string) ([][]float32, error)
