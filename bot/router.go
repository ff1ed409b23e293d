package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/fault"
)

// responder sends the initial response to an interaction: a REST callback
// in gateway mode, the HTTP response itself in HTTP mode.
type responder func(ctx context.Context, resp *discordgo.InteractionResponse) error

// ackState is how an interaction has been answered so far.
type ackState int

const (
	ackNone ackState = iota
	ackDeferred
	ackDeferredEphemeral
	ackReplied
)

// interaction is one interaction being handled, with what it takes to
// answer it whatever the mode.
type interaction struct {
	*discordgo.Interaction
	b        *Bot
	lang     string
	received time.Time
	command  string // metrics label
	initial  responder
	// limits holds the rate-limit buckets of this interaction's REST calls
	// (its webhook URLs). Discord limits them per interaction token, and a
	// bucket in the session's limiter would be kept for ever, one per
	// interaction: these go with the interaction.
	limits *discordgo.RateLimiter

	mu    sync.Mutex
	state ackState
}

func (ix *interaction) userID() string {
	if ix.Member != nil && ix.Member.User != nil {
		return ix.Member.User.ID
	}
	if ix.User != nil {
		return ix.User.ID
	}
	return ""
}

// respond sends the initial response; only the first call may.
func (ix *interaction) respond(ctx context.Context, resp *discordgo.InteractionResponse, next ackState) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.state != ackNone {
		return errors.New("interaction already acknowledged")
	}
	err := ix.initial(ctx, resp)
	if err != nil {
		return err
	}
	ix.state = next
	ix.b.metrics.ackLatency.Observe(time.Since(ix.received).Seconds())
	return nil
}

func (ix *interaction) ackState() ackState {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.state
}

// request sends one REST call about this interaction, under its own
// rate-limit buckets (see limits). data nil sends no body.
func (ix *interaction) request(ctx context.Context, method, uri string, data any) ([]byte, error) {
	var body []byte
	if data != nil {
		var err error
		if body, err = discordgo.Marshal(data); err != nil {
			return nil, fmt.Errorf("encode %s request: %w", method, err)
		}
	}
	bucket := ix.limits.LockBucket(strings.SplitN(uri, "?", 2)[0])
	return ix.b.session.RequestWithLockedBucket(method, uri, "application/json", body, bucket, 0, discordgo.WithContext(ctx))
}

// textFlags are the flags of a message the bot writes: a message that
// carries text (a question, an answer, a note) and no embeds of the bot's
// own has embeds suppressed, so that no link in it unfurls into a preview.
func textFlags(embeds int) discordgo.MessageFlags {
	if embeds == 0 {
		return discordgo.MessageFlagsSuppressEmbeds
	}
	return 0
}

// deferReply acknowledges with "thinking…" (type 5); the answer follows by
// editing the original response.
func (ix *interaction) deferReply(ctx context.Context, ephemeral bool) error {
	data := &discordgo.InteractionResponseData{AllowedMentions: noMentions()}
	next := ackDeferred
	if ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
		next = ackDeferredEphemeral
	}
	return ix.respond(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource, Data: data}, next)
}

// reply answers at once with a message (type 4).
func (ix *interaction) reply(ctx context.Context, data *discordgo.InteractionResponseData) error {
	data.AllowedMentions = noMentions()
	data.Flags |= textFlags(len(data.Embeds))
	return ix.respond(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data}, ackReplied)
}

// messageEdit is a webhook message edit with the flags Discord takes on
// an edit (SUPPRESS_EMBEDS); discordgo's WebhookEdit has no such field.
type messageEdit struct {
	*discordgo.WebhookEdit
	Flags discordgo.MessageFlags `json:"flags,omitempty"`
}

// editOriginal replaces the original response (after deferReply or reply).
//
// It does not use Session.InteractionResponseEdit: discordgo files every
// webhook-message edit under one rate-limit bucket ("webhooks//"), so the
// edits of all answers in flight would queue behind each other, one REST
// round trip at a time. Discord limits these edits per interaction token,
// and so does this call: its bucket is the message's own URL, in the
// interaction's own limiter.
func (ix *interaction) editOriginal(ctx context.Context, edit *discordgo.WebhookEdit) error {
	edit.AllowedMentions = noMentions()
	embeds := 0
	if edit.Embeds != nil {
		embeds = len(*edit.Embeds)
	}
	uri := discordgo.EndpointWebhookMessage(ix.AppID, ix.Token, "@original")
	_, err := ix.request(ctx, http.MethodPatch, uri, messageEdit{WebhookEdit: edit, Flags: textFlags(embeds)})
	return err
}

