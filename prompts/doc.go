// Package prompts holds storybot's prompt templates (one embedded file per
// task, in text/template's language) and renders them in one place. They are
// parsed by text/template/parse and run by the package's own executor, which
// gives text/template's output without its run-time method lookups (see
// render.go).
//
// Every template defines two parts: "system", the instructions, and "user",
// the data (story passages, conversation history, the question), each inside
// its own tagged block. Data never becomes instructions: Render strips the
// block tags from every data string, so text in a question or a story that
// tries to close its block and give orders stays inside it.
//
// Rendered prompts are covered by golden files in testdata/ (update them with
// `go test ./prompts -update`).
package prompts
