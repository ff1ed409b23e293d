package bot

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/fault"
)

// errShutdownCut is the cause of the work context's end when answers in
// progress outlive ShutdownTimeout. A handler's error under it is a cut
// answer, not a failure of the model or of Discord.
var errShutdownCut = errors.New("bot: shutting down: SHUTDOWN_TIMEOUT passed")

// cutReportWait bounds how long shutdown waits, after cutting answers
// short, for them to tell their users (each gets reportWait for that).
const (
	reportWait    = 5 * time.Second
	cutReportWait = reportWait + time.Second
)

// The note that ends an answer the shutdown cut short.
var txtCutShort = text{
	"The bot is restarting; this answer was cut short. Please ask again.",
	"Der Bot startet neu; diese Antwort wurde abgebrochen. Bitte frag noch einmal.",
}

// begin registers one unit of work (an interaction or a message); false
// means the bot is shutting down.
func (b *Bot) begin() bool {
	b.flightMu.Lock()
	defer b.flightMu.Unlock()
	if b.closing {
		return false
	}
	b.inFlight++
	return true
}

func (b *Bot) end() {
	b.flightMu.Lock()
	defer b.flightMu.Unlock()
	b.inFlight--
	if b.closing && b.inFlight == 0 {
		select {
		case <-b.idle:
		default:
			close(b.idle)
		}
	}
}

func (b *Bot) isClosing() bool {
	b.flightMu.Lock()
	defer b.flightMu.Unlock()
	return b.closing
}

func (b *Bot) inFlightCount() int {
	b.flightMu.Lock()
	defer b.flightMu.Unlock()
	return b.inFlight
}

// shutdown stops taking new work and waits up to ShutdownTimeout for the
// work in progress. What is left then is cancelled with errShutdownCut,
// and shutdown waits (up to cutReportWait) until each cut answer has told
// its user, so the process does not exit in the middle of that.
func (b *Bot) shutdown() {
	b.flightMu.Lock()
	if !b.closing {
		b.closing = true
		close(b.closed)
		if b.inFlight == 0 {
			close(b.idle)
		}
	}
	n := b.inFlight
	b.flightMu.Unlock()
	if n > 0 {
		b.log.Info("shutting down; waiting for answers in progress", "in_flight", n, "timeout", b.opts.ShutdownTimeout)
	}
	select {
	case <-b.idle:
	case <-b.clock.After(b.opts.ShutdownTimeout):
		b.log.Warn("shutdown timeout; cutting answers in progress short", "in_flight", b.inFlightCount(), "timeout", b.opts.ShutdownTimeout)
		b.cancelWork(errShutdownCut)
		select {
		case <-b.idle:
		case <-b.clock.After(cutReportWait):
			b.log.Warn("answers cut short did not finish telling their users", "in_flight", b.inFlightCount())
		}
	}
	b.cancelWork(errShutdownCut)
}

// cutByShutdown reports whether a handler's failure comes from the
// shutdown cancelling its work (whatever error the engine made of that).
func cutByShutdown(ctx context.Context, err error) bool {
	return err != nil && errors.Is(context.Cause(ctx), errShutdownCut)
}

// cutNotice is what a cut answer counts as: outcome "shutdown".
func cutNotice() error {
	return &notice{kind: fault.Unavailable, reason: "shutdown", msg: txtCutShort}
}

// endCutInteraction ends an interaction whose answer the shutdown cut
// short: the answer so far stays where it is and ends with txtCutShort (an
// ephemeral note when nothing was shown yet). It logs at warn and returns
// the error to count.
func (b *Bot) endCutInteraction(ctx context.Context, ix *interaction, err error) error {
	b.log.Warn("answer cut short by shutdown", "command", ix.command, "interaction_id", ix.ID, "user_id", ix.userID(),
		"guild_id", ix.GuildID, "channel_id", ix.ChannelID, "err", b.scrub(err.Error()))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportWait)
	defer cancel()
	note := txtCutShort.in(ix.lang)
	var derr error
	switch ix.ackState() {
	case ackDeferred, ackDeferredEphemeral:
		shown := ""
		if m, gerr := b.session.InteractionResponse(ix.Interaction, discordgo.WithContext(ctx)); gerr == nil {
			shown = m.Content
		}
		content := cutContent(shown, note)
		derr = ix.editOriginal(ctx, &discordgo.WebhookEdit{Content: &content})
	default:
		derr = ix.replyPrivately(ctx, note)
	}
	if derr != nil {
		b.log.Warn("could not tell the user the answer was cut short", "interaction_id", ix.ID, "err", b.scrub(derr.Error()))
	}
	return cutNotice()
}

// endCutMention is endCutInteraction for a mention: the placeholder (or
// the answer so far) ends with txtCutShort.
func (b *Bot) endCutMention(ctx context.Context, m *discordgo.Message, question string, t *replyTarget, err error) error {
	b.log.Warn("answer cut short by shutdown", "command", "mention", "message_id", m.ID, "user_id", m.Author.ID,
		"guild_id", m.GuildID, "channel_id", m.ChannelID, "err", b.scrub(err.Error()))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reportWait)
	defer cancel()
	lang := guessLang(question)
	var derr error
	if t.first == "" {
		derr = t.start(ctx, txtCutShort.in(lang))
	} else {
		shown := ""
		if msg, gerr := b.session.ChannelMessage(t.channelID, t.first, discordgo.WithContext(ctx)); gerr == nil {
			shown = msg.Content
		}
		if shown == txtThinking.in(langEN) || shown == txtThinking.in(langDE) {
			shown = ""
		}
		derr = t.progress(ctx, cutContent(shown, txtCutShort.in(lang)))
	}
	if derr != nil {
		b.log.Warn("could not tell the user the answer was cut short", "message_id", m.ID, "err", b.scrub(derr.Error()))
	}
	return cutNotice()
}

// cutContent is the answer shown so far (its progress ellipsis kept, its
// beginning kept when it must shrink) followed by note, within one
// message.
func cutContent(shown, note string) string {
	shown = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(shown), "…"))
	if shown == "" {
		return note
	}
	room := maxContent - utf8.RuneCountInString(note) - len(" …\n\n")
	if utf8.RuneCountInString(shown) > room {
		r := []rune(shown)
		shown = strings.TrimSpace(string(r[:room]))
	}
	return shown + " …\n\n" + note
}
