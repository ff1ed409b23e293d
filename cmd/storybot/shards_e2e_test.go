package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/storybot/storybot/bot/discordtest"
	"github.com/storybot/storybot/redisstate/redistest"
)

// Guilds of the fake: (id >> 22) % 2 is 1 for discordtest.DefaultGuildID
// and guildShard1, 0 for guildShard0.
const (
	guildShard0 = "1000000000004194306"
	guildShard1 = "1000000000008388610"
)

// TestShardProcesses runs SHARD_COUNT=2 as two `storybot serve` processes
// (SHARD_ID=0 and 1, taking IDENTIFY turns through Redis) and as one
// process with both shards, and checks that each guild's slash commands
// and mentions are answered exactly once, by the process of its shard.
func TestShardProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, layout := range []struct {
		name   string
		shards []string // SHARD_ID of each process; "" runs every shard
		redis  bool
	}{
		{"two processes, SHARD_ID 0 and 1, turns through Redis", []string{"0", "1"}, true},
		{"one process with both shards", []string{""}, false},
	} {
		t.Run(layout.name, func(t *testing.T) {
			const token = "shard-e2e-token"
			// max_concurrency 1: every shard is in bucket 0, so the second
			// IDENTIFY must come 5 s after the first, whichever process sends it.
			dc := discordtest.Start(t, discordtest.Options{Token: token, Shards: 2, MaxConcurrency: 1,
				ExtraGuildIDs: []string{guildShard0, guildShard1}})
			env := map[string]string{"DISCORD_TOKEN": token, "DISCORD_API_URL": dc.URL(), "SHARD_COUNT": "2",
				"EDIT_INTERVAL": "20ms", "LOG_LEVEL": "info"}
			if layout.redis {
				env["REDIS_URL"] = redistest.Start(t).URL()
			}
			var procs []*replica
			for i, id := range layout.shards {
				e := map[string]string{}
				for k, v := range env {
					e[k] = v
				}
				if id != "" {
					e["SHARD_ID"] = id
				}
				procs = append(procs, startGatewayProcess(t, fmt.Sprintf("process-%d", i), e))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := dc.WaitGateway(ctx, func(g discordtest.GatewayStats) bool { return len(g.Shards) == 2 }); err != nil {
				t.Fatalf("both shards identified: %v", err)
			}
			ids := dc.Identifies()
			if len(ids) != 2 {
				t.Fatalf("identifies: %+v", ids)
			}
			if gap := ids[1].At.Sub(ids[0].At); gap < 4900*time.Millisecond {
				t.Errorf("two IDENTIFYs of bucket 0 %v apart, want at least 5 s", gap)
			}
			for _, p := range procs {
				body := getBody(t, "http://"+p.addr+"/readyz", http.StatusOK)
				if !strings.Contains(body, "/2: ready") {
					t.Errorf("%s readyz: %q", p.name, body)
				}
			}
			for _, g := range dc.GuildIDs() {
				in, err := dc.Interact(discordtest.InteractionSpec{Command: "help", GuildID: g})
				if err != nil {
					t.Fatalf("interact in guild %s: %v", g, err)
				}
				if _, err := in.Callback(ctx); err != nil {
					t.Fatalf("guild %s: %v", g, err)
				}
				m, err := dc.PostMessage(discordtest.MessageSpec{Content: dc.BotMention() + " When did Altman reserve?", GuildID: g})
				if err != nil {
					t.Fatal(err)
				}
				isReply := func(c discordtest.Call) bool {
					return c.Method == "POST" && strings.HasSuffix(c.Path, "/channels/"+m.ChannelID+"/messages") && c.OK() &&
						strings.Contains(string(c.JSON), `"message_id":"`+m.ID+`"`)
				}
				if _, err := dc.WaitFor(ctx, isReply); err != nil {
					t.Fatalf("no reply to the mention in guild %s: %v", g, err)
				}
				callbacks := 0
				for _, c := range in.Calls() {
					if strings.HasSuffix(c.Path, "/callback") {
						callbacks++
					}
				}
				if callbacks != 1 || len(dc.CallsMatching(isReply)) != 1 {
					t.Errorf("guild %s: %d callbacks, %d replies; want 1 each", g, callbacks, len(dc.CallsMatching(isReply)))
				}
			}
			// Each process counted only the events of its own shard.
			if len(procs) == 2 {
				for i, p := range procs {
					metrics := getBody(t, "http://"+p.addr+"/metrics", http.StatusOK)
					other := fmt.Sprintf(`storybot_gateway_events_total{event="interaction",shard="%d"}`, 1-i)
					if strings.Contains(metrics, other) {
						t.Errorf("%s (SHARD_ID=%d) counted events of shard %d", p.name, i, 1-i)
					}
					mine := fmt.Sprintf(`storybot_gateway_events_total{event="interaction",shard="%d"}`, i)
					if !strings.Contains(metrics, mine) {
						t.Errorf("%s (SHARD_ID=%d) handled no interaction", p.name, i)
					}
				}
			}
		})
	}
}

// startGatewayProcess runs `storybot serve` (gateway mode) with env and
// waits until its commands are registered.
func startGatewayProcess(t *testing.T, name string, env map[string]string) *replica {
	t.Helper()
	env["DISCORD_PUBLIC_KEY"] = ""
	return startProcess(t, name, env, "serve")
}
