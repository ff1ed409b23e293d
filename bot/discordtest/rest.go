package discordtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

const allPermissions = "2251799813685247"

func (s *Server) getGateway(*req) (int, any) {
	return 200, map[string]any{"url": s.GatewayURL()}
}

func (s *Server) getGatewayBot(*req) (int, any) {
	s.mu.Lock()
	left := s.startsLeft
	s.mu.Unlock()
	return 200, map[string]any{
		"url":    s.GatewayURL(),
		"shards": s.opts.Shards,
		"session_start_limit": map[string]any{
			"total": s.opts.SessionStartLimit.Total, "remaining": left, "reset_after": 86400000,
			"max_concurrency": s.opts.MaxConcurrency,
		},
	}
}

func (s *Server) getApplication(*req) (int, any) {
	return 200, map[string]any{
		"id": s.opts.AppID, "name": s.bot.Username, "description": "", "bot_public": false,
		"bot_require_code_grant": false, "verify_key": "0000", "flags": 0, "bot": s.bot,
		"owner": s.user,
	}
}

func (s *Server) getMyGuilds(*req) (int, any) {
	out := []any{}
	for _, g := range s.GuildIDs() {
		out = append(out, map[string]any{
			"id": g, "name": s.guildName(g), "icon": nil, "owner": false,
			"permissions": allPermissions, "features": []string{},
		})
	}
	return 200, out
}

func (s *Server) guildName(guildID string) string {
	if guildID == s.opts.GuildID {
		return s.opts.GuildName
	}
	return s.opts.GuildName + " " + guildID
}

func (s *Server) getUser(q *req) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[q.val("user")]
	if !ok {
		return (&apiErr{Status: 404, Message: "Unknown User", Code: 10013}).result()
	}
	return 200, u
}

func (s *Server) guildObject(guildID string) map[string]any {
	return map[string]any{
		"id": guildID, "name": s.guildName(guildID), "icon": nil, "owner_id": s.user.ID,
		"preferred_locale": "en-US", "features": []string{}, "verification_level": 0,
		"roles":  []any{map[string]any{"id": guildID, "name": "@everyone", "permissions": "0", "position": 0, "color": 0, "hoist": false, "managed": false, "mentionable": false}},
		"emojis": []any{}, "stickers": []any{}, "member_count": 2,
	}
}

func (s *Server) getGuild(q *req) (int, any) {
	if !s.knownGuild(q.val("guild")) {
		return errMissingAccess().result()
	}
	return 200, s.guildObject(q.val("guild"))
}

func (s *Server) getGuildChannels(q *req) (int, any) {
	if !s.knownGuild(q.val("guild")) {
		return errMissingAccess().result()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, c := range s.channels {
		if c.GuildID == q.val("guild") {
			out = append(out, c.wire())
		}
	}
	return 200, out
}

func (s *Server) getChannel(q *req) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.knownChannelLocked(q.val("channel"))
	if c == nil {
		return errUnknownChannel().result()
	}
	return 200, c.wire()
}

// ---- channel messages ----

func (s *Server) listChannelMessages(q *req) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.knownChannelLocked(q.val("channel")) == nil {
		return errUnknownChannel().result()
	}
	ms := s.channelMessagesLocked(q.val("channel")) // oldest first
	limit := 50
	if l, err := strconv.Atoi(q.r.URL.Query().Get("limit")); err == nil && l > 0 && l <= 100 {
		limit = l
	}
	before, after := q.r.URL.Query().Get("before"), q.r.URL.Query().Get("after")
	var sel []*wireMessage
	for i := len(ms) - 1; i >= 0; i-- { // newest first, like Discord
		m := ms[i]
		if before != "" && !snowLess(m.ID, before) {
			continue
		}
		if after != "" && !snowLess(after, m.ID) {
			continue
		}
		sel = append(sel, m)
	}
	if after != "" && len(sel) > limit { // the messages right after `after`
		sel = sel[len(sel)-limit:]
	}
	if len(sel) > limit {
		sel = sel[:limit]
	}
	out := make([]json.RawMessage, 0, len(sel))
	for _, m := range sel {
		out = append(out, s.renderLocked(m, viewREST))
	}
	return 200, out
}