// followup sends another message for the interaction.
func (ix *interaction) followup(ctx context.Context, params *discordgo.WebhookParams) error {
	params.AllowedMentions = noMentions()
	params.Flags |= textFlags(len(params.Embeds))
	_, err := ix.request(ctx, http.MethodPost, discordgo.EndpointWebhookToken(ix.AppID, ix.Token)+"?wait=true", params)
	return err
}

// update replaces the message whose component was clicked (callback type 7).
func (ix *interaction) update(ctx context.Context, data *discordgo.InteractionResponseData) error {
	data.AllowedMentions = noMentions()
	return ix.respond(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: data}, ackReplied)
}

// replyPrivately shows a message to the user alone, however far the
// interaction has got: as the ephemeral first response; by editing an
// ephemeral deferral; or, after a public deferral, by removing the
// "thinking…" (or half-written) response and sending an ephemeral follow-up.
func (ix *interaction) replyPrivately(ctx context.Context, content string, embeds ...*discordgo.MessageEmbed) error {
	switch ix.ackState() {
	case ackNone:
		err := ix.reply(ctx, &discordgo.InteractionResponseData{Content: content, Embeds: embeds, Flags: discordgo.MessageFlagsEphemeral})
		if err == nil || ix.ackState() == ackNone {
			return err
		}
		// Acknowledged meanwhile: fall through to a follow-up.
	case ackDeferredEphemeral:
		return ix.editOriginal(ctx, &discordgo.WebhookEdit{Content: &content, Embeds: &embeds})
	case ackDeferred:
		if _, err := ix.request(ctx, http.MethodDelete, discordgo.EndpointInteractionResponseActions(ix.AppID, ix.Token), nil); err != nil {
			ix.b.log.Debug("delete original response", "err", ix.b.scrub(err.Error()))
		}
	}
	return ix.followup(ctx, &discordgo.WebhookParams{Content: content, Embeds: embeds, Flags: discordgo.MessageFlagsEphemeral})
}

// noMentions forbids every ping. Parse must be an empty slice: discordgo
// sends a nil one as null, which Discord reads as "the defaults".
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// onInteraction handles one interaction from either mode. initial sends
// the first response.
func (b *Bot) onInteraction(i *discordgo.Interaction, initial responder) {
	defer b.guard("interaction")
	ix := &interaction{Interaction: i, b: b, lang: langOfLocale(i.Locale), received: time.Now(), command: commandLabel(i), initial: initial,
		limits: discordgo.NewRatelimiter()}
	if !b.begin() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := shuttingDown()
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			_ = ix.respond(ctx, autocompleteResponse(nil), ackReplied)
		} else {
			b.reportError(ctx, ix, err)
		}
		b.metrics.interactions.WithLabelValues(ix.command, outcome(err)).Inc()
		return
	}
	defer b.end()
	ctx, cancel := context.WithTimeout(b.work, interactionTimeout)
	defer cancel()
	err := b.dispatchSafely(ctx, ix)
	switch {
	case cutByShutdown(ctx, err):
		err = b.endCutInteraction(ctx, ix, err)
	case err != nil:
		b.reportError(ctx, ix, err)
	}
	b.metrics.interactions.WithLabelValues(ix.command, outcome(err)).Inc()
	if b.handled != nil {
		b.handled(ix.ID)
	}
}

// dispatchSafely runs the handler and turns a panic into an error, so one
// bad interaction never takes the bot down.
func (b *Bot) dispatchSafely(ctx context.Context, ix *interaction) error {
	return recoverPanic(func() error { return b.dispatch(ctx, ix) })
}

// recoverPanic runs fn and returns a panic in it as a *panicError.
func recoverPanic(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return fn()
}

type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

func (b *Bot) dispatch(ctx context.Context, ix *interaction) error {
	switch ix.Type {
	case discordgo.InteractionApplicationCommandAutocomplete:
		return b.autocomplete(ctx, ix)
	case discordgo.InteractionApplicationCommand:
		if err := b.checkAllowed(ix.GuildID, ix.ChannelID); err != nil {
			return err
		}
		switch ix.ApplicationCommandData().Name {
		case cmdAsk:
			return b.handleAsk(ctx, ix)
		case cmdTimeline:
			return b.handleTimeline(ctx, ix)
		case cmdQuote:
			return b.handleQuote(ctx, ix)
		case cmdSummary:
			return b.handleSummary(ctx, ix)
		case cmdSources:
			return b.handleSources(ctx, ix)
		case cmdHelp:
			return b.handleHelp(ctx, ix)
		}
	case discordgo.InteractionMessageComponent:
		if err := b.checkAllowed(ix.GuildID, ix.ChannelID); err != nil {
			return err
		}
		switch id := ix.MessageComponentData().CustomID; {
		case strings.HasPrefix(id, sourcesPrefix):
			return b.handleShowSources(ctx, ix, id)
		case strings.HasPrefix(id, storiesPrefix):
			return b.handleStoriesPage(ctx, ix, id)
		}
	}
	return &notice{kind: fault.Invalid, reason: "unknown", msg: txtUnknownCommand}
}

