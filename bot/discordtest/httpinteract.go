package discordtest

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// PublicKey is the hex Ed25519 key InteractHTTP signs with: give it to the
// bot as its DISCORD_PUBLIC_KEY.
func (s *Server) PublicKey() string { return hex.EncodeToString(s.pub) }

// InteractHTTP delivers an interaction the way Discord does to an
// application's Interactions Endpoint URL: a POST to /interactions signed
// with PublicKey's key (X-Signature-Ed25519, X-Signature-Timestamp), served
// by h through a real net/http server over an in-memory connection. No
// gateway connection is needed. It returns once the request is on its way.
//
// The bot's HTTP response is its callback: the server takes it (like a
// REST callback, with the same checks) at the moment its last byte has
// been written, and records it as a Call with the callback's Route, Path
// "/interactions", the response body as JSON, Time that moment and Status
// 204 (or the bot's status when it was not 200). Because the bot's writes
// reach the fake synchronously, "the callback is recorded" means exactly
// "the bot has written its complete response": an @original edit or a
// follow-up that arrives before that fails like with real Discord.
// Options.HTTPResponseLatency slows those writes down.
func (s *Server) InteractHTTP(h http.Handler, spec InteractionSpec) (*Interaction, error) {
	hd, payload, err := s.buildInteraction(spec)
	if err != nil {
		return nil, err
	}
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	sig := ed25519.Sign(s.priv, append([]byte(stamp), payload...))
	var reqBuf bytes.Buffer
	fmt.Fprintf(&reqBuf, "POST /interactions HTTP/1.1\r\nHost: bot\r\nUser-Agent: Discord-Interactions/1.0 (+https://discord.com)\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\nX-Signature-Ed25519: %s\r\nX-Signature-Timestamp: %s\r\nConnection: close\r\n\r\n",
		len(payload), hex.EncodeToString(sig), stamp)
	reqBuf.Write(payload)

	s.mu.Lock()
	hd.st.dispatched = time.Now()
	s.interactions[hd.Token] = hd.st
	s.mu.Unlock()

	client, server := net.Pipe()
	tap := &responseTap{Conn: server, srv: s, h: hd, closed: make(chan struct{})}
	ln := &oneConnListener{conn: tap, done: tap.closed}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	go func() {
		_, _ = client.Write(reqBuf.Bytes())
		<-tap.closed
		_ = client.Close()
	}()
	return hd, nil
}

// responseTap is the bot's side of an InteractHTTP connection: it reads
// the request from a pipe, and every byte the bot's server writes goes
// straight to the fake, which takes the response as soon as it is whole.
type responseTap struct {
	net.Conn
	srv *Server
	h   *Interaction

	mu        sync.Mutex
	buf       []byte
	taken     bool
	closeOnce sync.Once
	closed    chan struct{}
}

func (t *responseTap) Write(p []byte) (int, error) {
	if d := t.srv.opts.HTTPResponseLatency; d > 0 {
		time.Sleep(d) // the simulated network, not a wait for anything
	}
	t.mu.Lock()
	t.buf = append(t.buf, p...)
	status, body, whole := parseResponse(t.buf, false)
	take := whole && !t.taken
	t.taken = t.taken || whole
	t.mu.Unlock()
	if take {
		t.srv.takeHTTPResponse(t.h, status, body)
	}
	return len(p), nil
}

func (t *responseTap) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		status, body, whole := parseResponse(t.buf, true)
		take := !t.taken
		t.taken = true
		t.mu.Unlock()
		if take {
			if !whole {
				status, body = 0, nil // closed without a complete response
			}
			t.srv.takeHTTPResponse(t.h, status, body)
		}
		close(t.closed)
	})
	return t.Conn.Close()
}

// parseResponse reports whether b holds a complete HTTP response (a body
// without length or chunking ends only with the connection: atEOF).
func parseResponse(b []byte, atEOF bool) (status int, body []byte, whole bool) {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		return 0, nil, false
	}
	defer resp.Body.Close()
	if resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 && !atEOF {
		return 0, nil, false
	}
	body, err = io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, false
	}
	return resp.StatusCode, body, true
}

// takeHTTPResponse acknowledges the interaction with the bot's HTTP
// response (when it is a 200) and records it as the callback call.
func (s *Server) takeHTTPResponse(h *Interaction, status int, body []byte) {
	at := time.Now()
	c := Call{Seq: s.callSeq.Add(1), Time: at, Method: http.MethodPost, Path: "/interactions", Route: routeCallback,
		InteractionID: h.ID, Body: body, JSON: body, Status: status, Response: nil}
	s.mu.Lock()
	c.Duration = at.Sub(h.st.dispatched)
	s.mu.Unlock()
	if status == http.StatusOK {
		code, v := s.acknowledge(h.Token, h.ID, body, nil, at)
		c.Status = code
		if v != nil {
			c.Response, _ = json.Marshal(v)
		}
	}
	s.record(c)
	s.notify()
}

// oneConnListener hands out one connection, then waits until done.
type oneConnListener struct {
	conn net.Conn
	done chan struct{}
	once sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	var c net.Conn
	l.once.Do(func() { c = l.conn })
	if c != nil {
		return c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error   { return nil }
func (l *oneConnListener) Addr() net.Addr { return l.conn.LocalAddr() }
