package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// serveControl implements the /_test/ control API (Options.ControlAPI).
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/_test")
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && p == "/interact":
		s.ctlInteract(w, r)
	case r.Method == http.MethodPost && p == "/message":
		s.ctlMessage(w, r)
	case r.Method == http.MethodPost && p == "/fault":
		s.ctlFault(w, r)
	case r.Method == http.MethodGet && p == "/calls":
		since, _ := strconv.ParseInt(q.Get("since"), 10, 64)
		calls := s.CallsMatching(func(c Call) bool { return c.Seq > since })
		if calls == nil {
			calls = []Call{}
		}
		ctlJSON(w, 200, calls)
	case r.Method == http.MethodGet && p == "/wait":
		s.ctlWait(w, r)
	case r.Method == http.MethodGet && p == "/ready":
		ctx, cancel := ctlTimeout(r)
		defer cancel()
		if err := s.WaitReady(ctx); err != nil {
			ctlError(w, http.StatusGatewayTimeout, err)
			return
		}
		s.ctlGateway(w)
	case r.Method == http.MethodGet && p == "/gateway":
		s.ctlGateway(w)
	case r.Method == http.MethodGet && p == "/commands":
		cmds := s.Commands(q.Get("guild_id"))
		if cmds == nil {
			cmds = []*discordgo.ApplicationCommand{}
		}
		ctlJSON(w, 200, cmds)
	case r.Method == http.MethodGet && p == "/messages":
		ch := q.Get("channel_id")
		if ch == "" {
			ch = s.opts.ChannelID
		}
		s.mu.Lock()
		out := []json.RawMessage{}
		for _, m := range s.channelMessagesLocked(ch) {
			out = append(out, s.renderLocked(m, viewRaw))
		}
		s.mu.Unlock()
		ctlJSON(w, 200, out)
	case r.Method == http.MethodGet && strings.HasPrefix(p, "/interactions/"):
		s.ctlInteraction(w, r, strings.TrimPrefix(p, "/interactions/"))
	default:
		ctlJSON(w, http.StatusNotFound, map[string]string{"error": "unknown control endpoint " + r.Method + " " + r.URL.Path})
	}
}

func ctlJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		status, b = 500, []byte(`{"error":"marshal"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func ctlError(w http.ResponseWriter, status int, err error) {
	ctlJSON(w, status, map[string]string{"error": err.Error()})
}

// ctlTimeout reads ?timeout= (Go duration or seconds; default 10s).
func ctlTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	d := 10 * time.Second
	if t := r.URL.Query().Get("timeout"); t != "" {
		if pd, err := time.ParseDuration(t); err == nil {
			d = pd
		} else if secs, err := strconv.ParseFloat(t, 64); err == nil {
			d = time.Duration(secs * float64(time.Second))
		}
	}
	return context.WithTimeout(r.Context(), d)
}

func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

type ctlUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

func (u *ctlUser) user() *discordgo.User {
	if u == nil {
		return nil
	}
	return &discordgo.User{ID: u.ID, Username: u.Username, Discriminator: "0"}
}

func (s *Server) ctlInteract(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Type        int               `json:"type"`
		Command     string            `json:"command"`
		Options     map[string]any    `json:"options"`
		Focused     string            `json:"focused"`
		CustomID    string            `json:"custom_id"`
		Values      []string          `json:"values"`
		MessageID   string            `json:"message_id"`
		Fields      map[string]string `json:"fields"`
		Locale      string            `json:"locale"`
		GuildLocale string            `json:"guild_locale"`
		User        *ctlUser          `json:"user"`
		GuildID     string            `json:"guild_id"`
		ChannelID   string            `json:"channel_id"`
		DM          bool              `json:"dm"`
	}
	if err := decodeStrict(r, &in); err != nil {
		ctlError(w, http.StatusBadRequest, err)
		return
	}
	h, err := s.Interact(InteractionSpec{
		Type: discordgo.InteractionType(in.Type), Command: in.Command, Options: in.Options, Focused: in.Focused,
		CustomID: in.CustomID, Values: in.Values, MessageID: in.MessageID, Fields: in.Fields,
		Locale: discordgo.Locale(in.Locale), GuildLocale: discordgo.Locale(in.GuildLocale),
		User: in.User.user(), GuildID: in.GuildID, ChannelID: in.ChannelID, DM: in.DM,
	})
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, ErrNotConnected) {
			status = http.StatusServiceUnavailable
		}
		ctlError(w, status, err)
		return
	}
	ctlJSON(w, 200, map[string]any{"id": h.ID, "token": h.Token, "type": h.Type, "guild_id": h.GuildID, "channel_id": h.ChannelID})
}

func (s *Server) ctlMessage(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Content     string   `json:"content"`
		Author      *ctlUser `json:"author"`
		GuildID     string   `json:"guild_id"`
		ChannelID   string   `json:"channel_id"`
		ReplyTo     string   `json:"reply_to"`
		NoReplyPing bool     `json:"no_reply_ping"`
		DM          bool     `json:"dm"`
		MentionBot  bool     `json:"mention_bot"`
	}
	if err := decodeStrict(r, &in); err != nil {
		ctlError(w, http.StatusBadRequest, err)
		return
	}
	content := in.Content
	if in.MentionBot && !strings.Contains(content, s.BotMention()) {
		content = s.BotMention() + " " + content
	}
	m, err := s.PostMessage(MessageSpec{Content: content, Author: in.Author.user(), GuildID: in.GuildID, ChannelID: in.ChannelID,
		ReplyTo: in.ReplyTo, NoReplyPing: in.NoReplyPing, DM: in.DM})
	if m == nil {
		ctlError(w, http.StatusBadRequest, err)
		return
	}
	out := map[string]any{"message": s.rawMessage(m.ID)}
	if err != nil {
		out["dispatch_error"] = err.Error()
	}
	ctlJSON(w, 200, out)
}

func (s *Server) rawMessage(id string) json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages[id]
	if !ok {
		return json.RawMessage("null")
	}
	return s.renderLocked(m, viewRaw)
}

func (s *Server) ctlFault(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Method       string  `json:"method"`
		Path         string  `json:"path"`
		Status       int     `json:"status"`
		RetryAfterMs float64 `json:"retry_after_ms"`
		DelayMs      float64 `json:"delay_ms"`
		Global       bool    `json:"global"`
		Times        int     `json:"times"`
	}
	if err := decodeStrict(r, &in); err != nil {
		ctlError(w, http.StatusBadRequest, err)
		return
	}
	s.Inject(Fault{Method: in.Method, Path: in.Path, Status: in.Status, Global: in.Global, Times: in.Times,
		RetryAfter: time.Duration(in.RetryAfterMs * float64(time.Millisecond)),
		Delay:      time.Duration(in.DelayMs * float64(time.Millisecond))})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlGateway(w http.ResponseWriter) {
	out := map[string]any{"stats": s.GatewayStats(), "identifies": s.Identifies()}
	if id, ok := s.Identify(); ok {
		out["intents"] = id.Intents
		out["properties"] = id.Properties
	}
	ctlJSON(w, 200, out)
}

// ctlWait blocks until a call matches ?method= ?path= (glob) ?status=
// ?interaction= with seq > ?since=.
func (s *Server) ctlWait(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, _ := strconv.ParseInt(q.Get("since"), 10, 64)
	status, _ := strconv.Atoi(q.Get("status"))
	match := Match(q.Get("method"), q.Get("path"))
	inter := q.Get("interaction")
	ctx, cancel := ctlTimeout(r)
	defer cancel()
	c, err := s.WaitFor(ctx, func(c Call) bool {
		return c.Seq > since && match(c) && (status == 0 || c.Status == status) && (inter == "" || c.InteractionID == inter)
	})
	if err != nil {
		ctlError(w, http.StatusGatewayTimeout, err)
		return
	}
	ctlJSON(w, 200, c)
}

// ctlInteraction reports an interaction's state; ?wait=1 first waits until
// @original exists and is not "thinking" any more.
func (s *Server) ctlInteraction(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	var st *interactionState
	for _, x := range s.interactions {
		if x.id == id {
			st = x
		}
	}
	s.mu.Unlock()
	if st == nil {
		ctlJSON(w, http.StatusNotFound, map[string]string{"error": "unknown interaction " + id})
		return
	}
	h := &Interaction{ID: st.id, Token: st.token, Type: st.typ, srv: s, st: st}
	if v := r.URL.Query().Get("wait"); v != "" && v != "0" && v != "false" {
		ctx, cancel := ctlTimeout(r)
		defer cancel()
		if _, err := h.WaitOriginal(ctx, nil); err != nil {
			ctlError(w, http.StatusGatewayTimeout, err)
			return
		}
	}
	out := map[string]any{"id": st.id}
	s.mu.Lock()
	out["acknowledged"] = st.acked
	if st.acked {
		out["callback_type"] = st.ackType
	}
	if m, ok := s.messages[st.originalID]; ok && st.acked {
		out["original"] = json.RawMessage(s.renderLocked(m, viewRaw))
	}
	fus := []json.RawMessage{}
	for _, fid := range st.followups {
		if m, ok := s.messages[fid]; ok {
			fus = append(fus, s.renderLocked(m, viewRaw))
		}
	}
	out["followups"] = fus
	s.mu.Unlock()
	ctlJSON(w, 200, out)
}