// commandLabel names an interaction for metrics and logs, from a fixed set.
func commandLabel(i *discordgo.Interaction) string {
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		name := i.ApplicationCommandData().Name
		switch name {
		case cmdAsk, cmdTimeline, cmdQuote, cmdSummary, cmdSources, cmdHelp:
		default:
			name = "unknown"
		}
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			return name + "_autocomplete"
		}
		return name
	case discordgo.InteractionMessageComponent:
		switch id := i.MessageComponentData().CustomID; {
		case strings.HasPrefix(id, sourcesPrefix):
			return "sources_button"
		case strings.HasPrefix(id, storiesPrefix):
			return "sources_page"
		}
		return "component_unknown"
	case discordgo.InteractionPing:
		return "ping"
	}
	return "unknown"
}

// checkAllowed applies ALLOWED_GUILDS and ALLOWED_CHANNELS.
func (b *Bot) checkAllowed(guildID, channelID string) error {
	if len(b.allowedGuilds) > 0 && !b.allowedGuilds[guildID] {
		return &notice{kind: fault.Invalid, reason: "refused", msg: txtNotAllowed}
	}
	if len(b.allowedChannels) > 0 && !b.allowedChannels[channelID] {
		return &notice{kind: fault.Invalid, reason: "refused", msg: txtNotAllowed}
	}
	return nil
}

// admitted runs fn, the answer to one question of user, within the
// per-user rate limit and the cap on answers in progress. The question
// taken from the user's allowance is given back when the answer fails for
// a reason that is not the user's (the model is down, Discord failed, a
// bug, a shutdown): only bad input and refusals keep it spent.
func (b *Bot) admitted(user string, fn func() error) error {
	ok, retryAfter := b.limiter.Allow(user)
	if !ok {
		b.metrics.rateLimited.WithLabelValues("user").Inc()
		return &notice{kind: fault.Limited, reason: "rate_limited", msg: txtRateLimited, retryAt: b.now().Add(retryAfter)}
	}
	if !b.slots.TryAcquire() {
		b.limiter.Refund(user)
		b.metrics.rateLimited.WithLabelValues("capacity").Inc()
		return &notice{kind: fault.Limited, reason: "busy", msg: txtBusy, retryAt: b.now().Add(busyRetry)}
	}
	b.metrics.inProgress.Inc()
	defer func() {
		b.metrics.inProgress.Dec()
		b.slots.Release()
	}()
	err := recoverPanic(fn)
	if err != nil && !usersFault(err) {
		b.limiter.Refund(user)
	}
	return err
}

// usersFault reports whether a failed answer is down to the user's
// request: bad input, or a story or speaker that does not exist.
func usersFault(err error) bool {
	k := errorKind(err)
	return k == fault.Invalid || k == fault.NotFound
}

// busyRetry is the wait suggested when every answer slot is taken.
const busyRetry = 30 * time.Second

// notice is a refusal the bot decides itself (rate limit, capacity,
// channel not allowed, shutdown): its message is localized here, and
// retryAt, when set, is shown as a Discord relative timestamp.
type notice struct {
	kind    fault.Kind
	reason  string // metrics outcome
	msg     text
	retryAt time.Time
}

func (n *notice) Error() string {
	if n.retryAt.IsZero() {
		return n.reason + ": " + n.msg.en
	}
	return n.reason + ": " + n.msg.f(langEN, n.retryAt.UTC().Format(time.RFC3339))
}

// Unwrap gives the notice a fault.Kind for fault.KindOf.
func (n *notice) Unwrap() error { return &fault.Error{Kind: n.kind, Message: n.msg.en} }

func shuttingDown() error {
	return &notice{kind: fault.Unavailable, reason: "shutting_down", msg: txtShuttingDown}
}

// outcome is the metrics label of a handler's result.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var n *notice
	if errors.As(err, &n) {
		return n.reason
	}
	var p *panicError
	if errors.As(err, &p) {
		return "panic"
	}
	return errorKind(err).String()
}

// errorKind is fault.KindOf, with a deadline or cancellation counted as
// the model being unavailable rather than as a bug.
func errorKind(err error) fault.Kind {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fault.Unavailable
	}
	return fault.Internal
}

