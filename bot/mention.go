package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/fault"
)

// onMessage answers a message that mentions the bot, or replies to one of
// its answers, like /ask; the reply chain is the conversation's history.
func (b *Bot) onMessage(_ *discordgo.Session, mc *discordgo.MessageCreate) {
	defer b.guard("message")
	m := mc.Message
	self, _ := b.selfID.Load().(string)
	if m == nil || m.Author == nil || m.Author.Bot || self == "" || m.Author.ID == self {
		return // bots, ourselves included, are never answered
	}
	mentioned := slices.ContainsFunc(m.Mentions, func(u *discordgo.User) bool { return u != nil && u.ID == self })
	replyToUs := m.ReferencedMessage != nil && m.ReferencedMessage.Author != nil && m.ReferencedMessage.Author.ID == self
	if !mentioned && !replyToUs {
		return
	}
	question := stripMention(m.Content, self)
	if question == "" && !mentioned {
		return // a reply without content (we lack the message-content intent for it)
	}
	if b.checkAllowed(m.GuildID, m.ChannelID) != nil {
		b.log.Debug("ignoring a mention outside the allowed guilds or channels", "guild_id", m.GuildID, "channel_id", m.ChannelID)
		return
	}
	if !b.begin() {
		return
	}
	defer b.end()
	ctx, cancel := context.WithTimeout(b.work, interactionTimeout)
	defer cancel()
	t := &replyTarget{b: b, channelID: m.ChannelID, guildID: m.GuildID, replyTo: m.ID}
	err := recoverPanic(func() error { return b.answerMessage(ctx, m, question, t) })
	switch {
	case cutByShutdown(ctx, err):
		err = b.endCutMention(ctx, m, question, t, err)
	case err != nil:
		b.reportMessageError(ctx, m, question, t, err)
	}
	b.metrics.interactions.WithLabelValues("mention", outcome(err)).Inc()
}

func (b *Bot) answerMessage(ctx context.Context, m *discordgo.Message, question string, t *replyTarget) error {
	if question == "" {
		return &notice{kind: fault.Invalid, reason: "invalid", msg: txtEmptyQuestion}
	}
	if err := checkQuestionLength(question); err != nil {
		return err
	}
	return b.admitted(m.Author.ID, func() error {
		history := b.history(ctx, m)
		if err := t.start(ctx, txtThinking.in(guessLang(question))); err != nil {
			return fmt.Errorf("post placeholder: %w", err)
		}
		req := answer.AskRequest{Question: question, History: history}
		return b.streamAnswer(ctx, t, req, "", "", "mention")
	})
}

// reportMessageError is reportError for mentions: there is no ephemeral
// message, so the explanation replaces the placeholder (or replies).
func (b *Bot) reportMessageError(ctx context.Context, m *discordgo.Message, question string, t *replyTarget, err error) {
	id := newErrorID()
	b.logFailure(ctx, err, id, "mention failed", "message_id", m.ID, "user_id", m.Author.ID, "guild_id", m.GuildID, "channel_id", m.ChannelID)
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
	}
	text := userMessage(err, guessLang(question), id)
	var derr error
	if t.first != "" {
		derr = t.progress(ctx, text)
	} else {
		derr = t.start(ctx, text)
	}
	if derr != nil {
		b.log.Warn("could not tell the user about an error", "err_id", id, "err", b.scrub(derr.Error()))
	}
}

// replyTarget writes an answer as replies to a message.
type replyTarget struct {
	b                           *Bot
	channelID, guildID, replyTo string
	first                       string // the placeholder, edited as the answer grows
}

func (t *replyTarget) send(ctx context.Context, content, replyTo string, components []discordgo.MessageComponent) (*discordgo.Message, error) {
	return t.b.session.ChannelMessageSendComplex(t.channelID, &discordgo.MessageSend{
		Content:         content,
		Components:      components,
		AllowedMentions: noMentions(),
		Flags:           textFlags(0),
		Reference:       &discordgo.MessageReference{MessageID: replyTo, ChannelID: t.channelID, GuildID: t.guildID},
	}, discordgo.WithContext(ctx))
}

func (t *replyTarget) start(ctx context.Context, content string) error {
	msg, err := t.send(ctx, content, t.replyTo, nil)
	if err != nil {
		return err
	}
	t.first = msg.ID
	return nil
}

