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
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(b.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/interactions", b.serveInteractions)
	return mux
}

// notReady lists what keeps the bot from being ready; empty when ready.
func (b *Bot) notReady() []string {
	var missing []string
	if !b.httpMode.Load() && !b.connected.Load() {
		missing = append(missing, "gateway not connected")
	}
	if !b.registered.Load() {
		missing = append(missing, "commands not registered")
	}
	if b.isClosing() {
		missing = append(missing, "shutting down")
	}
	return missing
}

// Ready reports whether the bot takes interactions: gateway connected (in
// gateway mode) and commands registered, and not shutting down.
func (b *Bot) Ready() bool { return len(b.notReady()) == 0 }
