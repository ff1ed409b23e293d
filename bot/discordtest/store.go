package discordtest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Message flags the fake cares about.
const (
	flagEphemeral = 1 << 6
	flagLoading   = 1 << 7
)

type channelInfo struct {
	ID, GuildID, Name string
	RecipientID       string // DM channels
}

func (c *channelInfo) wire() map[string]any {
	if c.GuildID == "" {
		return map[string]any{"id": c.ID, "type": 1, "recipients": []any{map[string]any{"id": c.RecipientID}}}
	}
	return map[string]any{"id": c.ID, "type": 0, "guild_id": c.GuildID, "name": c.Name, "position": 0, "nsfw": false, "permission_overwrites": []any{}}
}

type wireAttachment struct {
	ID          string `json:"id"`
	Filename    string `json:"filename"`
	Size        int    `json:"size"`
	URL         string `json:"url"`
	ProxyURL    string `json:"proxy_url"`
	ContentType string `json:"content_type,omitempty"`
}

type wireMember struct {
	Roles       []string        `json:"roles"`
	JoinedAt    string          `json:"joined_at"`
	Deaf        bool            `json:"deaf"`
	Mute        bool            `json:"mute"`
	Flags       int             `json:"flags"`
	Permissions string          `json:"permissions,omitempty"`
	User        *discordgo.User `json:"user,omitempty"`
}

// wireMessage is how the fake stores a message: the JSON Discord would
// send (discordgo.Message cannot marshal its components).
type wireMessage struct {
	ID                  string                      `json:"id"`
	Type                int                         `json:"type"`
	ChannelID           string                      `json:"channel_id"`
	GuildID             string                      `json:"guild_id,omitempty"`
	Author              *discordgo.User             `json:"author"`
	Member              *wireMember                 `json:"member,omitempty"`
	Content             string                      `json:"content"`
	Timestamp           string                      `json:"timestamp"`
	EditedTimestamp     *string                     `json:"edited_timestamp"`
	TTS                 bool                        `json:"tts"`
	MentionEveryone     bool                        `json:"mention_everyone"`
	Mentions            []*discordgo.User           `json:"mentions"`
	MentionRoles        []string                    `json:"mention_roles"`
	Attachments         []wireAttachment            `json:"attachments"`
	Embeds              json.RawMessage             `json:"embeds"`
	Components          json.RawMessage             `json:"components"`
	Flags               int                         `json:"flags"`
	Pinned              bool                        `json:"pinned"`
	WebhookID           string                      `json:"webhook_id,omitempty"`
	ApplicationID       string                      `json:"application_id,omitempty"`
	MessageReference    *discordgo.MessageReference `json:"message_reference,omitempty"`
	ReferencedMessage   *wireMessage                `json:"referenced_message,omitempty"`
	InteractionMetadata *wireInteractionMetadata    `json:"interaction_metadata,omitempty"`
	Poll                json.RawMessage             `json:"poll,omitempty"`
}

// wireInteractionMetadata is a message's interaction_metadata as Discord
// sends it (the bot never reads it; discordgo v0.28.1 has no type for it).
type wireInteractionMetadata struct {
	ID                           string                    `json:"id"`
	Type                         discordgo.InteractionType `json:"type"`
	User                         *discordgo.User           `json:"user"`
	AuthorizingIntegrationOwners map[string]string         `json:"authorizing_integration_owners"`
	OriginalResponseMessageID    string                    `json:"original_response_message_id,omitempty"`
	InteractedMessageID          string                    `json:"interacted_message_id,omitempty"`
}

type viewMode int

const (
	viewRaw     viewMode = iota // everything, for test assertions
	viewREST                    // as the bot sees it over REST
	viewGateway                 // as the bot sees it in MESSAGE_CREATE
)

var emptyArray = json.RawMessage("[]")

func nowStamp() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// contentVisibleLocked applies Discord's message-content rule: without the
// MessageContent intent a bot sees content, embeds, attachments, components
// and polls only of its own messages, DMs, and messages mentioning it.
func (s *Server) contentVisibleLocked(m *wireMessage, mode viewMode) bool {
	if mode == viewRaw || m.GuildID == "" || (m.Author != nil && m.Author.ID == s.bot.ID) {
		return true
	}
	for _, u := range m.Mentions {
		if u != nil && u.ID == s.bot.ID {
			return true
		}
	}
	allowed := s.opts.AllowedPrivilegedIntents&discordgo.IntentMessageContent != 0
	if mode == viewGateway {
		allowed = allowed && s.identify != nil && s.identify.Intents&discordgo.IntentMessageContent != 0
	}
	return allowed
}

