package bot

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/bot/discordtest"
)

func TestReadyzFlipsAfterReadyAndRegistration(t *testing.T) {
	srv := discordtest.Start(t, discordtest.Options{Token: testToken})
	b, err := New(Options{Token: testToken, APIURL: srv.URL()}, newFakeAnswerer())
	if err != nil {
		t.Fatal(err)
	}
	get(t, b.Handler(), "/healthz", http.StatusOK)
	if body := get(t, b.Handler(), "/readyz", http.StatusServiceUnavailable); !strings.Contains(body, "gateway not connected") {
		t.Errorf("readyz before Run: %q", body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	select {
	case <-b.registeredCh:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	get(t, b.Handler(), "/readyz", http.StatusOK)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if body := get(t, b.Handler(), "/readyz", http.StatusServiceUnavailable); !strings.Contains(body, "shutting down") {
		t.Errorf("readyz after shutdown: %q", body)
	}
}

// signalHandler is a slog handler that reports each record on a channel,
// so a test can wait for a log line instead of sleeping.
type signalHandler struct {
	slog.Handler
	records chan slog.Record
}

func (h *signalHandler) Handle(ctx context.Context, r slog.Record) error {
	select {
	case h.records <- r.Clone():
	default:
	}
	return h.Handler.Handle(ctx, r)
}

func (h *signalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &signalHandler{Handler: h.Handler.WithAttrs(as), records: h.records}
}

func (h *signalHandler) WithGroup(name string) slog.Handler {
	return &signalHandler{Handler: h.Handler.WithGroup(name), records: h.records}
}

func TestConnectRetriesWhileDiscordIsDownAndHealthzAnswers(t *testing.T) {
	// Reserve a port and leave it closed: Discord is "down".
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	logs := &logBuffer{}
	sig := &signalHandler{Handler: slog.NewTextHandler(logs, nil), records: make(chan slog.Record, 100)}
	b, err := New(Options{Token: testToken, APIURL: "http://" + addr, HTTPAddr: "127.0.0.1:0", Logger: slog.New(sig)}, newFakeAnswerer())
	if err != nil {
		t.Fatal(err)
	}
	b.backoffMin, b.backoffMax = 5*time.Millisecond, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()

	warnings := 0
	for warnings < 3 {
		select {
		case r := <-sig.records:
			if r.Level == slog.LevelWarn && strings.Contains(r.Message, "retrying") {
				warnings++
			}
		case err := <-done:
			t.Fatalf("Run gave up while Discord was down: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatalf("no retry warnings; log:\n%s", logs.String())
		}
	}
	get(t, b.Handler(), "/healthz", http.StatusOK)
	get(t, b.Handler(), "/readyz", http.StatusServiceUnavailable)

	// Discord comes up on that address: the bot connects and registers.
	srv := discordtest.Start(t, discordtest.Options{Addr: addr, Token: testToken})
	select {
	case <-b.registeredCh:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatalf("not registered after Discord came up; log:\n%s", logs.String())
	}
	if len(srv.Commands("")) != 6 {
		t.Errorf("%d commands registered", len(srv.Commands("")))
	}
	if strings.Contains(logs.String(), testToken) {
		t.Error("the token is in the log")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestAuthenticationFailureIsFatal(t *testing.T) {
	t.Run("a 401 from GET /gateway ends Run with an error", func(t *testing.T) {
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"401: Unauthorized","code":0}`))
		}))
		defer api.Close()
		b, err := New(Options{Token: testToken, APIURL: api.URL}, newFakeAnswerer())
		if err != nil {
			t.Fatal(err)
		}
		err = b.Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("Run = %v, want an authentication error", err)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Error("the error shows the token")
		}
	})
	t.Run("a wrong token ends Run with the 401 of GET /gateway/bot", func(t *testing.T) {
		srv := discordtest.Start(t, discordtest.Options{Token: "the-right-token"})
		b, err := New(Options{Token: testToken, APIURL: srv.URL()}, newFakeAnswerer())
		if err != nil {
			t.Fatal(err)
		}
		err = b.Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("Run = %v, want an authentication error", err)
		}
	})
	t.Run("gateway close code 4004 ends Run with an error", func(t *testing.T) {
		// The REST calls take the token (GET /gateway/bot comes first), the
		// gateway refuses it: a token revoked in between.
		srv := discordtest.Start(t, discordtest.Options{Token: testToken, IdentifyCloseCode: 4004})
		b, err := New(Options{Token: testToken, APIURL: srv.URL()}, newFakeAnswerer())
		if err != nil {
			t.Fatal(err)
		}
		err = b.Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), "4004") {
			t.Fatalf("Run = %v, want close code 4004", err)
		}
	})
}

func TestShutdownLetsAnswersInProgressFinish(t *testing.T) {
	ans := newFakeAnswerer()
	ans.started = make(chan string, 10)
	h := startBot(t, Options{ShutdownTimeout: 10 * time.Second}, ans, discordtest.Options{})
	in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "block until released"}})
	callback(t, in)
	<-ans.started

	stopped := make(chan error, 1)
	go func() { stopped <- h.stop() }()
	<-h.bot.closed

	late := h.interact(t, discordtest.InteractionSpec{Command: "help"})
	cb := callback(t, late)
	if cb.Type != 4 || cb.Message.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(cb.Message.Content, "restarting") {
		t.Errorf("a new interaction during shutdown got %d %q, want an ephemeral restarting note", cb.Type, cb.Message.Content)
	}

	close(ans.release)
	if err := <-stopped; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if m := in.Original(); m == nil || !strings.Contains(m.Content, "Sources: §2 · §3") {
		t.Errorf("the answer in progress did not finish: %+v", m)
	}
}

func TestShutdownTimeoutCancelsAnswers(t *testing.T) {
	ans := newFakeAnswerer()
	ans.started = make(chan string, 10)
	h := startBot(t, Options{ShutdownTimeout: 50 * time.Millisecond}, ans, discordtest.Options{})
	in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "block forever"}})
	callback(t, in)
	<-ans.started
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if strings.Count(h.logs.String(), "shutdown timeout") != 1 {
		t.Errorf("no shutdown timeout in the log:\n%s", h.logs.String())
	}
}

func TestLimits(t *testing.T) {
	t.Run("over the per-user rate the user is told privately when to try again; help is not limited", func(t *testing.T) {
		h := startBot(t, Options{Rate: Rate{Count: 2, Per: time.Minute}}, nil, discordtest.Options{})
		for i := 0; i < 2; i++ {
			in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Was passierte?"}})
			if cb := callback(t, in); cb.Type != 5 {
				t.Fatalf("question %d: callback type %d", i+1, cb.Type)
			}
		}
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Was passierte?"}, Locale: discordgo.German})
		cb := callback(t, in)
		if cb.Type != 4 || cb.Message.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Fatalf("third question: callback type %d flags %d, want an ephemeral message", cb.Type, cb.Message.Flags)
		}
		if !strings.Contains(cb.Message.Content, "Versuch es <t:") || !strings.Contains(cb.Message.Content, ":R> wieder") {
			t.Errorf("message %q does not say when to try again", cb.Message.Content)
		}
		other := discordgo.User{ID: "1000000000000000099", Username: "other"}
		if cb := callback(t, h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Was?"}, User: &other})); cb.Type != 5 {
			t.Errorf("another user was limited too: callback type %d", cb.Type)
		}
		for i := 0; i < 5; i++ {
			if cb := callback(t, h.interact(t, discordtest.InteractionSpec{Command: "help"})); cb.Type != 4 || strings.Contains(cb.Message.Content, "<t:") {
				t.Fatalf("help was rate limited: %+v", cb.Message)
			}
			if cb := callback(t, h.interact(t, discordtest.InteractionSpec{Command: "quote", Focused: "speaker"})); cb.Type != 8 {
				t.Fatalf("autocomplete was rate limited: type %d", cb.Type)
			}
		}
		if body := get(t, h.bot.Handler(), "/metrics", http.StatusOK); !strings.Contains(body, `storybot_rate_limited_total{reason="user"} 1`) {
			t.Errorf("rate limit not counted")
		}
	})
	t.Run("over the cap on answers in progress the user is told the bot is busy", func(t *testing.T) {
		ans := newFakeAnswerer()
		ans.started = make(chan string, 10)
		done := make(chan string, 10)
		h := startBot(t, Options{MaxConcurrent: 1}, ans, discordtest.Options{},
			func(b *Bot) { b.handled = func(id string) { done <- id } })
		first := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "block a while"}})
		callback(t, first)
		<-ans.started
		other := discordgo.User{ID: "1000000000000000099", Username: "other"}
		cb := callback(t, h.interact(t, discordtest.InteractionSpec{Command: "timeline", User: &other}))
		if cb.Type != 4 || !strings.Contains(cb.Message.Content, "writing a lot of answers") || !strings.Contains(cb.Message.Content, "<t:") {
			t.Errorf("second answer got %d %q, want the busy note", cb.Type, cb.Message.Content)
		}
		close(ans.release)
		for id := range done {
			if id == first.ID {
				break
			}
		}
		finalOriginal(t, first, "Sources:")
		if cb := callback(t, h.interact(t, discordtest.InteractionSpec{Command: "timeline", User: &other})); cb.Type != 5 {
			t.Errorf("after the slot was freed: callback type %d", cb.Type)
		}
	})
	t.Run("outside the allowed channels the user gets a private note", func(t *testing.T) {
		h := startBot(t, Options{AllowedChannels: []string{"1"}}, nil, discordtest.Options{})
		cb := callback(t, h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Was?"}}))
		if cb.Type != 4 || cb.Message.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(cb.Message.Content, "I don't answer here") {
			t.Errorf("got %d %q", cb.Type, cb.Message.Content)
		}
	})
}

func TestMessagesFromBotsAreIgnored(t *testing.T) {
	var requests atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer api.Close()
	b, err := New(Options{Token: testToken, APIURL: api.URL}, newFakeAnswerer())
	if err != nil {
		t.Fatal(err)
	}
	self := &discordgo.User{ID: "42", Bot: true}
	b.selfID.Store(self.ID)
	otherBot := &discordgo.User{ID: "43", Bot: true}
	for _, m := range []*discordgo.Message{
		{ID: "1", Author: self, Content: "<@42> hello me", Mentions: []*discordgo.User{self}},
		{ID: "2", Author: otherBot, Content: "<@42> why?", Mentions: []*discordgo.User{self}},
		{ID: "3", Author: &discordgo.User{ID: "7"}, Content: "no mention at all"},
	} {
		b.onMessage(nil, &discordgo.MessageCreate{Message: m})
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d REST requests for messages that must be ignored", n)
	}
}

func TestSeveralStoriesAddAStoryOption(t *testing.T) {
	ans := newFakeAnswerer()
	ans.stories = append(ans.stories, answer.StoryInfo{ID: "other", Title: "Ein anderer Artikel", Passages: 5})
	h := startBot(t, Options{}, ans, discordtest.Options{})
	for _, c := range h.srv.Commands("") {
		has := false
		for _, o := range c.Options {
			has = has || (o.Name == optStory && o.Autocomplete && !o.Required)
		}
		if want := c.Name != cmdSources && c.Name != cmdHelp; has != want {
			t.Errorf("/%s: story option %v, want %v", c.Name, has, want)
		}
	}
	cb := callback(t, h.interact(t, discordtest.InteractionSpec{Command: "ask", Focused: "story", Options: map[string]any{"story": "and", "question": "xy"}}))
	if len(cb.Choices) != 1 || cb.Choices[0].Name != "Ein anderer Artikel" || cb.Choices[0].Value != "other" {
		t.Errorf("story choices %+v", cb.Choices)
	}
	in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Was?", "story": "other"}})
	callback(t, in)
	finalOriginal(t, in, "Sources:")
	if got := ans.lastAsk().Story; got != "other" {
		t.Errorf("engine asked story %q, want other", got)
	}
}
