package discordtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Signed is an interaction as Discord sends it to an Interactions Endpoint
// URL: the body and its Ed25519 signature headers.
type Signed struct {
	Body      []byte
	Timestamp string // X-Signature-Timestamp
	Signature string // X-Signature-Ed25519 (hex)
}

// Delivery is what an endpoint answered to one POST of a Signed.
type Delivery struct {
	Status   int
	Response []byte
}

// SignInteraction builds an interaction like Interact (registered and
// tracked the same way) without dispatching it, and signs it with key for
// delivery over HTTP (Deliver).
func (s *Server) SignInteraction(spec InteractionSpec, key ed25519.PrivateKey) (*Interaction, *Signed, error) {
	h, payload, err := s.buildInteraction(spec)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	h.st.dispatched = time.Now()
	s.interactions[h.Token] = h.st
	s.mu.Unlock()
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	sig := ed25519.Sign(key, append([]byte(stamp), payload...))
	return h, &Signed{Body: payload, Timestamp: stamp, Signature: hex.EncodeToString(sig)}, nil
}

// Deliver POSTs a signed interaction to endpoint, as Discord does in HTTP
// interactions mode. A 200 answer is applied as h's callback, through this
// server's own callback route (so it is recorded and checked like a REST
// callback: a second one fails with 40060). The endpoint's answer is
// returned whatever its status.
func (s *Server) Deliver(ctx context.Context, endpoint string, h *Interaction, in *Signed) (*Delivery, error) {
	done := make(chan struct{})
	s.mu.Lock()
	if h.st.delivering == nil {
		h.st.delivering = done
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if h.st.delivering == done {
			h.st.delivering = nil
			close(done)
		}
		s.mu.Unlock()
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(in.Body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Ed25519", in.Signature)
	req.Header.Set("X-Signature-Timestamp", in.Timestamp)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("discordtest: deliver interaction %s: %w", h.ID, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("discordtest: read the endpoint's answer: %w", err)
	}
	d := &Delivery{Status: resp.StatusCode, Response: body}
	if resp.StatusCode != http.StatusOK {
		return d, nil
	}
	cb, err := http.NewRequestWithContext(ctx, http.MethodPost,
		s.URL()+"/api/v10/interactions/"+h.ID+"/"+h.Token+"/callback", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	cb.Header.Set("Content-Type", "application/json")
	cresp, err := http.DefaultClient.Do(cb)
	if err != nil {
		return nil, fmt.Errorf("discordtest: apply the callback of %s: %w", h.ID, err)
	}
	cbody, _ := io.ReadAll(cresp.Body)
	cresp.Body.Close()
	if cresp.StatusCode/100 != 2 {
		return d, fmt.Errorf("discordtest: the endpoint's answer to %s is not a valid callback: %d %s", h.ID, cresp.StatusCode, cbody)
	}
	return d, nil
}

// deliveringFor returns the channel a webhook call for path must wait on
// while its interaction's HTTP delivery is unanswered, or nil.
func (s *Server) deliveringFor(p string) chan struct{} {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) < 5 || parts[0] != "api" || parts[2] != "webhooks" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.interactions[parts[4]]; ok {
		return st.delivering
	}
	return nil
}
