// Package answer is storybot's engine: it answers questions, builds timelines,
// finds quotations and writes summaries about the loaded stories, with a model
// (any OpenAI-compatible API, through the Model interface declared here) or
// without one (offline mode, from the text alone). The CLI and the Discord bot
// both use an *Engine.
package answer
