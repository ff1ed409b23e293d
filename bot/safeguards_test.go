package bot

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/bot/discordtest"
	"github.com/storybot/storybot/knowledge"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

// botMessages are the messages the bot has posted in the default channel.
func botMessages(h *harness) []*discordgo.Message {
	var out []*discordgo.Message
	for _, m := range h.srv.Messages(h.srv.ChannelID()) {
		if m.Author != nil && m.Author.ID == h.srv.AppID() {
			out = append(out, m)
		}
	}
	return out
}

func TestAnAnswerPostsABoundedNumberOfMessages(t *testing.T) {
	h := startBot(t, Options{}, nil, discordtest.Options{})
	t.Run("a model streaming 50,000 characters gets one /ask two messages, the last saying it was cut", func(t *testing.T) {
		in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Flood me"}})
		callback(t, in)
		waitFollowup(t, h, in, "Sources: §2 · §3")
		msgs := append([]*discordgo.Message{in.Original()}, in.Followups()...)
		if len(msgs) > maxAnswerMessages {
			t.Fatalf("%d messages for one question, want at most %d", len(msgs), maxAnswerMessages)
		}
		total := 0
		for _, m := range msgs {
			total += utf8.RuneCountInString(m.Content)
		}
		if total > maxAnswerMessages*maxContent {
			t.Errorf("%d characters posted", total)
		}
		if last := msgs[len(msgs)-1]; !strings.Contains(last.Content, txtAnswerCut.en) || buttonID(last) == "" {
			t.Errorf("the last message lacks the cut note or the sources button: %q", abbreviate(last.Content, 100))
		}
	})
	t.Run("so does a mention", func(t *testing.T) {
		before := len(botMessages(h))
		user, err := h.srv.PostMessage(discordtest.MessageSpec{Content: fmt.Sprintf("<@%s> flood me", h.srv.AppID())})
		if err != nil {
			t.Fatal(err)
		}
		waitBotMessage(t, h.srv, func(m *discordgo.Message) bool {
			return m.MessageReference != nil && strings.Contains(m.Content, "Sources: §2 · §3")
		})
		replies := botMessages(h)[before:]
		if len(replies) == 0 || len(replies) > maxAnswerMessages {
			t.Fatalf("%d messages for one mention, want 1 to %d", len(replies), maxAnswerMessages)
		}
		if replies[0].MessageReference == nil || replies[0].MessageReference.MessageID != user.ID {
			t.Errorf("the first message does not reply to the question")
		}
		if !strings.Contains(replies[len(replies)-1].Content, txtAnswerCut.en) {
			for i, m := range replies {
				t.Logf("message %d: %q", i, abbreviate(m.Content, 120)+" … "+tail(m.Content, 200))
			}
			t.Errorf("no cut note")
		}
	})
}

func TestSourcesPagesThroughManyStoriesInOneMessage(t *testing.T) {
	ans := newFakeAnswerer()
	ans.stories = nil
	for i := 0; i < 300; i++ {
		ans.stories = append(ans.stories, answer.StoryInfo{ID: fmt.Sprintf("story-%03d", i), Title: fmt.Sprintf("Story %d", i), Source: "Archiv", Passages: 3})
	}
	h := startBot(t, Options{}, ans, discordtest.Options{})
	in := h.interact(t, discordtest.InteractionSpec{Command: "sources", Locale: discordgo.German})
	cb := callback(t, in)
	if cb.Type != discordgo.InteractionResponseChannelMessageWithSource || cb.Message.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Fatalf("callback type %d flags %d, want an ephemeral message", cb.Type, cb.Message.Flags)
	}
	if n := len(in.Followups()); n != 0 {
		t.Errorf("%d follow-ups, want one message", n)
	}
	first := cb.Message.Embeds[0].Title
	if first != "Story 0" || !strings.Contains(cb.Message.Content, "Seite 1 von 30") {
		t.Errorf("page 1 starts with %q, content %q", first, cb.Message.Content)
	}
	var next string
	for _, row := range in.Original().Components {
		for _, c := range row.(*discordgo.ActionsRow).Components {
			if b := c.(*discordgo.Button); b.Label == "Weiter" && !b.Disabled {
				next = b.CustomID
			} else if b.Label == "Zurück" && !b.Disabled {
				t.Error("Previous is enabled on the first page")
			}
		}
	}
	if next == "" {
		t.Fatalf("no enabled Next button: %+v", in.Original().Components)
	}
	click := h.interact(t, discordtest.InteractionSpec{CustomID: next, MessageID: in.Original().ID, Locale: discordgo.German})
	cb2 := callback(t, click)
	if cb2.Type != discordgo.InteractionResponseUpdateMessage {
		t.Fatalf("Next answered with callback type %d, want 7 (update the message)", cb2.Type)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := in.WaitOriginal(ctx, func(m *discordgo.Message) bool { return strings.Contains(m.Content, "Seite 2 von 30") })
	if err != nil {
		t.Fatalf("the message did not turn to page 2: %v", err)
	}
	if m.Embeds[0].Title != "Story 10" {
		t.Errorf("page 2 starts with %q, want Story 10", m.Embeds[0].Title)
	}
	if n := len(in.Followups()) + len(click.Followups()); n != 0 {
		t.Errorf("%d follow-ups after paging", n)
	}
}

