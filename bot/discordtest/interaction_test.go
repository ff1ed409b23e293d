package discordtest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/storybot/storybot/bot/discordtest"
)

func TestCommandRegistration(t *testing.T) {
	t.Parallel()
	srv, s := connect(t, discordtest.Options{}, nil)
	for _, guild := range []string{"", srv.GuildID()} {
		got := register(t, srv, s, guild, askCommands())
		if len(got) != 1 || got[0].ID == "" || got[0].Name != "ask" || got[0].ApplicationID != srv.AppID() || got[0].GuildID != guild {
			t.Fatalf("guild %q: registered = %+v", guild, got[0])
		}
		stored := srv.Commands(guild)
		if len(stored) != 1 || stored[0].ID != got[0].ID || len(stored[0].Options) != 3 ||
			(*stored[0].NameLocalizations)[discordgo.German] != "frage" {
			t.Errorf("guild %q: stored = %+v", guild, stored)
		}
		// Overwriting keeps the id of a command with the same name.
		again := register(t, srv, s, guild, askCommands())
		if again[0].ID != got[0].ID {
			t.Errorf("guild %q: id changed on overwrite: %s -> %s", guild, got[0].ID, again[0].ID)
		}
	}
	list, err := s.ApplicationCommands(srv.AppID(), "")
	if err != nil || len(list) != 1 {
		t.Errorf("ApplicationCommands = %v, %v", list, err)
	}

	bad := []struct {
		name string
		cmd  *discordgo.ApplicationCommand
	}{
		{"uppercase name", &discordgo.ApplicationCommand{Name: "Ask", Description: "d"}},
		{"no description", &discordgo.ApplicationCommand{Name: "ask"}},
		{"long description", &discordgo.ApplicationCommand{Name: "ask", Description: strings.Repeat("x", 101)}},
		{"bad locale", &discordgo.ApplicationCommand{Name: "ask", Description: "d", NameLocalizations: &map[discordgo.Locale]string{"xx": "frage"}}},
		{"required after optional", &discordgo.ApplicationCommand{Name: "ask", Description: "d", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "a", Description: "a"},
			{Type: discordgo.ApplicationCommandOptionString, Name: "b", Description: "b", Required: true},
		}}},
	}
	for _, tc := range bad {
		_, err := s.ApplicationCommandBulkOverwrite(srv.AppID(), srv.GuildID(), []*discordgo.ApplicationCommand{tc.cmd})
		if restCode(err) != 50035 {
			t.Errorf("%s: err = %v, want Invalid Form Body (50035)", tc.name, err)
		}
	}
	if _, err := s.ApplicationCommandBulkOverwrite("999", "", askCommands()); restCode(err) != 50001 {
		t.Errorf("wrong app id: err = %v, want Missing Access", err)
	}
}

