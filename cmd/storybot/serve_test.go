package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/bot/discordtest"
	"github.com/storybot/storybot/llm/openaitest"
)

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeEndToEnd runs `storybot serve` as main runs it, against a fake
// Discord (DISCORD_API_URL) and a fake OpenAI server, and uses the commands
// the way a person in a server would.
func TestServeEndToEnd(t *testing.T) {
	const token = "e2e-bot-token-do-not-log"
	dc := discordtest.Start(t, discordtest.Options{Token: token, CallbackDeadline: 3 * time.Second})
	model := openaitest.New(t)
	model.Reply(func(req openaiRequest) openaitest.Reply {
		if req.ResponseFormat != nil || strings.Contains(req.Messages[0].Content, "JSON") {
			return openaitest.Echo(req)
		}
		if strings.Contains(req.Messages[len(req.Messages)-1].Content, "model fails") {
			return openaitest.Error(500, "upstream exploded")
		}
		return openaitest.Reply{Content: "Altman reserved the Roadster in July 2018 [§2]."}
	})
	cleanEnv(t, map[string]string{
		"DISCORD_TOKEN":   token,
		"DISCORD_API_URL": dc.URL(),
		"OPENAI_API_KEY":  "test",
		"OPENAI_BASE_URL": model.BaseURL(),
		"HTTP_ADDR":       "127.0.0.1:0",
		"EDIT_INTERVAL":   "20ms",
		"LLM_MAX_RETRIES": "0",
		"LOG_LEVEL":       "debug",
	})
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- runServe(ctx, &stdout, &stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("serve exited %d: %s", code, stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
		if strings.Contains(stderr.String(), token) {
			t.Error("the bot token appears in the log")
		}
	})

	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if err := dc.WaitReady(wctx); err != nil {
		t.Fatalf("no READY: %v\n%s", err, stderr.String())
	}
	if _, err := dc.WaitCommands(wctx, ""); err != nil {
		t.Fatalf("no commands registered: %v", err)
	}

	cases := []struct {
		name    string
		spec    discordtest.InteractionSpec
		wantAll []string
	}{
		{"ask answers with its sources", discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "When did Altman make his reservation?"}},
			[]string{"July 2018", "§2"}},
		{"quote shows Musk's words verbatim", discordtest.InteractionSpec{Command: "quote", Options: map[string]any{"speaker": "Musk"}},
			[]string{"Wir sind nah dran. Die Demo wird unvergesslich sein"}},
		{"timeline lists the dates", discordtest.InteractionSpec{Command: "timeline"},
			[]string{"2015", "2017", "Juli 2018"}},
		{"summary summarizes", discordtest.InteractionSpec{Command: "summary", Options: map[string]any{"length": "short"}},
			[]string{"§"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, err := dc.Interact(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			cb, err := in.Callback(wctx)
			if err != nil {
				t.Fatal(err)
			}
			if cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
				t.Errorf("acknowledged with type %d, want a deferred message", cb.Type)
			}
			msg, err := in.WaitOriginal(wctx, func(m *discordgo.Message) bool {
				text := messageText(m)
				for _, w := range c.wantAll {
					if !strings.Contains(text, w) {
						return false
					}
				}
				return true
			})
			if err != nil {
				t.Fatalf("the answer never showed %q: %v (last: %q)", c.wantAll, err, messageText(in.Original()))
			}
			_ = msg
			for _, call := range in.Calls() {
				if call.IsMessageWrite() && !discordtest.AllowedMentionsEmpty(call.JSON) {
					t.Errorf("%s %s was sent with mentions allowed", call.Method, call.Path)
				}
			}
		})
	}

	t.Run("a failing model is explained privately with an error id", func(t *testing.T) {
		in, err := dc.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "What if the model fails?"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Callback(wctx); err != nil {
			t.Fatal(err)
		}
		call, err := dc.WaitFor(wctx, func(c discordtest.Call) bool {
			return c.InteractionID == in.ID && c.IsMessageWrite() && strings.Contains(string(c.Body), "model can't be reached")
		})
		if err != nil {
			t.Fatalf("no error message: %v", err)
		}
		var msg discordgo.Message
		if err := json.Unmarshal(call.JSON, &msg); err != nil {
			t.Fatal(err)
		}
		if msg.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(msg.Content, "error id") {
			t.Errorf("error message %q (flags %d) is not ephemeral with an error id", msg.Content, msg.Flags)
		}
		if !strings.Contains(stderr.String(), "upstream exploded") && !strings.Contains(stderr.String(), "500") {
			t.Error("the log lacks the model's failure")
		}
	})
}

func messageText(m *discordgo.Message) string {
	if m == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		b.WriteString("\n" + e.Title + "\n" + e.Description)
		for _, f := range e.Fields {
			b.WriteString("\n" + f.Name + "\n" + f.Value)
		}
	}
	return b.String()
}

type openaiRequest = openai.ChatCompletionRequest

func runServe(ctx context.Context, stdout, stderr *syncBuffer) int {
	return run(ctx, []string{"serve"}, stdout, stderr)
}