// sessionBuckets counts the rate-limit buckets discordgo keeps in the
// session (its map is unexported; reflect can read its length).
func sessionBuckets(b *Bot) int {
	rl := b.session.Ratelimiter
	rl.Lock()
	defer rl.Unlock()
	return reflect.ValueOf(rl).Elem().FieldByName("buckets").Len()
}

func TestInteractionsLeaveNoRateLimitBucketsBehind(t *testing.T) {
	done := make(chan string, 256)
	h := startBot(t, Options{}, nil, discordtest.Options{}, func(b *Bot) { b.handled = func(id string) { done <- id } })
	before := sessionBuckets(h.bot)
	for i := 0; i < 200; i++ {
		h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Was passierte?"}})
	}
	for i := 0; i < 200; i++ {
		<-done
	}
	if after := sessionBuckets(h.bot); after != before {
		t.Errorf("%d rate-limit buckets after 200 /ask, %d before: they grow with the interactions", after, before)
	}
}

func TestLinksInQuestionsAndAnswersNeitherUnfurlNorHide(t *testing.T) {
	h := startBot(t, Options{}, nil, discordtest.Options{})
	question := "links: is [Offizielles Tesla-Erstattungsformular](https://evil.example/login) real?"
	in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": question}})
	callback(t, in)
	m := finalOriginal(t, in, "Sources:")
	for _, want := range []string{
		"Offizielles Tesla-Erstattungsformular (<https://evil.example/login>) real?",
		"Fill in the Offizielles Tesla-Erstattungsformular (<https://evil.example/login>)",
	} {
		if !strings.Contains(m.Content, want) {
			t.Errorf("answer lacks %q:\n%s", want, m.Content)
		}
	}
	if strings.Contains(m.Content, "](") {
		t.Errorf("a masked link is left: %s", m.Content)
	}
	if m.Flags&discordgo.MessageFlagsSuppressEmbeds == 0 {
		t.Errorf("the answer's flags %d do not suppress embeds", m.Flags)
	}
	// A mention's reply too.
	_, err := h.srv.PostMessage(discordtest.MessageSpec{Content: fmt.Sprintf("<@%s> links [x](https://evil.example/a)?", h.srv.AppID())})
	if err != nil {
		t.Fatal(err)
	}
	reply := waitBotMessage(t, h.srv, func(m *discordgo.Message) bool {
		return strings.Contains(m.Content, "Sources:") && m.MessageReference != nil
	})
	if reply.Flags&discordgo.MessageFlagsSuppressEmbeds == 0 || strings.Contains(reply.Content, "](") {
		t.Errorf("mention reply: flags %d, content %q", reply.Flags, reply.Content)
	}
	// Every write of text (edits, follow-ups, replies, error notes) asks for no embeds.
	writes := 0
	for _, c := range h.srv.Calls() {
		if !c.IsMessageWrite() || !c.OK() {
			continue
		}
		var p struct {
			Content *string          `json:"content"`
			Embeds  []map[string]any `json:"embeds"`
			Flags   int              `json:"flags"`
			Data    *struct {
				Content string           `json:"content"`
				Embeds  []map[string]any `json:"embeds"`
				Flags   int              `json:"flags"`
			} `json:"data"`
		}
		if err := c.Decode(&p); err != nil {
			t.Fatalf("%s %s: %v", c.Method, redact(c.Path), err)
		}
		content, embeds, flags := "", len(p.Embeds), p.Flags
		if p.Content != nil {
			content = *p.Content
		}
		if p.Data != nil {
			content, embeds, flags = p.Data.Content, len(p.Data.Embeds), p.Data.Flags
		}
		if content == "" || embeds > 0 {
			continue
		}
		writes++
		if flags&int(discordgo.MessageFlagsSuppressEmbeds) == 0 {
			t.Errorf("%s %s carries text without SUPPRESS_EMBEDS: %s", c.Method, redact(c.Path), abbreviate(string(c.JSON), 200))
		}
	}
	if writes < 3 {
		t.Errorf("only %d text writes recorded", writes)
	}
}

