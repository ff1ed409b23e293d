package discordtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/storybot/storybot/bot/discordtest"
)

func TestControlAPI(t *testing.T) {
	t.Parallel()
	srv, s := connect(t, discordtest.Options{ControlAPI: true}, func(s *discordgo.Session) {
		s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
			q := option(i.ApplicationCommandData(), "question").StringValue()
			_ = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: string(i.Locale) + ": " + q, AllowedMentions: noPings}})
		})
	})
	register(t, srv, s, srv.GuildID(), askCommands())

	call := func(method, path, body string) (int, map[string]any, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var v map[string]any
		_ = json.Unmarshal(b, &v)
		return resp.StatusCode, v, string(b)
	}

	if st, _, body := call("GET", "/_test/ready?timeout=5s", ""); st != 200 || !strings.Contains(body, `"Connected":true`) {
		t.Fatalf("ready: %d %s", st, body)
	}
	st, v, body := call("POST", "/_test/interact", `{"command":"ask","options":{"question":"Wie?","length":2},"locale":"de"}`)
	if st != 200 || v["id"] == "" {
		t.Fatalf("interact: %d %s", st, body)
	}
	id := v["id"].(string)
	st, v, body = call("GET", "/_test/interactions/"+id+"?wait=1&timeout=10s", "")
	if st != 200 || !strings.Contains(body, `"content":"de: Wie?"`) || v["callback_type"] != float64(4) {
		t.Fatalf("interaction state: %d %s", st, body)
	}
	if st, _, body := call("GET", "/_test/wait?method=POST&path=/interactions/*/*/callback&status=204&interaction="+id, ""); st != 200 || !strings.Contains(body, `"allowed_mentions":{"parse":[]`) {
		t.Errorf("wait: %d %s", st, body)
	}
	if st, _, body := call("GET", "/_test/wait?path=/nothing&timeout=10ms", ""); st != http.StatusGatewayTimeout {
		t.Errorf("wait timeout: %d %s", st, body)
	}
	if st, _, body := call("POST", "/_test/interact", `{"command":"ask"}`); st != 400 || !strings.Contains(body, "required option") {
		t.Errorf("invalid interact: %d %s", st, body)
	}
	if st, _, body := call("POST", "/_test/message", `{"content":"hello","mention_bot":true}`); st != 200 || !strings.Contains(body, "<@"+srv.AppID()+"> hello") {
		t.Errorf("message: %d %s", st, body)
	}
	if st, _, body := call("GET", "/_test/commands?guild_id="+srv.GuildID(), ""); st != 200 || !strings.Contains(body, `"name":"ask"`) {
		t.Errorf("commands: %d %s", st, body)
	}
	if st, _, _ := call("POST", "/_test/fault", `{"method":"GET","path":"/users/@me","status":503}`); st != 204 {
		t.Errorf("fault: %d", st)
	}
	if _, err := s.User("@me"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("User after injected 503: %v", err)
	}
	req, _ := http.NewRequest("GET", srv.URL()+"/_test/calls?since=0", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var calls []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	if len(calls) != len(srv.Calls()) || calls[0]["method"] != "GET" || calls[0]["path"] != "/api/v9/gateway" {
		t.Errorf("calls: %d vs %d, first %v", len(calls), len(srv.Calls()), calls[0])
	}
}
