package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

const (
	// maxInteractionBody is the largest interaction body accepted.
	maxInteractionBody = 1 << 20
	// maxSignatureAge bounds how far X-Signature-Timestamp may be from now,
	// either way, so a captured request cannot be replayed later.
	maxSignatureAge = 5 * time.Minute
	// httpAckWait is how long the HTTP request waits for the handler's
	// first response; Discord gives up after 3 s.
	httpAckWait = 2900 * time.Millisecond
)

// RunHTTP receives interactions over HTTP at HTTPAddr /interactions
// (beside /healthz, /readyz, /metrics) instead of the gateway: it
// registers the commands, answers each request with the first response
// (PONG, the deferral, or an immediate message) and does the rest of the
// work over the REST API. Nothing is kept between requests, so replicas
// can share the endpoint. On ctx's end it stops like Run.
func (b *Bot) RunHTTP(ctx context.Context) error {
	if b.pubKey == nil {
		return errors.New("bot: serve --http needs DISCORD_PUBLIC_KEY")
	}
	if b.opts.HTTPAddr == "" {
		return errors.New("bot: serve --http needs HTTP_ADDR")
	}
	if !b.started.CompareAndSwap(false, true) {
		return errors.New("bot: already running")
	}
	b.httpMode.Store(true)
	httpErr, stopHTTP, err := b.serveHTTP()
	if err != nil {
		return err
	}
	defer stopHTTP()
	regErr := make(chan error, 1)
	go func() { regErr <- b.register(ctx, "") }()
	b.log.Info("running", "mode", "http", "version", b.opts.Version)
	for {
		select {
		case err := <-regErr:
			if err != nil {
				b.shutdown()
				return err
			}
			regErr = nil
			continue
		case err := <-httpErr:
			b.shutdown()
			return err
		case <-ctx.Done():
		}
		break
	}
	b.shutdown()
	b.log.Info("stopped")
	return nil
}

// serveInteractions is the /interactions endpoint.
func (b *Bot) serveInteractions(w http.ResponseWriter, r *http.Request) {
	if !b.httpMode.Load() || b.pubKey == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > maxInteractionBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxInteractionBody+1))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if len(body) > maxInteractionBody {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if !b.freshTimestamp(r.Header.Get("X-Signature-Timestamp")) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !discordgo.VerifyInteraction(r, b.pubKey) {
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil || i.Type == 0 {
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	if i.Type == discordgo.InteractionPing {
		writeJSON(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
		return
	}

	// The handler runs on; its first response becomes this HTTP response.
	first := make(chan *discordgo.InteractionResponse)
	written := make(chan error, 1)
	gone := make(chan struct{})
	initial := func(ctx context.Context, resp *discordgo.InteractionResponse) error {
		select {
		case first <- resp:
			return <-written
		case <-gone:
			return errors.New("the HTTP request for this interaction is no longer waiting")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.onInteraction(&i, initial)
	}()
	timer := time.NewTimer(httpAckWait)
	defer timer.Stop()
	select {
	case resp := <-first:
		writeJSON(w, resp)
		if f, ok := w.(http.Flusher); ok {
			f.Flush() // the follow-up edits must not overtake the response
		}
		written <- nil
	case <-done:
		close(gone)
		http.Error(w, "no response", http.StatusInternalServerError)
	case <-timer.C:
		close(gone)
		b.log.Error("interaction not acknowledged in time", "interaction_id", i.ID, "command", commandLabel(&i))
		http.Error(w, "timeout", http.StatusServiceUnavailable)
	case <-r.Context().Done():
		close(gone)
	}
}

// freshTimestamp checks X-Signature-Timestamp (Unix seconds) is within
// maxSignatureAge of now.
func (b *Bot) freshTimestamp(h string) bool {
	sec, err := strconv.ParseInt(h, 10, 64)
	if err != nil {
		return false
	}
	d := b.now().Sub(time.Unix(sec, 0))
	return d <= maxSignatureAge && d >= -maxSignatureAge
}

func writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprintf("encode: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(data)
}
