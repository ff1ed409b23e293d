package bot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/storybot/storybot/bot/discordtest"
)

// Guild ids for two shards: (id >> 22) % 2 is 0 for guildOnShard0 and 1
// for guildOnShard1 and for discordtest.DefaultGuildID.
const (
	guildOnShard0 = "1000000000004194306"
	guildOnShard1 = "1000000000008388610"
)

func TestPlanShards(t *testing.T) {
	gb := func(shards, remaining, maxConc int) *discordgo.GatewayBotResponse {
		return &discordgo.GatewayBotResponse{Shards: shards, SessionStartLimit: discordgo.SessionInformation{
			Total: 1000, Remaining: remaining, ResetAfter: 3_600_000, MaxConcurrency: maxConc}}
	}
	for _, tt := range []struct {
		name    string
		opts    Options
		gb      *discordgo.GatewayBotResponse
		want    shardPlan
		wantErr string
	}{
		{"no shard options run one shard", Options{}, gb(3, 10, 1), shardPlan{count: 1, ids: []int{0}, maxConcurrency: 1}, ""},
		{"auto takes Discord's recommendation, every shard in this process", Options{ShardCount: AutoShardCount}, gb(3, 10, 16),
			shardPlan{count: 3, ids: []int{0, 1, 2}, maxConcurrency: 16}, ""},
		{"SHARD_ID runs one shard", Options{ShardCount: 4, OneShard: true, ShardID: 2}, gb(1, 10, 0),
			shardPlan{count: 4, ids: []int{2}, maxConcurrency: 1}, ""},
		{"SHARD_ID must be below the count", Options{ShardCount: 2, OneShard: true, ShardID: 2}, gb(1, 10, 1),
			shardPlan{}, "SHARD_ID 2 is not below the shard count 2"},
		{"too few session starts left is refused", Options{ShardCount: 4}, gb(1, 3, 1),
			shardPlan{}, "Discord allows 3 more gateway session starts (of 1000 per day; more in 1h0m0s) and this process needs 4"},
		{"exactly enough session starts is fine", Options{ShardCount: 3}, gb(1, 3, 1),
			shardPlan{count: 3, ids: []int{0, 1, 2}, maxConcurrency: 1}, ""},
		{"no session starts left refuses even one shard", Options{}, gb(1, 0, 1), shardPlan{}, "allows 0 more"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := planShards(tt.opts, tt.gb)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("planShards = %+v, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.count != tt.want.count || got.maxConcurrency != tt.want.maxConcurrency || !equalInts(got.ids, tt.want.ids) {
				t.Errorf("planShards = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLocalIdentifyGateSpacesABucketByFiveSeconds(t *testing.T) {
	clk := newFakeClock()
	g := newLocalIdentifyGate(clk)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Wait(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if err := g.Wait(ctx, 1); err != nil { // another bucket does not wait
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- g.Wait(ctx, 0) }()
	if err := clk.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(IdentifyInterval - time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("second IDENTIFY of bucket 0 went through %v early (err %v)", time.Millisecond, err)
	default:
	}
	clk.Advance(time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// startShardBot runs a bot against srv with opts and waits until its
// commands are registered (every shard of it is open by then).
func startShardBot(t *testing.T, srv *discordtest.Server, opts Options, setup ...func(*Bot)) *Bot {
	t.Helper()
	logs := &logBuffer{}
	opts.Token, opts.APIURL = testToken, srv.URL()
	opts.EditInterval = 20 * time.Millisecond
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b, err := New(opts, newFakeAnswerer())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(b)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if t.Failed() {
			t.Logf("bot log (shard count %d, one shard %v, id %d):\n%s", opts.ShardCount, opts.OneShard, opts.ShardID, logs.String())
		}
	})
	select {
	case <-b.registeredCh:
	case err := <-done:
		t.Fatalf("Run ended before registering: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatalf("commands not registered within 15s; log:\n%s", logs.String())
	}
	return b
}

// TestShardsHandleEachGuildExactlyOnce runs SHARD_COUNT=2 as two
// processes (SHARD_ID=0 and 1) and as one process with both shards, and
// checks that each guild's interactions and mentions are handled by
// exactly one shard: the one Discord routes the guild to.
func TestShardsHandleEachGuildExactlyOnce(t *testing.T) {
	for _, layout := range []struct {
		name string
		bots []Options
	}{
		{"two processes, one shard each", []Options{{ShardCount: 2, OneShard: true, ShardID: 0}, {ShardCount: 2, OneShard: true, ShardID: 1}}},
		{"one process with both shards (SHARD_COUNT=auto)", []Options{{ShardCount: AutoShardCount}}},
	} {
		t.Run(layout.name, func(t *testing.T) {
			srv := discordtest.Start(t, discordtest.Options{Token: testToken, Shards: 2, MaxConcurrency: 2,
				ExtraGuildIDs: []string{guildOnShard0, guildOnShard1}})
			var bots []*Bot
			for _, o := range layout.bots {
				bots = append(bots, startShardBot(t, srv, o))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			if _, err := srv.WaitGateway(ctx, func(g discordtest.GatewayStats) bool { return len(g.Shards) == 2 }); err != nil {
				t.Fatalf("both shards identified: %v", err)
			}
			for _, b := range bots {
				body := get(t, b.Handler(), "/readyz", http.StatusOK)
				for _, sh := range b.shardList() {
					if want := "shard " + strconv.Itoa(sh.id) + "/2: ready"; !strings.Contains(body, want) {
						t.Errorf("readyz body %q lacks %q", body, want)
					}
				}
			}

			wantPerShard := map[int]float64{}
			for _, g := range srv.GuildIDs() {
				in, err := srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "Wer?"}, GuildID: g})
				if err != nil {
					t.Fatalf("interact in guild %s: %v", g, err)
				}
				finalOriginal(t, in, answerText)
				m, err := srv.PostMessage(discordtest.MessageSpec{Content: srv.BotMention() + " Wer?", GuildID: g})
				if err != nil {
					t.Fatalf("mention in guild %s: %v", g, err)
				}
				isReply := func(c discordtest.Call) bool {
					return c.Method == "POST" && strings.HasSuffix(c.Path, "/channels/"+m.ChannelID+"/messages") && c.OK() &&
						strings.Contains(string(c.JSON), `"message_id":"`+m.ID+`"`)
				}
				if _, err := srv.WaitFor(ctx, isReply); err != nil {
					t.Fatalf("no reply to the mention in guild %s: %v", g, err)
				}
				wantPerShard[discordtest.ShardFor(g, 2)]++
				// Once handled, nothing else: one callback, one reply.
				var callbacks int
				for _, c := range in.Calls() {
					if strings.HasSuffix(c.Path, "/callback") {
						callbacks++
					}
				}
				if callbacks != 1 {
					t.Errorf("guild %s: %d interaction callbacks, want 1", g, callbacks)
				}
				if n := len(srv.CallsMatching(isReply)); n != 1 {
					t.Errorf("guild %s: %d replies to the mention, want 1", g, n)
				}
			}
			// Each shard received exactly its guilds' events, and no
			// process received another's.
			got := map[int]float64{}
			for _, b := range bots {
				mine := map[int]bool{}
				for _, sh := range b.shardList() {
					mine[sh.id] = true
				}
				for shard := range 2 {
					for _, ev := range []string{"interaction", "message"} {
						n := testutil.ToFloat64(b.metrics.gatewayEvents.WithLabelValues(strconv.Itoa(shard), ev))
						if n > 0 && !mine[shard] {
							t.Errorf("a process without shard %d counted %v %s events on it", shard, n, ev)
						}
						if ev == "interaction" {
							got[shard] += n
						}
					}
				}
			}
			for shard, want := range wantPerShard {
				if got[shard] != want {
					t.Errorf("shard %d handled %v interactions, want %v (its guilds)", shard, got[shard], want)
				}
			}
		})
	}
}

// TestShardsWaitForTheirIdentifyTurn: with max_concurrency 1 the second
// shard identifies only 5 s after the first; meanwhile /readyz is 503 and
// names the waiting shard, and storybot_shard_ready is 0 for it.
func TestShardsWaitForTheirIdentifyTurn(t *testing.T) {
	srv := discordtest.Start(t, discordtest.Options{Token: testToken, Shards: 2, MaxConcurrency: 1,
		ExtraGuildIDs: []string{guildOnShard0}})
	clk := newFakeClock()
	logs := &logBuffer{}
	b, err := New(Options{Token: testToken, APIURL: srv.URL(), ShardCount: 2,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}, newFakeAnswerer())
	if err != nil {
		t.Fatal(err)
	}
	b.clock = clk
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if _, err := srv.WaitGateway(wctx, func(g discordtest.GatewayStats) bool { return len(g.Shards) == 1 }); err != nil {
		t.Fatal(err)
	}
	if err := clk.BlockUntil(wctx, 1); err != nil { // shard 1 waits for its turn
		t.Fatal(err)
	}
	body := get(t, b.Handler(), "/readyz", http.StatusServiceUnavailable)
	if !strings.Contains(body, "shard 1/2: waiting for its identify turn") || !strings.Contains(body, "shard 0/2: ready") {
		t.Errorf("readyz while shard 1 waits: %q", body)
	}
	if v := testutil.ToFloat64(b.metrics.shardReady.WithLabelValues("1")); v != 0 {
		t.Errorf("storybot_shard_ready{shard=1} = %v while it waits", v)
	}
	if n := len(srv.Identifies()); n != 1 {
		t.Fatalf("%d identifies before the 5 s passed, want 1", n)
	}
	clk.Advance(IdentifyInterval)
	select {
	case <-b.registeredCh:
	case <-wctx.Done():
		t.Fatalf("shard 1 did not identify after 5 s; log:\n%s", logs.String())
	}
	ids := srv.Identifies()
	if len(ids) != 2 || ids[1].Shard != [2]int{1, 2} {
		t.Fatalf("identifies = %+v", ids)
	}
	get(t, b.Handler(), "/readyz", http.StatusOK)
	if v := testutil.ToFloat64(b.metrics.shardReady.WithLabelValues("1")); v != 1 {
		t.Errorf("storybot_shard_ready{shard=1} = %v once ready", v)
	}
}

// TestSessionStartLimitRefusesToStart: with fewer session starts left than
// shards to run, Run ends with a clear error before any IDENTIFY.
func TestSessionStartLimitRefusesToStart(t *testing.T) {
	srv := discordtest.Start(t, discordtest.Options{Token: testToken,
		SessionStartLimit: &discordtest.SessionStartLimit{Total: 1000, Remaining: 1}})
	b, err := New(Options{Token: testToken, APIURL: srv.URL(), ShardCount: 2}, newFakeAnswerer())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = b.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "allows 1 more gateway session starts") {
		t.Fatalf("Run = %v, want the session start limit error", err)
	}
	if n := len(srv.Identifies()); n != 0 {
		t.Errorf("%d IDENTIFYs sent despite the limit", n)
	}
}

type failingGate struct{ calls atomic.Int32 }

func (g *failingGate) Wait(context.Context, int) error {
	g.calls.Add(1)
	return errors.New("redis unreachable")
}

// TestUnavailableSharedGateFallsBackToLocalTurns: a shared identify gate
// that fails (Redis down) does not keep shards from connecting; the
// process spaces its own shards instead.
func TestUnavailableSharedGateFallsBackToLocalTurns(t *testing.T) {
	srv := discordtest.Start(t, discordtest.Options{Token: testToken, Shards: 2, MaxConcurrency: 2,
		ExtraGuildIDs: []string{guildOnShard0}})
	gate := &failingGate{}
	b := startShardBot(t, srv, Options{ShardCount: 2, IdentifyGate: gate})
	if n := gate.calls.Load(); n != 2 {
		t.Errorf("shared gate asked %d times, want once per shard", n)
	}
	if len(srv.Identifies()) != 2 {
		t.Errorf("identifies: %+v", srv.Identifies())
	}
	get(t, b.Handler(), "/readyz", http.StatusOK)
}
