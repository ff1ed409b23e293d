package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/storybot/storybot/bot/discordtest"
)

// fireInteractions dispatches n /ask interactions at once through the fake
// Discord and returns each one's acknowledgement latency: from just before
// the dispatch to the arrival of its callback at the fake.
func fireInteractions(tb testing.TB, h *harness, n int) []time.Duration {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lat := make([]time.Duration, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			sent := time.Now()
			in, err := h.srv.Interact(discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": fmt.Sprintf("Frage %d?", i)}})
			if err != nil {
				errs <- err
				return
			}
			cb, err := in.Callback(ctx)
			if err != nil {
				errs <- err
				return
			}
			if cb.Type != 5 {
				errs <- fmt.Errorf("interaction %d: callback type %d, want 5", i, cb.Type)
				return
			}
			lat[i] = cb.Call.Time.Sub(sent)
		}(i)
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
	return lat
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

// BenchmarkAcknowledge200 fires 200 interactions at once and reports the
// p50/p99 acknowledgement latency.
//
//	go test ./bot/ -run '^$' -bench Acknowledge200 -benchtime 5x
func BenchmarkAcknowledge200(b *testing.B) {
	// Logging as in production (info, JSON, to a sink), not the tests'
	// debug log of every REST call into one locked buffer.
	prod := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	h := startBot(b, Options{Logger: prod}, nil, discordtest.Options{})
	var all []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		all = append(all, fireInteractions(b, h, 200)...)
	}
	b.StopTimer()
	slices.Sort(all)
	b.ReportMetric(float64(percentile(all, 0.50).Microseconds())/1000, "p50-ack-ms")
	b.ReportMetric(float64(percentile(all, 0.99).Microseconds())/1000, "p99-ack-ms")
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ack-ms")
}

// TestAcknowledge200 is the benchmark's promise as a test: 200
// interactions at once are all acknowledged (fireInteractions fails
// otherwise); the latency is only logged (see BenchmarkAcknowledge200).
func TestAcknowledge200(t *testing.T) {
	if testing.Short() {
		t.Skip("fires 200 interactions")
	}
	h := startBot(t, Options{}, nil, discordtest.Options{})
	lat := fireInteractions(t, h, 200)
	slices.Sort(lat)
	p50, p99 := percentile(lat, 0.5), percentile(lat, 0.99)
	// Every one was acknowledged with a deferral (fireInteractions fails
	// otherwise). How fast is BenchmarkAcknowledge200's business: a test
	// does not time things.
	t.Logf("200 interactions: p50 %v, p99 %v, max %v", p50, p99, lat[len(lat)-1])
}
