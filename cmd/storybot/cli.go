package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
)

// cli runs the one-shot commands.
type cli struct {
	cfg    Config
	stdout io.Writer
	stderr io.Writer
}

// commonFlags are the flags most commands share.
type commonFlags struct {
	json  bool
	lang  string
	story string
}

func (f *commonFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
	fs.StringVar(&f.lang, "lang", "", "answer language (de, en, ...); default: the question's")
	fs.StringVar(&f.story, "story", "", "story id, when several are loaded")
}

// cliLogger keeps the command line's stderr to the one error line: logs are
// shown only with LOG_LEVEL=debug.
func (c *cli) logger() *slog.Logger {
	if strings.EqualFold(c.cfg.LogLevel, "debug") {
		if l, err := newLogger(c.cfg, c.stderr); err == nil {
			return l
		}
	}
	return slog.New(slog.DiscardHandler)
}

// engine loads the stories and wires the model (when one is configured).
func (c *cli) engine(ctx context.Context, log *slog.Logger, extra ...func(*answer.Options)) (*answer.Engine, error) {
	stories, err := knowledge.LoadContext(ctx, c.cfg.StoryPath)
	if err != nil {
		return nil, err
	}
	opts := answer.Options{
		Stories:          stories,
		CacheDir:         c.cfg.CacheDir,
		DailyTokenBudget: c.cfg.LLMDailyTokenBudget,
		Logger:           log,
	}
	if c.cfg.Online() {
		client, err := llm.New(llm.Options{
			APIKey:         c.cfg.OpenAIAPIKey,
			BaseURL:        c.cfg.BaseURL(),
			APIType:        c.cfg.OpenAIAPIType,
			APIVersion:     c.cfg.OpenAIAPIVersion,
			Model:          c.cfg.OpenAIModel,
			EmbeddingModel: c.cfg.OpenAIEmbeddingModel,
			Timeout:        c.cfg.LLMTimeout,
			MaxRetries:     c.cfg.LLMMaxRetries,
			CacheDir:       c.cfg.CacheDir,
			Logger:         log,
		})
		if err != nil {
			return nil, err
		}
		opts.Model = client
		if c.cfg.OpenAIEmbeddingModel != "" {
			opts.Embed = client.Embed             // passages: cached on disk
			opts.EmbedQuery = client.EmbedQueries // questions: not cached
		}
	}
	for _, f := range extra {
		f(&opts)
	}
	return answer.New(ctx, opts)
}

func (c *cli) print(asJSON bool, v any, text func(w io.Writer)) error {
	if asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	text(c.stdout)
	return nil
}

func (c *cli) ask(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	var f commonFlags
	f.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(pos, " "))
	if question == "" {
		return usagef("ask needs a question, e.g. storybot ask \"When did Altman reserve the Roadster?\"")
	}
	e, err := c.engine(ctx, c.logger())
	if err != nil {
		return err
	}
	a, err := e.Ask(ctx, answer.AskRequest{Question: question, Lang: f.lang, Story: f.story}, nil)
	if err != nil {
		return err
	}
	return c.print(f.json, a, func(w io.Writer) {
		fmt.Fprintln(w, a.Answer)
		printCitations(w, a.Citations, a.Language)
		if a.Note != "" {
			fmt.Fprintf(w, "\n(%s)\n", a.Note)
		}
	})
}

func printCitations(w io.Writer, cs []answer.Citation, lang string) {
	if len(cs) == 0 {
		return
	}
	label := "Sources"
	if lang == "de" {
		label = "Quellen"
	}
	fmt.Fprintf(w, "\n%s:\n", label)
	for _, c := range cs {
		head := c.ID
		if c.Section != "" {
			head += " · " + c.Section
		}
		fmt.Fprintf(w, "  [%s]\n    %s\n", head, c.Text)
	}
}

