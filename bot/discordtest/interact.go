package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

type interactionState struct {
	id, token          string
	typ                discordgo.InteractionType
	guildID, channelID string
	user               discordgo.User
	dispatched         time.Time
	componentMsgID     string
	acked              bool
	ackType            discordgo.InteractionResponseType
	originalID         string
	followups          []string
	// delivering is open while Deliver waits for the endpoint's answer:
	// the interaction's webhook calls wait for it, as Discord has the
	// HTTP answer before anything the bot sends after it.
	delivering chan struct{}
}

// InteractionSpec describes an interaction to dispatch. The zero value of
// every field has a sensible default; Type is inferred when zero:
// Fields set -> modal submit, CustomID set -> component, Focused set ->
// autocomplete, otherwise application command.
type InteractionSpec struct {
	Type discordgo.InteractionType

	// Command is the application command name (command and autocomplete).
	// It must be registered (guild or global), like in real Discord.
	Command string
	// Options are the command's option values by name. Types come from the
	// registered command: strings for string/user/channel/role options,
	// any Go number for integer/number, bool for boolean. A nested
	// map[string]any selects a subcommand (group). Required options,
	// choices, min/max length and value are checked like the Discord
	// client does.
	Options map[string]any
	// RawOptions, if set, are sent verbatim instead of Options.
	RawOptions []*discordgo.ApplicationCommandInteractionDataOption
	// Focused names the option being typed (autocomplete); its value is
	// Options[Focused] or "".
	Focused string

	// CustomID is the custom_id of the clicked component or submitted
	// modal.
	CustomID string
	// ComponentType defaults to a button (or a string select if Values is
	// set).
	ComponentType discordgo.ComponentType
	// Values are the selected values of a select menu.
	Values []string
	// MessageID is the message carrying the component; default: the newest
	// stored message in the channel that has a component with CustomID.
	MessageID string
	// Fields are the text input values of a modal submit, by custom_id.
	Fields map[string]string

	// User invokes the interaction; default Server.User().
	User *discordgo.User
	// Locale is the user's locale (default "en-US"); GuildLocale the
	// guild's (default "en-US").
	Locale, GuildLocale discordgo.Locale
	// GuildID and ChannelID default to the server's; DM sends the
	// interaction from a DM channel with the user instead.
	GuildID, ChannelID string
	DM                 bool
}

// Interaction is a handle on a dispatched interaction.
type Interaction struct {
	ID, Token string
	Type      discordgo.InteractionType
	GuildID   string
	ChannelID string
	User      discordgo.User
	// Payload is the INTERACTION_CREATE "d" object as sent.
	Payload json.RawMessage

	srv *Server
	st  *interactionState
}

// Interact builds an INTERACTION_CREATE with a fresh id and token,
// dispatches it to the connected client and returns a handle. It fails
// with ErrNotConnected when no client is connected, or when the spec is
// something the Discord client could not send.
func (s *Server) Interact(spec InteractionSpec) (*Interaction, error) {
	if s.currentConn() == nil && s.GatewayStats().Shards == nil {
		return nil, ErrNotConnected
	}
	h, payload, err := s.buildInteraction(spec)
	if err != nil {
		return nil, err
	}
	c := s.connForGuild(h.GuildID)
	if c == nil {
		return nil, ErrNotConnected
	}
	s.mu.Lock()
	h.st.dispatched = time.Now()
	s.interactions[h.Token] = h.st
	s.mu.Unlock()
	if err := c.dispatch("INTERACTION_CREATE", json.RawMessage(payload)); err != nil {
		return nil, fmt.Errorf("discordtest: dispatch INTERACTION_CREATE: %w", err)
	}
	return h, nil
}

