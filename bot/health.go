package bot

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// healthMux serves what HTTP_ADDR offers: /healthz (the process is up),
// /readyz (connected and commands registered), /metrics and, in HTTP
// mode, /interactions.
func (b *Bot) healthMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if missing := b.notReady(); len(missing) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready: "+strings.Join(missing, ", "))
		} else {
			fmt.Fprintln(w, "ready")
		}
		// One line per shard, then what runs degraded without making the
		// replica unready (a 503 there would drop every replica at once).
		for _, sh := range b.shardList() {
			fmt.Fprintf(w, "shard %d/%d: %s\n", sh.id, sh.count, sh.State())
		}
		if b.opts.Status != nil {
			for _, line := range b.opts.Status() {
				fmt.Fprintln(w, line)
			}
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/interactions", b.serveInteractions)
	return mux
}

// notReady lists what keeps the bot from being ready; empty when ready.
func (b *Bot) notReady() []string {
	var missing []string
	if !b.httpMode.Load() {
		shards := b.shardList()
		if len(shards) == 0 {
			missing = append(missing, "gateway not connected")
		}
		for _, sh := range shards {
			if sh.State() != shardReady {
				missing = append(missing, fmt.Sprintf("shard %d/%d %s", sh.id, sh.count, sh.State()))
			}
		}
	}
	if !b.registered.Load() {
		missing = append(missing, "commands not registered")
	}
	if b.isClosing() {
		missing = append(missing, "shutting down")
	}
	return missing
}

// Ready reports whether the bot takes interactions: every shard of this
// process connected (in gateway mode) and commands registered, and not
// shutting down.
func (b *Bot) Ready() bool { return len(b.notReady()) == 0 }
