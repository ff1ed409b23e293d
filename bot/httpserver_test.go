package bot

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serveWith runs the bot's own HTTP server (newHTTPServer: its timeouts)
// on a loopback port and returns the address.
func serveWith(t *testing.T, b *Bot) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := b.newHTTPServer()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// waitClosed reads conn until the server closes it and returns what it
// sent; it fails the test if the server keeps the connection open for
// limit (far longer than the timeout under test).
func waitClosed(t *testing.T, conn net.Conn, limit time.Duration) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	got, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server still held the connection after %v (read so far: %q)", limit, got)
	}
	return string(got)
}

func TestHTTPServerTimeouts(t *testing.T) {
	newBot := func(t *testing.T, l HTTPLimits) *Bot {
		t.Helper()
		b, err := New(Options{Token: testToken, PublicKey: hex.EncodeToString(newSigner(t).pub), HTTP: l}, newFakeAnswerer())
		if err != nil {
			t.Fatal(err)
		}
		b.httpMode.Store(true)
		return b
	}

	t.Run("a body trickled in is cut off at the read timeout", func(t *testing.T) {
		b := newBot(t, HTTPLimits{ReadTimeout: 200 * time.Millisecond, IdleTimeout: time.Minute})
		conn, err := net.Dial("tcp", serveWith(t, b))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// Headers promise 1,000 bytes; one arrives, the rest never does.
		fmt.Fprintf(conn, "POST /interactions HTTP/1.1\r\nHost: bot\r\nContent-Length: 1000\r\n%s\r\n{", signatureHeaders())
		start := time.Now()
		got := waitClosed(t, conn, 10*time.Second)
		if !strings.HasPrefix(got, "HTTP/1.1 400") {
			t.Errorf("the server answered %q, want 400", got)
		}
		t.Logf("closed after %v", time.Since(start).Round(time.Millisecond))
	})

	t.Run("an idle keep-alive connection is closed at the idle timeout", func(t *testing.T) {
		// ReadTimeout (which net/http would use for idle connections
		// when IdleTimeout is unset) is far above the test's limit.
		b := newBot(t, HTTPLimits{ReadTimeout: time.Minute, IdleTimeout: 200 * time.Millisecond})
		conn, err := net.Dial("tcp", serveWith(t, b))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("healthz: %d, close %v: want a kept-alive 200", resp.StatusCode, resp.Close)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		rest, err := io.ReadAll(br)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the idle connection was still open after 10s")
		}
		if len(rest) != 0 {
			t.Errorf("unexpected bytes on the idle connection: %q", rest)
		}
	})

	t.Run("the defaults set every timeout", func(t *testing.T) {
		srv := newBot(t, HTTPLimits{}).newHTTPServer()
		if srv.ReadHeaderTimeout != defaultReadHeaderTimeout || srv.ReadTimeout != defaultReadTimeout ||
			srv.WriteTimeout != defaultWriteTimeout || srv.IdleTimeout != defaultIdleTimeout {
			t.Errorf("timeouts %v %v %v %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
		}
		// The write timeout must cover a slow body and the wait for the
		// handler's first response.
		if srv.WriteTimeout <= srv.ReadTimeout+httpAckWait {
			t.Errorf("WriteTimeout %v does not cover ReadTimeout %v + %v", srv.WriteTimeout, srv.ReadTimeout, httpAckWait)
		}
	})
}

func TestUnverifiedBodyBudget(t *testing.T) {
	// Each stalled request below declares 100 KB and holds the buffer
	// class for it; the budget fits four of them.
	const held = 4
	per := int64(bodyClasses[classFor(len(strconv.FormatInt(time.Now().Unix(), 10))+100_000+1)])
	key := newSigner(t)
	b, err := New(Options{Token: testToken, PublicKey: hex.EncodeToString(key.pub),
		HTTP: HTTPLimits{UnverifiedBodyBytes: held * per}}, newFakeAnswerer())
	if err != nil {
		t.Fatal(err)
	}
	b.httpMode.Store(true)
	used := make(chan int64, 1000)
	b.bodies.changed = func(n int64) { used <- n }
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(srv.Close)
	addr := strings.TrimPrefix(srv.URL, "http://")

	waitUsed := func(want int64) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case n := <-used:
				if n == want {
					return
				}
			case <-timeout:
				t.Fatalf("the budget never reached %d bytes in use", want)
			}
		}
	}
	// Closing the connections ends their handlers: httptest's Close waits
	// for them (cleanups run last-in first-out).
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	// stalled sends headers for a 100 KB body (with a signature, not a
	// valid one) and one byte of it.
	stalled := func() net.Conn {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		fmt.Fprintf(conn, "POST /interactions HTTP/1.1\r\nHost: bot\r\nContent-Length: 100000\r\n%s\r\n{", signatureHeaders())
		return conn
	}

	var holding []net.Conn
	for i := 1; i <= held; i++ {
		holding = append(holding, stalled())
		waitUsed(int64(i) * per)
	}
	for i := 0; i < 6; i++ {
		conn := stalled()
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("request %d over the budget got no answer: %v", held+i+1, err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("request %d over the budget: %d, Retry-After %q; want 503 with Retry-After", held+i+1, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		conn.Close()
	}
	if peak := b.bodies.peak.Load(); peak > held*per {
		t.Errorf("peak %d bytes of unverified bodies, budget %d", peak, held*per)
	}
	if n := metricValue(t, b, `storybot_http_refused_total{reason="busy"}`); n != 6 {
		t.Errorf("busy refusals counted %v, want 6", n)
	}
	for _, c := range holding {
		c.Close()
	}
	waitUsed(0)

	// With the budget free again, Discord's requests get through.
	rec := httptest.NewRecorder()
	b.Handler().ServeHTTP(rec, key.request(t, "/interactions", readTestdata(t, "interaction_ping.json"), time.Now()))
	if rec.Code != http.StatusOK {
		t.Errorf("a signed PING after the flood: %d %s", rec.Code, rec.Body)
	}
}

func TestChunkedBodyOver1MiBIsRefused(t *testing.T) {
	key := newSigner(t)
	rest := newRESTRecorder(t)
	now := time.Now()
	b, _ := httpBot(t, key.pub, rest, now)
	var chunked bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunked = r.ContentLength == -1 && len(r.TransferEncoding) == 1 && r.TransferEncoding[0] == "chunked"
		b.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	// A signed, valid PING padded past 1 MiB: only the size is wrong.
	body := append([]byte(`{"type":1,"id":"1290000000000000001","pad":"`), bytes.Repeat([]byte("x"), 1<<20)...)
	body = append(body, `"}`...)
	req := key.request(t, srv.URL+"/interactions", body, now)
	req.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body))) // no length: sent chunked
	req.ContentLength = -1
	req.GetBody = nil
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if !chunked {
		t.Fatal("the request was not sent chunked")
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		got, _ := io.ReadAll(resp.Body)
		t.Errorf("a chunked body over 1 MiB got %d %s, want 413", resp.StatusCode, got)
	}
}