func (s *Server) buildInteraction(spec InteractionSpec) (*Interaction, []byte, error) {
	typ := spec.Type
	if typ == 0 {
		switch {
		case spec.Fields != nil:
			typ = discordgo.InteractionModalSubmit
		case spec.CustomID != "":
			typ = discordgo.InteractionMessageComponent
		case spec.Focused != "":
			typ = discordgo.InteractionApplicationCommandAutocomplete
		default:
			typ = discordgo.InteractionApplicationCommand
		}
	}
	user := s.user
	if spec.User != nil {
		user = *spec.User
	}
	locale, guildLocale := spec.Locale, spec.GuildLocale
	if locale == "" {
		locale = discordgo.EnglishUS
	}
	if guildLocale == "" {
		guildLocale = discordgo.EnglishUS
	}
	id, token := s.nextID(), "itok-"+randomHex(24)

	s.mu.Lock()
	defer s.mu.Unlock()
	u := user
	s.users[u.ID] = &u
	ch, err := s.resolveChannelLocked(spec.GuildID, spec.ChannelID, spec.DM, user.ID)
	if err != nil {
		return nil, nil, err
	}
	st := &interactionState{id: id, token: token, typ: typ, guildID: ch.GuildID, channelID: ch.ID, user: user}

	p := map[string]any{
		"id":              id,
		"application_id":  s.opts.AppID,
		"type":            typ,
		"token":           token,
		"version":         1,
		"channel_id":      ch.ID,
		"channel":         ch.wire(),
		"locale":          locale,
		"app_permissions": allPermissions,
		"entitlements":    []any{},
	}
	if ch.GuildID != "" {
		p["guild_id"] = ch.GuildID
		p["guild_locale"] = guildLocale
		p["guild"] = map[string]any{"id": ch.GuildID, "locale": guildLocale, "features": []string{}}
		p["member"] = wireMember{Roles: []string{}, JoinedAt: s.started.UTC().Format(time.RFC3339), Permissions: allPermissions, User: &user}
		p["context"] = 0
		p["authorizing_integration_owners"] = map[string]string{"0": ch.GuildID}
	} else {
		p["user"] = &user
		p["context"] = 1
		p["authorizing_integration_owners"] = map[string]string{"0": "0"}
	}

	switch typ {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		cmd := s.findRegisteredLocked(spec.Command, ch.GuildID)
		if cmd == nil {
			return nil, nil, fmt.Errorf("discordtest: command %q is not registered (registered: %s)", spec.Command, s.registeredNamesLocked())
		}
		data := map[string]any{"id": cmd.ID, "name": cmd.Name, "type": cmd.Type}
		if ch.GuildID != "" && cmd.GuildID != "" {
			data["guild_id"] = cmd.GuildID
		}
		opts := spec.RawOptions
		if opts == nil {
			var err error
			opts, err = buildOptions(cmd.Options, spec.Options, spec.Focused, typ == discordgo.InteractionApplicationCommandAutocomplete)
			if err != nil {
				return nil, nil, fmt.Errorf("discordtest: /%s: %w", cmd.Name, err)
			}
		}
		if len(opts) > 0 {
			data["options"] = opts
		}
		if res := s.resolvedLocked(cmd.Options, opts); res != nil {
			data["resolved"] = res
		}
		p["data"] = data
	case discordgo.InteractionMessageComponent:
		m, err := s.componentMessageLocked(ch.ID, spec.MessageID, spec.CustomID)
		if err != nil {
			return nil, nil, err
		}
		st.componentMsgID = m.ID
		p["message"] = json.RawMessage(s.renderLocked(m, viewREST))
		ct := spec.ComponentType
		if ct == 0 {
			ct = discordgo.ButtonComponent
			if spec.Values != nil {
				ct = discordgo.SelectMenuComponent
			}
		}
		data := map[string]any{"custom_id": spec.CustomID, "component_type": ct}
		if spec.Values != nil || ct != discordgo.ButtonComponent {
			vals := spec.Values
			if vals == nil {
				vals = []string{}
			}
			data["values"] = vals
		}
		p["data"] = data
	case discordgo.InteractionModalSubmit:
		if spec.CustomID == "" {
			return nil, nil, fmt.Errorf("discordtest: a modal submit needs CustomID")
		}
		keys := make([]string, 0, len(spec.Fields))
		for k := range spec.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		rows := []any{}
		for _, k := range keys {
			rows = append(rows, map[string]any{"type": 1, "components": []any{
				map[string]any{"type": 4, "custom_id": k, "value": spec.Fields[k]},
			}})
		}
		p["data"] = map[string]any{"custom_id": spec.CustomID, "components": rows}
		if spec.MessageID != "" {
			m, ok := s.messages[spec.MessageID]
			if !ok {
				return nil, nil, fmt.Errorf("discordtest: unknown message %s", spec.MessageID)
			}
			st.componentMsgID = m.ID
			p["message"] = json.RawMessage(s.renderLocked(m, viewREST))
		}
	default:
		return nil, nil, fmt.Errorf("discordtest: unsupported interaction type %d", typ)
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, nil, err
	}
	h := &Interaction{ID: id, Token: token, Type: typ, GuildID: ch.GuildID, ChannelID: ch.ID, User: user, Payload: payload, srv: s, st: st}
	return h, payload, nil
}

