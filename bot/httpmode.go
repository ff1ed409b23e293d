package bot

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

// serveInteractions is the /interactions endpoint. In order: the body is
// read within the unverified-body budget and the 1 MiB limit, the
// timestamp and signature are checked, the interaction is decoded and
// checked against replays, and then handled; its first response is
// written here, completely, before the handler goes on.
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
		b.refuse(w, "too_large", http.StatusRequestEntityTooLarge, "body too large")
		return
	}
	// Unsigned or stale requests are refused before their body is read.
	stampHeader := r.Header.Get("X-Signature-Timestamp")
	stamp, fresh := b.freshTimestamp(stampHeader)
	sig, sigErr := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
	if !fresh || len(stampHeader) > maxPrefix || sigErr != nil || len(sig) != ed25519.SignatureSize {
		b.refuse(w, "bad_signature", http.StatusUnauthorized, "invalid request signature")
		return
	}
	// MaxBytesReader bounds a chunked body too (it has no Content-Length
	// to check above) and has the server close the connection after it.
	msg, err := b.bodies.read(http.MaxBytesReader(w, r.Body, maxInteractionBody), stampHeader, r.ContentLength)
	if err != nil {
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			b.refuse(w, "too_large", http.StatusRequestEntityTooLarge, "body too large")
		case errors.Is(err, errBufferFull):
			b.log.Error("read interaction body", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
		case errors.Is(err, errBodyBudget):
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Connection", "close")
			b.refuse(w, "busy", http.StatusServiceUnavailable, "busy")
		default: // a client too slow for ReadTimeout, or gone
			b.refuse(w, "unreadable", http.StatusBadRequest, "cannot read body")
		}
		return
	}
	// Discord signs timestamp + body: the buffer holds exactly that.
	verified := sig[63]&224 == 0 && ed25519.Verify(b.pubKey, msg.Message(), sig)
	msg.Release() // verified or refused: no longer an unknown sender's bytes
	if !verified {
		msg.Free()
		b.refuse(w, "bad_signature", http.StatusUnauthorized, "invalid request signature")
		return
	}
	var i discordgo.Interaction
	err = json.Unmarshal(msg.Body(), &i) // copies what it keeps: the buffer can go back
	msg.Free()
	if err != nil || i.Type == 0 {
		b.refuse(w, "malformed", http.StatusBadRequest, "malformed interaction")
		return
	}
	if i.Type == discordgo.InteractionPing {
		_ = writeResponse(w, &discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong})
		return
	}
	// Discord sends an interaction once: the same signed one again is a
	// replay (or a balancer's retry) and gets 409 with nothing done.
	first, err := b.replays.FirstSeen(r.Context(), i.ID, stamp.Add(maxSignatureAge))
	if err != nil {
		b.log.Error("replay check failed; refusing the interaction", "interaction_id", i.ID, "err", err)
		http.Error(w, "cannot check for replays", http.StatusServiceUnavailable)
		return
	}
	if !first {
		b.log.Warn("replayed interaction refused", "interaction_id", i.ID, "command", commandLabel(&i))
		b.refuse(w, "replay", http.StatusConflict, "interaction already received")
		return
	}
	b.handleHTTPInteraction(w, r, &i)
}

// handleHTTPInteraction runs the handler; its first response becomes the
// HTTP response. The handler waits in its responder until that response
// is completely written and flushed, so no edit or follow-up can reach
// Discord before it (Discord answers those with Unknown Webhook).
func (b *Bot) handleHTTPInteraction(w http.ResponseWriter, r *http.Request, i *discordgo.Interaction) {
	first := make(chan *discordgo.InteractionResponse)
	written := make(chan error, 1)
	gone := make(chan struct{})
	defer close(gone)
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
		b.onInteraction(i, initial)
	}()
	timer := time.NewTimer(httpAckWait)
	defer timer.Stop()
	select {
	case resp := <-first:
		written <- writeResponse(w, resp)
	case <-done:
		http.Error(w, "no response", http.StatusInternalServerError)
	case <-timer.C:
		b.log.Error("interaction not acknowledged in time", "interaction_id", i.ID, "command", commandLabel(i))
		http.Error(w, "timeout", http.StatusServiceUnavailable)
	case <-r.Context().Done():
	}
}

// refuse answers a request refused before any work and counts it.
func (b *Bot) refuse(w http.ResponseWriter, reason string, status int, msg string) {
	b.metrics.httpRefused.WithLabelValues(reason).Inc()
	http.Error(w, msg, status)
}

// freshTimestamp parses X-Signature-Timestamp (Unix seconds) and checks
// it is within maxSignatureAge of now.
func (b *Bot) freshTimestamp(h string) (time.Time, bool) {
	sec, err := strconv.ParseInt(h, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	t := time.Unix(sec, 0)
	d := b.now().Sub(t)
	return t, d <= maxSignatureAge && d >= -maxSignatureAge
}

// writeResponse writes v as the complete response: with its
// Content-Length, so that once flushed it is whole on the wire (without
// it, net/http would send it chunked and end it only when the handler
// returns, after the work has begun).
func writeResponse(w http.ResponseWriter, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode the response", http.StatusInternalServerError)
		return fmt.Errorf("encode the interaction response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("write the interaction response: %w", err)
	}
	if err := http.NewResponseController(w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return fmt.Errorf("flush the interaction response: %w", err)
	}
	return nil
}