func (c *cli) search(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	var f commonFlags
	f.register(fs)
	k := fs.Int("k", 5, "how many passages")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(pos, " "))
	if question == "" {
		return usagef("search needs a question")
	}
	if *k < 1 || *k > 100 {
		return usagef("-k must be between 1 and 100")
	}
	e, err := c.engine(ctx, c.logger())
	if err != nil {
		return err
	}
	res, err := e.Search(ctx, question, *k, f.story)
	if err != nil {
		return err
	}
	type result struct {
		ID      string  `json:"id"`
		Story   string  `json:"story"`
		Section string  `json:"section"`
		Score   float64 `json:"score"`
		Text    string  `json:"text"`
	}
	out := struct {
		Question string   `json:"question"`
		Results  []result `json:"results"`
	}{Question: question, Results: []result{}}
	for _, r := range res {
		out.Results = append(out.Results, result{r.Passage.ID, r.Passage.Story, r.Passage.Section, r.Score, r.Passage.Text})
	}
	return c.print(f.json, out, func(w io.Writer) {
		for i, r := range out.Results {
			fmt.Fprintf(w, "%d. %s  %.4f  %s\n   %s\n", i+1, r.ID, r.Score, r.Section, r.Text)
		}
	})
}

func (c *cli) quotes(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("quotes", flag.ContinueOnError)
	var f commonFlags
	f.register(fs)
	speaker := fs.String("speaker", "", "only this speaker's quotations (first or last name)")
	topic := fs.String("topic", "", "rank quotations by this topic")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	e, err := c.engine(ctx, c.logger())
	if err != nil {
		return err
	}
	q, err := e.Quotes(ctx, answer.QuoteRequest{Story: f.story, Speaker: *speaker, Topic: *topic, Lang: f.lang})
	if err != nil {
		return err
	}
	return c.print(f.json, q, func(w io.Writer) {
		if len(q.Quotes) == 0 {
			fmt.Fprintln(w, "No quotations found.")
		}
		for i, it := range q.Quotes {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "„%s“\n  — %s [%s]\n", it.Text, it.Speaker, it.ID)
			if it.Translation != "" {
				fmt.Fprintf(w, "  (%s)\n", it.Translation)
			}
			if it.Context != "" && q.Mode == answer.ModeLLM {
				fmt.Fprintf(w, "  %s\n", it.Context)
			}
		}
		if q.Note != "" {
			fmt.Fprintf(w, "\n(%s)\n", q.Note)
		}
	})
}

func (c *cli) timeline(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("timeline", flag.ContinueOnError)
	var f commonFlags
	f.register(fs)
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	e, err := c.engine(ctx, c.logger())
	if err != nil {
		return err
	}
	t, err := e.Timeline(ctx, answer.TimelineRequest{Story: f.story, Lang: f.lang})
	if err != nil {
		return err
	}
	return c.print(f.json, t, func(w io.Writer) {
		width := 0
		for _, ev := range t.Events {
			width = max(width, utf8.RuneCountInString(ev.Date))
		}
		for _, ev := range t.Events {
			pad := strings.Repeat(" ", width-utf8.RuneCountInString(ev.Date))
			fmt.Fprintf(w, "%s%s  %s [%s]\n", ev.Date, pad, ev.Event, ev.ID)
		}
		if t.Note != "" {
			fmt.Fprintf(w, "\n(%s)\n", t.Note)
		}
	})
}

func (c *cli) summary(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("summary", flag.ContinueOnError)
	var f commonFlags
	f.register(fs)
	length := fs.String("length", "short", "short or long")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	if *length != "short" && *length != "long" {
		return usagef("--length must be short or long, not %q", *length)
	}
	e, err := c.engine(ctx, c.logger())
	if err != nil {
		return err
	}
	s, err := e.Summary(ctx, answer.SummaryRequest{Story: f.story, Lang: f.lang, Length: *length})
	if err != nil {
		return err
	}
	return c.print(f.json, s, func(w io.Writer) {
		fmt.Fprintln(w, s.Summary)
		if s.Note != "" {
			fmt.Fprintf(w, "\n(%s)\n", s.Note)
		}
	})
}

func (c *cli) stories(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("stories", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseNoArgs(fs, args); err != nil {
		return err
	}
	stories, err := knowledge.LoadContext(ctx, c.cfg.StoryPath)
	if err != nil {
		return err
	}
	var infos []answer.StoryInfo
	for _, s := range stories {
		infos = append(infos, answer.Describe(s))
	}
	out := struct {
		Stories []answer.StoryInfo `json:"stories"`
	}{infos}
	return c.print(*asJSON, out, func(w io.Writer) {
		for _, s := range infos {
			fmt.Fprintf(w, "%s  %s\n  %s · %d passages · %d quotations · %d dated statements · %s\n", s.ID, s.Title, s.Language, s.Passages, s.Quotes, s.Events, s.Source)
		}
	})
}
