package llm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/storybot/storybot/fault"
)

// call runs one model operation: attempt until it succeeds, fails for good,
// or the retries are spent. Each attempt gets its own context (with the
// Timeout) that carries an exchange, where the transport notes the status,
// Retry-After and end of stream of that attempt's response; being per
// attempt, it is never shared between goroutines or attempts.
//
// adapt is asked, after a 400, whether a changed request is worth another
// try; such a try is immediate and does not count as a retry.
//
// billed, when not nil, counts the failed attempts the server may charge
// for: those whose request was sent and not refused with a 4xx (a timeout
// while the model writes, a 5xx, a stream cut off, a caller that gave up).
func (c *Client) call(ctx context.Context, op string, attempt func(actx context.Context) error, adapt func(msg string) bool, billed *int) error {
	retries := 0
	for tries := 1; ; tries++ {
		if err := ctx.Err(); err != nil {
			return c.ctxError(op, err)
		}
		actx, ex := withExchange(ctx)
		var cancel context.CancelFunc = func() {}
		if c.timeout > 0 {
			actx, cancel = context.WithTimeout(actx, c.timeout)
		}
		err := attempt(actx)
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded)
		cancel()
		if err == nil {
			return nil
		}
		if billed != nil && ex.billable() {
			*billed++
		}
		if ctx.Err() != nil {
			return c.ctxError(op, ctx.Err())
		}
		f := c.classify(op, err, ex, timedOut)
		if f.adaptable && adapt != nil && adapt(f.detail.Error()) {
			continue
		}
		if !f.retry || retries >= c.maxRetries {
			return f.fault(op, tries)
		}
		wait := c.wait(retries, f)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			f.detail = fmt.Errorf("%w (a retry in %s would pass the deadline)", f.detail, wait.Round(time.Millisecond))
			return f.fault(op, tries)
		}
		c.log.Warn("model call failed, retrying", "op", op, "attempt", tries, "status", f.status, "wait", wait, "err", f.detail)
		if err := c.sleep(ctx, wait); err != nil {
			return c.ctxError(op, ctx.Err())
		}
		retries++
	}
}

// wait is how long to wait before retry number retry+1: the server's
// Retry-After (capped) when it sent one, else exponential backoff with full
// jitter.
func (c *Client) wait(retry int, f failure) time.Duration {
	if f.hasRetryAfter {
		return min(f.retryAfter, c.maxRetryAfter)
	}
	d := c.maxBackoff
	if retry < 30 {
		d = min(c.backoff<<retry, c.maxBackoff)
	}
	return c.jitter(d)
}

// ctxError is the error for a call whose caller's context ended: a
// cancellation is returned as such (errors.Is(err, context.Canceled)); a
// passed deadline is a model that did not answer in time.
func (c *Client) ctxError(op string, err error) error {
	if err == nil {
		err = context.Canceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fault.Wrap(fault.Unavailable, fmt.Errorf("%s: %w", op, err), msgNoAnswer)
	}
	return fmt.Errorf("llm %s: %w", op, err)
}

func uniformJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// exchange is what the transport saw of one attempt's HTTP response.
type exchange struct {
	sent          atomic.Bool // the request was written to the server
	mu            sync.Mutex
	status        int
	retryAfter    time.Duration
	hasRetryAfter bool
	done          atomic.Bool // the event stream carried "data: [DONE]"
}

type exchangeKey struct{}

func withExchange(ctx context.Context) (context.Context, *exchange) {
	ex := &exchange{}
	return context.WithValue(ctx, exchangeKey{}, ex), ex
}

// exchangeFrom returns ctx's exchange; nil (which is safe to use) when none.
func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

func (ex *exchange) sawDone() bool { return ex != nil && ex.done.Load() }

// billable reports whether a failed attempt may have cost its prompt: the
// request reached the server, which did not refuse it outright (a 4xx is
// answered before the model reads the prompt).
func (ex *exchange) billable() bool {
	if ex == nil || !ex.sent.Load() {
		return false
	}
	status, _, _ := ex.snapshot()
	return status < 400 || status >= 500
}

func (ex *exchange) note(resp *http.Response, now time.Time) {
	ra, ok := parseRetryAfter(resp.Header, now)
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.status = resp.StatusCode
	ex.retryAfter, ex.hasRetryAfter = ra, ok
}

func (ex *exchange) snapshot() (status int, retryAfter time.Duration, ok bool) {
	if ex == nil {
		return 0, 0, false
	}
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.status, ex.retryAfter, ex.hasRetryAfter
}

// captureTransport notes in the request's exchange what go-openai's errors
// do not carry: the response's status and Retry-After, and (for event
// streams) whether the stream reached its [DONE].
type captureTransport struct{ base http.RoundTripper }

func (t captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchangeFrom(req.Context())
	if ex != nil {
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			WroteRequest: func(info httptrace.WroteRequestInfo) {
				if info.Err == nil {
					ex.sent.Store(true)
				}
			},
		}))
	}
	resp, err := t.base.RoundTrip(req)
	if ex != nil && resp != nil {
		// A response means the request arrived, whatever the trace saw.
		ex.sent.Store(true)
	}
	if err != nil || ex == nil {
		return resp, err
	}
	ex.note(resp, time.Now())
	// go-openai asks for streams with this Accept header; some servers
	// answer them with another content type.
	if req.Header.Get("Accept") == "text/event-stream" || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body = &doneWatcher{ReadCloser: resp.Body, ex: ex}
	}
	return resp, nil
}

// parseRetryAfter reads retry-after-ms (OpenAI's, in milliseconds) or
// Retry-After (seconds or an HTTP date).
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && ms < 1e12 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 || s > 1e9 {
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// doneWatcher passes an event stream through and notes a "data: [DONE]"
// line: go-openai's Recv answers io.EOF both for [DONE] and for a body that
// simply ended, and only the first is a complete answer.
type doneWatcher struct {
	io.ReadCloser
	ex   *exchange
	line []byte
	long bool
}

func (w *doneWatcher) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	for _, b := range p[:n] {
		switch {
		case b == '\n' || b == '\r':
			w.endLine()
		case len(w.line) < 32:
			w.line = append(w.line, b)
		default:
			w.long = true
		}
	}
	if err == io.EOF {
		w.endLine()
	}
	return n, err
}

func (w *doneWatcher) endLine() {
	line := bytes.TrimSpace(w.line)
	if !w.long && bytes.HasPrefix(line, []byte("data:")) && bytes.Equal(bytes.TrimSpace(line[5:]), []byte("[DONE]")) {
		w.ex.done.Store(true)
	}
	w.line, w.long = w.line[:0], false
}
