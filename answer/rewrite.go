package answer

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/prompts"
)

// Searching in the story's language too. With a model, a question asked in
// another language than the stories' is rewritten by the model into search
// queries in the stories' language, and retrieval fuses the rankings of the
// question and of its rewrite: an English question then finds the German
// passage that shares no word with it. The rewrite is made only where
// retrieval decides what the model sees (the stories in question do not fit
// the context budget whole); a story that fits is given whole anyway.
const (
	// DefaultRewriteTimeout bounds the rewrite call: past it, or when the
	// call fails, the answer goes on with the question alone.
	DefaultRewriteTimeout = 2 * time.Second
	// rewriteMaxTokens: three short lines.
	rewriteMaxTokens = 80
	// rewriteMaxLines and rewriteMaxLineBytes bound what is taken of the
	// reply, whatever the model writes.
	rewriteMaxLines     = 3
	rewriteMaxLineBytes = 200
	// rewriteCacheSize bounds the cache of rewrites (question → queries).
	rewriteCacheSize = 1024
)

// searchQueries returns the phrasings retrieval ranks for question q (with
// its conversation already added, in rq): rq itself, and its rewrite into
// the stories' language when the model should make one.
func (e *Engine) searchQueries(ctx context.Context, rq, q, story string) []string {
	lang := e.storyLanguage(story)
	if e.model == nil || knowledge.DetectLanguage(q) == lang || e.fitsContext(story) {
		return []string{rq}
	}
	lines, ok := e.rewrites.get(lang, q)
	if !ok {
		var err error
		lines, err = e.rewrite(ctx, q, lang)
		if err != nil {
			// A spent budget is no failure: the answer goes offline anyway.
			if ctx.Err() == nil && !errors.Is(err, errBudgetSpent) {
				e.log.Warn("rewriting the question for retrieval failed; searching with the question alone", "err", err)
			}
			return []string{rq}
		}
		e.rewrites.put(lang, q, lines)
	}
	if len(lines) == 0 {
		return []string{rq}
	}
	return []string{rq, strings.Join(lines, "\n")}
}

// rewrite asks the model for q as search queries in lang, within the
// rewrite bound.
func (e *Engine) rewrite(ctx context.Context, q, lang string) ([]string, error) {
	timeout := e.opts.RewriteTimeout
	if timeout <= 0 {
		timeout = DefaultRewriteTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	p, err := prompts.Render(prompts.Rewrite, prompts.Input{StoryLang: languageName(lang), StoryLangCode: lang, Question: q})
	if err != nil {
		return nil, err
	}
	resp, err := e.callModel(ctx, p, llm.Request{MaxTokens: rewriteMaxTokens}, nil)
	if err != nil {
		return nil, err
	}
	return queryLines(resp.Content), nil
}

// queryLines reads the model's reply: one query a line, list marks and
// quotation marks dropped, at most rewriteMaxLines of at most
// rewriteMaxLineBytes.
func queryLines(reply string) []string {
	var out []string
	for _, l := range strings.Split(reply, "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimLeft(l, "-*•0123456789.) ")
		l = strings.Trim(l, "\"'“”„‚‘’«»` ")
		if l == "" {
			continue
		}
		out = append(out, truncate(l, rewriteMaxLineBytes))
		if len(out) == rewriteMaxLines {
			break
		}
	}
	return out
}

// storyLanguage is the language of story, or the one most loaded stories
// are written in when story is "".
func (e *Engine) storyLanguage(story string) string {
	if s := e.byID[story]; s != nil {
		return s.Language
	}
	count := map[string]int{}
	best := e.stories[0].Language
	for _, s := range e.stories {
		count[s.Language]++
		if count[s.Language] > count[best] {
			best = s.Language
		}
	}
	return best
}

// fitsContext reports whether story (every story for "") fits the context
// budget whole, so that retrieval does not decide what the model sees.
func (e *Engine) fitsContext(story string) bool {
	used := 0
	for _, s := range e.stories {
		if story != "" && s.ID != story {
			continue
		}
		for _, p := range s.Passages {
			used += knowledge.EstimateTokens(p.Text) + 8
			if used > e.opts.ContextTokens {
				return false
			}
		}
	}
	return true
}

// rewriteCache keeps rewrites in memory, at most rewriteCacheSize, the
// oldest dropped first. The zero value is ready to use.
type rewriteCache struct {
	mu    sync.Mutex
	m     map[string][]string
	order []string
}

func (c *rewriteCache) get(lang, q string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[lang+"\x00"+q]
	return v, ok
}

func (c *rewriteCache) put(lang, q string, lines []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := lang + "\x00" + q
	if c.m == nil {
		c.m = map[string][]string{}
	}
	if _, ok := c.m[key]; ok {
		return
	}
	if len(c.order) >= rewriteCacheSize {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[key] = lines
	c.order = append(c.order, key)
}

func (c *rewriteCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
