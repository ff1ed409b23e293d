package discordtest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/storybot/storybot/bot/discordtest"
)

func TestOpenReadyGuildCreateAndHeartbeats(t *testing.T) {
	t.Parallel()
	readyCh := make(chan *discordgo.Ready, 1)
	guildCh := make(chan *discordgo.GuildCreate, 1)
	srv, s := connect(t, discordtest.Options{HeartbeatInterval: 100 * time.Millisecond}, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { readyCh <- r })
		s.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { guildCh <- g })
	})

	r := recv(t, readyCh)
	if r.User == nil || r.User.ID != srv.AppID() || !r.User.Bot || r.User.Username != "storybot" {
		t.Errorf("READY user = %+v, want the bot %s", r.User, srv.AppID())
	}
	if r.SessionID == "" || r.Application == nil || r.Application.ID != srv.AppID() {
		t.Errorf("READY session %q application %+v", r.SessionID, r.Application)
	}
	// discordgo's state keeps READY's *Guild values and overwrites them
	// when GUILD_CREATE arrives: read them under the state lock.
	s.State.RLock()
	if len(r.Guilds) != 1 || r.Guilds[0].ID != srv.GuildID() {
		t.Errorf("READY guilds = %+v", r.Guilds)
	}
	s.State.RUnlock()
	g := recv(t, guildCh)
	if g.ID != srv.GuildID() || len(g.Channels) != 1 || g.Channels[0].ID != srv.ChannelID() {
		t.Errorf("GUILD_CREATE = %+v", g.Guild)
	}
	// The state got the bot user from READY.
	if s.State.User == nil || s.State.User.ID != srv.AppID() {
		t.Errorf("state user = %+v", s.State.User)
	}

	id, ok := srv.Identify()
	if !ok || id.Token != "Bot x" || id.Intents != discordgo.IntentsAllWithoutPrivileged {
		t.Errorf("IDENTIFY token %q intents %d, want %q %d", id.Token, id.Intents, "Bot x", discordgo.IntentsAllWithoutPrivileged)
	}
	if !strings.HasPrefix(id.Properties.Browser, "DiscordGo") {
		t.Errorf("IDENTIFY properties = %+v", id.Properties)
	}

	// discordgo reconnects when no ACK arrived for 5 intervals; after 8
	// acknowledged heartbeats it must still be on its first connection.
	st, err := srv.WaitGateway(ctxT(t), func(g discordtest.GatewayStats) bool { return g.Heartbeats >= 8 })
	if err != nil {
		t.Fatalf("%v: %+v", err, st)
	}
	if st.Connections != 1 || st.Identifies != 1 || !st.Connected {
		t.Errorf("after heartbeats: %+v, want one connection, one identify", st)
	}
	s.RLock()
	lastAck := s.LastHeartbeatAck
	s.RUnlock()
	if time.Since(lastAck) > 5*100*time.Millisecond+time.Second {
		t.Errorf("LastHeartbeatAck %v is stale", lastAck)
	}

	// The gateway URL came from GET /api/v9/gateway.
	if _, err := srv.WaitFor(ctxT(t), discordtest.Match("GET", "/api/v9/gateway")); err != nil {
		t.Fatal(err)
	}
}

func TestIdentifyRejections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     discordtest.Options
		token    string
		intents  discordgo.Intent
		wantCode string // close code in Open's error; "" = success
	}{
		{name: "default intents", token: "Bot x", intents: discordgo.IntentsAllWithoutPrivileged},
		{name: "message content not allowed", token: "Bot x", intents: discordgo.IntentsGuildMessages | discordgo.IntentMessageContent, wantCode: "4014"},
		{name: "message content allowed", opts: discordtest.Options{AllowedPrivilegedIntents: discordgo.IntentMessageContent}, token: "Bot x", intents: discordgo.IntentsGuildMessages | discordgo.IntentMessageContent},
		{name: "members not allowed", token: "Bot x", intents: discordgo.IntentsGuildMembers, wantCode: "4014"},
		{name: "wrong token", opts: discordtest.Options{Token: "secret"}, token: "Bot wrong", wantCode: "4004"},
		{name: "right token", opts: discordtest.Options{Token: "secret"}, token: "Bot secret", intents: discordgo.IntentsGuilds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := discordtest.Start(t, tc.opts)
			s := newSession(t, srv, tc.token)
			s.Identify.Intents = tc.intents
			err := s.Open()
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				closeOnCleanup(t, s)
				if err := srv.WaitReady(ctxT(t)); err != nil {
					t.Fatal(err)
				}
				if id, _ := srv.Identify(); id.Intents != tc.intents {
					t.Errorf("intents = %d, want %d", id.Intents, tc.intents)
				}
				return
			}
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded, want a close", tc.wantCode)
			}
			if !strings.Contains(err.Error(), tc.wantCode) {
				t.Errorf("Open error = %v, want close code %s", err, tc.wantCode)
			}
			if srv.GatewayStats().Connected {
				t.Error("server considers the rejected client connected")
			}
		})
	}
}

func TestReconnects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		do    func(*discordtest.Server) error
		until func(discordtest.GatewayStats) bool
	}{
		{
			name:  "dropped connection resumes",
			do:    (*discordtest.Server).DropConnection,
			until: func(g discordtest.GatewayStats) bool { return g.Resumes == 1 && g.Connected },
		},
		{
			name:  "op 7 reconnect resumes",
			do:    (*discordtest.Server).RequestReconnect,
			until: func(g discordtest.GatewayStats) bool { return g.Resumes == 1 && g.Connected },
		},
		{
			name:  "op 9 invalid session identifies again",
			do:    func(s *discordtest.Server) error { return s.InvalidateSession(false) },
			until: func(g discordtest.GatewayStats) bool { return g.Identifies == 2 && g.Connected },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan *discordgo.InteractionCreate, 1)
			srv, s := connect(t, discordtest.Options{}, func(s *discordgo.Session) {
				s.ShouldReconnectOnError = true
				s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { got <- i })
			})
			register(t, srv, s, srv.GuildID(), askCommands())
			if err := tc.do(srv); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.WaitGateway(ctxT(t), tc.until); err != nil {
				t.Fatalf("%v: %+v", err, srv.GatewayStats())
			}
			// Events flow on the new connection.
			in, err := srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "still there?"}})
			if err != nil {
				t.Fatal(err)
			}
			if i := recv(t, got); i.ID != in.ID {
				t.Errorf("got interaction %s, want %s", i.ID, in.ID)
			}
		})
	}
}

func TestDispatchWithoutClient(t *testing.T) {
	t.Parallel()
	srv := discordtest.New(t)
	if _, err := srv.Interact(discordtest.InteractionSpec{Command: "ask"}); err == nil {
		t.Error("Interact without a client and without commands succeeded")
	}
	if _, err := srv.PostMessage(discordtest.MessageSpec{Content: "hi"}); !errors.Is(err, discordtest.ErrNotConnected) {
		t.Errorf("PostMessage error = %v, want ErrNotConnected", err)
	}
	if err := srv.Dispatch("TYPING_START", map[string]any{}); !errors.Is(err, discordtest.ErrNotConnected) {
		t.Errorf("Dispatch error = %v, want ErrNotConnected", err)
	}
}
