package discordtest_test

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/storybot/storybot/bot/discordtest"
)

// Guild ids chosen so that with two shards each shard has a guild:
// (id >> 22) % 2 is 1 for DefaultGuildID, 0 and 1 for these.
const (
	guildShard0 = "1000000000004194306"
	guildShard1 = "1000000000008388610"
)

func TestShardFor(t *testing.T) {
	for _, tc := range []struct {
		guild string
		count int
		want  int
	}{
		{discordtest.DefaultGuildID, 2, 1},
		{guildShard0, 2, 0},
		{guildShard1, 2, 1},
		{guildShard0, 3, 2},
		{"", 4, 0}, // DMs go to shard 0
		{guildShard1, 1, 0},
		{"81384788765712384", 16, int((uint64(81384788765712384) >> 22) % 16)},
	} {
		if got := discordtest.ShardFor(tc.guild, tc.count); got != tc.want {
			t.Errorf("ShardFor(%q, %d) = %d, want %d", tc.guild, tc.count, got, tc.want)
		}
	}
}

// TestShardedSessionsGetTheirGuildsEvents connects two discordgo sessions
// as shards 0 and 1 of 2 and checks that READY, GUILD_CREATE, interactions
// and messages of each guild reach only the session of its shard, and DMs
// shard 0.
func TestShardedSessionsGetTheirGuildsEvents(t *testing.T) {
	srv := discordtest.Start(t, discordtest.Options{
		ExtraGuildIDs: []string{guildShard0, guildShard1}, Shards: 2, MaxConcurrency: 2,
		SessionStartLimit: &discordtest.SessionStartLimit{Total: 1000, Remaining: 10},
	})
	type event struct {
		shard int
		kind  string
		guild string
	}
	var mu sync.Mutex
	var events []event
	record := func(shard int, kind, guild string) {
		mu.Lock()
		events = append(events, event{shard, kind, guild})
		mu.Unlock()
	}
	got := make(chan struct{}, 16)
	for shard := range 2 {
		s := newSession(t, srv, "Bot x")
		s.ShardID, s.ShardCount = shard, 2
		s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages
		s.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { record(shard, "guild", g.ID) })
		s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
			record(shard, "interaction", ic.GuildID)
			got <- struct{}{}
		})
		s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
			record(shard, "message", m.GuildID)
			got <- struct{}{}
		})
		open(t, s)
		if shard == 0 {
			register(t, srv, s, "", askCommands())
		}
	}
	st, err := srv.WaitGateway(ctxT(t), func(g discordtest.GatewayStats) bool { return len(g.Shards) == 2 })
	if err != nil {
		t.Fatal(err)
	}
	if !st.Connected {
		t.Error("stats: not connected with both shards identified")
	}
	gb, err := newSession(t, srv, "Bot x").GatewayBot()
	if err != nil {
		t.Fatal(err)
	}
	if gb.Shards != 2 || gb.SessionStartLimit.MaxConcurrency != 2 || gb.SessionStartLimit.Remaining != 8 {
		t.Errorf("GET /gateway/bot = %+v, want 2 shards, max_concurrency 2, 8 session starts left after 2 identifies", gb)
	}
	ids := srv.Identifies()
	if len(ids) != 2 || ids[0].Shard != [2]int{0, 2} || ids[1].Shard != [2]int{1, 2} {
		t.Errorf("identifies = %+v, want shards [0 2] then [1 2]", ids)
	}

	want := []event{}
	for _, g := range srv.GuildIDs() {
		shard := discordtest.ShardFor(g, 2)
		want = append(want, event{shard, "guild", g})
		if _, err := srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "q"}, GuildID: g}); err != nil {
			t.Fatalf("interact in guild %s: %v", g, err)
		}
		<-got
		want = append(want, event{shard, "interaction", g})
		if _, err := srv.PostMessage(discordtest.MessageSpec{Content: srv.BotMention() + " hi", GuildID: g}); err != nil {
			t.Fatalf("message in guild %s: %v", g, err)
		}
		<-got
		want = append(want, event{shard, "message", g})
	}
	if _, err := srv.PostMessage(discordtest.MessageSpec{Content: "dm", DM: true}); err != nil {
		t.Fatal(err)
	}
	<-got
	want = append(want, event{0, "message", ""})

	mu.Lock()
	defer mu.Unlock()
	key := func(e event) string { return e.kind + e.guild }
	slices.SortFunc(events, func(a, b event) int { return cmpStr(key(a), key(b)) })
	slices.SortFunc(want, func(a, b event) int { return cmpStr(key(a), key(b)) })
	if !slices.Equal(events, want) {
		t.Errorf("events by shard:\n got %v\nwant %v", events, want)
	}
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestShardNotConnected: an event for a guild whose shard has no
// connection is not dispatched to another shard.
func TestShardNotConnected(t *testing.T) {
	srv := discordtest.Start(t, discordtest.Options{ExtraGuildIDs: []string{guildShard0}})
	s := newSession(t, srv, "Bot x")
	s.ShardID, s.ShardCount = 1, 2
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages
	open(t, s)
	register(t, srv, s, "", askCommands())
	if _, err := srv.WaitGateway(ctxT(t), func(g discordtest.GatewayStats) bool { return len(g.Shards) == 1 }); err != nil {
		t.Fatal(err)
	}
	_, err := srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "q"}, GuildID: guildShard0})
	if !errors.Is(err, discordtest.ErrNotConnected) {
		t.Errorf("interaction for shard 0 with only shard 1 connected: err = %v, want ErrNotConnected", err)
	}
	if _, err := srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "q"}}); err != nil {
		t.Errorf("interaction in the default guild (shard 1): %v", err)
	}
}
