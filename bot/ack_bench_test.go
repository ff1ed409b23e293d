package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/bot/discordtest"
)

// ackResult is how one interaction was acknowledged: its latency, from
// just before the dispatch to the arrival of its callback at the fake, and
// whether it was a deferral (the question is being answered) or a private
// refusal (rate limit, or every answer slot busy).
type ackResult struct {
	latency time.Duration
	refusal string // "" for a deferral, else "busy" or "rate_limited"
}

// fireInteractions dispatches n /ask interactions at once through the fake
// Discord, from n distinct users, and returns how each was acknowledged.
// Every one must be: with a deferral, or with an ephemeral refusal.
func fireInteractions(tb testing.TB, h *harness, n int) []ackResult {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := make([]ackResult, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			user := &discordgo.User{ID: fmt.Sprintf("2%018d", i), Username: fmt.Sprintf("user%d", i)}
			<-start
			sent := time.Now()
			in, err := h.srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": fmt.Sprintf("Frage %d?", i)}, User: user})
			if err != nil {
				errs <- err
				return
			}
			cb, err := in.Callback(ctx)
			if err != nil {
				errs <- err
				return
			}
			res[i].latency = cb.Call.Time.Sub(sent)
			switch {
			case cb.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource:
			case cb.Type == discordgo.InteractionResponseChannelMessageWithSource && cb.Message.Flags&discordgo.MessageFlagsEphemeral != 0 &&
				strings.Contains(cb.Message.Content, txtBusy.en[:20]):
				res[i].refusal = "busy"
			case cb.Type == discordgo.InteractionResponseChannelMessageWithSource && cb.Message.Flags&discordgo.MessageFlagsEphemeral != 0 &&
				strings.Contains(cb.Message.Content, txtRateLimited.en[:20]):
				res[i].refusal = "rate_limited"
			default:
				errs <- fmt.Errorf("interaction %d: callback type %d %q, want a deferral or a private refusal", i, cb.Type, cb.Message.Content)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
	return res
}

// shippedLimits are the limits storybot ships with (RATE_LIMIT 5/1m,
// MAX_CONCURRENT_ANSWERS 16; see .env.example): the configuration loader
// rejects running without them, so the benchmark does too.
func shippedLimits() Options {
	return Options{Rate: Rate{Count: 5, Per: time.Minute}, MaxConcurrent: 16}
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

// BenchmarkAcknowledge200 fires 200 interactions at once, from 200
// users, at a bot with the shipped limits, and reports the acknowledgement
// latency of the questions taken (p50, p99, max) apart from that of the
// refusals (p99), and how many of the 200 were refused, by reason. Each
// user asks once per round, so -benchtime 5x stays within 5/1m.
//
//	go test ./bot -run '^$' -bench Acknowledge200 -benchtime 5x -count 6
func BenchmarkAcknowledge200(b *testing.B) {
	// Logging as in production (info, JSON, to a sink), not the tests'
	// debug log of every REST call into one locked buffer.
	prod := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts := shippedLimits()
	opts.Logger = prod
	h := startBot(b, opts, nil, discordtest.Options{})
	var taken, refused []time.Duration
	reasons := map[string]int{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range fireInteractions(b, h, 200) {
			if r.refusal == "" {
				taken = append(taken, r.latency)
			} else {
				refused = append(refused, r.latency)
				reasons[r.refusal]++
			}
		}
	}
	b.StopTimer()
	slices.Sort(taken)
	slices.Sort(refused)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(percentile(taken, 0.50)), "p50-ack-ms")
	b.ReportMetric(ms(percentile(taken, 0.99)), "p99-ack-ms")
	if len(taken) > 0 {
		b.ReportMetric(ms(taken[len(taken)-1]), "max-ack-ms")
	}
	b.ReportMetric(ms(percentile(refused, 0.99)), "p99-refusal-ms")
	b.ReportMetric(float64(len(taken))/float64(b.N), "taken/op")
	b.ReportMetric(float64(reasons["busy"])/float64(b.N), "busy/op")
	b.ReportMetric(float64(reasons["rate_limited"])/float64(b.N), "rate-limited/op")
}

// TestAcknowledge200 is the benchmark's promise as a test: 200
// interactions at once from 200 users, with the shipped limits, are all
// acknowledged (fireInteractions fails otherwise), each taken or refused
// privately as busy (MAX_CONCURRENT_ANSWERS), none as rate limited (one
// question each); the latency is only logged (see BenchmarkAcknowledge200).
func TestAcknowledge200(t *testing.T) {
	if testing.Short() {
		t.Skip("fires 200 interactions")
	}
	ans := newFakeAnswerer()
	h := startBot(t, shippedLimits(), ans, discordtest.Options{})
	res := fireInteractions(t, h, 200)
	var lat []time.Duration
	counts := map[string]int{}
	for _, r := range res {
		lat = append(lat, r.latency)
		counts[r.refusal]++
	}
	if counts[""] < 1 || counts["rate_limited"] != 0 || counts[""]+counts["busy"] != 200 {
		t.Errorf("taken %d, busy %d, rate limited %d: want every question taken or refused as busy", counts[""], counts["busy"], counts["rate_limited"])
	}
	slices.Sort(lat)
	t.Logf("200 interactions: %d taken, %d refused as busy; p50 %v, p99 %v, max %v", counts[""], counts["busy"], percentile(lat, 0.5), percentile(lat, 0.99), lat[len(lat)-1])
}