// userMessage is the one place that decides what a failure looks like to
// a user: a short explanation in their language and the error id that
// finds the details in the log.
func userMessage(err error, lang, errID string) string {
	var msg string
	var n *notice
	switch {
	case errors.As(err, &n):
		if n.retryAt.IsZero() {
			msg = n.msg.in(lang)
		} else {
			msg = n.msg.f(lang, fmt.Sprintf("<t:%d:R>", n.retryAt.Unix()))
		}
	default:
		switch errorKind(err) {
		case fault.Limited:
			msg = txtLimitedLater.in(lang)
		case fault.Unavailable:
			msg = txtUnavailable.in(lang)
		case fault.Invalid:
			msg = faultMessage(err, lang)
			if msg == "" {
				msg = txtInvalid.in(lang)
			}
		case fault.NotFound:
			msg = faultMessage(err, lang)
			if msg == "" {
				msg = txtNotFound.in(lang)
			}
		default:
			msg = txtInternal.in(lang)
		}
	}
	return msg + "\n-# " + txtErrorID.in(lang) + ": `" + errID + "`"
}

// newErrorID returns 8 hex characters that tie a user's error message to
// its log line.
func newErrorID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// reportError logs err with a fresh error id and tells the user, privately.
func (b *Bot) reportError(ctx context.Context, ix *interaction, err error) {
	id := newErrorID()
	b.logFailure(ctx, err, id, "interaction failed",
		"command", ix.command, "interaction_id", ix.ID, "user_id", ix.userID(), "guild_id", ix.GuildID, "channel_id", ix.ChannelID)
	if ix.Type == discordgo.InteractionApplicationCommandAutocomplete {
		// Autocomplete cannot show a message; offer no choices.
		if ix.ackState() == ackNone {
			_ = ix.respond(ctx, autocompleteResponse(nil), ackReplied)
		}
		return
	}
	if ctx.Err() != nil {
		// The interaction's time is up (or the bot is stopping): try once more briefly.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
	}
	if derr := ix.replyPrivately(ctx, userMessage(err, ix.lang, id)); derr != nil {
		b.log.Warn("could not tell the user about an error", "err_id", id, "err", b.scrub(derr.Error()))
	}
}

// logFailure writes the details of a failure: refusals at info, bad input
// at warn, the rest (with a stack for panics) at error.
func (b *Bot) logFailure(ctx context.Context, err error, id, msg string, attrs ...any) {
	level := slog.LevelError
	var n *notice
	switch {
	case errors.As(err, &n):
		level = slog.LevelInfo
	case errorKind(err) == fault.Invalid || errorKind(err) == fault.NotFound || errorKind(err) == fault.Limited:
		level = slog.LevelWarn
	}
	attrs = append(attrs, "err_id", id, "kind", errorKind(err).String(), "err", b.scrub(err.Error()))
	var p *panicError
	if errors.As(err, &p) {
		attrs = append(attrs, "stack", string(p.stack))
	}
	b.log.Log(ctx, level, msg, attrs...)
}

// interactionTokenPath matches the secret part of interaction and webhook
// URLs, which REST errors from net/http quote.
var interactionTokenPath = regexp.MustCompile(`(/(?:webhooks|interactions)/[0-9]+/)[A-Za-z0-9_.\-]+`)

// redact removes interaction tokens from a log string.
func redact(s string) string {
	return interactionTokenPath.ReplaceAllString(s, "${1}REDACTED")
}

// scrub is redact plus the bot token, for anything that goes to the log.
func (b *Bot) scrub(s string) string {
	s = redact(s)
	if b.opts.Token != "" {
		s = strings.ReplaceAll(s, b.opts.Token, "[token]")
	}
	return s
}

// restResponder answers over REST: the gateway mode's initial response.
// Its one call gets a rate-limit bucket of its own, not one kept in the
// session's limiter for ever (see interaction.limits).
func (b *Bot) restResponder(i *discordgo.Interaction) responder {
	return func(ctx context.Context, resp *discordgo.InteractionResponse) error {
		uri := discordgo.EndpointInteractionResponse(i.ID, i.Token)
		body, err := discordgo.Marshal(resp)
		if err != nil {
			return fmt.Errorf("encode interaction response: %w", err)
		}
		bucket := discordgo.NewRatelimiter().LockBucket(uri)
		_, err = b.session.RequestWithLockedBucket(http.MethodPost, uri, "application/json", body, bucket, 0, discordgo.WithContext(ctx))
		return err
	}
}

// guard is deferred at the top of every goroutine that handles outside
// data (interactions, messages): a panic that escaped the handler's own
// recovery is logged with an error id and the stack instead of taking
// the bot down.
func (b *Bot) guard(what string) {
	if r := recover(); r != nil {
		b.log.Error(what+" handler panicked", "err_id", newErrorID(), "err", b.scrub(fmt.Sprint(r)), "stack", string(debug.Stack()))
	}
}
