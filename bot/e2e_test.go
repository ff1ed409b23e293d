package bot

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/bot/discordtest"
)

// TestEndToEnd drives one bot through the fake Discord: every command,
// autocomplete, the sources button, mentions and reply chains, streaming,
// splitting, a 429, failures and a panic; at the end, every message the
// bot wrote must forbid pings.
func TestEndToEnd(t *testing.T) {
	h := startBot(t, Options{Version: "test"}, nil, discordtest.Options{})
	srv, ans := h.srv, h.ans

	t.Run("commands are registered with one bulk overwrite, globally, in English and German", func(t *testing.T) {
		puts := srv.CallsMatching(discordtest.Match("PUT", "/applications/*/commands"))
		if len(puts) != 1 {
			t.Fatalf("%d command registrations, want 1", len(puts))
		}
		cmds := srv.Commands("")
		var names []string
		for _, c := range cmds {
			names = append(names, c.Name)
			if c.NameLocalizations == nil || (*c.NameLocalizations)[discordgo.German] == "" {
				t.Errorf("/%s has no German name", c.Name)
			}
			if c.DescriptionLocalizations == nil || (*c.DescriptionLocalizations)[discordgo.German] == "" {
				t.Errorf("/%s has no German description", c.Name)
			}
			for _, o := range c.Options {
				if o.Name == optStory {
					t.Errorf("/%s has a story option with only one story loaded", c.Name)
				}
			}
		}
		want := []string{"ask", "timeline", "quote", "summary", "sources", "help"}
		if !slices.Equal(names, want) {
			t.Errorf("commands %v, want %v", names, want)
		}
		id, ok := srv.Identify()
		if !ok || id.Intents&(discordgo.IntentsGuildMembers|discordgo.IntentsGuildPresences|discordgo.IntentMessageContent) != 0 {
			t.Errorf("identified with privileged intents: %v", id.Intents)
		}
	})

	var askOriginal *discordgo.Message
	t.Run("ask defers at once, streams throttled edits and ends with sources and a button, in German", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Warum stream?"}, Locale: discordgo.German})
		if cb := callback(t, in); cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
			t.Fatalf("callback type %d, want 5 (deferred)", cb.Type)
		}
		m := finalOriginal(t, in, "Quellen: §2 · §3")
		askOriginal = m
		if !strings.HasPrefix(m.Content, "> Warum stream?\n\nword0 word1") {
			t.Errorf("answer does not start with the quoted question and the answer: %q", abbreviate(m.Content, 80))
		}
		if got := buttonLabel(m); got != "Quellen anzeigen" {
			t.Errorf("button label %q", got)
		}
		if ans.lastAsk().Lang != "de" {
			t.Errorf("engine asked with Lang %q, want de", ans.lastAsk().Lang)
		}
		edits := in.Edits()
		if len(edits) < 2 {
			t.Fatalf("%d edits for a streamed answer of %d deltas, want progress edits and the final one", len(edits), streamWords)
		}
		if len(edits) > streamWords/3 {
			t.Errorf("%d edits for %d deltas: not coalesced", len(edits), streamWords)
		}
		for i := 1; i < len(edits); i++ {
			if gap := edits[i].Time.Sub(edits[i-1].Time); gap < 50*time.Millisecond {
				t.Errorf("edits %d and %d only %v apart, want at least the 50ms edit interval", i-1, i, gap)
			}
		}
	})

	t.Run("the Show sources button answers ephemerally with the cited passages verbatim", func(t *testing.T) {
		if askOriginal == nil {
			t.Skip("needs the ask answer")
		}
		id := buttonID(askOriginal)
		in := h.interact(t, discordtest.InteractionSpec{CustomID: id, MessageID: askOriginal.ID, Locale: discordgo.German})
		cb := callback(t, in)
		if cb.Type != discordgo.InteractionResponseChannelMessageWithSource || cb.Message.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Fatalf("callback type %d flags %d, want an ephemeral message", cb.Type, cb.Message.Flags)
		}
		var texts []string
		for _, e := range cb.Message.Embeds {
			texts = append(texts, e.Description)
		}
		want := []string{testPassages["§2"].Text, testPassages["§3"].Text}
		if !slices.Equal(texts, want) {
			t.Errorf("passages %q, want %q", texts, want)
		}
		if !strings.HasPrefix(cb.Message.Embeds[0].Title, "§2") {
			t.Errorf("embed title %q", cb.Message.Embeds[0].Title)
		}
	})

	t.Run("timeline lists the dated events", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "timeline"})
		if cb := callback(t, in); cb.Type != 5 {
			t.Fatalf("callback type %d, want 5", cb.Type)
		}
		m := finalOriginal(t, in, "Juli 2025")
		if !strings.Contains(m.Content, "**Timeline**") || !strings.Contains(m.Content, "**2018** — Altman reserviert einen Roadster. · §2") {
			t.Errorf("timeline %q", m.Content)
		}
	})

	t.Run("quote passes speaker and topic and shows the quotation verbatim", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "quote", Options: map[string]any{"speaker": "Sam Altman", "topic": "warten"}, Locale: discordgo.German})
		callback(t, in)
		m := finalOriginal(t, in, "Ich habe sieben Jahre gewartet")
		if !strings.Contains(m.Content, "> Ich habe sieben Jahre gewartet\n— **Sam Altman** · §2") {
			t.Errorf("quote %q", m.Content)
		}
		ans.mu.Lock()
		got := ans.quotes[len(ans.quotes)-1]
		ans.mu.Unlock()
		if got.Speaker != "Sam Altman" || got.Topic != "warten" || got.Lang != "de" {
			t.Errorf("engine asked %+v", got)
		}
	})

	t.Run("summary asks for the chosen length and cites its sources", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "summary", Options: map[string]any{"length": "long"}})
		callback(t, in)
		m := finalOriginal(t, in, "Sources: §1")
		if buttonID(m) == "" {
			t.Error("summary has no sources button")
		}
		ans.mu.Lock()
		got := ans.summaries[len(ans.summaries)-1]
		ans.mu.Unlock()
		if got.Length != "long" {
			t.Errorf("length %q, want long", got.Length)
		}
	})

	t.Run("sources lists the stories ephemerally at once", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "sources"})
		cb := callback(t, in)
		if cb.Type != 4 || cb.Message.Flags&discordgo.MessageFlagsEphemeral == 0 || len(cb.Message.Embeds) != 1 {
			t.Fatalf("callback %+v", cb.Message)
		}
		e := cb.Message.Embeds[0]
		if e.Title != "Musk antwortet Altman" || !strings.Contains(e.Description, "Der Standard, 2025") || !strings.Contains(e.Description, "3 passages") {
			t.Errorf("embed %q / %q", e.Title, e.Description)
		}
	})

	t.Run("help explains the commands in the user's language", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "help", Locale: discordgo.German})
		cb := callback(t, in)
		if cb.Type != 4 || len(cb.Message.Embeds) == 0 || !strings.Contains(cb.Message.Embeds[0].Description, "/zeitleiste") {
			t.Fatalf("help %+v", cb.Message)
		}
	})

	t.Run("speaker autocomplete suggests the story's speakers matching what was typed", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "quote", Focused: "speaker", Options: map[string]any{"speaker": "sa"}})
		cb := callback(t, in)
		if cb.Type != discordgo.InteractionApplicationCommandAutocompleteResult {
			t.Fatalf("callback type %d, want 8", cb.Type)
		}
		var names []string
		for _, c := range cb.Choices {
			names = append(names, c.Name)
		}
		if !slices.Equal(names, []string{"Sam Altman"}) {
			t.Errorf("choices %v, want [Sam Altman]", names)
		}
	})

	var mentionAnswer string
	t.Run("a mention is answered like ask, as a reply", func(t *testing.T) {
		user, err := srv.PostMessage(discordtest.MessageSpec{Content: srv.BotMention() + " Why did Musk refund the money?"})
		if err != nil {
			t.Fatal(err)
		}
		reply := waitBotMessage(t, srv, func(m *discordgo.Message) bool {
			return m.MessageReference != nil && m.MessageReference.MessageID == user.ID && strings.Contains(m.Content, "Sources: §2 · §3")
		})
		mentionAnswer = reply.ID
		if !strings.HasPrefix(reply.Content, answerText) {
			t.Errorf("reply %q", reply.Content)
		}
		if q := ans.lastAsk().Question; q != "Why did Musk refund the money?" {
			t.Errorf("engine asked %q", q)
		}
	})

	t.Run("a reply to the bot's answer continues the conversation with the reply chain as history", func(t *testing.T) {
		if mentionAnswer == "" {
			t.Skip("needs the mention answer")
		}
		user, err := srv.PostMessage(discordtest.MessageSpec{Content: "And when was that?", ReplyTo: mentionAnswer})
		if err != nil {
			t.Fatal(err)
		}
		waitBotMessage(t, srv, func(m *discordgo.Message) bool {
			return m.MessageReference != nil && m.MessageReference.MessageID == user.ID && strings.Contains(m.Content, "Sources:")
		})
		req := ans.lastAsk()
		want := []answer.Turn{
			{Role: "user", Content: "Why did Musk refund the money?"},
			{Role: "assistant", Content: answerText},
		}
		if req.Question != "And when was that?" || !slices.Equal(req.History, want) {
			t.Errorf("engine asked %q with history %+v, want %+v", req.Question, req.History, want)
		}
	})

	t.Run("a reply to an ask answer takes the question from its quote line", func(t *testing.T) {
		if askOriginal == nil {
			t.Skip("needs the ask answer")
		}
		user, err := srv.PostMessage(discordtest.MessageSpec{Content: "Und danach?", ReplyTo: askOriginal.ID})
		if err != nil {
			t.Fatal(err)
		}
		waitBotMessage(t, srv, func(m *discordgo.Message) bool {
			return m.MessageReference != nil && m.MessageReference.MessageID == user.ID && strings.Contains(m.Content, "§2")
		})
		req := ans.lastAsk()
		if len(req.History) != 2 || req.History[0] != (answer.Turn{Role: "user", Content: "Warum stream?"}) || req.History[1].Role != "assistant" ||
			strings.Contains(req.History[1].Content, "Quellen") {
			t.Errorf("history %+v", req.History)
		}
	})

	t.Run("a 5,000-character answer is cut to two messages within Discord's limit, ending with a note", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Give me the long version"}})
		callback(t, in)
		waitFollowup(t, h, in, "Sources: §2 · §3")
		parts := []*discordgo.Message{in.Original()}
		parts = append(parts, in.Followups()...)
		if len(parts) != maxAnswerMessages {
			t.Fatalf("%d messages for 5,000 characters, want %d", len(parts), maxAnswerMessages)
		}
		if last := parts[len(parts)-1].Content; !strings.Contains(last, txtAnswerCut.en) {
			t.Errorf("the last message does not say the answer was cut: %q", abbreviate(last, 200))
		}
		for i, p := range parts {
			if n := utf8.RuneCountInString(p.Content); n > 2000 {
				t.Errorf("message %d has %d characters", i, n)
			}
			if (buttonID(p) != "") != (i == len(parts)-1) {
				t.Errorf("message %d: button present = %v, want it on the last message only", i, buttonID(p) != "")
			}
		}
	})

	t.Run("a 429 on an edit is waited out and the answer still lands", func(t *testing.T) {
		srv.FailNext("PATCH", "/webhooks/*/*/messages/@original", http.StatusTooManyRequests, 80*time.Millisecond)
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Was passierte?"}})
		callback(t, in)
		finalOriginal(t, in, "Sources: §2 · §3")
		limited := 0
		for _, c := range in.Calls() {
			if c.Injected && c.Status == http.StatusTooManyRequests {
				limited++
			}
		}
		if limited != 1 {
			t.Errorf("%d edits got the injected 429, want 1", limited)
		}
	})

	t.Run("an unreachable model is explained privately with an error id that is in the log", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "unavailable please"}})
		callback(t, in)
		c := waitFollowup(t, h, in, "can't be reached")
		var msg discordgo.Message
		if err := c.Decode(&msg); err != nil {
			t.Fatal(err)
		}
		if msg.Flags&discordgo.MessageFlagsEphemeral == 0 {
			t.Error("error message is not ephemeral")
		}
		id := errorIDIn(t, msg.Content)
		if !strings.Contains(h.logs.String(), "err_id="+id) || !strings.Contains(h.logs.String(), "connection refused") {
			t.Errorf("log has no details for error id %s", id)
		}
	})

	t.Run("a panic in a handler is reported like an error and the bot keeps running", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "panic now"}})
		callback(t, in)
		c := waitFollowup(t, h, in, "Something went wrong")
		var msg discordgo.Message
		_ = c.Decode(&msg)
		id := errorIDIn(t, msg.Content)
		if !strings.Contains(h.logs.String(), "err_id="+id) || !strings.Contains(h.logs.String(), "answerer exploded") {
			t.Errorf("log has no panic details for error id %s", id)
		}
		next := h.interact(t, discordtest.InteractionSpec{Command: "help"})
		if cb := callback(t, next); cb.Type != 4 {
			t.Errorf("after the panic /help got callback type %d", cb.Type)
		}
	})

	t.Run("text that would ping everyone pings no one", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "mentions?"}})
		callback(t, in)
		m := finalOriginal(t, in, "Sources: §2")
		if m.MentionEveryone || len(m.Mentions) > 0 || len(m.MentionRoles) > 0 {
			t.Errorf("message pings: everyone=%v users=%v roles=%v", m.MentionEveryone, m.Mentions, m.MentionRoles)
		}
	})

	t.Run("metrics count interactions, tokens and latencies", func(t *testing.T) {
		body := get(t, h.bot.Handler(), "/metrics", http.StatusOK)
		for _, want := range []string{
			`storybot_interactions_total{command="ask",outcome="ok"}`,
			`storybot_interactions_total{command="ask",outcome="unavailable"}`,
			`storybot_interactions_total{command="ask",outcome="panic"}`,
			`storybot_interactions_total{command="mention",outcome="ok"}`,
			`storybot_model_tokens_total{type="prompt"}`,
			`storybot_ack_latency_seconds_count`,
			`storybot_answer_latency_seconds_count{command="ask"}`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})

	t.Run("every message, edit and follow-up forbids all mentions", func(t *testing.T) {
		assertNoPings(t, srv)
	})

	t.Run("the token never appears in the log", func(t *testing.T) {
		if strings.Contains(h.logs.String(), testToken) {
			t.Error("the bot token is in the log")
		}
	})
}

// waitBotMessage waits until the bot has a message in the default
// channel that satisfies cond (after its last edit) and returns it.
func waitBotMessage(t testing.TB, srv *discordtest.Server, cond func(*discordgo.Message) bool) *discordgo.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var found *discordgo.Message
	_, err := srv.WaitFor(ctx, func(c discordtest.Call) bool {
		if !c.OK() || !strings.Contains(c.Path, "/channels/") {
			return false
		}
		for _, m := range srv.Messages(srv.ChannelID()) {
			if m.Author != nil && m.Author.ID == srv.AppID() && cond(m) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no such bot message: %v", err)
	}
	return found
}

func errorIDIn(t testing.TB, content string) string {
	t.Helper()
	i := strings.LastIndex(content, "`")
	j := strings.LastIndex(content[:max(i, 0)], "`")
	if i < 0 || j < 0 || i-j != 9 {
		t.Fatalf("no error id in %q", content)
	}
	return content[j+1 : i]
}

func get(t testing.TB, h http.Handler, path string, wantStatus int) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != wantStatus {
		t.Errorf("GET %s: %d %s, want %d", path, rec.Code, rec.Body.String(), wantStatus)
	}
	return rec.Body.String()
}
