package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/fault"
)

// handleAsk answers /ask: admit, acknowledge, stream, finish.
func (b *Bot) handleAsk(ctx context.Context, ix *interaction) error {
	opts := optionValues(ix.ApplicationCommandData().Options)
	question := strings.TrimSpace(opts[optQuestion])
	if question == "" {
		return &notice{kind: fault.Invalid, reason: "invalid", msg: txtEmptyQuestion}
	}
	if err := checkQuestionLength(question); err != nil {
		return err
	}
	return b.admitted(ix.userID(), func() error {
		if err := ix.deferReply(ctx, false); err != nil {
			return fmt.Errorf("acknowledge /ask: %w", err)
		}
		req := answer.AskRequest{Question: question, Lang: ix.lang, Story: opts[optStory]}
		return b.streamAnswer(ctx, &interactionTarget{ix: ix}, req, questionQuote(question), ix.lang, cmdAsk)
	})
}

// checkQuestionLength refuses a question longer than the engine takes,
// in characters as the engine counts them, before the question costs the
// user anything of their rate limit.
func checkQuestionLength(q string) error {
	if n := utf8.RuneCountInString(q); n > answer.MaxQuestionChars {
		return fault.Keyed(fault.Invalid, "question_too_long", "the question is too long (%d characters, at most %d)", n, answer.MaxQuestionChars)
	}
	return nil
}

// messageTarget is where a streamed answer is written: an interaction's
// original response, or a reply to a message that mentioned the bot.
type messageTarget interface {
	// progress shows the answer so far in the first message.
	progress(ctx context.Context, content string) error
	// finish writes the final parts: the first replaces the first message,
	// the rest are new messages; components go on the last one.
	finish(ctx context.Context, parts []string, components []discordgo.MessageComponent) error
}

// streamAnswer asks the engine and writes its answer to t as it grows
// (throttled by EditInterval), then the final, split answer with its
// sources line and button. prefix (the quoted question) heads the first
// message; uiLang ("" = the answer's language) is the language of the
// bot's own words.
func (b *Bot) streamAnswer(ctx context.Context, t messageTarget, req answer.AskRequest, prefix, uiLang, command string) error {
	start := time.Now()
	editor := newStreamEditor(ctx, b.opts.EditInterval, b.clock,
		func(ctx context.Context, text string) error { return t.progress(ctx, b.renderProgress(prefix, text)) },
		func(err error) { b.log.Debug("progress edit failed", "err", b.scrub(err.Error())) })

	var mu sync.Mutex
	var sofar strings.Builder
	ans, err := b.ans.Ask(ctx, req, func(delta string) {
		mu.Lock()
		// Progress shows the first message only: what the model sends
		// past a few messages' worth is not kept (it may send megabytes).
		if sofar.Len() < maxStreamBytes {
			sofar.WriteString(delta)
		}
		text := sofar.String()
		mu.Unlock()
		editor.Update(text)
	})
	if err != nil {
		editor.Stop()
		return err
	}
	b.countUsage(ans.Usage)
	lang := uiLang
	if lang == "" {
		lang = answerLang(ans.Language)
	}
	body := prefix + ans.Answer
	parts, components := renderWithSources(body, ans.Note, ans.Citations, lang)
	if err := editor.Final(ctx, func(ctx context.Context) error { return t.finish(ctx, parts, components) }); err != nil {
		return fmt.Errorf("write answer: %w", err)
	}
	b.metrics.answerLatency.WithLabelValues(command).Observe(time.Since(start).Seconds())
	return nil
}

func (b *Bot) countUsage(u answer.Usage) {
	if u.PromptTokens > 0 {
		b.metrics.tokens.WithLabelValues("prompt").Add(float64(u.PromptTokens))
	}
	if u.CompletionTokens > 0 {
		b.metrics.tokens.WithLabelValues("completion").Add(float64(u.CompletionTokens))
	}
}

// answerLang is the language of the bot's own words around an answer:
// the answer's language (text.in falls back to English when it has no
// table for it), English when the engine did not say.
func answerLang(l string) string {
	if l = baseLang(strings.TrimSpace(l)); l != "" {
		return l
	}
	return langEN
}

// maxStreamBytes is how much of a streamed answer is kept for progress
// edits: more than the first message can show, in any script.
const maxStreamBytes = 4 * maxContent * utf8.UTFMax

// interactionTarget writes to an interaction's original response and its follow-ups.
type interactionTarget struct{ ix *interaction }

func (t *interactionTarget) progress(ctx context.Context, content string) error {
	return t.ix.editOriginal(ctx, &discordgo.WebhookEdit{Content: &content})
}

func (t *interactionTarget) finish(ctx context.Context, parts []string, components []discordgo.MessageComponent) error {
	if len(parts) == 0 {
		parts = []string{"…"}
	}
	for i, p := range parts {
		last := i == len(parts)-1
		var err error
		if i == 0 {
			edit := &discordgo.WebhookEdit{Content: &p}
			if last {
				edit.Components = &components
			}
			err = t.ix.editOriginal(ctx, edit)
		} else {
			params := &discordgo.WebhookParams{Content: p}
			if last {
				params.Components = components
			}
			err = t.ix.followup(ctx, params)
		}
		if err != nil {
			return fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
		}
	}
	return nil
}

// optionValues flattens the string options of a command.
func optionValues(opts []*discordgo.ApplicationCommandInteractionDataOption) map[string]string {
	m := make(map[string]string, len(opts))
	for _, o := range opts {
		if o == nil {
			continue
		}
		if s, ok := o.Value.(string); ok {
			m[o.Name] = s
		} else if o.Value != nil {
			m[o.Name] = fmt.Sprint(o.Value)
		}
	}
	return m
}
