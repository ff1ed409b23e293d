package discordtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

const websocketCloseGoingAway = websocket.CloseGoingAway

// privilegedIntents need approval in the developer portal.
const privilegedIntents = discordgo.IntentGuildMembers | discordgo.IntentGuildPresences | discordgo.IntentMessageContent

// GatewayStats counts what happened on the gateway.
type GatewayStats struct {
	Connections int   // websocket connections accepted
	Identifies  int   // op 2 IDENTIFY received
	Ready       int   // READY dispatches sent
	Resumes     int   // op 6 RESUME answered with RESUMED
	Heartbeats  int   // op 1 heartbeats received and acknowledged with op 11
	Dispatches  int   // op 0 dispatches sent (READY, GUILD_CREATE, ... included)
	Connected   bool  // a client is identified (or resumed) on an open connection
	Shards      []int `json:",omitempty"` // shard ids identified (count > 1) on open connections
}

type gwSession struct {
	id      string
	intents discordgo.Intent
	shard   [2]int // [id, count]; [0, 1] unsharded
	seq     atomic.Int64
}

type gwConn struct {
	s         *Server
	ws        *websocket.Conn
	wmu       sync.Mutex                // gorilla allows one concurrent writer
	sess      atomic.Pointer[gwSession] // set before the conn becomes current
	closeOnce sync.Once
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *string         `json:"t"`
}

func (c *gwConn) write(f frame) error {
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func (c *gwConn) op(op int, d any) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return c.write(frame{Op: op, D: b})
}

// dispatch sends an op 0 event; the sequence number is taken under the
// write lock so frames leave in sequence order.
func (c *gwConn) dispatch(event string, d any) error {
	var b []byte
	switch v := d.(type) {
	case json.RawMessage:
		b = v
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(d); err != nil {
			return err
		}
	}
	sess := c.sess.Load()
	if sess == nil {
		return ErrNotConnected
	}
	c.wmu.Lock()
	seq := sess.seq.Add(1)
	msg, err := json.Marshal(frame{Op: 0, D: b, S: &seq, T: &event})
	if err == nil {
		_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		err = c.ws.WriteMessage(websocket.TextMessage, msg)
	}
	c.wmu.Unlock()
	if err == nil {
		c.s.mu.Lock()
		c.s.gw.Dispatches++
		c.s.mu.Unlock()
	}
	return err
}

// close sends a close frame with code and closes the connection.
func (c *gwConn) close(code int, text string) {
	c.closeOnce.Do(func() {
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
		_ = c.ws.Close()
	})
}

var upgrader = websocket.Upgrader{
	CheckOrigin:     func(*http.Request) bool { return true },
	ReadBufferSize:  4096,
	WriteBufferSize: 4096,
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "server closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &gwConn{s: s, ws: ws}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.gw.Connections++
	s.mu.Unlock()
	s.notify()
	defer func() {
		_ = ws.Close()
		s.mu.Lock()
		delete(s.conns, c)
		if s.current == c {
			s.current = nil
		}
		s.dropShardConnLocked(c)
		s.mu.Unlock()
		s.notify()
	}()

	if err := c.op(10, map[string]any{"heartbeat_interval": s.opts.HeartbeatInterval.Milliseconds()}); err != nil {
		return
	}
	ws.SetReadLimit(4 << 20)
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			c.close(4002, "Error while decoding payload.")
			return
		}
		switch f.Op {
		case 1: // heartbeat
			if c.op(11, nil) != nil {
				return
			}
			s.mu.Lock()
			s.gw.Heartbeats++
			s.mu.Unlock()
			s.notify()
		case 2:
			if !s.handleIdentify(c, f.D) {
				return
			}
		case 6:
			if !s.handleResume(c, f.D) {
				return
			}
		case 3: // presence update
			s.mu.Lock()
			s.presence = append([]byte(nil), f.D...)
			s.mu.Unlock()
			s.notify()
		case 4, 8: // voice state, request guild members: accepted, ignored
		default:
			c.close(4001, "Unknown opcode.")
			return
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) tokenOK(tok string) bool {
	return s.opts.Token == "" || tok == s.opts.Token || tok == "Bot "+s.opts.Token
}