func TestSlashCommandDeferEditFollowup(t *testing.T) {
	t.Parallel()
	got := make(chan *discordgo.InteractionCreate, 1)
	srv, s := connect(t, discordtest.Options{}, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { got <- i })
	})
	register(t, srv, s, srv.GuildID(), askCommands())

	in, err := srv.Interact(discordtest.InteractionSpec{
		Command: "ask", Options: map[string]any{"question": "Wer war es?", "length": 3}, Locale: discordgo.German,
	})
	if err != nil {
		t.Fatal(err)
	}
	i := recv(t, got)
	data := i.ApplicationCommandData()
	switch {
	case i.ID != in.ID || i.Token != in.Token || i.AppID != srv.AppID():
		t.Errorf("ids: got %s/%s/%s", i.ID, i.Token, i.AppID)
	case i.Type != discordgo.InteractionApplicationCommand || data.Name != "ask" || data.ID == "":
		t.Errorf("data = %+v", data)
	case option(data, "question").StringValue() != "Wer war es?" || option(data, "length").IntValue() != 3:
		t.Errorf("options = %+v", data.Options)
	case i.Locale != discordgo.German || i.GuildLocale == nil || *i.GuildLocale != discordgo.EnglishUS:
		t.Errorf("locale %q guild locale %v", i.Locale, i.GuildLocale)
	case i.GuildID != srv.GuildID() || i.ChannelID != srv.ChannelID():
		t.Errorf("guild %s channel %s", i.GuildID, i.ChannelID)
	case i.Member == nil || i.Member.User == nil || i.Member.User.ID != srv.User().ID || i.Member.User.Username != "tester":
		t.Errorf("member = %+v", i.Member)
	case i.AppPermissions == 0:
		t.Error("app_permissions missing")
	}

	// Defer, edit twice, follow up.
	if err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
		t.Fatal(err)
	}
	cb, err := in.Callback(ctxT(t))
	if err != nil || cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Fatalf("callback = %+v, %v", cb, err)
	}
	if o := in.Original(); o == nil || o.Flags&(1<<7) == 0 {
		t.Errorf("deferred @original = %+v, want a loading message", o)
	}
	for _, text := range []string{"Es war", "Es war der Gärtner."} {
		m, err := s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: ptr(text), AllowedMentions: noPings})
		if err != nil {
			t.Fatal(err)
		}
		if m.Content != text || m.Author == nil || m.Author.ID != srv.AppID() || m.ChannelID != srv.ChannelID() {
			t.Errorf("edit returned %+v", m)
		}
	}
	final, err := in.WaitOriginal(ctxT(t), func(m *discordgo.Message) bool { return strings.HasSuffix(m.Content, ".") })
	if err != nil || final.Content != "Es war der Gärtner." || final.Flags&(1<<7) != 0 || final.EditedTimestamp == nil {
		t.Errorf("original = %+v, %v", final, err)
	}
	read, err := s.InteractionResponse(i.Interaction)
	if err != nil || read.ID != final.ID || read.Content != final.Content {
		t.Errorf("GET @original = %+v, %v", read, err)
	}
	fu, err := s.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "PS", AllowedMentions: noPings})
	if err != nil || fu == nil || fu.Content != "PS" || fu.ID == final.ID {
		t.Fatalf("follow-up = %+v, %v", fu, err)
	}
	if _, err := s.FollowupMessageEdit(i.Interaction, fu.ID, &discordgo.WebhookEdit{Content: ptr("PS: edited"), AllowedMentions: noPings}); err != nil {
		t.Fatal(err)
	}
	if f := in.Followups(); len(f) != 1 || f[0].Content != "PS: edited" {
		t.Errorf("followups = %+v", f)
	}
	if n := len(in.Edits()); n != 2 {
		t.Errorf("%d edits of @original, want 2", n)
	}

	// A second acknowledgement is refused like on Discord.
	err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "again", AllowedMentions: noPings}})
	if restCode(err) != 40060 {
		t.Errorf("second callback err = %v, want 40060", err)
	}

	// Every message write forbade pings, and arrived in order.
	var writes int
	var last time.Time
	for _, c := range in.Calls() {
		if c.Time.Before(last) {
			t.Errorf("call %d recorded out of order", c.Seq)
		}
		last = c.Time
		if c.IsMessageWrite() {
			writes++
			if !discordtest.AllowedMentionsEmpty(c.JSON) {
				t.Errorf("%s %s: allowed_mentions not empty: %s", c.Method, c.Path, c.JSON)
			}
		}
	}
	if writes != 5 {
		t.Errorf("%d message writes, want 5 (2 edits, follow-up, its edit, refused callback)", writes)
	}
	if got := srv.Messages(srv.ChannelID()); len(got) != 2 {
		t.Errorf("channel has %d messages, want 2", len(got))
	}
}