// resolveChannelLocked finds or creates the channel an event happens in.
func (s *Server) resolveChannelLocked(guildID, channelID string, dm bool, userID string) (*channelInfo, error) {
	if dm {
		if channelID == "" {
			channelID = "dm-" + userID
			// DM channel ids are snowflakes too; derive a stable one.
			if n, err := strconv.ParseInt(userID, 10, 64); err == nil {
				channelID = strconv.FormatInt(n+1, 10)
			}
		}
		ch := s.channels[channelID]
		if ch == nil {
			ch = &channelInfo{ID: channelID, RecipientID: userID}
			s.channels[channelID] = ch
		}
		return ch, nil
	}
	if guildID == "" {
		guildID = s.opts.GuildID
	}
	if !s.knownGuild(guildID) {
		return nil, fmt.Errorf("discordtest: the bot is not in guild %s (only %s)", guildID, strings.Join(s.GuildIDs(), ", "))
	}
	if channelID == "" {
		channelID = s.GuildChannelID(guildID)
	}
	ch := s.channels[channelID]
	if ch == nil {
		ch = &channelInfo{ID: channelID, GuildID: guildID, Name: "channel-" + channelID}
		s.channels[channelID] = ch
	}
	return ch, nil
}

func (s *Server) findRegisteredLocked(name, guildID string) *discordgo.ApplicationCommand {
	scopes := []string{""}
	if guildID != "" {
		scopes = []string{guildID, ""}
	}
	for _, scope := range scopes {
		for _, c := range s.commands[scope] {
			if c.Name == name && (c.Type == discordgo.ChatApplicationCommand || c.Type == 0) {
				return c
			}
		}
	}
	return nil
}