func (s *Server) handleIdentify(c *gwConn, d json.RawMessage) bool {
	// Not straight into discordgo.Identify: discordgo marshals
	// presence.game.created_at as an RFC 3339 string but unmarshals it only
	// from an integer, so its own IDENTIFY does not decode.
	var raw struct {
		Token          string                       `json:"token"`
		Properties     discordgo.IdentifyProperties `json:"properties"`
		Compress       bool                         `json:"compress"`
		LargeThreshold int                          `json:"large_threshold"`
		Shard          *[2]int                      `json:"shard"`
		Intents        discordgo.Intent             `json:"intents"`
	}
	if json.Unmarshal(d, &raw) != nil {
		c.close(4002, "Error while decoding payload.")
		return false
	}
	id := discordgo.Identify{Token: raw.Token, Properties: raw.Properties, Compress: raw.Compress,
		LargeThreshold: raw.LargeThreshold, Shard: raw.Shard, Intents: raw.Intents}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	s.mu.Lock()
	already := c.sess.Load() != nil
	s.gw.Identifies++
	s.identify = &id
	s.identifies = append(s.identifies, IdentifyRecord{Shard: shard, At: time.Now()})
	s.startsLeft = max(s.startsLeft-1, 0)
	s.mu.Unlock()
	s.notify()
	switch {
	case already:
		c.close(4005, "Already authenticated.")
		return false
	case shard[1] < 1 || shard[0] < 0 || shard[0] >= shard[1]:
		c.close(4010, "Invalid shard.")
		return false
	case !s.tokenOK(id.Token):
		c.close(4004, "Authentication failed.")
		return false
	case s.opts.IdentifyCloseCode != 0:
		c.close(s.opts.IdentifyCloseCode, "Closed by the test.")
		return false
	case id.Intents&privilegedIntents&^s.opts.AllowedPrivilegedIntents != 0:
		c.close(4014, "Disallowed intent(s).")
		return false
	}
	sess := &gwSession{id: randomHex(16), intents: id.Intents, shard: shard}
	s.mu.Lock()
	c.sess.Store(sess)
	s.sessions[sess.id] = sess
	s.mu.Unlock()

	bot := s.bot
	guilds := []any{}
	for _, g := range s.guildsOfShard(shard) {
		guilds = append(guilds, map[string]any{"id": g, "unavailable": true})
	}
	ready := map[string]any{
		"v":                   9,
		"user":                &bot,
		"guilds":              guilds,
		"session_id":          sess.id,
		"resume_gateway_url":  s.GatewayURL(),
		"application":         map[string]any{"id": s.opts.AppID, "flags": 0},
		"private_channels":    []any{},
		"presences":           []any{},
		"relationships":       []any{},
		"user_settings":       map[string]any{},
		"guild_join_requests": []any{},
	}
	if id.Shard != nil {
		ready["shard"] = id.Shard
	}
	if c.dispatch("READY", ready) != nil {
		return false
	}
	if id.Intents&discordgo.IntentGuilds != 0 {
		for _, g := range s.guildsOfShard(shard) {
			if c.dispatch("GUILD_CREATE", s.guildCreate(g)) != nil {
				return false
			}
		}
	}
	s.mu.Lock()
	s.current = c
	s.setShardConnLocked(c, shard)
	s.gw.Ready++
	s.mu.Unlock()
	s.notify()
	return true
}

func (s *Server) guildCreate(guildID string) map[string]any {
	g := s.guildObject(guildID)
	joined := s.started.UTC().Format(time.RFC3339)
	s.mu.Lock()
	chans := []any{}
	for _, c := range s.channels {
		if c.GuildID == guildID {
			chans = append(chans, c.wire())
		}
	}
	s.mu.Unlock()
	bot := s.bot
	g["joined_at"] = joined
	g["large"] = false
	g["unavailable"] = false
	g["channels"] = chans
	g["threads"] = []any{}
	g["members"] = []any{map[string]any{"user": &bot, "roles": []string{}, "joined_at": joined, "deaf": false, "mute": false, "flags": 0}}
	g["voice_states"] = []any{}
	g["presences"] = []any{}
	g["stage_instances"] = []any{}
	g["guild_scheduled_events"] = []any{}
	return g
}

func (s *Server) handleResume(c *gwConn, d json.RawMessage) bool {
	var rp struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
		Seq       int64  `json:"seq"`
	}
	if json.Unmarshal(d, &rp) != nil {
		c.close(4002, "Error while decoding payload.")
		return false
	}
	s.mu.Lock()
	sess := s.sessions[rp.SessionID]
	already := c.sess.Load() != nil
	s.mu.Unlock()
	if already {
		c.close(4005, "Already authenticated.")
		return false
	}
	if sess == nil || !s.tokenOK(rp.Token) {
		// Not resumable: the client must IDENTIFY again.
		return c.op(9, false) == nil
	}
	c.sess.Store(sess)
	if c.dispatch("RESUMED", map[string]any{}) != nil {
		return false
	}
	s.mu.Lock()
	s.current = c
	s.setShardConnLocked(c, sess.shard)
	s.gw.Resumes++
	s.mu.Unlock()
	s.notify()
	return true
}