func TestInteractRejectsWhatDiscordWould(t *testing.T) {
	t.Parallel()
	srv, s := connect(t, discordtest.Options{}, nil)
	register(t, srv, s, srv.GuildID(), askCommands())
	tests := []struct {
		name string
		spec discordtest.InteractionSpec
		want string
	}{
		{"unregistered command", discordtest.InteractionSpec{Command: "nope"}, "not registered"},
		{"missing required option", discordtest.InteractionSpec{Command: "ask"}, "required option"},
		{"unknown option", discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "q", "x": 1}}, "unknown option"},
		{"wrong type", discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": 5}}, "want a string"},
		{"too long", discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": strings.Repeat("x", 301)}}, "max_length"},
		{"above max", discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "q", "length": 6}}, "max_value"},
		{"component without message", discordtest.InteractionSpec{CustomID: "nothing"}, "no message"},
	}
	for _, tc := range tests {
		if _, err := srv.Interact(tc.spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestComponentsAndAutocomplete(t *testing.T) {
	t.Parallel()
	got := make(chan *discordgo.InteractionCreate, 4)
	srv, s := connect(t, discordtest.Options{}, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { got <- i })
	})
	register(t, srv, s, srv.GuildID(), askCommands())

	// The bot posts a message with a button; the user clicks it.
	posted, err := s.ChannelMessageSendComplex(srv.ChannelID(), &discordgo.MessageSend{
		Content:         "Continue?",
		AllowedMentions: noPings,
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "More", Style: discordgo.PrimaryButton, CustomID: "more:1"},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(posted.Components) != 1 {
		t.Errorf("posted message components = %+v", posted.Components)
	}
	in, err := srv.Interact(discordtest.InteractionSpec{CustomID: "more:1"})
	if err != nil {
		t.Fatal(err)
	}
	i := recv(t, got)
	if i.Type != discordgo.InteractionMessageComponent || i.MessageComponentData().CustomID != "more:1" ||
		i.Message == nil || i.Message.ID != posted.ID {
		t.Fatalf("component interaction = %+v", i.Interaction)
	}
	err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: "Continued.", Components: []discordgo.MessageComponent{}, AllowedMentions: noPings}})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := srv.Message(posted.ID); m.Content != "Continued." || len(m.Components) != 0 {
		t.Errorf("updated message = %+v", m)
	}
	if o := in.Original(); o == nil || o.ID != posted.ID {
		t.Errorf("@original of a component update = %+v, want the clicked message", o)
	}

	// Autocomplete: the focused option carries the partial input.
	in, err = srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"story": "dra"}, Focused: "story"})
	if err != nil {
		t.Fatal(err)
	}
	i = recv(t, got)
	opt := option(i.ApplicationCommandData(), "story")
	if i.Type != discordgo.InteractionApplicationCommandAutocomplete || opt == nil || !opt.Focused || opt.StringValue() != "dra" {
		t.Fatalf("autocomplete options = %+v", i.ApplicationCommandData().Options)
	}
	// A message response is not valid for autocomplete.
	err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "x", AllowedMentions: noPings}})
	if restCode(err) != 50035 {
		t.Errorf("message response to autocomplete: err = %v, want 50035", err)
	}
	err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "Dracula", Value: "dracula"}}}})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := in.Callback(ctxT(t))
	if err != nil || len(cb.Choices) != 1 || cb.Choices[0].Name != "Dracula" {
		t.Errorf("autocomplete callback = %+v, %v", cb, err)
	}

	// Modal: open from a command, submit.
	in, err = srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "q"}})
	if err != nil {
		t.Fatal(err)
	}
	i = recv(t, got)
	err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal,
		Data: &discordgo.InteractionResponseData{CustomID: "m1", Title: "Details", Components: []discordgo.MessageComponent{
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.TextInput{CustomID: "detail", Label: "Detail", Style: discordgo.TextInputParagraph}}},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if cb, err := in.Callback(ctxT(t)); err != nil || cb.CustomID != "m1" || cb.Title != "Details" || len(cb.Message.Components) != 1 {
		t.Errorf("modal callback = %+v, %v", cb, err)
	}
	if _, err := srv.Interact(discordtest.InteractionSpec{CustomID: "m1", Fields: map[string]string{"detail": "more please"}}); err != nil {
		t.Fatal(err)
	}
	i = recv(t, got)
	md := i.ModalSubmitData()
	row, _ := md.Components[0].(*discordgo.ActionsRow)
	if md.CustomID != "m1" || row == nil || row.Components[0].(*discordgo.TextInput).Value != "more please" {
		t.Errorf("modal submit = %+v", md)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		retry     time.Duration
		wantErr   bool
		wantCalls []int // statuses of the calls on @original, in order
	}{
		{name: "429 is retried after retry_after", status: http.StatusTooManyRequests, retry: 120 * time.Millisecond, wantCalls: []int{429, 200}},
		{name: "502 is retried", status: http.StatusBadGateway, wantCalls: []int{502, 200}},
		{name: "500 is an error", status: http.StatusInternalServerError, wantErr: true, wantCalls: []int{500}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan *discordgo.InteractionCreate, 1)
			limited := make(chan *discordgo.RateLimit, 1)
			srv, s := connect(t, discordtest.Options{}, func(s *discordgo.Session) {
				s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { got <- i })
				s.AddHandler(func(_ *discordgo.Session, r *discordgo.RateLimit) { limited <- r })
			})
			register(t, srv, s, "", askCommands())
			in, err := srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "q"}})
			if err != nil {
				t.Fatal(err)
			}
			i := recv(t, got)
			if err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}); err != nil {
				t.Fatal(err)
			}
			srv.FailNext("PATCH", "/webhooks/*/*/messages/@original", tc.status, tc.retry)
			_, err = s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: ptr("answer"), AllowedMentions: noPings})
			if (err != nil) != tc.wantErr {
				t.Fatalf("edit err = %v, wantErr %v", err, tc.wantErr)
			}
			calls := srv.CallsMatching(func(c discordtest.Call) bool {
				return c.InteractionID == in.ID && c.Method == "PATCH"
			})
			var statuses []int
			for _, c := range calls {
				statuses = append(statuses, c.Status)
			}
			if fmt.Sprint(statuses) != fmt.Sprint(tc.wantCalls) {
				t.Fatalf("statuses = %v, want %v", statuses, tc.wantCalls)
			}
			if !calls[0].Injected || (len(calls) > 1 && calls[1].Injected) {
				t.Errorf("injected flags: %v", calls)
			}
			if tc.status == http.StatusTooManyRequests {
				if gap := calls[1].Time.Sub(calls[0].Time); gap < tc.retry-5*time.Millisecond {
					t.Errorf("retry came %v after the 429, want >= %v", gap, tc.retry)
				}
				if rl := recv(t, limited); rl.RetryAfter < tc.retry-time.Millisecond {
					t.Errorf("RateLimit event retry after %v", rl.RetryAfter)
				}
				if !strings.Contains(string(calls[0].Response), `"retry_after":0.12`) {
					t.Errorf("429 body = %s", calls[0].Response)
				}
			}
			if !tc.wantErr && in.Original().Content != "answer" {
				t.Errorf("original = %+v", in.Original())
			}
		})
	}
}