func (t *replyTarget) edit(ctx context.Context, id, content string, components *[]discordgo.MessageComponent) error {
	_, err := t.b.session.ChannelMessageEditComplex(&discordgo.MessageEdit{
		ID: id, Channel: t.channelID, Content: &content, Components: components, AllowedMentions: noMentions(), Flags: textFlags(0),
	}, discordgo.WithContext(ctx))
	return err
}

func (t *replyTarget) progress(ctx context.Context, content string) error {
	return t.edit(ctx, t.first, content, nil)
}

// finish edits the placeholder into the first part; each further part
// replies to the one before, so a reply to any part finds the whole
// answer in its chain.
func (t *replyTarget) finish(ctx context.Context, parts []string, components []discordgo.MessageComponent) error {
	if len(parts) == 0 {
		parts = []string{"…"}
	}
	prev := t.first
	for i, p := range parts {
		last := i == len(parts)-1
		if i == 0 {
			var comps *[]discordgo.MessageComponent
			if last {
				comps = &components
			}
			if err := t.edit(ctx, t.first, p, comps); err != nil {
				return fmt.Errorf("part 1 of %d: %w", len(parts), err)
			}
			continue
		}
		var comps []discordgo.MessageComponent
		if last {
			comps = components
		}
		msg, err := t.send(ctx, p, prev, comps)
		if err != nil {
			return fmt.Errorf("part %d of %d: %w", i+1, len(parts), err)
		}
		prev = msg.ID
	}
	return nil
}

// history rebuilds the conversation from the reply chain, oldest first:
// at most ConversationDepth messages, fetched over REST (no database).
// The bot's messages are the assistant's turns; an /ask answer's leading
// "> question" line is the user's turn before it.
func (b *Bot) history(ctx context.Context, m *discordgo.Message) []answer.Turn {
	depth := b.opts.ConversationDepth
	if depth <= 0 {
		return nil
	}
	self, _ := b.selfID.Load().(string)
	var newestFirst []answer.Turn
	seen := map[string]bool{m.ID: true}
	ref := m.ReferencedMessage
	next := m.MessageReference
	for fetched := 0; fetched < depth; fetched++ {
		if ref == nil {
			if next == nil || next.MessageID == "" || seen[next.MessageID] {
				break
			}
			channel := next.ChannelID
			if channel == "" {
				channel = m.ChannelID
			}
			msg, err := b.session.ChannelMessage(channel, next.MessageID, discordgo.WithContext(ctx))
			if err != nil {
				b.log.Debug("reply chain ends: cannot fetch message", "message_id", next.MessageID, "err", b.scrub(err.Error()))
				break
			}
			ref = msg
		}
		if seen[ref.ID] && ref.ID != "" {
			break
		}
		seen[ref.ID] = true
		newestFirst = append(newestFirst, turnsOf(ref, self)...)
		next, ref = ref.MessageReference, nil
	}
	slices.Reverse(newestFirst)
	if len(newestFirst) > depth {
		newestFirst = newestFirst[len(newestFirst)-depth:]
	}
	return newestFirst
}

// turnsOf turns one message of a reply chain into history turns, newest first.
func turnsOf(msg *discordgo.Message, self string) []answer.Turn {
	if msg.Author != nil && msg.Author.ID == self {
		question, reply := splitBotMessage(msg.Content)
		var out []answer.Turn
		if reply != "" {
			out = append(out, answer.Turn{Role: "assistant", Content: reply})
		}
		if question != "" {
			out = append(out, answer.Turn{Role: "user", Content: question})
		}
		return out
	}
	if text := stripMention(msg.Content, self); text != "" {
		return []answer.Turn{{Role: "user", Content: text}}
	}
	return nil
}

// splitBotMessage separates one of the bot's messages into the quoted
// question it starts with (if any) and the answer, without the small
// print (sources line, notes, error ids).
func splitBotMessage(content string) (question, reply string) {
	lines := strings.Split(content, "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "> ") {
		question = strings.TrimSpace(strings.TrimPrefix(lines[0], "> "))
		lines = lines[1:]
	}
	kept := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(l, "-# ") {
			continue
		}
		kept = append(kept, l)
	}
	reply = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(strings.Join(kept, "\n")), "…"))
	return question, reply
}

// stripMention removes mentions of the bot from a message.
func stripMention(content, self string) string {
	if self != "" {
		content = strings.ReplaceAll(content, "<@"+self+">", "")
		content = strings.ReplaceAll(content, "<@!"+self+">", "")
	}
	return strings.TrimSpace(content)
}