func (s *Server) getChannelMessage(q *req) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.knownChannelLocked(q.val("channel")) == nil {
		return errUnknownChannel().result()
	}
	m, ok := s.messages[q.val("message")]
	if !ok || m.ChannelID != q.val("channel") {
		return errUnknownMessage().result()
	}
	return 200, json.RawMessage(s.renderLocked(m, viewREST))
}

func (s *Server) postChannelMessage(q *req) (int, any) {
	p, e := decodeMsgPayload(q.call.JSON)
	if e != nil {
		return e.result()
	}
	s.mu.Lock()
	ch := s.knownChannelLocked(q.val("channel"))
	if ch == nil {
		s.mu.Unlock()
		return errUnknownChannel().result()
	}
	if p.Flags != nil && *p.Flags&flagEphemeral != 0 {
		s.mu.Unlock()
		return invalidForm("flags", "MESSAGE_FLAGS_INVALID", "Ephemeral messages can only be sent by interactions").result()
	}
	bot := s.bot
	m, e := s.newMessageLocked(ch, &bot, p, q.call.Files)
	if e != nil {
		s.mu.Unlock()
		return e.result()
	}
	body := s.renderLocked(m, viewREST)
	s.mu.Unlock()
	s.echo(m)
	return 200, json.RawMessage(body)
}

func (s *Server) patchChannelMessage(q *req) (int, any) {
	p, e := decodeMsgPayload(q.call.JSON)
	if e != nil {
		return e.result()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.knownChannelLocked(q.val("channel")) == nil {
		return errUnknownChannel().result()
	}
	m, ok := s.messages[q.val("message")]
	if !ok || m.ChannelID != q.val("channel") {
		return errUnknownMessage().result()
	}
	if m.Author == nil || m.Author.ID != s.bot.ID {
		return (&apiErr{Status: 403, Message: "Cannot edit a message authored by another user", Code: 50005}).result()
	}
	if e := s.editMessageLocked(m, p, q.call.Files); e != nil {
		return e.result()
	}
	return 200, json.RawMessage(s.renderLocked(m, viewREST))
}

func (s *Server) deleteChannelMessage(q *req) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[q.val("message")]
	if !ok || m.ChannelID != q.val("channel") {
		return errUnknownMessage().result()
	}
	delete(s.messages, m.ID)
	return http.StatusNoContent, nil
}

func (s *Server) postTyping(q *req) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.knownChannelLocked(q.val("channel")) == nil {
		return errUnknownChannel().result()
	}
	return http.StatusNoContent, nil
}

func (s *Server) reaction(q *req) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[q.val("message")]
	if !ok || m.ChannelID != q.val("channel") {
		return errUnknownMessage().result()
	}
	return http.StatusNoContent, nil
}

// ---- application commands ----

func (s *Server) commandScope(q *req) (string, *apiErr) {
	if q.val("app") != s.opts.AppID {
		return "", errMissingAccess()
	}
	g := q.val("guild")
	if g != "" && !s.knownGuild(g) {
		return "", errMissingAccess()
	}
	return g, nil
}

func cloneCommands(in []*discordgo.ApplicationCommand) []*discordgo.ApplicationCommand {
	b, _ := json.Marshal(in)
	var out []*discordgo.ApplicationCommand
	_ = json.Unmarshal(b, &out)
	return out
}

