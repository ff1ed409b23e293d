package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
)

// The content commands other than /ask: admit, acknowledge, ask the
// engine, write the result (split over follow-ups when long).

func (b *Bot) handleTimeline(ctx context.Context, ix *interaction) error {
	opts := optionValues(ix.ApplicationCommandData().Options)
	return b.answerOnce(ctx, ix, cmdTimeline, func(ctx context.Context) ([]string, []discordgo.MessageComponent, error) {
		tl, err := b.ans.Timeline(ctx, answer.TimelineRequest{Story: opts[optStory], Lang: ix.lang})
		if err != nil {
			return nil, nil, err
		}
		b.countUsage(tl.Usage)
		return boundedParts(plainLinks(renderTimeline(tl, ix.lang)), "", maxListMessages, ix.lang), nil, nil
	})
}

func (b *Bot) handleQuote(ctx context.Context, ix *interaction) error {
	opts := optionValues(ix.ApplicationCommandData().Options)
	req := answer.QuoteRequest{Story: opts[optStory], Speaker: strings.TrimSpace(opts[optSpeaker]), Topic: strings.TrimSpace(opts[optTopic]), Lang: ix.lang}
	return b.answerOnce(ctx, ix, cmdQuote, func(ctx context.Context) ([]string, []discordgo.MessageComponent, error) {
		q, err := b.ans.Quotes(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		b.countUsage(q.Usage)
		return boundedParts(plainLinks(renderQuotes(q, req, ix.lang)), "", maxListMessages, ix.lang), nil, nil
	})
}

func (b *Bot) handleSummary(ctx context.Context, ix *interaction) error {
	opts := optionValues(ix.ApplicationCommandData().Options)
	length := opts[optLength]
	if length != "long" {
		length = "short"
	}
	return b.answerOnce(ctx, ix, cmdSummary, func(ctx context.Context) ([]string, []discordgo.MessageComponent, error) {
		s, err := b.ans.Summary(ctx, answer.SummaryRequest{Story: opts[optStory], Lang: ix.lang, Length: length})
		if err != nil {
			return nil, nil, err
		}
		b.countUsage(s.Usage)
		parts, components := renderWithSources("**"+txtSummary.in(ix.lang)+"**\n\n"+s.Summary, s.Note, s.Citations, ix.lang)
		return parts, components, nil
	})
}

// answerOnce is the flow of a command whose result comes in one piece.
func (b *Bot) answerOnce(ctx context.Context, ix *interaction, command string, produce func(context.Context) ([]string, []discordgo.MessageComponent, error)) error {
	return b.admitted(ix.userID(), func() error {
		if err := ix.deferReply(ctx, false); err != nil {
			return fmt.Errorf("acknowledge /%s: %w", command, err)
		}
		start := time.Now()
		parts, components, err := produce(ctx)
		if err != nil {
			return err
		}
		if err := (&interactionTarget{ix: ix}).finish(ctx, parts, components); err != nil {
			return fmt.Errorf("write /%s: %w", command, err)
		}
		b.metrics.answerLatency.WithLabelValues(command).Observe(time.Since(start).Seconds())
		return nil
	})
}

func renderTimeline(tl *answer.Timeline, lang string) string {
	var sb strings.Builder
	sb.WriteString("**" + txtTimeline.in(lang) + "**\n")
	if len(tl.Events) == 0 {
		sb.WriteString(txtNoEvents.in(lang))
	}
	for _, e := range tl.Events {
		date := e.Date
		if date == "" {
			date = txtUndated.in(lang)
		}
		fmt.Fprintf(&sb, "\n**%s** — %s", date, strings.Join(strings.Fields(e.Event), " "))
		if e.ID != "" {
			sb.WriteString(" · " + e.ID)
		}
	}
	if note := strings.Join(strings.Fields(tl.Note), " "); note != "" {
		sb.WriteString("\n-# " + note)
	}
	return sb.String()
}

func renderQuotes(q *answer.Quotes, req answer.QuoteRequest, lang string) string {
	var sb strings.Builder
	sb.WriteString("**" + txtQuotes.in(lang) + "**")
	var filters []string
	if req.Speaker != "" {
		filters = append(filters, req.Speaker)
	}
	if req.Topic != "" {
		filters = append(filters, "„"+req.Topic+"“")
	}
	if len(filters) > 0 {
		sb.WriteString(" · " + strings.Join(filters, " · "))
	}
	sb.WriteString("\n")
	if len(q.Quotes) == 0 {
		sb.WriteString("\n" + txtNoQuotes.in(lang))
	}
	for _, item := range q.Quotes {
		sb.WriteString("\n")
		for _, line := range strings.Split(strings.TrimSpace(item.Text), "\n") {
			sb.WriteString("> " + line + "\n")
		}
		sb.WriteString("— **" + item.Speaker + "**")
		if item.ID != "" {
			sb.WriteString(" · " + item.ID)
		}
		sb.WriteString("\n")
		if t := strings.Join(strings.Fields(item.Translation), " "); t != "" {
			sb.WriteString("-# " + t + "\n")
		}
	}
	if note := strings.Join(strings.Fields(q.Note), " "); note != "" {
		sb.WriteString("-# " + note)
	}
	return sb.String()
}