func TestReplayedInteractionIsProcessedOnce(t *testing.T) {
	key := newSigner(t)
	rest := newRESTRecorder(t)
	now := time.Now()
	b, srv := httpBot(t, key.pub, rest, now)
	help := readTestdata(t, "interaction_help.json")
	send := func(ts time.Time) *http.Response {
		t.Helper()
		resp, err := http.DefaultClient.Do(key.request(t, srv.URL+"/interactions", help, ts))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := send(now); resp.StatusCode != http.StatusOK {
		t.Fatalf("first delivery: %d", resp.StatusCode)
	}
	if resp := send(now); resp.StatusCode != http.StatusConflict {
		t.Errorf("the same signed request again: %d, want 409", resp.StatusCode)
	}
	// Signed again later (a balancer's retry would keep the original).
	if resp := send(now.Add(time.Minute)); resp.StatusCode != http.StatusConflict {
		t.Errorf("the same interaction with another timestamp: %d, want 409", resp.StatusCode)
	}
	if n := metricValue(t, b, `storybot_interactions_total{command="help",outcome="ok"}`); n != 1 {
		t.Errorf("help handled %v times, want 1", n)
	}
	if n := metricValue(t, b, `storybot_http_refused_total{reason="replay"}`); n != 2 {
		t.Errorf("replays counted %v, want 2", n)
	}
	// A PING carries no work: answered every time.
	ping := readTestdata(t, "interaction_ping.json")
	for i := 0; i < 2; i++ {
		resp, err := http.DefaultClient.Do(key.request(t, srv.URL+"/interactions", ping, now))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("PING %d: %d", i+1, resp.StatusCode)
		}
	}
}

func TestMemoryReplays(t *testing.T) {
	now := time.Unix(1_760_000_000, 0)
	m := newMemoryReplays(func() time.Time { return now })
	seen := func(id string) bool {
		first, err := m.FirstSeen(t.Context(), id, now.Add(maxSignatureAge))
		if err != nil {
			t.Fatal(err)
		}
		return !first
	}
	if seen("a") {
		t.Fatal("a new id was taken for a replay")
	}
	// A signed request stays acceptable for up to 2 × maxSignatureAge
	// after it was first taken; all that time it is a replay.
	for _, d := range []time.Duration{time.Second, maxSignatureAge, 2*maxSignatureAge - time.Second} {
		now = time.Unix(1_760_000_000, 0).Add(d)
		if !seen("a") {
			t.Errorf("a replay %v later was taken", d)
		}
	}
	t.Run("memory holds at most two spans of ids", func(t *testing.T) {
		start := now
		for i := 0; i < 10_000; i++ {
			now = start.Add(time.Duration(i) * 10 * maxSignatureAge / 10_000) // 10 × the window
			seen(fmt.Sprint("id", i))
		}
		m.mu.Lock()
		n := len(m.current) + len(m.previous)
		m.mu.Unlock()
		// 10,000 ids over 5 spans: two spans hold at most 4,000 of them.
		if n > 4_000+1 {
			t.Errorf("%d ids held, want at most two spans' worth (4,000)", n)
		}
		if m.rotations < 4 {
			t.Errorf("%d rotations over 5 spans", m.rotations)
		}
	})
	t.Run("a long quiet time drops both generations", func(t *testing.T) {
		now = now.Add(3 * replaySpan)
		seen("b")
		m.mu.Lock()
		n := len(m.current) + len(m.previous)
		m.mu.Unlock()
		if n != 1 {
			t.Errorf("%d ids held after a quiet time, want 1", n)
		}
	})
}

// signatureHeaders are well-formed signature headers (a fresh timestamp,
// 64 bytes of signature) that verify against no key: what gets a body read.
func signatureHeaders() string {
	return fmt.Sprintf("X-Signature-Timestamp: %d\r\nX-Signature-Ed25519: %s\r\n", time.Now().Unix(), strings.Repeat("00", ed25519.SignatureSize))
}
