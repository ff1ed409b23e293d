package bot

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/bot/discordtest"
)

// restRecorder is a stand-in Discord REST API for HTTP mode: it answers
// every call with a message and reports the calls on a channel.
type restRecorder struct {
	srv   *httptest.Server
	calls chan recordedCall
}

type recordedCall struct {
	Method, Path string
	Body         []byte
}

func newRESTRecorder(t *testing.T) *restRecorder {
	t.Helper()
	r := &restRecorder{calls: make(chan recordedCall, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.calls <- recordedCall{req.Method, req.URL.Path, body}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"1290000000000000009","channel_id":"1000000000000000003","content":""}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// signer signs interaction requests like Discord.
type signer struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newSigner(t testing.TB) *signer {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &signer{pub, priv}
}

func (s *signer) request(t *testing.T, url string, body []byte, ts time.Time) *http.Request {
	t.Helper()
	stamp := strconv.FormatInt(ts.Unix(), 10)
	sig := ed25519.Sign(s.priv, append([]byte(stamp), body...))
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(sig))
	req.Header.Set("X-Signature-Timestamp", stamp)
	return req
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// httpBot is a bot in HTTP mode whose REST calls go to rest.
func httpBot(t *testing.T, key ed25519.PublicKey, rest *restRecorder, now time.Time) (*Bot, *httptest.Server) {
	t.Helper()
	b, err := New(Options{Token: testToken, PublicKey: hex.EncodeToString(key), APIURL: rest.srv.URL, EditInterval: 10 * time.Millisecond,
		Now: func() time.Time { return now }}, newFakeAnswerer())
	if err != nil {
		t.Fatal(err)
	}
	b.httpMode.Store(true)
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(srv.Close)
	return b, srv
}

func TestHTTPInteractions(t *testing.T) {
	now := time.Unix(1_760_000_000, 0)
	key := newSigner(t)
	other := newSigner(t)
	rest := newRESTRecorder(t)
	_, srv := httpBot(t, key.pub, rest, now)
	url := srv.URL + "/interactions"
	ping := readTestdata(t, "interaction_ping.json")

	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantType   discordgo.InteractionResponseType
	}{
		{"a signed PING gets a PONG", func() *http.Request { return key.request(t, url, ping, now) }, 200, discordgo.InteractionResponsePong},
		{"a bad signature is refused", func() *http.Request { return other.request(t, url, ping, now) }, 401, 0},
		{"a missing signature is refused", func() *http.Request {
			r := key.request(t, url, ping, now)
			r.Header.Del("X-Signature-Ed25519")
			return r
		}, 401, 0},
		{"a body changed after signing is refused", func() *http.Request {
			r := key.request(t, url, ping, now)
			r.Body = io.NopCloser(bytes.NewReader(bytes.Replace(ping, []byte(`"type":1`), []byte(`"type":2`), 1)))
			return r
		}, 401, 0},
		{"a timestamp older than 5 minutes is refused", func() *http.Request { return key.request(t, url, ping, now.Add(-6*time.Minute)) }, 401, 0},
		{"a timestamp more than 5 minutes ahead is refused", func() *http.Request { return key.request(t, url, ping, now.Add(6*time.Minute)) }, 401, 0},
		{"a timestamp 4 minutes old is accepted", func() *http.Request { return key.request(t, url, ping, now.Add(-4*time.Minute)) }, 200, discordgo.InteractionResponsePong},
		{"a body over 1 MiB is refused", func() *http.Request {
			big := append([]byte(`{"type":1,"pad":"`), bytes.Repeat([]byte("x"), 1<<20)...)
			return key.request(t, url, append(big, `"}`...), now)
		}, 413, 0},
		{"malformed JSON is refused", func() *http.Request { return key.request(t, url, []byte(`{"type":`), now) }, 400, 0},
		{"help is answered in the HTTP response", func() *http.Request { return key.request(t, url, readTestdata(t, "interaction_help.json"), now) }, 200, discordgo.InteractionResponseChannelMessageWithSource},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tt.req())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				body, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if tt.wantType != 0 {
				var got discordgo.InteractionResponse
				if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
					t.Fatal(err)
				}
				if got.Type != tt.wantType {
					t.Errorf("response type %d, want %d", got.Type, tt.wantType)
				}
			}
		})
	}

	t.Run("a command is deferred in the HTTP response and finished over REST", func(t *testing.T) {
		resp, err := http.DefaultClient.Do(key.request(t, url, readTestdata(t, "interaction_ask.json"), now))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var got struct {
			Type int `json:"type"`
			Data struct {
				AllowedMentions struct {
					Parse []string `json:"parse"`
				} `json:"allowed_mentions"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &got); err != nil || got.Type != 5 {
			t.Fatalf("response %s, want type 5", raw)
		}
		if !discordtest.AllowedMentionsEmpty(raw) {
			t.Errorf("deferral without empty allowed mentions: %s", raw)
		}
		for {
			select {
			case c := <-rest.calls:
				if c.Method != "PATCH" || !strings.HasSuffix(c.Path, "/webhooks/1000000000000000001/aW50ZXJhY3Rpb246YXNr/messages/@original") {
					t.Fatalf("unexpected REST call %s %s", c.Method, c.Path)
				}
				if !discordtest.AllowedMentionsEmpty(c.Body) {
					t.Errorf("edit without empty allowed mentions: %s", c.Body)
				}
				if strings.Contains(string(c.Body), "Quellen: §2 · §3") {
					return // the final answer, in German
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the answer never arrived over REST")
			}
		}
	})

	t.Run("the sources button works from its custom_id alone", func(t *testing.T) {
		resp, err := http.DefaultClient.Do(key.request(t, url, readTestdata(t, "interaction_sources_button.json"), now))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got discordgo.InteractionResponse
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.Type != 4 || got.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || len(got.Data.Embeds) != 2 ||
			got.Data.Embeds[0].Description != testPassages["§2"].Text {
			t.Errorf("response %+v", got.Data)
		}
	})
}

func TestRunHTTP(t *testing.T) {
	t.Run("without a public key it refuses to start", func(t *testing.T) {
		b, err := New(Options{Token: testToken, HTTPAddr: "127.0.0.1:0"}, newFakeAnswerer())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.RunHTTP(context.Background()); err == nil || !strings.Contains(err.Error(), "DISCORD_PUBLIC_KEY") {
			t.Errorf("RunHTTP = %v", err)
		}
	})
	t.Run("it registers the commands and is ready without a gateway", func(t *testing.T) {
		fake := discordtest.Start(t, discordtest.Options{Token: testToken})
		key := newSigner(t)
		b, err := New(Options{Token: testToken, PublicKey: hex.EncodeToString(key.pub), APIURL: fake.URL(), HTTPAddr: "127.0.0.1:0", GuildID: fake.GuildID()}, newFakeAnswerer())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Add(1)
		var runErr error
		go func() { defer wg.Done(); runErr = b.RunHTTP(ctx) }()
		<-b.registeredCh
		if n := len(fake.Commands(fake.GuildID())); n != 6 {
			t.Errorf("%d guild commands registered, want 6", n)
		}
		if n := len(fake.Commands("")); n != 0 {
			t.Errorf("%d global commands registered with a guild set, want 0", n)
		}
		get(t, b.Handler(), "/readyz", http.StatusOK)
		cancel()
		wg.Wait()
		if runErr != nil {
			t.Errorf("RunHTTP = %v", runErr)
		}
	})
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts Options
	}{
		{"no token", Options{}},
		{"a public key that is not hex", Options{Token: "x", PublicKey: "zz"}},
		{"a public key of the wrong length", Options{Token: "x", PublicKey: "abcd"}},
		{"an API URL with a path", Options{Token: "x", APIURL: "http://proxy/discord"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts, newFakeAnswerer()); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}

// TestHTTPDeferralIsCompleteBeforeTheFirstEdit: the fake Discord takes
// the HTTP response as the callback only when its last byte is written
// (and the network is slow), so an edit that overtakes it fails there.
func TestHTTPDeferralIsCompleteBeforeTheFirstEdit(t *testing.T) {
	h := startHTTPBot(t, Options{}, nil, discordtest.Options{HTTPResponseLatency: 20 * time.Millisecond})
	for run := 1; run <= 20; run++ {
		in := h.interact(t, discordtest.InteractionSpec{Command: "timeline"})
		cb := callback(t, in)
		if cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
			t.Fatalf("run %d: callback type %d, want a deferral", run, cb.Type)
		}
		// The final edit, or the first call that failed.
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		c, err := h.srv.WaitFor(ctx, func(c discordtest.Call) bool {
			return c.InteractionID == in.ID && (!c.OK() || c.Method == "PATCH" && strings.Contains(string(c.JSON), "Timeline"))
		})
		cancel()
		if err != nil {
			t.Fatalf("run %d: the timeline never arrived: %v", run, err)
		}
		if !c.OK() {
			t.Fatalf("run %d: %s %s failed with %d %s: it overtook the deferral", run, c.Method, c.Path, c.Status, c.Response)
		}
		edits := in.Edits()
		if len(edits) == 0 {
			t.Fatalf("run %d: no edit", run)
		}
		if !cb.Call.Time.Before(edits[0].Time) {
			t.Errorf("run %d: the first edit arrived %v before the deferral was complete", run, cb.Call.Time.Sub(edits[0].Time))
		}
		for _, c := range in.Calls() {
			if !c.OK() {
				t.Errorf("run %d: %s %s got %d %s", run, c.Method, c.Path, c.Status, c.Response)
			}
		}
	}
}