func (s *Server) registeredNamesLocked() string {
	var names []string
	for scope, cmds := range s.commands {
		for _, c := range cmds {
			if scope == "" {
				names = append(names, c.Name+" (global)")
			} else {
				names = append(names, c.Name+" (guild "+scope+")")
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// buildOptions converts name->value into typed interaction options
// following the registered option definitions.
func buildOptions(defs []*discordgo.ApplicationCommandOption, vals map[string]any, focused string, autocomplete bool) ([]*discordgo.ApplicationCommandInteractionDataOption, error) {
	byName := map[string]*discordgo.ApplicationCommandOption{}
	for _, d := range defs {
		byName[d.Name] = d
	}
	for name := range vals {
		if byName[name] == nil {
			return nil, fmt.Errorf("unknown option %q", name)
		}
	}
	if focused != "" && byName[focused] == nil {
		// The focused option may live in a subcommand; checked below.
		found := false
		for _, v := range vals {
			if _, ok := v.(map[string]any); ok {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown focused option %q", focused)
		}
	}
	var out []*discordgo.ApplicationCommandInteractionDataOption
	for _, d := range defs { // registered order
		v, present := vals[d.Name]
		isFocused := autocomplete && d.Name == focused
		if isFocused && !present {
			v, present = "", true
		}
		switch d.Type {
		case discordgo.ApplicationCommandOptionSubCommand, discordgo.ApplicationCommandOptionSubCommandGroup:
			if !present {
				continue
			}
			sub, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("option %q is a subcommand: give a map[string]any", d.Name)
			}
			subOpts, err := buildOptions(d.Options, sub, focused, autocomplete)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d.Name, err)
			}
			if subOpts == nil {
				subOpts = []*discordgo.ApplicationCommandInteractionDataOption{}
			}
			out = append(out, &discordgo.ApplicationCommandInteractionDataOption{Name: d.Name, Type: d.Type, Options: subOpts})
			continue
		}
		if !present {
			if d.Required && !autocomplete {
				return nil, fmt.Errorf("required option %q missing", d.Name)
			}
			continue
		}
		o := &discordgo.ApplicationCommandInteractionDataOption{Name: d.Name, Type: d.Type, Focused: isFocused}
		if isFocused {
			o.Value = fmt.Sprint(v) // autocomplete sends the partial input
		} else {
			cv, err := convertOption(d, v)
			if err != nil {
				return nil, fmt.Errorf("option %q: %w", d.Name, err)
			}
			o.Value = cv
		}
		out = append(out, o)
	}
	return out, nil
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float32:
		return float64(n), true
	case float64:
		return n, true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(n, 64)
		return f, err == nil
	}
	return 0, false
}

func convertOption(d *discordgo.ApplicationCommandOption, v any) (any, error) {
	var out any
	switch d.Type {
	case discordgo.ApplicationCommandOptionString:
		sv, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, got %T", v)
		}
		if d.MinLength != nil && runes(sv) < *d.MinLength {
			return nil, fmt.Errorf("shorter than min_length %d", *d.MinLength)
		}
		max := 6000
		if d.MaxLength > 0 {
			max = d.MaxLength
		}
		if runes(sv) > max {
			return nil, fmt.Errorf("longer than max_length %d", max)
		}
		out = sv
	case discordgo.ApplicationCommandOptionInteger, discordgo.ApplicationCommandOptionNumber:
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("want a number, got %T", v)
		}
		if d.Type == discordgo.ApplicationCommandOptionInteger && f != math.Trunc(f) {
			return nil, fmt.Errorf("want an integer, got %v", f)
		}
		if d.MinValue != nil && f < *d.MinValue {
			return nil, fmt.Errorf("below min_value %v", *d.MinValue)
		}
		if d.MaxValue != 0 && f > d.MaxValue {
			return nil, fmt.Errorf("above max_value %v", d.MaxValue)
		}
		out = f
	case discordgo.ApplicationCommandOptionBoolean:
		switch b := v.(type) {
		case bool:
			out = b
		case string:
			pb, err := strconv.ParseBool(b)
			if err != nil {
				return nil, fmt.Errorf("want a bool, got %q", b)
			}
			out = pb
		default:
			return nil, fmt.Errorf("want a bool, got %T", v)
		}
	default: // user, channel, role, mentionable, attachment: snowflakes
		sv, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a snowflake string, got %T", v)
		}
		out = sv
	}
	if len(d.Choices) > 0 {
		for _, c := range d.Choices {
			if f, ok := toFloat(c.Value); ok && d.Type != discordgo.ApplicationCommandOptionString {
				if of, _ := toFloat(out); of == f {
					return out, nil
				}
			} else if fmt.Sprint(c.Value) == fmt.Sprint(out) {
				return out, nil
			}
		}
		return nil, fmt.Errorf("value %v is not one of the choices", out)
	}
	return out, nil
}

// resolvedLocked fills data.resolved for user and channel options.
func (s *Server) resolvedLocked(defs []*discordgo.ApplicationCommandOption, opts []*discordgo.ApplicationCommandInteractionDataOption) map[string]any {
	users := map[string]any{}
	channels := map[string]any{}
	var walk func([]*discordgo.ApplicationCommandInteractionDataOption)
	walk = func(os []*discordgo.ApplicationCommandInteractionDataOption) {
		for _, o := range os {
			walk(o.Options)
			id, _ := o.Value.(string)
			if id == "" || o.Focused {
				continue
			}
			switch o.Type {
			case discordgo.ApplicationCommandOptionUser, discordgo.ApplicationCommandOptionMentionable:
				users[id] = s.userLocked(id)
			case discordgo.ApplicationCommandOptionChannel:
				if ch := s.channels[id]; ch != nil {
					channels[id] = ch.wire()
				} else {
					channels[id] = map[string]any{"id": id, "type": 0}
				}
			}
		}
	}
	walk(opts)
	if len(users) == 0 && len(channels) == 0 {
		return nil
	}
	res := map[string]any{}
	if len(users) > 0 {
		res["users"] = users
	}
	if len(channels) > 0 {
		res["channels"] = channels
	}
	return res
}

