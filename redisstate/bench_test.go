package redisstate_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/storybot/storybot/redisstate"
	"github.com/storybot/storybot/redisstate/redistest"
)

// BenchmarkInteractionOverhead measures what REDIS_URL adds to one /ask
// interaction: the replay check, the per-user rate limit, and one cache
// lookup, against a redis-server on loopback. It reports the p50 and p99
// of that sequence beside ns/op.
//
//	go test ./redisstate -run '^$' -bench InteractionOverhead -count 6
func BenchmarkInteractionOverhead(b *testing.B) {
	srv := redistest.Start(b)
	// A generous bound: this measures Redis, not the fallback a loaded
	// machine would trigger with the default 100 ms.
	st, err := redisstate.Open(redisstate.Options{URL: srv.URL(), OpTimeout: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Ping(ctx); err != nil {
		b.Fatal(err)
	}
	lim := redisstate.NewRateLimiter(st, 1_000_000, time.Minute, &localLimiter{})
	replay := redisstate.NewReplay(st, &localReplay{})
	cache := redisstate.NewCache(st, time.Hour)
	cache.Put(ctx, "summary", "k", []byte(`{"summary":"cached"}`))
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		begin := time.Now()
		_, _ = replay.FirstSeen(ctx, "interaction-"+strconv.Itoa(i), time.Now().Add(10*time.Minute))
		if ok, _ := lim.Allow("user-" + strconv.Itoa(i%100)); !ok {
			b.Fatal("limited")
		}
		cache.Get(ctx, "summary", "k")
		lat = append(lat, time.Since(begin))
	}
	b.StopTimer()
	if !st.Up() {
		b.Fatal("Redis went down during the benchmark: the figures are the fallback's")
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
