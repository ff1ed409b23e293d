package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/bot/discordtest"
	"github.com/storybot/storybot/fault"
)

// A panic while rendering the model's text in the stream editor's own
// goroutine is recovered, logged with an error id and reported to the
// user; the bot keeps serving.
func TestAPanicInTheStreamEditorIsReported(t *testing.T) {
	exploding := func(b *Bot) {
		b.renderProgress = func(prefix, text string) string { panic("renderer exploded on model text") }
	}
	h := startBot(t, Options{}, nil, discordtest.Options{}, exploding)
	t.Run("an /ask", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Warum stream?"}})
		callback(t, in)
		c := waitFollowup(t, h, in, "Something went wrong")
		var msg discordgo.Message
		if err := c.Decode(&msg); err != nil {
			t.Fatal(err)
		}
		if msg.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Error("the report is not private")
		}
		id := errorIDIn(t, msg.Content)
		logs := h.logs.String()
		if !strings.Contains(logs, "err_id="+id) || !strings.Contains(logs, "renderer exploded on model text") || !strings.Contains(logs, "stack=") {
			t.Errorf("the log has no panic details for error id %s", id)
		}
	})
	t.Run("a mention", func(t *testing.T) {
		if _, err := h.srv.PostMessage(discordtest.MessageSpec{Content: fmt.Sprintf("<@%s> why stream?", h.srv.AppID())}); err != nil {
			t.Fatal(err)
		}
		m := waitBotMessage(t, h.srv, func(m *discordgo.Message) bool { return strings.Contains(m.Content, "Something went wrong") })
		if id := errorIDIn(t, m.Content); !strings.Contains(h.logs.String(), "err_id="+id) {
			t.Errorf("error id %s not in the log", id)
		}
	})
	t.Run("the bot keeps serving", func(t *testing.T) {
		if cb := callback(t, h.interact(t, discordtest.InteractionSpec{Command: "help"})); cb.Type != 4 {
			t.Errorf("/help got callback type %d", cb.Type)
		}
	})
}

func TestStreamEditorHandsAPanicToFinal(t *testing.T) {
	ctx := testContext(t)
	e := newStreamEditor(ctx, time.Millisecond, realClock{}, func(ctx context.Context, text string) error { panic("boom: " + text) }, nil)
	e.Update("model text")
	ran := false
	err := e.Final(ctx, func(ctx context.Context) error { ran = true; return nil })
	var p *panicError
	if !errors.As(err, &p) || !strings.Contains(p.Error(), "boom: model text") {
		t.Fatalf("Final = %v, want the panic", err)
	}
	if ran {
		t.Error("the final edit ran after the editor panicked")
	}
}

// A question the bot fails to answer for a reason that is not the user's
// gives the question back; bad input does not.
func TestTheRateLimitTokenIsRefunded(t *testing.T) {
	t.Run("when the model is unreachable", func(t *testing.T) {
		h := startBot(t, Options{Rate: Rate{Count: 1, Per: time.Hour}}, nil, discordtest.Options{})
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "unavailable please"}})
		callback(t, in)
		waitFollowup(t, h, in, "can't be reached")
		again := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Was passierte?"}})
		if cb := callback(t, again); cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
			t.Errorf("the next question got callback type %d %q: the failed one was not refunded", cb.Type, cb.Message.Content)
		}
	})
	t.Run("when every answer slot is busy", func(t *testing.T) {
		ans := newFakeAnswerer()
		ans.started = make(chan string, 10)
		done := make(chan string, 10)
		h := startBot(t, Options{Rate: Rate{Count: 2, Per: time.Hour}, MaxConcurrent: 1}, ans, discordtest.Options{},
			func(b *Bot) { b.handled = func(id string) { done <- id } })
		other := discordgo.User{ID: "1000000000000000099", Username: "other"}
		first := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "block a while"}, User: &other})
		callback(t, first)
		<-ans.started
		busy := h.interact(t, discordtest.InteractionSpec{Command: "timeline"})
		if cb := callback(t, busy); !strings.Contains(cb.Message.Content, "writing a lot of answers") {
			t.Fatalf("got %q, want the busy note", cb.Message.Content)
		}
		close(ans.release)
		for id := range done {
			if id == first.ID {
				break
			}
		}
		for i := 0; i < 2; i++ {
			in := h.interact(t, discordtest.InteractionSpec{Command: "timeline"})
			if cb := callback(t, in); cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
				t.Fatalf("question %d of 2 after the busy one: callback type %d %q", i+1, cb.Type, cb.Message.Content)
			}
			for id := range done {
				if id == in.ID {
					break
				}
			}
		}
	})
	t.Run("but not for bad input", func(t *testing.T) {
		l := newUserLimiter(Rate{Count: 1, Per: time.Hour}, time.Now)
		b := &Bot{limiter: l, slots: newAnswerSlots(0), metrics: newMetrics(), now: time.Now}
		err := b.admitted("ann", func() error { return fault.Keyed(fault.NotFound, "story_not_found", "no story %q is loaded", "x") })
		if fault.KindOf(err) != fault.NotFound {
			t.Fatalf("err %v", err)
		}
		if ok, _ := l.Allow("ann"); ok {
			t.Error("a question for a story that does not exist was refunded")
		}
	})
}

// Errors logged by the bot never carry the bot token or an interaction
// token (both are in the URLs net/http quotes in its errors).
func TestLoggedErrorsAreScrubbed(t *testing.T) {
	const interactionToken = "aW50ZXJhY3Rpb246MTIzNDU2.secret-part_XYZ"
	var buf bytes.Buffer
	b, err := New(Options{Token: testToken, Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}, newFakeAnswerer())
	if err != nil {
		t.Fatal(err)
	}
	leak := fmt.Errorf(`write answer: Patch "https://discord.com/api/v9/webhooks/123/%s/messages/@original": context canceled (auth Bot %s)`, interactionToken, testToken)
	b.logFailure(context.Background(), leak, "abcd1234", "interaction failed")
	b.logFailure(context.Background(), fault.Wrap(fault.Unavailable, leak, "model unreachable"), "abcd1235", "interaction failed")
	logs := buf.String()
	if !strings.Contains(logs, "/webhooks/123/REDACTED/messages/@original") {
		t.Fatal("the error was not logged with its path")
	}
	for name, secret := range map[string]string{"the interaction token": interactionToken, "part of it": "secret-part", "the bot token": testToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %s", name)
		}
	}
}