// componentMessageLocked finds the message a component interaction is on.
func (s *Server) componentMessageLocked(channelID, messageID, customID string) (*wireMessage, error) {
	if customID == "" {
		return nil, fmt.Errorf("discordtest: a component interaction needs CustomID")
	}
	if messageID != "" {
		m, ok := s.messages[messageID]
		if !ok {
			return nil, fmt.Errorf("discordtest: unknown message %s", messageID)
		}
		return m, nil
	}
	ms := s.channelMessagesLocked(channelID)
	for i := len(ms) - 1; i >= 0; i-- {
		if hasCustomID(ms[i].Components, customID) {
			return ms[i], nil
		}
	}
	return nil, fmt.Errorf("discordtest: no message in channel %s has a component with custom_id %q", channelID, customID)
}

func hasCustomID(raw json.RawMessage, id string) bool {
	var comps []rawComponent
	if json.Unmarshal(raw, &comps) != nil {
		return false
	}
	for _, c := range comps {
		if c.CustomID != nil && *c.CustomID == id {
			return true
		}
		for _, sub := range c.Components {
			if hasCustomID(json.RawMessage("["+string(sub)+"]"), id) {
				return true
			}
		}
	}
	return false
}

// ---- the handle ----

// Discordgo decodes the dispatched payload as discordgo would.
func (h *Interaction) Discordgo() *discordgo.Interaction {
	var i discordgo.Interaction
	if err := json.Unmarshal(h.Payload, &i); err != nil {
		panic("discordtest: payload does not decode: " + err.Error())
	}
	return &i
}

func (h *Interaction) mine(c Call) bool { return c.InteractionID == h.ID }

// Calls returns every REST call addressed to this interaction (callback,
// @original, follow-ups), in arrival order.
func (h *Interaction) Calls() []Call { return h.srv.CallsMatching(h.mine) }

// Edits returns the successful PATCH calls on @original, in arrival order.
func (h *Interaction) Edits() []Call {
	return h.srv.CallsMatching(func(c Call) bool {
		return h.mine(c) && c.OK() && c.Method == "PATCH" && strings.HasSuffix(c.Path, "/messages/@original")
	})
}

// Callback is a decoded interaction callback.
type Callback struct {
	Call Call
	Type discordgo.InteractionResponseType
	// Message is data decoded as a message (content, embeds, components,
	// flags): set for types 4, 5, 7, and 9 (the modal's components).
	Message *discordgo.Message
	// Choices are the autocomplete results (type 8).
	Choices []*discordgo.ApplicationCommandOptionChoice
	// CustomID and Title of a modal (type 9).
	CustomID, Title string
}

// Callback waits for the first successful callback of this interaction.
func (h *Interaction) Callback(ctx context.Context) (*Callback, error) {
	c, err := h.srv.WaitFor(ctx, func(c Call) bool { return h.mine(c) && c.Route == routeCallback && c.OK() })
	if err != nil {
		return nil, fmt.Errorf("discordtest: waiting for the callback of interaction %s: %w", h.ID, err)
	}
	return decodeCallback(c)
}

func decodeCallback(c Call) (*Callback, error) {
	var cb struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data json.RawMessage                   `json:"data"`
	}
	if err := json.Unmarshal(c.JSON, &cb); err != nil {
		return nil, err
	}
	out := &Callback{Call: c, Type: cb.Type}
	if rawOptional(cb.Data) == nil {
		return out, nil
	}
	var extra struct {
		Choices  []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
		CustomID string                                      `json:"custom_id"`
		Title    string                                      `json:"title"`
	}
	if err := json.Unmarshal(cb.Data, &extra); err != nil {
		return nil, err
	}
	out.Choices, out.CustomID, out.Title = extra.Choices, extra.CustomID, extra.Title
	if cb.Type != discordgo.InteractionApplicationCommandAutocompleteResult {
		var m discordgo.Message
		if err := json.Unmarshal(cb.Data, &m); err != nil {
			return nil, err
		}
		out.Message = &m
	}
	return out, nil
}

// Original returns the current state of @original (after edits), or nil
// if there is none (not acknowledged, deferred update without message,
// or deleted).
func (h *Interaction) Original() *discordgo.Message {
	s := h.srv
	s.mu.Lock()
	m, ok := s.messages[h.st.originalID]
	if !ok || !h.st.acked {
		s.mu.Unlock()
		return nil
	}
	b := s.renderLocked(m, viewRaw)
	s.mu.Unlock()
	return decodeMessage(b)
}