func (s *Server) viewLocked(m *wireMessage, mode viewMode) wireMessage {
	v := *m
	v.ReferencedMessage = nil
	if !s.contentVisibleLocked(m, mode) {
		v.Content = ""
		v.Embeds = emptyArray
		v.Components = emptyArray
		v.Attachments = []wireAttachment{}
		v.Poll = nil
	}
	return v
}

// renderLocked returns the message JSON, with referenced_message filled in
// (one level deep) like Discord does.
func (s *Server) renderLocked(m *wireMessage, mode viewMode) []byte {
	v := s.viewLocked(m, mode)
	if m.MessageReference != nil {
		if ref, ok := s.messages[m.MessageReference.MessageID]; ok {
			r := s.viewLocked(ref, mode)
			v.ReferencedMessage = &r
		}
	}
	b, err := marshal(v)
	if err != nil {
		panic("discordtest: marshal message: " + err.Error())
	}
	return b
}

// marshal is json.Marshal without HTML escaping, so "<@id>" stays
// readable in recorded responses and the control API.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func decodeMessage(b []byte) *discordgo.Message {
	var m discordgo.Message
	if err := json.Unmarshal(b, &m); err != nil {
		panic("discordtest: stored message does not decode: " + err.Error())
	}
	return &m
}

func (s *Server) channelMessagesLocked(channelID string) []*wireMessage {
	var out []*wireMessage
	for _, m := range s.messages {
		if m.ChannelID == channelID {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return snowLess(out[i].ID, out[j].ID) })
	return out
}

func snowLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) userLocked(id string) *discordgo.User {
	if u, ok := s.users[id]; ok {
		c := *u
		return &c
	}
	return &discordgo.User{ID: id, Username: "user" + id, Discriminator: "0"}
}

var mentionRE = regexp.MustCompile(`<@!?(\d+)>`)

// allowedMentions mirrors the allowed_mentions object; nil means absent.
type allowedMentions struct {
	Parse       []string `json:"parse"`
	Users       []string `json:"users"`
	Roles       []string `json:"roles"`
	RepliedUser *bool    `json:"replied_user"`
}

// mentionsLocked computes the users a message pings: user mentions in the
// content and the replied-to author, filtered by allowed_mentions.
func (s *Server) mentionsLocked(content string, am *allowedMentions, replied *discordgo.User) []*discordgo.User {
	out := []*discordgo.User{}
	seen := map[string]bool{}
	add := func(u *discordgo.User) {
		if u != nil && !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u)
		}
	}
	parseUsers := am == nil
	allowedIDs := map[string]bool{}
	if am != nil {
		for _, p := range am.Parse {
			if p == "users" {
				parseUsers = true
			}
		}
		for _, id := range am.Users {
			allowedIDs[id] = true
		}
	}
	for _, sm := range mentionRE.FindAllStringSubmatch(content, -1) {
		if parseUsers || allowedIDs[sm[1]] {
			add(s.userLocked(sm[1]))
		}
	}
	// Replies ping the replied-to author unless allowed_mentions is
	// present without replied_user: true.
	if replied != nil && (am == nil || (am.RepliedUser != nil && *am.RepliedUser)) {
		add(replied)
	}
	return out
}

// msgPayload is a decoded message create/edit body. present tells which
// keys the body contained (edits only change those).
type msgPayload struct {
	Content          *string                     `json:"content"`
	Embeds           json.RawMessage             `json:"embeds"`
	Components       json.RawMessage             `json:"components"`
	Flags            *int                        `json:"flags"`
	TTS              bool                        `json:"tts"`
	MessageReference *discordgo.MessageReference `json:"message_reference"`
	AllowedMentions  *allowedMentions            `json:"allowed_mentions"`
	Poll             json.RawMessage             `json:"poll"`
	StickerIDs       []string                    `json:"sticker_ids"`

	present map[string]bool
}