func TestCallbackDeadlineAndDelay(t *testing.T) {
	t.Parallel()
	got := make(chan *discordgo.InteractionCreate, 1)
	srv, s := connect(t, discordtest.Options{CallbackDeadline: time.Nanosecond}, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { got <- i })
	})
	register(t, srv, s, "", askCommands())
	remove := srv.SetDelay("POST", "/interactions/*/*/callback", 30*time.Millisecond)
	defer remove()
	if _, err := srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "q"}}); err != nil {
		t.Fatal(err)
	}
	i := recv(t, got)
	err := s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
	if restCode(err) != 10062 {
		t.Errorf("late callback err = %v, want Unknown interaction (10062)", err)
	}
	c, err := srv.WaitFor(ctxT(t), discordtest.Match("POST", "/interactions/*/*/callback"))
	if err != nil || c.Duration < 30*time.Millisecond || c.Status != 404 {
		t.Errorf("delayed call = %+v, %v", c, err)
	}
}

func TestMessageValidation(t *testing.T) {
	t.Parallel()
	srv, s := connect(t, discordtest.Options{}, nil)
	button := func(id string) discordgo.MessageComponent {
		return discordgo.Button{Label: "b", Style: discordgo.SecondaryButton, CustomID: id}
	}
	tests := []struct {
		name string
		msg  *discordgo.MessageSend
		code int
	}{
		{"ok", &discordgo.MessageSend{Content: strings.Repeat("ä", 2000)}, 0},
		{"content too long", &discordgo.MessageSend{Content: strings.Repeat("x", 2001)}, 50035},
		{"empty", &discordgo.MessageSend{}, 50006},
		{"embed description too long", &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("x", 4097)}}}, 50035},
		{"embeds over 6000 total", &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{{Description: strings.Repeat("x", 4000)}, {Description: strings.Repeat("x", 2001)}}}, 50035},
		{"duplicate custom ids", &discordgo.MessageSend{Content: "c", Components: []discordgo.MessageComponent{
			discordgo.ActionsRow{Components: []discordgo.MessageComponent{button("a"), button("a")}}}}, 50035},
		{"button outside a row", &discordgo.MessageSend{Content: "c", Components: []discordgo.MessageComponent{button("a")}}, 50035},
		{"unknown reply target", &discordgo.MessageSend{Content: "c", Reference: &discordgo.MessageReference{MessageID: "123"}}, 50035},
	}
	for _, tc := range tests {
		_, err := s.ChannelMessageSendComplex(srv.ChannelID(), tc.msg)
		if got := restCode(err); (tc.code == 0 && err != nil) || (tc.code != 0 && got != tc.code) {
			t.Errorf("%s: err = %v, want code %d", tc.name, err, tc.code)
		}
	}
	if _, err := s.ChannelMessageSend("42", "hello"); restCode(err) != 10003 {
		t.Errorf("unknown channel: err = %v, want 10003", err)
	}
}

