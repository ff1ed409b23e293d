package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/fault"
)

// What a user is told (fault.Error.Message); the details go in Err.
const (
	msgRefusedKey = "the model API refused the key"
	msgNotFound   = "model not found: %s"
	msgBusy       = "the model is busy"
	msgNoAnswer   = "the model did not answer"
	msgRejected   = "the model API rejected the request"
	msgUnreadable = "the model sent an unreadable answer"
	msgEmpty      = "the model sent an empty answer"
	msgCutOff     = "the model's answer was cut off"
)

// HTTPError is an error answer of the model API: the Err of the fault.Error
// that a call returns after an HTTP error status. The API key is removed
// from every field.
type HTTPError struct {
	StatusCode int
	Type       string // OpenAI's error type, e.g. "invalid_request_error"
	Code       string // OpenAI's error code, e.g. "rate_limit_exceeded"
	Param      string // the parameter the error is about, when the server says
	Message    string // the server's message
	Body       string // an excerpt of a body that was not an OpenAI error object
}

func (e *HTTPError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "status %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Param != "" {
		fmt.Fprintf(&b, ", param %s", e.Param)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Body != "" {
		b.WriteString(", body: " + e.Body)
	}
	return b.String()
}

// failure is one failed attempt, classified.
type failure struct {
	kind          fault.Kind
	message       string
	detail        error
	status        int
	retry         bool
	adaptable     bool // a 400: a changed request may pass
	retryAfter    time.Duration
	hasRetryAfter bool
}

func (f failure) fault(op string, tries int) error {
	attempts := "1 attempt"
	if tries != 1 {
		attempts = fmt.Sprintf("%d attempts", tries)
	}
	return fault.Wrap(f.kind, fmt.Errorf("%s failed after %s: %w", op, attempts, f.detail), "%s", f.message)
}

// classify decides what a failed attempt means: whether to retry, and what
// the user would be told if it is the last.
func (c *Client) classify(op string, err error, ex *exchange, timedOut bool) failure {
	status, retryAfter, hasRetryAfter := ex.snapshot()
	f := failure{kind: fault.Unavailable, message: msgNoAnswer, retryAfter: retryAfter, hasRetryAfter: hasRetryAfter}
	var (
		reqErr *openai.RequestError
		apiErr *openai.APIError
	)
	switch {
	case timedOut:
		f.retry = true
		f.detail = fmt.Errorf("no answer within %s: %w", c.timeout, err)
	case errors.As(err, &reqErr):
		he := &HTTPError{StatusCode: reqErr.HTTPStatusCode, Body: excerpt(reqErr.Body)}
		if errors.As(reqErr.Err, &apiErr) {
			he.Message = apiErr.Message
		}
		f.byStatus(he.StatusCode, c.modelFor(op))
		f.detail = he
	case errors.As(err, &apiErr):
		he := &HTTPError{StatusCode: apiErr.HTTPStatusCode, Type: apiErr.Type, Code: fmt.Sprint(orEmpty(apiErr.Code)), Message: apiErr.Message}
		if apiErr.Param != nil {
			he.Param = *apiErr.Param
		}
		if he.StatusCode == 0 {
			// An error object in the middle of an event stream (status 200):
			// the server failed while answering.
			he.StatusCode = status
			f.retry = true
			f.detail = fmt.Errorf("error in the stream: %w", he)
		} else {
			f.byStatus(he.StatusCode, c.modelFor(op))
			f.detail = he
		}
	case errors.Is(err, errStreamCut):
		f.retry = true
		f.detail = err
	case errors.Is(err, errNoChoices):
		f.message = msgEmpty
		f.detail = err
	case isConnError(err):
		f.retry = true
		f.detail = err
	case isDecodeError(err) || errors.As(err, new(errBadEmbeddings)):
		f.message = msgUnreadable
		f.detail = fmt.Errorf("decode the response: %w", err)
	default:
		f.detail = err
	}
	f.status = status
	if errors.As(err, new(afterDelta)) {
		f.kind, f.message, f.retry, f.adaptable = fault.Unavailable, msgCutOff, false, false
	}
	f.detail = c.redact(f.detail)
	return f
}

// byStatus sets what an HTTP error status means.
func (f *failure) byStatus(status int, model string) {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		f.message = msgRefusedKey
	case status == http.StatusNotFound:
		f.message = fmt.Sprintf(msgNotFound, model)
	case status == http.StatusTooManyRequests:
		f.kind, f.message, f.retry = fault.Limited, msgBusy, true
	case status == http.StatusRequestTimeout || status >= 500:
		f.retry = true
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		f.message, f.adaptable = msgRejected, true
	default:
		f.message = msgRejected
	}
}

func (c *Client) modelFor(op string) string {
	if op == opEmbed {
		return c.embedModel
	}
	return c.model
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

// isConnError reports a failure of the connection rather than of the
// server's answer: refused, reset, closed early, a network timeout.
func isConnError(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	// *url.Error is itself a net.Error whatever its cause (a bad scheme, a
	// certificate): look at what it wraps.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	return errors.As(err, &ne)
}

func isDecodeError(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syn) || errors.As(err, &typ)
}

// excerpt is the start of a response body, for the log.
func excerpt(body []byte) string {
	const n = 300
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// redact removes the API key from err's message (some servers echo a key
// they refuse). Keys shorter than 4 characters are not redacted: they would
// mangle ordinary words and protect nothing.
func (c *Client) redact(err error) error {
	if err == nil || len(c.key) < 4 {
		return err
	}
	var he *HTTPError
	if errors.As(err, &he) {
		he.Message = c.redactString(he.Message)
		he.Body = c.redactString(he.Body)
		he.Param = c.redactString(he.Param)
	}
	if !strings.Contains(err.Error(), c.key) {
		return err
	}
	return redacted{err: err, key: c.key}
}

func (c *Client) redactString(s string) string {
	if len(c.key) < 4 {
		return s
	}
	return strings.ReplaceAll(s, c.key, "[redacted]")
}

type redacted struct {
	err error
	key string
}

func (r redacted) Error() string { return strings.ReplaceAll(r.err.Error(), r.key, "[redacted]") }
func (r redacted) Unwrap() error { return r.err }