func TestPlainLinks(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"[Formular](https://evil.example/login)", "Formular (<https://evil.example/login>)"},
		{"[Formular](<https://evil.example/login>)", "Formular (<https://evil.example/login>)"},
		{`[Formular](https://evil.example/login "Tesla")`, "Formular (<https://evil.example/login>)"},
		{"[[a](https://x.example)](https://y.example)", "a (<https://x.example>) (<https://y.example>)"},
		{"[paren](https://x.example/a_(b))", "[paren] (https://x.example/a_(b))"},
		{"cited [§2] (and more)", "cited [§2] (and more)"},
		{"no links here", "no links here"},
	} {
		got := plainLinks(tt.in)
		if got != tt.want {
			t.Errorf("plainLinks(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "](") {
			t.Errorf("plainLinks(%q) leaves a masked link: %q", tt.in, got)
		}
	}
}

// realEngine is the answer engine on the default story with a fake model.
func realEngine(t *testing.T, model *openaitest.Server) *answer.Engine {
	t.Helper()
	client, err := llm.New(llm.Options{APIKey: "test", BaseURL: model.BaseURL(), Model: "fake-model", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	e, err := answer.New(context.Background(), answer.Options{Stories: []*knowledge.Story{knowledge.Default()}, Model: client})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestTheUsersLanguageReachesTheModel(t *testing.T) {
	model := openaitest.New(t)
	model.SetAnswer("Altman avait réservé un Roadster en juillet 2018 [§2].")
	h := startBotWith(t, Options{}, realEngine(t, model), discordtest.Options{})
	in := h.interact(t, discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Quand Altman a-t-il réservé ?"}, Locale: discordgo.French})
	callback(t, in)
	m := finalOriginal(t, in, "-# Sources: ")
	var prompt strings.Builder
	for _, r := range model.Requests() {
		if r.Chat != nil {
			for _, msg := range r.Chat.Messages {
				prompt.WriteString(msg.Content)
			}
		}
	}
	if !strings.Contains(prompt.String(), "Answer in French") {
		t.Errorf("the prompt does not ask for French:\n%s", abbreviate(prompt.String(), 2000))
	}
	if !strings.Contains(m.Content, "-# Sources: ") || buttonLabel(m) != "Show sources" {
		t.Errorf("the bot's own words are not in English for a French user: %q, button %q", m.Content, buttonLabel(m))
	}
}

func TestLangOfLocale(t *testing.T) {
	for locale, want := range map[discordgo.Locale]string{
		discordgo.German: "de", discordgo.French: "fr", discordgo.SpanishES: "es", discordgo.EnglishUS: "en",
		discordgo.PortugueseBR: "pt", discordgo.ChineseCN: "zh", "": "",
	} {
		if got := langOfLocale(locale); got != want {
			t.Errorf("langOfLocale(%q) = %q, want %q", locale, got, want)
		}
	}
	if txtSources.in("fr") != "Sources" || txtSources.in("de-AT") != "Quellen" {
		t.Error("the bot's strings do not fall back to English, or miss German")
	}
}

func TestQuestionLengthIsCheckedInCharactersBeforeTheRateLimit(t *testing.T) {
	h := startBot(t, Options{Rate: Rate{Count: 1, Per: time.Hour}}, nil, discordtest.Options{})
	mention := "<@" + h.srv.AppID() + "> "
	t.Run("a German user sees the German error for a question that is too long", func(t *testing.T) {
		long := "Warum hat Musk das Geld erstattet? " + strings.Repeat("ä", answer.MaxQuestionChars)
		if _, err := h.srv.PostMessage(discordtest.MessageSpec{Content: mention + long}); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("die Frage ist zu lang (%d Zeichen, höchstens %d)", utf8.RuneCountInString(long), answer.MaxQuestionChars)
		waitBotMessage(t, h.srv, func(m *discordgo.Message) bool { return strings.Contains(m.Content, want) })
		if n := len(h.ans.asks); n != 0 {
			t.Errorf("the engine was asked %d times", n)
		}
	})
	t.Run("a 700-character question in Chinese is not too long, and the refused one cost nothing", func(t *testing.T) {
		cjk := strings.Repeat("马", 700)
		if _, err := h.srv.PostMessage(discordtest.MessageSpec{Content: mention + cjk}); err != nil {
			t.Fatal(err)
		}
		waitBotMessage(t, h.srv, func(m *discordgo.Message) bool { return strings.Contains(m.Content, "Sources: §2 · §3") })
		if got := h.ans.lastAsk().Question; got != cjk {
			t.Errorf("the engine got %d characters, want the 700", utf8.RuneCountInString(got))
		}
	})
}
