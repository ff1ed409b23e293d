package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/bot/discordtest"
)

// Both modes behave alike on shutdown: what fits in SHUTDOWN_TIMEOUT
// finishes, what does not ends with an honest note and counts as
// "shutdown". Stopping the harness cancels Run's context, as SIGTERM does.
var shutdownModes = []struct {
	name  string
	start func(t testing.TB, opts Options, ans *fakeAnswerer) *harness
}{
	{"gateway", func(t testing.TB, opts Options, ans *fakeAnswerer) *harness {
		return startBot(t, opts, ans, discordtest.Options{})
	}},
	{"http", func(t testing.TB, opts Options, ans *fakeAnswerer) *harness {
		return startHTTPBot(t, opts, ans, discordtest.Options{})
	}},
}

func TestShutdownFinishesAnswersThatFitTheTimeout(t *testing.T) {
	for _, mode := range shutdownModes {
		t.Run(mode.name, func(t *testing.T) {
			ans := newFakeAnswerer()
			ans.started = make(chan string, 10)
			h := mode.start(t, Options{ShutdownTimeout: 30 * time.Second}, ans)
			in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "block until released"}})
			if cb := callback(t, in); cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
				t.Fatalf("callback type %d, want a deferral", cb.Type)
			}
			<-ans.started

			stopped := make(chan error, 1)
			go func() { stopped <- h.stop() }()
			<-h.bot.closed
			close(ans.release) // the slow model finishes within the timeout
			if err := <-stopped; err != nil {
				t.Fatalf("Run: %v", err)
			}
			if m := in.Original(); m == nil || !strings.Contains(m.Content, "Sources: §2 · §3") || strings.Contains(m.Content, txtCutShort.en) {
				t.Errorf("the answer in progress did not finish whole: %+v", m)
			}
			if n := metricValue(t, h.bot, `storybot_interactions_total{command="ask",outcome="ok"}`); n != 1 {
				t.Errorf("outcome ok counted %v times, want 1", n)
			}
		})
	}
}

func TestShutdownCutsAnswersThatOutliveTheTimeout(t *testing.T) {
	for _, mode := range shutdownModes {
		t.Run(mode.name, func(t *testing.T) {
			ans := newFakeAnswerer()
			ans.started = make(chan string, 10)
			h := mode.start(t, Options{ShutdownTimeout: 100 * time.Millisecond}, ans)
			// The fake model writes "Ich denke …" and then nothing until
			// its context ends.
			in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "block forever"}})
			callback(t, in)
			<-ans.started
			finalOriginal(t, in, "Ich denke")

			if err := h.stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			// Run returns only once the user has been told.
			m := in.Original()
			if m == nil {
				t.Fatal("the answer in progress was deleted")
			}
			if !strings.HasSuffix(m.Content, txtCutShort.en) || !strings.Contains(m.Content, "Ich denke") {
				t.Errorf("the cut answer reads %q, want the text so far ending with %q", m.Content, txtCutShort.en)
			}
			if n := metricValue(t, h.bot, `storybot_interactions_total{command="ask",outcome="shutdown"}`); n != 1 {
				t.Errorf("outcome shutdown counted %v times, want 1", n)
			}
			if n := metricValue(t, h.bot, `storybot_interactions_total{command="ask",outcome="unavailable"}`); n != 0 {
				t.Errorf("the cut answer was also counted as unavailable")
			}
			logs := h.logs.String()
			if strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "kind=unavailable") {
				t.Errorf("a cut answer was logged as an error:\n%s", logs)
			}
			if !strings.Contains(logs, `level=WARN msg="answer cut short by shutdown"`) {
				t.Errorf("no warning about the cut answer:\n%s", logs)
			}
			for _, c := range in.Calls() {
				if !c.OK() {
					t.Errorf("%s %s failed with %d: %s", c.Method, c.Path, c.Status, c.Response)
				}
			}
		})
	}
}

func TestShutdownCutsMentionAnswers(t *testing.T) {
	ans := newFakeAnswerer()
	ans.started = make(chan string, 10)
	h := startBot(t, Options{ShutdownTimeout: 100 * time.Millisecond}, ans, discordtest.Options{})
	if _, err := h.srv.PostMessage(discordtest.MessageSpec{Content: h.srv.BotMention() + " Warum? block forever"}); err != nil {
		t.Fatal(err)
	}
	<-ans.started
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	isReply := func(c discordtest.Call) bool {
		return c.OK() && c.Method == "PATCH" && strings.Contains(string(c.JSON), "Ich denke")
	}
	edit, err := h.srv.WaitFor(ctx, isReply)
	if err != nil {
		t.Fatalf("the answer never showed progress: %v", err)
	}
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	id := edit.Path[strings.LastIndex(edit.Path, "/")+1:]
	m, ok := h.srv.Message(id)
	if !ok || !strings.HasSuffix(m.Content, txtCutShort.de) || !strings.Contains(m.Content, "Ich denke") {
		t.Errorf("the cut reply reads %+v, want the text so far ending with %q", m, txtCutShort.de)
	}
	if n := metricValue(t, h.bot, `storybot_interactions_total{command="mention",outcome="shutdown"}`); n != 1 {
		t.Errorf("outcome shutdown counted %v times, want 1", n)
	}
}

func TestCutContent(t *testing.T) {
	note := txtCutShort.en
	tests := []struct {
		name, shown, want string
	}{
		{"nothing shown yet gives the note alone", "", note},
		{"the text so far keeps its ellipsis and ends with the note", "> Warum?\nMusk antwortete …", "> Warum?\nMusk antwortete …\n\n" + note},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cutContent(tt.shown, note); got != tt.want {
				t.Errorf("cutContent = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("a full message is shortened to make room for the note", func(t *testing.T) {
		got := cutContent(strings.Repeat("ä", maxContent), note)
		if n := len([]rune(got)); n > maxContent || !strings.HasSuffix(got, note) {
			t.Errorf("%d characters, suffix %q", n, got[len(got)-20:])
		}
	})
}
