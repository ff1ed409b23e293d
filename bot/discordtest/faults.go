package discordtest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is an injected failure or delay for matching REST requests.
type Fault struct {
	// Method to match; empty matches any.
	Method string
	// Path is a path.Match glob ("*" matches one path segment). A glob not
	// starting with "/api/" is taken relative to the API root, so
	// "/webhooks/*/*/messages/@original" matches
	// "/api/v9/webhooks/APP/TOKEN/messages/@original". "" or "*" match all.
	Path string
	// Status, if non-zero, is answered instead of handling the request.
	// 429 answers a proper rate limit (body with retry_after, Retry-After
	// and X-RateLimit-* headers); other statuses answer
	// {"message":"...","code":0}.
	Status int
	// RetryAfter is the rate-limit wait for a 429 (default 50ms).
	RetryAfter time.Duration
	// Global marks a 429 as a global rate limit (X-RateLimit-Global).
	Global bool
	// Delay is waited before answering (with Status, or normally when
	// Status is 0), e.g. to simulate a slow Discord.
	Delay time.Duration
	// Times is how many matching requests the fault applies to: 0 means
	// once, a negative number means until removed.
	Times int
}

type faultEntry struct {
	f    Fault
	glob string
	left int // <0: unlimited
}

// Inject adds a fault. Faults are consulted in the order added; the first
// matching one with uses left applies. The returned function removes it.
func (s *Server) Inject(f Fault) (remove func()) {
	e := &faultEntry{f: f, glob: normalizeGlob(f.Path), left: f.Times}
	if e.left == 0 {
		e.left = 1
	}
	if f.Status == http.StatusTooManyRequests && e.f.RetryAfter <= 0 {
		e.f.RetryAfter = 50 * time.Millisecond
	}
	s.mu.Lock()
	s.faults = append(s.faults, e)
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, x := range s.faults {
			if x == e {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
				return
			}
		}
	}
}

// FailNext makes the next request matching method and pathGlob fail with
// status; for 429 the client is told to retry after retryAfter.
func (s *Server) FailNext(method, pathGlob string, status int, retryAfter time.Duration) {
	s.Inject(Fault{Method: method, Path: pathGlob, Status: status, RetryAfter: retryAfter})
}

// SetDelay delays every request matching method and pathGlob by d until
// the returned function is called, e.g. a slow interaction callback:
// SetDelay("POST", "/interactions/*/*/callback", 2*time.Second).
func (s *Server) SetDelay(method, pathGlob string, d time.Duration) (remove func()) {
	return s.Inject(Fault{Method: method, Path: pathGlob, Delay: d, Times: -1})
}

func (s *Server) takeFault(method, p string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.faults {
		if e.f.Method != "" && !strings.EqualFold(e.f.Method, method) {
			continue
		}
		if !globMatch(e.glob, p) {
			continue
		}
		f := e.f
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &f
	}
	return nil
}

// writeFault answers a request with the fault's status.
func writeFault(w http.ResponseWriter, f *Fault) []byte {
	if f.Status == http.StatusTooManyRequests {
		secs := f.RetryAfter.Seconds()
		h := w.Header()
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
		h.Set("X-RateLimit-Bucket", "fakebucket")
		scope := "user"
		if f.Global {
			// discordgo treats any non-empty X-RateLimit-Global as global.
			h.Set("X-RateLimit-Global", "true")
			scope = "global"
		}
		h.Set("X-RateLimit-Scope", scope)
		body := fmt.Sprintf(`{"message":"You are being rate limited.","retry_after":%s,"global":%t}`,
			strconv.FormatFloat(secs, 'f', -1, 64), f.Global)
		return writeRaw(w, http.StatusTooManyRequests, []byte(body))
	}
	msg := http.StatusText(f.Status)
	if msg == "" {
		msg = "injected failure"
	}
	body := fmt.Sprintf(`{"message":%q,"code":0}`, fmt.Sprintf("%d: %s", f.Status, msg))
	return writeRaw(w, f.Status, []byte(body))
}

func writeRaw(w http.ResponseWriter, status int, body []byte) []byte {
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	if body != nil {
		_, _ = w.Write(body)
	}
	return body
}
