package bot

import (
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/storybot/storybot/bot/discordtest"
)

// startHTTPBot runs a bot in HTTP mode (RunHTTP) against a fresh fake
// Discord that delivers interactions over HTTP (harness.interact uses
// InteractHTTP), and waits until its commands are registered.
func startHTTPBot(t testing.TB, opts Options, ans *fakeAnswerer, fopts discordtest.Options) *harness {
	t.Helper()
	if ans == nil {
		ans = newFakeAnswerer()
	}
	fopts.Token = testToken
	srv := discordtest.Start(t, fopts)
	logs := &logBuffer{}
	opts.Token = testToken
	opts.APIURL = srv.URL()
	opts.PublicKey = srv.PublicKey()
	opts.HTTPAddr = "127.0.0.1:0"
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.EditInterval == 0 {
		opts.EditInterval = 50 * time.Millisecond
	}
	b, err := New(opts, ans)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{srv: srv, bot: b, ans: ans, logs: logs, viaHTTP: true}
	h.run(t, "RunHTTP", b.RunHTTP)
	return h
}

// metricValue reads one sample of the bot's /metrics, e.g.
// metricValue(t, b, `storybot_interactions_total{command="ask",outcome="shutdown"}`);
// 0 when it is not there.
func metricValue(t testing.TB, b *Bot, sample string) float64 {
	t.Helper()
	body := get(t, b.Handler(), "/metrics", http.StatusOK)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("metric %s: %v", sample, err)
	}
	return v
}