func (s *Server) currentConn() *gwConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// Dispatch sends a raw op 0 event to the connected client. data is
// marshalled to JSON (json.RawMessage and []byte are sent as is).
func (s *Server) Dispatch(event string, data any) error {
	c := s.currentConn()
	if c == nil {
		return ErrNotConnected
	}
	return c.dispatch(event, data)
}

// GatewayStats returns the gateway counters.
func (s *Server) GatewayStats() GatewayStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.gw
	st.Connected = s.current != nil || len(s.shardConns) > 0
	if s.shardCount > 1 {
		st.Shards = s.connectedShardsLocked()
	}
	return st
}

// WaitGateway blocks until cond holds for the gateway counters.
func (s *Server) WaitGateway(ctx context.Context, cond func(GatewayStats) bool) (GatewayStats, error) {
	var st GatewayStats
	err := s.waitUntil(ctx, func() bool {
		st = s.GatewayStats()
		return cond(st)
	})
	return st, err
}

// WaitReady blocks until a client has IDENTIFYed (or RESUMEd) and got
// READY (or RESUMED) on a connection that is still open.
func (s *Server) WaitReady(ctx context.Context) error {
	_, err := s.WaitGateway(ctx, func(g GatewayStats) bool { return g.Connected })
	return err
}

// Identify returns the last IDENTIFY payload (token, intents,
// properties, shard; not the presence) and whether there was one.
func (s *Server) Identify() (discordgo.Identify, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.identify == nil {
		return discordgo.Identify{}, false
	}
	return *s.identify, true
}

// Presence returns the "d" of the last op 3 presence update, or nil.
func (s *Server) Presence() json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(json.RawMessage(nil), s.presence...)
}

// DropConnection closes the client's gateway connection abruptly (no
// close frame), as a network failure would; discordgo reconnects and
// RESUMEs.
func (s *Server) DropConnection() error {
	c := s.currentConn()
	if c == nil {
		return ErrNotConnected
	}
	c.closeOnce.Do(func() { _ = c.ws.Close() })
	return nil
}

// CloseGateway closes the client's connection with a close code, e.g.
// 4000 (unknown error, resumable) or 4004 (authentication failed).
func (s *Server) CloseGateway(code int, reason string) error {
	c := s.currentConn()
	if c == nil {
		return ErrNotConnected
	}
	c.close(code, reason)
	return nil
}

// RequestReconnect sends op 7 RECONNECT; discordgo closes the connection
// and RESUMEs on a new one.
func (s *Server) RequestReconnect() error {
	c := s.currentConn()
	if c == nil {
		return ErrNotConnected
	}
	return c.op(7, nil)
}

// InvalidateSession sends op 9 INVALID_SESSION; discordgo answers with a
// new IDENTIFY on the same connection.
func (s *Server) InvalidateSession(resumable bool) error {
	c := s.currentConn()
	if c == nil {
		return ErrNotConnected
	}
	s.mu.Lock()
	c.sess.Store(nil) // a new IDENTIFY is allowed now
	if s.current == c {
		s.current = nil
	}
	s.dropShardConnLocked(c)
	s.mu.Unlock()
	s.notify()
	return c.op(9, resumable)
}

// dispatchMessage sends MESSAGE_CREATE for a stored message, as the bot is
// allowed to see it, if the client's intents cover it.
func (s *Server) dispatchMessage(m *wireMessage) error {
	c := s.connForGuild(m.GuildID)
	if c == nil {
		return ErrNotConnected
	}
	s.mu.Lock()
	need := discordgo.IntentGuildMessages
	if m.GuildID == "" {
		need = discordgo.IntentDirectMessages
	}
	var intents discordgo.Intent
	if sess := c.sess.Load(); sess != nil {
		intents = sess.intents
	}
	body := s.renderLocked(m, viewGateway)
	s.mu.Unlock()
	if intents&need == 0 {
		return ErrIntentMissing
	}
	return c.dispatch("MESSAGE_CREATE", json.RawMessage(body))
}

// setShardConnLocked makes c the connection of its shard when the client
// identified with a shard count above one.
func (s *Server) setShardConnLocked(c *gwConn, shard [2]int) {
	if shard[1] <= 1 {
		return
	}
	if shard[1] != s.shardCount {
		// A new shard count (a resharded client): forget the old shards.
		clear(s.shardConns)
		s.shardCount = shard[1]
	}
	s.shardConns[shard[0]] = c
}

func (s *Server) dropShardConnLocked(c *gwConn) {
	for id, sc := range s.shardConns {
		if sc == c {
			delete(s.shardConns, id)
		}
	}
}
