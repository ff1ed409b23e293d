package answer

import "github.com/storybot/storybot/llm"

// Mode says how an answer was made.
const (
	ModeLLM     = "llm"
	ModeOffline = "offline"
)

// Turn is one earlier message of a conversation (a Discord reply chain).
type Turn struct {
	Role    string `json:"role"` // "user" or "assistant"
	Content string `json:"content"`
}

// Usage is the model tokens an answer cost.
type Usage = llm.Usage

// AskRequest is one question.
type AskRequest struct {
	Question string
	History  []Turn
	// Lang forces the answer language ("de", "en"): the Discord locale or --lang.
	// Empty: the question's language.
	Lang  string
	Story string // a story id; "" searches every loaded story
}

// Citation is a passage an answer rests on, verbatim.
type Citation struct {
	ID      string `json:"id"`
	Story   string `json:"story"`
	Section string `json:"section"`
	Text    string `json:"text"`
}

// Answer is the engine's reply to a question (DESIGN.md "ask" shape).
type Answer struct {
	Question  string     `json:"question"`
	Answer    string     `json:"answer"`
	Language  string     `json:"language"`
	Mode      string     `json:"mode"`
	Citations []Citation `json:"citations"`
	Usage     Usage      `json:"usage"`
	// Note is a one-line remark for the user, e.g. that the token budget is spent
	// and the answer is offline. Empty most of the time.
	Note string `json:"note,omitempty"`
	// Checks says what the grounding checks changed in the model's answer.
	Checks Checks `json:"checks"`
}

// Checks counts what the engine's checks found in a model's answer: the
// citations of passages that do not exist (dropped), and the quotations
// found verbatim in the story or not (shown as paraphrase).
type Checks struct {
	DroppedCitations int `json:"dropped_citations"`
	VerifiedQuotes   int `json:"verified_quotes"`
	UnverifiedQuotes int `json:"unverified_quotes"`
}

// TimelineRequest asks for the dated events of a story.
type TimelineRequest struct {
	Story string
	Lang  string
}

// TimelineEvent is one line of a timeline (DESIGN.md "timeline" shape).
type TimelineEvent struct {
	Date  string `json:"date"`
	Sort  string `json:"sort"`
	Event string `json:"event"`
	ID    string `json:"id"`
}

// Timeline is the dated events in order, undated ones last.
type Timeline struct {
	Events []TimelineEvent `json:"events"`
	Mode   string          `json:"mode"`
	Usage  Usage           `json:"usage"`
	Note   string          `json:"note,omitempty"`
}

// QuoteRequest filters quotations by speaker and ranks them by topic; both optional.
type QuoteRequest struct {
	Story   string
	Speaker string
	Topic   string
	Lang    string
}

// QuoteItem is one quotation (DESIGN.md "quotes" shape). Text is always the
// extractor's verbatim text, never the model's.
type QuoteItem struct {
	Text        string `json:"text"`
	Speaker     string `json:"speaker"`
	ID          string `json:"id"`
	Section     string `json:"section"`
	Context     string `json:"context"`
	Translation string `json:"translation,omitempty"`
}

// Quotes is the reply to a QuoteRequest.
type Quotes struct {
	Quotes []QuoteItem `json:"quotes"`
	Mode   string      `json:"mode"`
	Usage  Usage       `json:"usage"`
	Note   string      `json:"note,omitempty"`
}

// SummaryRequest asks for a summary; Length is "short" (default) or "long".
type SummaryRequest struct {
	Story  string
	Lang   string
	Length string
}

// Summary is the reply to a SummaryRequest (DESIGN.md "summary" shape).
type Summary struct {
	Summary   string     `json:"summary"`
	Citations []Citation `json:"citations"`
	Mode      string     `json:"mode"`
	Usage     Usage      `json:"usage"`
	Note      string     `json:"note,omitempty"`
}

// StoryInfo describes a loaded story (for `stories` and /sources).
type StoryInfo struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Source   string `json:"source"`
	Language string `json:"language"`
	Passages int    `json:"passages"`
	Quotes   int    `json:"quotes"`
	Events   int    `json:"events"`
	Version  string `json:"version"`
}
