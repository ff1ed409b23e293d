// Package answer is storybot's engine: it answers questions, builds timelines,
// finds quotations and writes summaries about the loaded stories, with a model
// (any OpenAI-compatible API, through the Model interface declared here) or
// without one (offline mode, from the text alone). The CLI and the Discord bot
// both use an *Engine.
//
// What the engine returns is bounded whatever the model writes
// (MaxAnswerChars, MaxTimelineEvents, MaxQuotes, ...): a caller may rely on
// it. Every model call carries a token limit and is reserved against a
// TokenBudget before it is sent; identical timelines, summaries and
// quotation contexts requested at once are computed once through a Flight.
// Both are in-process by default and can be replaced (Options.Budget,
// Options.Flight) by implementations shared between replicas.
package answer
