package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/bot/discordtest"
	"github.com/storybot/storybot/redisstate/redistest"
)

// BenchmarkReplicas measures interactions per second through a
// round-robin balancer to 1 and to 3 `storybot serve --http` processes
// sharing one Redis: each interaction is an offline /ask from its own
// user, 16 at a time, counted when its final answer is in the fake
// Discord. Everything (fake Discord, Redis, replicas) shares this machine.
//
//	go test ./cmd/storybot -run '^$' -bench Replicas -benchtime 400x -count 3
func BenchmarkReplicas(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			rdb := redistest.Start(b)
			dc := discordtest.Start(b, discordtest.Options{Token: "bench-token"})
			pub, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			env := map[string]string{
				"DISCORD_TOKEN": "bench-token", "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub),
				"DISCORD_API_URL": dc.URL(), "RATE_LIMIT": "off", "EDIT_INTERVAL": "20ms",
				"REDIS_URL": rdb.URL(), "REDIS_TIMEOUT": "2s", "LOG_LEVEL": "info",
				"MAX_CONCURRENT_ANSWERS": "64",
			}
			var reps []*replica
			for i := range n {
				reps = append(reps, startReplica(b, fmt.Sprintf("replica-%d", i+1), env))
			}
			proxy := httptest.NewServer(&roundRobin{replicas: reps, took: map[string]string{}})
			defer proxy.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			var next atomic.Int64
			var failed atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						spec := discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": "When did Altman reserve the Roadster?"},
							User: &discordgo.User{ID: fmt.Sprintf("7%018d", i), Username: "bench"}}
						in, signed, err := dc.SignInteraction(spec, priv)
						if err != nil {
							failed.Add(1)
							continue
						}
						if d, err := dc.Deliver(ctx, proxy.URL+"/interactions", in, signed); err != nil || d.Status != 200 {
							failed.Add(1)
							continue
						}
						if _, err := in.WaitOriginal(ctx, func(m *discordgo.Message) bool { return strings.Contains(m.Content, "[§") }); err != nil {
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			if f := failed.Load(); f > 0 {
				b.Fatalf("%d of %d interactions not answered", f, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "interactions/s")
		})
	}
}