func decodeMsgPayload(b []byte) (*msgPayload, *apiErr) {
	p := &msgPayload{present: map[string]bool{}}
	if len(bytes.TrimSpace(b)) == 0 {
		return p, nil
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, errBadJSON()
	}
	for k := range keys {
		p.present[k] = true
	}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, errBadJSON()
	}
	return p, nil
}

func rawArray(r json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(r)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return emptyArray
	}
	return append(json.RawMessage(nil), t...)
}

func rawOptional(r json.RawMessage) json.RawMessage {
	t := bytes.TrimSpace(r)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return nil
	}
	return append(json.RawMessage(nil), t...)
}

func (s *Server) attachments(files []File) []wireAttachment {
	out := []wireAttachment{}
	for _, f := range files {
		id := s.nextID()
		url := s.origin + "/attachments/" + id + "/" + f.Filename
		out = append(out, wireAttachment{ID: id, Filename: f.Filename, Size: len(f.Data), URL: url, ProxyURL: url, ContentType: f.ContentType})
	}
	return out
}

// newMessageLocked validates p and stores a new message from author in ch.
func (s *Server) newMessageLocked(ch *channelInfo, author *discordgo.User, p *msgPayload, files []File) (*wireMessage, *apiErr) {
	if !s.opts.DisableValidation {
		if e := validateMessage(p, true, len(files) > 0); e != nil {
			return nil, e
		}
	}
	m := &wireMessage{
		ID:           s.nextID(),
		ChannelID:    ch.ID,
		GuildID:      ch.GuildID,
		Author:       author,
		Timestamp:    nowStamp(),
		MentionRoles: []string{},
		Attachments:  s.attachments(files),
		Embeds:       rawArray(p.Embeds),
		Components:   rawArray(p.Components),
		TTS:          p.TTS,
		Poll:         rawOptional(p.Poll),
	}
	if p.Content != nil {
		m.Content = *p.Content
	}
	if p.Flags != nil {
		m.Flags = *p.Flags
	}
	var replied *discordgo.User
	if ref := p.MessageReference; ref != nil && ref.MessageID != "" {
		target, ok := s.messages[ref.MessageID]
		if !ok || target.ChannelID != ch.ID {
			if ref.FailIfNotExists == nil || *ref.FailIfNotExists {
				return nil, invalidForm("message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
			}
		} else {
			m.Type = int(discordgo.MessageTypeReply)
			m.MessageReference = &discordgo.MessageReference{MessageID: target.ID, ChannelID: target.ChannelID, GuildID: target.GuildID}
			replied = target.Author
		}
	}
	m.Mentions = s.mentionsLocked(m.Content, p.AllowedMentions, replied)
	s.messages[m.ID] = m
	return m, nil
}

// editMessageLocked applies the keys present in p to m.
func (s *Server) editMessageLocked(orig *wireMessage, p *msgPayload, files []File) *apiErr {
	if !s.opts.DisableValidation {
		if e := validateMessage(p, false, len(files) > 0); e != nil {
			return e
		}
	}
	cp := *orig
	m := &cp
	if p.present["content"] {
		m.Content = ""
		if p.Content != nil {
			m.Content = *p.Content
		}
		var replied *discordgo.User
		if m.MessageReference != nil {
			if t, ok := s.messages[m.MessageReference.MessageID]; ok {
				replied = t.Author
			}
		}
		m.Mentions = s.mentionsLocked(m.Content, p.AllowedMentions, replied)
	}
	if p.present["embeds"] {
		m.Embeds = rawArray(p.Embeds)
	}
	if p.present["components"] {
		m.Components = rawArray(p.Components)
	}
	if p.present["poll"] {
		m.Poll = rawOptional(p.Poll)
	}
	if p.Flags != nil {
		// Only SUPPRESS_EMBEDS can change on edit; keep the rest.
		m.Flags = m.Flags&^4 | *p.Flags&4
	}
	if len(files) > 0 {
		m.Attachments = append(m.Attachments, s.attachments(files)...)
	}
	m.Flags &^= flagLoading
	ts := nowStamp()
	m.EditedTimestamp = &ts
	if !s.opts.DisableValidation {
		if e := validateStored(m); e != nil {
			return e
		}
	}
	*orig = cp
	return nil
}

// knownChannelLocked returns the channel or nil.
func (s *Server) knownChannelLocked(id string) *channelInfo {
	return s.channels[id]
}
