package prompts

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
	"text/template/parse"
)

//go:embed *.tmpl
var files embed.FS

// templates are the templates the files define ("answer.system", …),
// parsed once (see render.go).
var templates = func() map[string]*parse.Tree {
	ts, err := parseTemplates(files)
	if err != nil {
		panic("prompts: " + err.Error())
	}
	return ts
}()

// Task names a template file without its extension.
type Task string

const (
	Answer   Task = "answer"
	Timeline Task = "timeline"
	Summary  Task = "summary"
	Quote    Task = "quote"
	// SummaryMerge joins the summaries of a long story's parts into one.
	SummaryMerge Task = "summary_merge"
	// Rewrite turns a question into search queries in the story's language.
	Rewrite Task = "rewrite"
)

// Passage is one passage as the model sees it: under its reference label.
type Passage struct {
	Ref     string // what the model cites, e.g. "§3"
	Story   string // the story's title
	Section string
	Text    string
}

// Turn is one earlier message of a conversation.
type Turn struct {
	Role    string // "user" or "assistant"
	Content string
}

// QuoteItem is a quotation the model is asked to put in context.
type QuoteItem struct {
	Ref     string
	Speaker string
	Text    string
	Context string
}

// Input is everything a template may use; each task uses a part of it.
type Input struct {
	Language      string // "English", "German": the language to answer in
	LanguageCode  string // "en", "de"
	StoryLang     string // the language of the story text, e.g. "German"
	StoryLangCode string // "de", "en"
	Passages      []Passage
	History       []Turn
	Question      string
	Length        string // summary: "short" or "long"
	Quotes        []QuoteItem
	Sections      int // summary: how many sections the story has
	// Part and Parts: the passages are part Part of Parts of a story too long
	// for one prompt (summary); 0 when the story is given whole.
	Part, Parts int
	// Summaries are the parts' summaries, in order (summary_merge).
	Summaries []string
}

// Prompt is a rendered prompt: the instructions and the data, kept apart as
// the system and the user message.
type Prompt struct {
	System string
	User   string
}

// Render renders the template of task with in.
func Render(task Task, in Input) (Prompt, error) {
	var p Prompt
	for _, part := range []struct {
		name string
		out  *string
	}{{"system", &p.System}, {"user", &p.User}} {
		t := templates[string(task)+"."+part.name]
		if t == nil {
			return Prompt{}, fmt.Errorf("render %s prompt: no template %s.%s", task, task, part.name)
		}
		var b strings.Builder
		if err := execute(&b, t, in); err != nil {
			return Prompt{}, fmt.Errorf("render %s prompt: %w", task, err)
		}
		s := b.String()
		if strings.Contains(s, "\n\n\n") { // what collapseBlank matches; the regexp costs
			s = collapseBlank.ReplaceAllString(s, "\n\n")
		}
		*part.out = strings.TrimSpace(s) + "\n"
	}
	return p, nil
}

var collapseBlank = regexp.MustCompile(`\n{3,}`)

// blockTag matches anything that looks like one of our block tags, opening
// or closing, in any case and spacing: <question>, </ passage >, <HISTORY ...>.
var blockTag = regexp.MustCompile(`(?i)<\s*/?\s*(passages?|question|history|turn|quotes?|instructions?|system|summar(?:y|ies))\b[^>]*>`)

// Data makes a string safe to place inside a tagged data block: block tags
// in it are defused (their angle brackets replaced), so it cannot end its
// block early or open a new one.
func Data(s string) string {
	if !strings.Contains(s, "<") {
		return s // no tag without '<': most passages, and the regexp costs
	}
	return blockTag.ReplaceAllStringFunc(s, func(m string) string {
		return "‹" + strings.Trim(m, "<>") + "›"
	})
}
