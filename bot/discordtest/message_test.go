package discordtest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/storybot/storybot/bot/discordtest"
)

func TestMentionsRepliesAndContentIntent(t *testing.T) {
	t.Parallel()
	created := make(chan *discordgo.MessageCreate, 8)
	srv, s := connect(t, discordtest.Options{}, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { created <- m })
	})

	// A mention of the bot is delivered with content.
	q, err := srv.PostMessage(discordtest.MessageSpec{Content: srv.BotMention() + " tell me a story"})
	if err != nil {
		t.Fatal(err)
	}
	m := recv(t, created)
	if m.ID != q.ID || m.Content != q.Content || len(m.Mentions) != 1 || m.Mentions[0].ID != srv.AppID() ||
		m.Author.ID != srv.User().ID || m.GuildID != srv.GuildID() || m.Member == nil {
		t.Fatalf("MESSAGE_CREATE = %+v", m.Message)
	}

	// Without the MessageContent intent other messages arrive empty.
	if _, err := srv.PostMessage(discordtest.MessageSpec{Content: "just chatting"}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, created); m.Content != "" {
		t.Errorf("unmentioned message content = %q, want it redacted", m.Content)
	}

	// The bot replies; the user replies to the reply (pinging the bot).
	answer, err := s.ChannelMessageSendComplex(srv.ChannelID(), &discordgo.MessageSend{
		Content: "Once upon a time <@" + srv.User().ID + ">", AllowedMentions: noPings, Reference: q.Reference(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if answer.MessageReference == nil || answer.MessageReference.MessageID != q.ID || answer.ReferencedMessage == nil ||
		answer.Type != discordgo.MessageTypeReply || len(answer.Mentions) != 0 {
		t.Errorf("bot reply = %+v", answer)
	}
	follow, err := srv.PostMessage(discordtest.MessageSpec{Content: "and then?", ReplyTo: answer.ID})
	if err != nil {
		t.Fatal(err)
	}
	m = recv(t, created)
	if m.ID != follow.ID || m.Content != "and then?" || m.ReferencedMessage == nil || m.ReferencedMessage.ID != answer.ID {
		t.Fatalf("reply MESSAGE_CREATE = %+v", m.Message)
	}

	// Walk the reply chain over REST as the bot would.
	var chain []string
	for ref := m.MessageReference; ref != nil; {
		msg, err := s.ChannelMessage(ref.ChannelID, ref.MessageID)
		if err != nil {
			t.Fatal(err)
		}
		chain = append(chain, msg.Content)
		ref = msg.MessageReference
	}
	if want := []string{answer.Content, q.Content}; strings.Join(chain, "|") != strings.Join(want, "|") {
		t.Errorf("chain = %q, want %q", chain, want)
	}

	// A reply without ping does not mention the bot, so it is redacted.
	if _, err := srv.PostMessage(discordtest.MessageSpec{Content: "quiet", ReplyTo: answer.ID, NoReplyPing: true}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, created); m.Content != "" || m.ReferencedMessage == nil {
		t.Errorf("no-ping reply = %+v", m.Message)
	}

	// The bot pinging without allowed_mentions shows up in mentions.
	ping, err := s.ChannelMessageSend(srv.ChannelID(), "hey <@"+srv.User().ID+">")
	if err != nil {
		t.Fatal(err)
	}
	if len(ping.Mentions) != 1 {
		t.Errorf("mentions without allowed_mentions = %+v", ping.Mentions)
	}
	c, err := srv.WaitFor(ctxT(t), func(c discordtest.Call) bool { return c.IsMessageWrite() && strings.Contains(string(c.JSON), "hey") })
	if err != nil || discordtest.AllowedMentionsEmpty(c.JSON) {
		t.Errorf("ping body %s passed AllowedMentionsEmpty (%v)", c.JSON, err)
	}

	if err := s.ChannelTyping(srv.ChannelID()); err != nil {
		t.Errorf("typing: %v", err)
	}
	msgs, err := s.ChannelMessages(srv.ChannelID(), 2, "", "", "")
	if err != nil || len(msgs) != 2 || msgs[0].ID != ping.ID {
		t.Errorf("ChannelMessages = %v, %v", msgs, err)
	}
}

func TestMessageIntentsAndEcho(t *testing.T) {
	t.Parallel()
	srv := discordtest.Start(t, discordtest.Options{EchoBotMessages: true, AllowedPrivilegedIntents: discordgo.IntentMessageContent})
	created := make(chan *discordgo.MessageCreate, 4)
	s := newSession(t, srv, "Bot x")
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { created <- m })
	open(t, s)
	if err := srv.WaitReady(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.PostMessage(discordtest.MessageSpec{Content: "plain"}); err != nil {
		t.Fatal(err)
	}
	if m := recv(t, created); m.Content != "plain" {
		t.Errorf("with MessageContent: content %q", m.Content)
	}
	sent, err := s.ChannelMessageSendComplex(srv.ChannelID(), &discordgo.MessageSend{Content: "mine", AllowedMentions: noPings})
	if err != nil {
		t.Fatal(err)
	}
	if m := recv(t, created); m.ID != sent.ID || m.Author.ID != srv.AppID() {
		t.Errorf("echo = %+v", m.Message)
	}
	if _, err := srv.PostMessage(discordtest.MessageSpec{Content: "dm", DM: true}); !errors.Is(err, discordtest.ErrIntentMissing) {
		t.Errorf("DM without DirectMessages intent: err = %v", err)
	}
}

func TestRawREST(t *testing.T) {
	t.Parallel()
	srv := discordtest.Start(t, discordtest.Options{Token: "secret"})
	do := func(method, path, auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL()+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	tests := []struct {
		method, path, auth string
		status             int
		body               string
	}{
		{"GET", "/api/v9/nope", "", 404, `{"message":"404: Not Found","code":0}`},
		{"DELETE", "/api/v9/gateway", "", 404, `"404: Not Found"`},
		{"GET", "/api/v9/gateway", "", 200, `"url":"ws://`},
		{"GET", "/api/v9/users/@me", "", 401, `401: Unauthorized`},
		{"GET", "/api/v9/users/@me", "Bot secret", 200, `"bot":true`},
		{"GET", "/api/v10/users/@me/guilds", "Bot secret", 200, `"permissions":"`},
		{"GET", "/api/v9/applications/@me", "Bot secret", 200, `"id":"` + srv.AppID()},
		{"GET", "/api/v9/channels/" + srv.ChannelID() + "/messages/1", "Bot secret", 404, `"code":10008`},
		{"POST", "/api/v9/webhooks/" + srv.AppID() + "/unknown-token", "", 404, `"code":10015`},
	}
	for _, tc := range tests {
		status, body := do(tc.method, tc.path, tc.auth)
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s %s: %d %s, want %d containing %s", tc.method, tc.path, status, body, tc.status, tc.body)
		}
	}
	unknown := srv.CallsMatching(func(c discordtest.Call) bool { return c.Route == "" })
	if len(unknown) != 2 || unknown[0].Path != "/api/v9/nope" {
		t.Errorf("unknown-route calls = %+v", unknown)
	}
	if n := len(srv.Calls()); n != len(tests) {
		t.Errorf("%d calls recorded, want %d", n, len(tests))
	}
}

func TestAllowedMentionsEmpty(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want bool
	}{
		{`{"content":"x","allowed_mentions":{"parse":[]}}`, true},
		{`{"content":"x","allowed_mentions":{"parse":[],"replied_user":false}}`, true},
		{`{"content":"x","allowed_mentions":{"parse":[],"users":[],"roles":[]}}`, true},
		{`{"type":4,"data":{"content":"x","allowed_mentions":{"parse":[]}}}`, true},
		{`{"content":"x"}`, false},
		{`{"content":"x","allowed_mentions":{"parse":null,"replied_user":false}}`, false},
		{`{"content":"x","allowed_mentions":{}}`, false},
		{`{"content":"x","allowed_mentions":{"parse":["users"]}}`, false},
		{`{"content":"x","allowed_mentions":{"parse":[],"users":["1"]}}`, false},
		{`{"content":"x","allowed_mentions":{"parse":[],"roles":["1"]}}`, false},
		{`{"content":"x","allowed_mentions":{"parse":[],"replied_user":true}}`, false},
		{`not json`, false},
	}
	for _, tc := range tests {
		if got := discordtest.AllowedMentionsEmpty([]byte(tc.body)); got != tc.want {
			t.Errorf("AllowedMentionsEmpty(%s) = %v, want %v", tc.body, got, tc.want)
		}
	}
	// What discordgo actually sends for the recommended value.
	b, _ := json.Marshal(discordgo.WebhookEdit{Content: ptr("x"), AllowedMentions: noPings})
	if !discordtest.AllowedMentionsEmpty(b) {
		t.Errorf("discordgo body %s rejected", b)
	}
	b, _ = json.Marshal(discordgo.WebhookEdit{Content: ptr("x"), AllowedMentions: &discordgo.MessageAllowedMentions{}})
	if discordtest.AllowedMentionsEmpty(b) {
		t.Errorf("zero MessageAllowedMentions %s accepted", b)
	}
}
