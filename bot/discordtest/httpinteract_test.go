package discordtest_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/storybot/storybot/bot/discordtest"
)

func TestInteractHTTP(t *testing.T) {
	t.Parallel()
	srv := discordtest.Start(t, discordtest.Options{})
	s := newSession(t, srv, "Bot x")
	register(t, srv, s, "", askCommands())
	raw, err := hex.DecodeString(srv.PublicKey())
	if err != nil || len(raw) != ed25519.PublicKeySize {
		t.Fatalf("PublicKey %q", srv.PublicKey())
	}
	key := ed25519.PublicKey(raw)
	ask := discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Why?"}}
	deferral := `{"type":5,"data":{"allowed_mentions":{"parse":[]}}}`
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("the signed request's complete response is the callback", func(t *testing.T) {
		got := make(chan *http.Request, 1)
		in, err := srv.InteractHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost || r.URL.Path != "/interactions" || !discordgo.VerifyInteraction(r, key) {
				http.Error(w, "bad signature", http.StatusUnauthorized)
				return
			}
			got <- r
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(deferral))
		}), ask)
		if err != nil {
			t.Fatal(err)
		}
		cb, err := in.Callback(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource || cb.Call.Path != "/interactions" {
			t.Errorf("callback %+v", cb)
		}
		if r := <-got; r.Header.Get("X-Signature-Timestamp") == "" {
			t.Error("no timestamp header")
		}
		if _, err := s.InteractionResponseEdit(in.Discordgo(), &discordgo.WebhookEdit{Content: ptr("answer")}); err != nil {
			t.Errorf("edit after the deferral: %v", err)
		}
	})

	t.Run("an edit before the response is complete fails like with Discord", func(t *testing.T) {
		proceed := make(chan struct{})
		in, err := srv.InteractHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(deferral))
			w.(http.Flusher).Flush() // sent, but chunked: not complete until the handler returns
			<-proceed
		}), ask)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.InteractionResponseEdit(in.Discordgo(), &discordgo.WebhookEdit{Content: ptr("too early")})
		if restCode(err) != 10008 {
			t.Errorf("early edit: %v, want Unknown Message", err)
		}
		close(proceed)
		if _, err := in.Callback(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.InteractionResponseEdit(in.Discordgo(), &discordgo.WebhookEdit{Content: ptr("in time")}); err != nil {
			t.Errorf("edit after the deferral: %v", err)
		}
	})

	t.Run("a refusal is recorded with its status", func(t *testing.T) {
		in, err := srv.InteractHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "no", http.StatusConflict)
		}), ask)
		if err != nil {
			t.Fatal(err)
		}
		c, err := srv.WaitFor(ctx, func(c discordtest.Call) bool { return c.InteractionID == in.ID })
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != http.StatusConflict || !strings.Contains(string(c.Body), "no") || in.Original() != nil {
			t.Errorf("call %d %q, original %+v", c.Status, c.Body, in.Original())
		}
	})
}
