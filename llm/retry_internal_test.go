package llm

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"whole seconds", http.Header{"Retry-After": {"20"}}, 20 * time.Second, true},
		{"fractional seconds", http.Header{"Retry-After": {"1.5"}}, 1500 * time.Millisecond, true},
		{"an HTTP date", http.Header{"Retry-After": {"Sat, 01 Mar 2025 12:00:42 GMT"}}, 42 * time.Second, true},
		{"a date in the past is no wait", http.Header{"Retry-After": {"Sat, 01 Mar 2025 11:00:00 GMT"}}, 0, true},
		{"milliseconds win over seconds", http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"1"}}, 250 * time.Millisecond, true},
		{"no header", http.Header{}, 0, false},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0, false},
		{"a negative number", http.Header{"Retry-After": {"-3"}}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.header, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseRetryAfter = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDoneWatcher(t *testing.T) {
	tests := []struct {
		name, stream string
		done         bool
	}{
		{"a stream with [DONE]", "data: {\"a\":1}\n\ndata: [DONE]\n\n", true},
		{"[DONE] without a space or a final newline", "data: {}\n\ndata:[DONE]", true},
		{"CRLF lines", "data: {}\r\n\r\ndata: [DONE]\r\n\r\n", true},
		{"a stream cut before [DONE]", "data: {\"a\":1}\n\ndata: {\"b\"", false},
		{"[DONE] inside content is not the end", "data: {\"content\":\"data: [DONE]\"}\n\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &exchange{}
			// One byte per read: [DONE] split across reads is still seen.
			w := &doneWatcher{ReadCloser: io.NopCloser(iotest.OneByteReader(strings.NewReader(tt.stream))), ex: ex}
			b, err := io.ReadAll(w)
			if err != nil || string(b) != tt.stream {
				t.Fatalf("read %q, %v", b, err)
			}
			if ex.sawDone() != tt.done {
				t.Errorf("done = %v, want %v", ex.sawDone(), tt.done)
			}
		})
	}
}

func TestBackoffWithFullJitterStaysInRange(t *testing.T) {
	c := &Client{backoff: 500 * time.Millisecond, maxBackoff: 20 * time.Second, maxRetryAfter: time.Minute, jitter: uniformJitter}
	for retry := range 40 {
		limit := min(500*time.Millisecond<<min(retry, 30), 20*time.Second)
		for range 20 {
			if d := c.wait(retry, failure{}); d < 0 || d > limit {
				t.Fatalf("retry %d: wait %v outside [0, %v]", retry, d, limit)
			}
		}
	}
}
