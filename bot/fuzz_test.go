package bot

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/knowledge"
)

// FuzzSignedInteraction sends bodies Discord could sign (so they pass the
// signature check) to the HTTP interactions endpoint of a bot answering
// offline from the default story: commands with options of the wrong type,
// nested or missing, no member or user, unknown types, components and
// autocompletes with odd data. Whatever the body, the endpoint answers with
// a status it documents, no handler panics (a recovered panic is still a
// bug: the user gets an error instead of an answer), and every handler it
// starts ends.
func FuzzSignedInteraction(f *testing.F) {
	for _, name := range []string{"interaction_ask.json", "interaction_help.json", "interaction_ping.json", "interaction_sources_button.json"} {
		f.Add(readTestdata(f, name))
	}
	ask := string(readTestdata(f, "interaction_ask.json"))
	for _, s := range []string{
		`{"name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": 42}]}`,
		`{"name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": null}]}`,
		`{"name": "ask", "type": 1, "options": [{"name": "question", "type": 1, "options": [{"name": "question", "type": 3, "value": "x"}]}]}`,
		`{"name": "ask", "type": 1}`,
		`{"name": "quote", "type": 1, "options": [{"name": "speaker", "type": 3, "value": "` + strings.Repeat("Musk ", 400) + `"}]}`,
		`{"name": "timeline", "type": 1, "options": [{"name": "story", "type": 3, "value": "../../etc/passwd"}]}`,
		`{"name": "summary", "type": 1, "options": [{"name": "length", "type": 3, "value": "huge"}]}`,
		`{"name": "nope", "type": 1}`,
	} {
		f.Add([]byte(strings.Replace(ask, `{"id": "1200000000000000001", "name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": "Warum hat Musk erstattet?"}]}`, s, 1)))
	}
	f.Add([]byte(strings.Replace(ask, `"type": 2,`, `"type": 4,`, 1)))
	f.Add([]byte(strings.Replace(ask, `"type": 2,`, `"type": 5,`, 1)))
	f.Add([]byte(strings.Replace(ask, `"type": 2,`, `"type": 99,`, 1)))
	f.Add([]byte(`{"id":"1","type":2,"token":"t","application_id":"1","data":{"name":"ask","options":[{"name":"question","type":3,"value":"Wann?"}]}}`))
	f.Add([]byte(`{"id":"1","type":3,"token":"t","application_id":"1","data":{"custom_id":"src:","component_type":2}}`))
	f.Add([]byte(`{"id":"1","type":3,"token":"t","application_id":"1","data":{"custom_id":"src:musk=§999999999999999999999","component_type":2}}`))

	key := newSigner(f)
	rest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"1290000000000000009","channel_id":"1000000000000000003","content":""}`))
	}))
	f.Cleanup(rest.Close)
	eng, err := answer.New(context.Background(), answer.Options{Stories: []*knowledge.Story{knowledge.Default()}})
	if err != nil {
		f.Fatal(err)
	}
	logs := &logBuffer{}
	now := time.Unix(1_760_000_000, 0)
	b, err := New(Options{Token: testToken, PublicKey: hex.EncodeToString(key.pub), APIURL: rest.URL, EditInterval: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Now: func() time.Time { return now }}, eng)
	if err != nil {
		f.Fatal(err)
	}
	b.httpMode.Store(true)
	done := make(chan string, 1)
	b.handled = func(id string) { done <- id }
	h := b.Handler()
	stamp := strconv.FormatInt(now.Unix(), 10)
	seq := 0

	f.Fuzz(func(t *testing.T, body []byte) {
		// A fresh interaction id for each run, where the body has one, so
		// that the replay guard lets the body through to its handler.
		seq++
		var probe struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(body, &probe) == nil && probe.ID != "" {
			body = bytes.Replace(body, []byte(strconv.Quote(probe.ID)), []byte(strconv.Quote(probe.ID+"-"+strconv.Itoa(seq))), 1)
		}
		req := httptest.NewRequest(http.MethodPost, "/interactions", bytes.NewReader(body))
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key.priv, append([]byte(stamp), body...))))
		req.Header.Set("X-Signature-Timestamp", stamp)
		rec := httptest.NewRecorder()
		before, panicked := logs.String(), panicsCounted(t, b)
		h.ServeHTTP(rec, req)

		switch rec.Code {
		case http.StatusOK:
			var resp struct {
				Type int `json:"type"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Type == 0 {
				t.Fatalf("200 with %q, not an interaction response", rec.Body.String())
			}
			if resp.Type != 1 { // not a pong: a handler ran
				select {
				case <-done:
				case <-time.After(30 * time.Second):
					t.Fatalf("the handler of %q never ended", body)
				}
			}
		case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d (%q) for %q", rec.Code, rec.Body.String(), body)
		}
		// A panic the handler's recovery caught is counted as the outcome
		// "panic"; one that escaped it is logged by the goroutine's guard.
		after := strings.TrimPrefix(logs.String(), before)
		if panicsCounted(t, b) > panicked || strings.Contains(after, ` msg="interaction handler panicked"`) {
			t.Fatalf("a handler panicked on %q:\n%s", body, after)
		}
	})
}

// panicsCounted is how many interactions have ended in a panic so far.
func panicsCounted(t *testing.T, b *Bot) float64 {
	t.Helper()
	n := 0.0
	for _, line := range strings.Split(get(t, b.Handler(), "/metrics", http.StatusOK), "\n") {
		if strings.HasPrefix(line, "storybot_interactions_total{") && strings.Contains(line, `outcome="panic"`) {
			_, v, _ := strings.Cut(line, "} ")
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
			n += x
		}
	}
	return n
}