// WaitOriginal blocks until @original exists and satisfies cond (nil cond:
// exists and is no longer "thinking") and returns it.
func (h *Interaction) WaitOriginal(ctx context.Context, cond func(*discordgo.Message) bool) (*discordgo.Message, error) {
	if cond == nil {
		cond = func(m *discordgo.Message) bool { return m.Flags&flagLoading == 0 }
	}
	var m *discordgo.Message
	err := h.srv.waitUntil(ctx, func() bool {
		m = h.Original()
		return m != nil && cond(m)
	})
	return m, err
}

// Followups returns the follow-up messages still stored, oldest first.
func (h *Interaction) Followups() []*discordgo.Message {
	s := h.srv
	s.mu.Lock()
	var bs [][]byte
	for _, id := range h.st.followups {
		if m, ok := s.messages[id]; ok {
			bs = append(bs, s.renderLocked(m, viewRaw))
		}
	}
	s.mu.Unlock()
	out := make([]*discordgo.Message, 0, len(bs))
	for _, b := range bs {
		out = append(out, decodeMessage(b))
	}
	return out
}

// ---- user messages ----

// MessageSpec describes a message a user posts.
type MessageSpec struct {
	Content string
	// Author defaults to Server.User().
	Author *discordgo.User
	// GuildID and ChannelID default to the server's; DM posts in a DM
	// channel with the author instead.
	GuildID, ChannelID string
	DM                 bool
	// ReplyTo is the id of an earlier message in the same channel; the
	// new message carries message_reference and referenced_message.
	ReplyTo string
	// NoReplyPing turns off the reply ping (by default replying pings the
	// replied-to author, e.g. the bot, which adds it to mentions).
	NoReplyPing bool
	// Mentions adds users to mentions; users mentioned in Content as
	// <@id> are added automatically.
	Mentions []*discordgo.User
	// Embeds are attached as is.
	Embeds []*discordgo.MessageEmbed
}

// PostMessage stores a user message and dispatches MESSAGE_CREATE. It
// returns the stored (unredacted) message. The error is ErrNotConnected
// without a client, ErrIntentMissing when the client's intents exclude the
// event (the message is stored anyway), or a spec error.
func (s *Server) PostMessage(spec MessageSpec) (*discordgo.Message, error) {
	author := s.user
	if spec.Author != nil {
		author = *spec.Author
	}
	s.mu.Lock()
	au := author
	s.users[au.ID] = &au
	ch, err := s.resolveChannelLocked(spec.GuildID, spec.ChannelID, spec.DM, author.ID)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	embeds := emptyArray
	if len(spec.Embeds) > 0 {
		embeds, _ = json.Marshal(spec.Embeds)
	}
	a := author
	m := &wireMessage{
		ID: s.nextID(), ChannelID: ch.ID, GuildID: ch.GuildID, Author: &a, Content: spec.Content,
		Timestamp: nowStamp(), MentionRoles: []string{}, Attachments: []wireAttachment{},
		Embeds: embeds, Components: emptyArray,
	}
	if ch.GuildID != "" {
		m.Member = &wireMember{Roles: []string{}, JoinedAt: s.started.UTC().Format(time.RFC3339)}
	}
	var replied *discordgo.User
	if spec.ReplyTo != "" {
		target, ok := s.messages[spec.ReplyTo]
		if !ok || target.ChannelID != ch.ID {
			s.mu.Unlock()
			return nil, fmt.Errorf("discordtest: ReplyTo %s is not a message in channel %s", spec.ReplyTo, ch.ID)
		}
		m.Type = int(discordgo.MessageTypeReply)
		m.MessageReference = &discordgo.MessageReference{MessageID: target.ID, ChannelID: target.ChannelID, GuildID: target.GuildID}
		if !spec.NoReplyPing {
			replied = target.Author
		}
	}
	m.Mentions = s.mentionsLocked(spec.Content, nil, replied)
	for _, u := range spec.Mentions {
		dup := false
		for _, x := range m.Mentions {
			dup = dup || x.ID == u.ID
		}
		if !dup {
			c := *u
			m.Mentions = append(m.Mentions, &c)
		}
	}
	s.messages[m.ID] = m
	b := s.renderLocked(m, viewRaw)
	s.mu.Unlock()
	s.notify()
	return decodeMessage(b), s.dispatchMessage(m)
}