// finishCommandLocked fills in the server-side fields; id is kept from an
// existing command with the same name and type, like Discord does.
func (s *Server) finishCommandLocked(c *discordgo.ApplicationCommand, guild string, existing []*discordgo.ApplicationCommand) {
	if c.Type == 0 {
		c.Type = discordgo.ChatApplicationCommand
	}
	c.ApplicationID = s.opts.AppID
	c.GuildID = guild
	c.ID = ""
	for _, old := range existing {
		if old.Name == c.Name && old.Type == c.Type {
			c.ID = old.ID
		}
	}
	if c.ID == "" {
		c.ID = s.nextID()
	}
	c.Version = s.nextID()
}

func (s *Server) listCommands(q *req) (int, any) {
	g, e := s.commandScope(q)
	if e != nil {
		return e.result()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := cloneCommands(s.commands[g])
	if out == nil {
		out = []*discordgo.ApplicationCommand{}
	}
	return 200, out
}

func (s *Server) putCommands(q *req) (int, any) {
	g, e := s.commandScope(q)
	if e != nil {
		return e.result()
	}
	var cmds []*discordgo.ApplicationCommand
	if err := json.Unmarshal(q.call.JSON, &cmds); err != nil {
		return errBadJSON().result()
	}
	if !s.opts.DisableValidation {
		if e := validateCommands(cmds); e != nil {
			return e.result()
		}
	}
	s.mu.Lock()
	old := s.commands[g]
	for _, c := range cmds {
		s.finishCommandLocked(c, g, old)
	}
	s.commands[g] = cmds
	out := cloneCommands(cmds)
	s.mu.Unlock()
	s.notify()
	if out == nil {
		out = []*discordgo.ApplicationCommand{}
	}
	return 200, out
}

func (s *Server) postCommand(q *req) (int, any) {
	g, e := s.commandScope(q)
	if e != nil {
		return e.result()
	}
	var c discordgo.ApplicationCommand
	if err := json.Unmarshal(q.call.JSON, &c); err != nil {
		return errBadJSON().result()
	}
	if !s.opts.DisableValidation {
		if e := validateCommand("", &c); e != nil {
			return e.result()
		}
	}
	s.mu.Lock()
	list := s.commands[g]
	s.finishCommandLocked(&c, g, list)
	status := http.StatusCreated
	replaced := false
	for i, old := range list {
		if old.ID == c.ID {
			list[i] = &c
			replaced = true
			status = http.StatusOK
		}
	}
	if !replaced {
		list = append(list, &c)
	}
	s.commands[g] = list
	out := cloneCommands([]*discordgo.ApplicationCommand{&c})[0]
	s.mu.Unlock()
	s.notify()
	return status, out
}

func (s *Server) findCommandLocked(g, id string) (int, *discordgo.ApplicationCommand) {
	for i, c := range s.commands[g] {
		if c.ID == id {
			return i, c
		}
	}
	return -1, nil
}

func errUnknownCommand() *apiErr {
	return &apiErr{Status: 404, Message: "Unknown application command", Code: 10063}
}

func (s *Server) getCommand(q *req) (int, any) {
	g, e := s.commandScope(q)
	if e != nil {
		return e.result()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, c := s.findCommandLocked(g, q.val("command"))
	if c == nil {
		return errUnknownCommand().result()
	}
	return 200, cloneCommands([]*discordgo.ApplicationCommand{c})[0]
}

func (s *Server) patchCommand(q *req) (int, any) {
	g, e := s.commandScope(q)
	if e != nil {
		return e.result()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, c := s.findCommandLocked(g, q.val("command"))
	if c == nil {
		return errUnknownCommand().result()
	}
	upd := cloneCommands([]*discordgo.ApplicationCommand{c})[0]
	if err := json.Unmarshal(q.call.JSON, upd); err != nil {
		return errBadJSON().result()
	}
	if !s.opts.DisableValidation {
		if e := validateCommand("", upd); e != nil {
			return e.result()
		}
	}
	upd.ID, upd.ApplicationID, upd.GuildID, upd.Version = c.ID, c.ApplicationID, c.GuildID, s.nextID()
	s.commands[g][i] = upd
	defer s.notify()
	return 200, cloneCommands([]*discordgo.ApplicationCommand{upd})[0]
}

func (s *Server) deleteCommand(q *req) (int, any) {
	g, e := s.commandScope(q)
	if e != nil {
		return e.result()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i, c := s.findCommandLocked(g, q.val("command"))
	if c == nil {
		return errUnknownCommand().result()
	}
	s.commands[g] = append(s.commands[g][:i:i], s.commands[g][i+1:]...)
	defer s.notify()
	return http.StatusNoContent, nil
}

// ---- interactions ----

// interactionIDForPath maps callback and webhook paths to the interaction
// they address, for Call.InteractionID.
func (s *Server) interactionIDForPath(p string) string {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) < 5 || parts[0] != "api" {
		return ""
	}
	var token string
	switch parts[2] {
	case "interactions":
		token = parts[4]
	case "webhooks":
		token = parts[4]
	default:
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.interactions[token]; ok {
		return st.id
	}
	return ""
}

// validCallbackTypes lists the callback types Discord accepts per
// interaction type.
var validCallbackTypes = map[discordgo.InteractionType][]discordgo.InteractionResponseType{
	discordgo.InteractionApplicationCommand:             {4, 5, 9},
	discordgo.InteractionMessageComponent:               {4, 5, 6, 7, 9},
	discordgo.InteractionApplicationCommandAutocomplete: {8},
	discordgo.InteractionModalSubmit:                    {4, 5, 6, 7},
}

type callbackBody struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data json.RawMessage                   `json:"data"`
}

func (s *Server) postCallback(q *req) (int, any) {
	return s.acknowledge(q.val("token"), q.val("id"), q.call.JSON, q.call.Files, q.call.Time)
}

// acknowledge takes an interaction's initial response, from the REST
// callback or (InteractHTTP) the HTTP response, arrived at the given time.
func (s *Server) acknowledge(token, id string, body []byte, files []File, at time.Time) (int, any) {
	var cb callbackBody
	if err := json.Unmarshal(body, &cb); err != nil {
		return errBadJSON().result()
	}
	s.mu.Lock()
	st, ok := s.interactions[token]
	if !ok || st.id != id {
		s.mu.Unlock()
		return errUnknownInteraction().result()
	}
	if d := s.opts.CallbackDeadline; d > 0 && at.Sub(st.dispatched) > d {
		s.mu.Unlock()
		return errUnknownInteraction().result()
	}
	if st.acked {
		s.mu.Unlock()
		return (&apiErr{Status: 400, Message: "Interaction has already been acknowledged.", Code: 40060}).result()
	}
	valid := false
	for _, t := range validCallbackTypes[st.typ] {
		if t == cb.Type {
			valid = true
		}
	}
	if !valid {
		s.mu.Unlock()
		return invalidForm("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Interaction response type is invalid for this interaction").result()
	}
	var echo *wireMessage
	e := s.applyCallbackLocked(st, &cb, files, &echo)
	if e == nil {
		st.acked = true
		st.ackType = cb.Type
	}
	s.mu.Unlock()
	if e != nil {
		return e.result()
	}
	if echo != nil {
		s.echo(echo)
	}
	return http.StatusNoContent, nil
}

// applyCallbackLocked performs a callback's effect on the message store.
func (s *Server) applyCallbackLocked(st *interactionState, cb *callbackBody, files []File, echo **wireMessage) *apiErr {
	switch cb.Type {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseDeferredChannelMessageWithSource:
		p, e := decodeMsgPayload(cb.Data)
		if e != nil {
			return e
		}
		ch := s.knownChannelLocked(st.channelID)
		if cb.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource {
			if !s.opts.DisableValidation && p.Flags != nil && *p.Flags&^(flagEphemeral|4) != 0 {
				return invalidForm("data.flags", "MESSAGE_FLAGS_INVALID", "Only EPHEMERAL can be set on a deferred response")
			}
			flags := flagLoading
			if p.Flags != nil {
				flags |= *p.Flags & flagEphemeral
			}
			m := s.interactionMessageLocked(st, ch, flags)
			st.originalID = m.ID
			return nil
		}
		bot := s.bot
		m, e := s.newMessageLocked(ch, &bot, p, files)
		if e != nil {
			return prefixErr(e, "data.")
		}
		s.decorateInteractionMessageLocked(st, m)
		st.originalID = m.ID
		if m.Flags&flagEphemeral == 0 {
			*echo = m
		}
	case discordgo.InteractionResponseDeferredMessageUpdate:
		st.originalID = st.componentMsgID
	case discordgo.InteractionResponseUpdateMessage:
		p, e := decodeMsgPayload(cb.Data)
		if e != nil {
			return e
		}
		m, ok := s.messages[st.componentMsgID]
		if !ok {
			return errUnknownMessage()
		}
		if e := s.editMessageLocked(m, p, files); e != nil {
			return prefixErr(e, "data.")
		}
		st.originalID = m.ID
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		var d struct {
			Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
		}
		if err := json.Unmarshal(rawObject(cb.Data), &d); err != nil {
			return errBadJSON()
		}
		if !s.opts.DisableValidation {
			if e := validateChoices(d.Choices); e != nil {
				return e
			}
		}
	case discordgo.InteractionResponseModal:
		var d struct {
			CustomID   string          `json:"custom_id"`
			Title      string          `json:"title"`
			Components json.RawMessage `json:"components"`
		}
		if err := json.Unmarshal(rawObject(cb.Data), &d); err != nil {
			return errBadJSON()
		}
		if !s.opts.DisableValidation {
			if e := validateModal(d.CustomID, d.Title, d.Components); e != nil {
				return e
			}
		}
	}
	return nil
}

func rawObject(r json.RawMessage) json.RawMessage {
	if rawOptional(r) == nil {
		return json.RawMessage("{}")
	}
	return r
}

func prefixErr(e *apiErr, prefix string) *apiErr {
	if len(e.Errors) == 0 {
		return e
	}
	m := make(map[string]any, len(e.Errors))
	for k, v := range e.Errors {
		m[prefix+k] = v
	}
	e.Errors = m
	return e
}

// interactionMessageLocked stores an empty message that belongs to an
// interaction (a deferred response).
func (s *Server) interactionMessageLocked(st *interactionState, ch *channelInfo, flags int) *wireMessage {
	bot := s.bot
	m := &wireMessage{
		ID: s.nextID(), ChannelID: ch.ID, GuildID: ch.GuildID, Author: &bot, Timestamp: nowStamp(),
		Mentions: []*discordgo.User{}, MentionRoles: []string{}, Attachments: []wireAttachment{},
		Embeds: emptyArray, Components: emptyArray, Flags: flags,
	}
	s.decorateInteractionMessageLocked(st, m)
	s.messages[m.ID] = m
	return m
}

func (s *Server) decorateInteractionMessageLocked(st *interactionState, m *wireMessage) {
	m.WebhookID = s.opts.AppID
	m.ApplicationID = s.opts.AppID
	if st.typ == discordgo.InteractionApplicationCommand {
		m.Type = int(discordgo.MessageTypeChatInputCommand)
	} else {
		m.Type = int(discordgo.MessageTypeReply)
	}
	u := st.user
	md := &wireInteractionMetadata{ID: st.id, Type: st.typ, User: &u}
	if st.componentMsgID != "" {
		md.InteractedMessageID = st.componentMsgID
	}
	m.InteractionMetadata = md
}

// webhookInteraction resolves /webhooks/{app}/{token}.
func (s *Server) webhookInteractionLocked(q *req) (*interactionState, *apiErr) {
	st, ok := s.interactions[q.val("token")]
	if !ok || q.val("app") != s.opts.AppID {
		return nil, errUnknownWebhook()
	}
	return st, nil
}

// webhookMessageLocked resolves @original or a follow-up id.
func (s *Server) webhookMessageLocked(st *interactionState, id string) (*wireMessage, *apiErr) {
	if id == "@original" {
		if !st.acked || st.originalID == "" {
			return nil, errUnknownMessage()
		}
		id = st.originalID
	} else {
		found := id == st.originalID
		for _, f := range st.followups {
			found = found || f == id
		}
		if !found {
			return nil, errUnknownMessage()
		}
	}
	m, ok := s.messages[id]
	if !ok {
		return nil, errUnknownMessage()
	}
	return m, nil
}

func (s *Server) getWebhookMessage(q *req) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, e := s.webhookInteractionLocked(q)
	if e != nil {
		return e.result()
	}
	m, e := s.webhookMessageLocked(st, q.val("message"))
	if e != nil {
		return e.result()
	}
	return 200, json.RawMessage(s.renderLocked(m, viewREST))
}

func (s *Server) patchWebhookMessage(q *req) (int, any) {
	p, e := decodeMsgPayload(q.call.JSON)
	if e != nil {
		return e.result()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, e := s.webhookInteractionLocked(q)
	if e != nil {
		return e.result()
	}
	m, e := s.webhookMessageLocked(st, q.val("message"))
	if e != nil {
		return e.result()
	}
	if e := s.editMessageLocked(m, p, q.call.Files); e != nil {
		return e.result()
	}
	return 200, json.RawMessage(s.renderLocked(m, viewREST))
}

func (s *Server) deleteWebhookMessage(q *req) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, e := s.webhookInteractionLocked(q)
	if e != nil {
		return e.result()
	}
	m, e := s.webhookMessageLocked(st, q.val("message"))
	if e != nil {
		return e.result()
	}
	delete(s.messages, m.ID)
	return http.StatusNoContent, nil
}

func (s *Server) postFollowup(q *req) (int, any) {
	p, e := decodeMsgPayload(q.call.JSON)
	if e != nil {
		return e.result()
	}
	s.mu.Lock()
	st, e := s.webhookInteractionLocked(q)
	if e != nil {
		s.mu.Unlock()
		return e.result()
	}
	if !st.acked {
		s.mu.Unlock()
		return errUnknownWebhook().result()
	}
	ch := s.knownChannelLocked(st.channelID)
	var m *wireMessage
	if orig, ok := s.messages[st.originalID]; ok && st.ackType == discordgo.InteractionResponseDeferredChannelMessageWithSource &&
		orig.Flags&flagLoading != 0 {
		// Discord: a follow-up to a deferred response that is still
		// "thinking" replaces the loading message.
		m = orig
		if e := s.editMessageLocked(m, p, q.call.Files); e != nil {
			s.mu.Unlock()
			return e.result()
		}
	} else {
		bot := s.bot
		m, e = s.newMessageLocked(ch, &bot, p, q.call.Files)
		if e != nil {
			s.mu.Unlock()
			return e.result()
		}
		s.decorateInteractionMessageLocked(st, m)
		m.InteractionMetadata.OriginalResponseMessageID = st.originalID
		st.followups = append(st.followups, m.ID)
	}
	body := s.renderLocked(m, viewREST)
	ephemeral := m.Flags&flagEphemeral != 0
	s.mu.Unlock()
	if !ephemeral {
		s.echo(m)
	}
	if q.r.URL.Query().Get("wait") != "true" {
		return http.StatusNoContent, nil
	}
	return 200, json.RawMessage(body)
}

// echo dispatches MESSAGE_CREATE for a bot message if EchoBotMessages.
func (s *Server) echo(m *wireMessage) {
	if !s.opts.EchoBotMessages {
		return
	}
	_ = s.dispatchMessage(m)
}