func TestConcurrentInteractions(t *testing.T) {
	t.Parallel()
	const n = 200
	srv, s := connect(t, discordtest.Options{}, func(s *discordgo.Session) {
		s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
			q := option(i.ApplicationCommandData(), "question").StringValue()
			_ = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
			_, _ = s.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: ptr("answer to " + q), AllowedMentions: noPings})
		})
	})
	register(t, srv, s, srv.GuildID(), askCommands())
	handles := make([]*discordtest.Interaction, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h, err := srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": fmt.Sprint(k)}})
			if err != nil {
				errs <- err
				return
			}
			handles[k] = h
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for k, h := range handles {
		m, err := h.WaitOriginal(ctxT(t), nil)
		if err != nil || m.Content != fmt.Sprintf("answer to %d", k) {
			t.Fatalf("interaction %d: original %+v, %v", k, m, err)
		}
	}
	if st := srv.GatewayStats(); st.Dispatches < n+2 {
		t.Errorf("dispatches = %d", st.Dispatches)
	}
}

func TestDMAndFollowupAfterDefer(t *testing.T) {
	t.Parallel()
	got := make(chan *discordgo.InteractionCreate, 1)
	srv, s := connect(t, discordtest.Options{}, func(s *discordgo.Session) {
		s.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { got <- i })
	})
	register(t, srv, s, "", askCommands()) // global commands work in DMs
	in, err := srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "q"}, DM: true})
	if err != nil {
		t.Fatal(err)
	}
	i := recv(t, got)
	if i.GuildID != "" || i.Member != nil || i.User == nil || i.User.ID != srv.User().ID || i.GuildLocale != nil {
		t.Errorf("DM interaction: guild %q member %v user %v", i.GuildID, i.Member, i.User)
	}
	err = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}})
	if err != nil {
		t.Fatal(err)
	}
	// A follow-up while the deferred response is thinking replaces it.
	m, err := s.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "done", AllowedMentions: noPings})
	if err != nil {
		t.Fatal(err)
	}
	o := in.Original()
	if o == nil || m.ID != o.ID || o.Content != "done" || o.Flags != discordgo.MessageFlagsEphemeral || len(in.Followups()) != 0 {
		t.Errorf("original %+v, follow-up %+v, followups %d", o, m, len(in.Followups()))
	}
	// The next one is a real follow-up.
	m2, err := s.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "more", AllowedMentions: noPings})
	if err != nil || m2.ID == o.ID || len(in.Followups()) != 1 {
		t.Errorf("second follow-up %+v, %v", m2, err)
	}
	// Deleting @original makes it unknown.
	if err := s.InteractionResponseDelete(i.Interaction); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InteractionResponse(i.Interaction); restCode(err) != 10008 {
		t.Errorf("GET deleted @original: %v", err)
	}
}
