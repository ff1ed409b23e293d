package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
)

func TestHistoryFollowsTheReplyChainUpToTheDepth(t *testing.T) {
	self := &discordgo.User{ID: "42", Bot: true}
	user := &discordgo.User{ID: "7"}
	ref := func(id string) *discordgo.MessageReference {
		return &discordgo.MessageReference{MessageID: id, ChannelID: "c"}
	}
	// m1 (user) <- m2 (bot) <- m3 (user) <- m4 (bot) <- m5 (user) <- new message
	chain := map[string]*discordgo.Message{
		"m1": {ID: "m1", ChannelID: "c", Author: user, Content: "<@42> Wer hat reserviert?"},
		"m2": {ID: "m2", ChannelID: "c", Author: self, Content: "Altman.\n\n-# Quellen: §2", MessageReference: ref("m1")},
		"m3": {ID: "m3", ChannelID: "c", Author: user, Content: "<@42> Wann?", MessageReference: ref("m2")},
		"m4": {ID: "m4", ChannelID: "c", Author: self, Content: "2018.", MessageReference: ref("m3")},
		"m5": {ID: "m5", ChannelID: "c", Author: user, Content: "Und wie viel?", MessageReference: ref("m4")},
	}
	var fetches atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		m, ok := chain[id]
		if !ok || !strings.HasPrefix(r.URL.Path, "/api/v9/channels/c/messages/") {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		_ = json.NewEncoder(w).Encode(m)
	}))
	defer api.Close()

	for _, tt := range []struct {
		name  string
		depth int
		want  []answer.Turn
	}{
		{"a depth of 3 keeps the newest three turns, oldest first", 3, []answer.Turn{
			{Role: "user", Content: "Wann?"}, {Role: "assistant", Content: "2018."}, {Role: "user", Content: "Und wie viel?"},
		}},
		{"a deep enough limit walks to the start and drops the small print", 10, []answer.Turn{
			{Role: "user", Content: "Wer hat reserviert?"}, {Role: "assistant", Content: "Altman."},
			{Role: "user", Content: "Wann?"}, {Role: "assistant", Content: "2018."}, {Role: "user", Content: "Und wie viel?"},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(Options{Token: testToken, APIURL: api.URL, ConversationDepth: tt.depth}, newFakeAnswerer())
			if err != nil {
				t.Fatal(err)
			}
			b.selfID.Store(self.ID)
			fetches.Store(0)
			newMsg := &discordgo.Message{ID: "m6", ChannelID: "c", Author: user, Content: "<@42> Und wer zahlte?", MessageReference: ref("m5")}
			got := b.history(context.Background(), newMsg)
			if !slices.Equal(got, tt.want) {
				t.Errorf("history %+v, want %+v", got, tt.want)
			}
			if n := int(fetches.Load()); n > tt.depth {
				t.Errorf("%d messages fetched, more than the depth %d", n, tt.depth)
			}
		})
	}
}

func TestSplitBotMessage(t *testing.T) {
	q, a := splitBotMessage("> Warum stream?\n\nword0 word1\n\n-# Quellen: §2 · §3\n-# offline")
	if q != "Warum stream?" || a != "word0 word1" {
		t.Errorf("got %q / %q", q, a)
	}
}

func TestGuessLang(t *testing.T) {
	for in, want := range map[string]string{
		"Warum hat Musk das Geld erstattet?": langDE,
		"Why did Musk refund the money?":     langEN,
		"Wer ist Altman":                     langDE,
		"Grüße":                              langDE,
	} {
		if got := guessLang(in); got != want {
			t.Errorf("guessLang(%q) = %s, want %s", in, got, want)
		}
	}
}
