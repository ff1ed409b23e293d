// Package openaitest is a fake OpenAI-compatible API server that speaks the
// real wire format (JSON bodies, server-sent events, OpenAI error objects), so
// tests of anything that talks to a model can run without a network.
//
// In a test:
//
//	srv := openaitest.New(t) // closed when the test ends
//	srv.Queue(openaitest.RateLimited(2*time.Second), openaitest.Reply{Content: "Musk refunded it [§2]."})
//	client, _ := llm.New(llm.Options{BaseURL: srv.BaseURL(), Model: "gpt-4o-mini"})
//	...
//	if got := srv.ChatCalls(); got != 2 { ... }
//
// Chat replies come from the queue (Queue) in order, then from the function
// set with Reply, then from the default: the canned answer (SetAnswer) or
// Echo. Embedding replies come from their own queue (QueueEmbeddings), then
// are computed: deterministic vectors (Vector) that are close for similar
// texts.
//
// Outside tests (cmd/fakeopenai), NewServer returns an unstarted server that
// is an http.Handler; Listen serves it on an address. The package does not
// import testing: New takes the small TB interface that *testing.T satisfies.
package openaitest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// TB is the part of testing.TB that New uses.
type TB interface {
	Helper()
	Cleanup(func())
}

// Reply scripts one answer of the server.
type Reply struct {
	// Content is the answer text. A stream splits it into several deltas
	// (by words). With an error Status it is the error message instead.
	Content string
	// Status is the HTTP status; 0 means 200. From 400 on the body is an
	// OpenAI error object (unless Body is set).
	Status int
	// Body, when set, is sent verbatim instead of a generated body.
	Body string
	// Header holds extra response headers.
	Header http.Header
	// RetryAfter sets a Retry-After header, in whole seconds rounded up.
	RetryAfter time.Duration
	// Delay is waited before the first token (before the body for a plain
	// completion, after the headers for a stream). The request's context ends
	// the wait, so a client that gives up does not leave a handler behind.
	Delay time.Duration
	// CutAfter, when > 0, ends the reply after that many content chunks of a
	// stream (or halfway through a plain JSON body) without finish_reason or
	// [DONE], by dropping the connection.
	CutAfter int
	// CutCleanly makes a cut stream end with a proper end of the HTTP body
	// instead of a dropped connection.
	CutCleanly bool
	// Malformed sends a body (or, in a stream, a first chunk) that is not JSON.
	Malformed bool
	// NoUsage leaves usage out: no usage chunk in a stream even when
	// stream_options.include_usage asks for it, zero usage in a plain reply
	// (what some older compatible servers do).
	NoUsage bool
	// Usage overrides the computed usage (about one token per four runes).
	Usage *openai.Usage
	// FinishReason defaults to "stop".
	FinishReason string
}

// Error is a reply with an HTTP error status and an OpenAI error object
// carrying message.
func Error(status int, message string) Reply {
	return Reply{Status: status, Content: message}
}

// RateLimited is a 429 reply with a Retry-After header.
func RateLimited(after time.Duration) Reply {
	return Reply{Status: http.StatusTooManyRequests, RetryAfter: after}
}

// Recorded is one request the server received.
type Recorded struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header // a copy: Header.Get("Authorization") is "" when no key was sent
	Body     []byte
	// Chat is the decoded request for chat completions, nil otherwise.
	Chat *openai.ChatCompletionRequest
	// Embedding is the decoded request for embeddings, nil otherwise; its
	// Input is always a []string.
	Embedding *openai.EmbeddingRequest
	// Deployment is the Azure deployment named in the path, "" otherwise.
	Deployment string
}

// Server is the fake API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the origin (http://127.0.0.1:PORT), set once the server is started.
	URL string

	mu         sync.Mutex
	replyFunc  func(openai.ChatCompletionRequest) Reply
	queue      []Reply
	embedQueue []Reply
	recorded   []Recorded
	chatCalls  int
	embedCalls int
	answer     string
	apiKey     string
	dim        int

	closeFunc func()
}

// DefaultEmbeddingDim is the length of the vectors the server computes.
const DefaultEmbeddingDim = 64

// NewServer returns a server that is not listening yet: an http.Handler to
// mount anywhere, or to start with Listen.
func NewServer() *Server {
	return &Server{dim: DefaultEmbeddingDim}
}

// New starts a server on a local port for the duration of the test.
func New(t TB) *Server {
	t.Helper()
	s := NewServer()
	ts := httptest.NewServer(s)
	s.URL = ts.URL
	s.closeFunc = ts.Close
	t.Cleanup(ts.Close)
	return s
}

// Listen serves on addr ("127.0.0.1:0" picks a free port) in the background
// and sets URL. Close stops it.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	s.URL = "http://" + hostPort(ln.Addr())
	s.closeFunc = func() { _ = hs.Close() }
	return nil
}

// hostPort names a listening address so that a client can dial it: an
// unspecified host (":0", "[::]:0") becomes 127.0.0.1.
func hostPort(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return net.JoinHostPort(tcp.IP.String(), strconv.Itoa(tcp.Port))
}

// Close stops a server started by New or Listen; closing twice is harmless.
func (s *Server) Close() {
	if s.closeFunc != nil {
		s.closeFunc()
	}
}

// BaseURL is URL + "/v1", what a client's base URL should be.
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Reply sets the function that answers chat requests once the queue is empty.
func (s *Server) Reply(f func(req openai.ChatCompletionRequest) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replyFunc = f
}

// Queue appends chat replies, used one per chat request in order.
func (s *Server) Queue(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, replies...)
}

// QueueEmbeddings appends replies for embedding requests, used in order
// before computed vectors. Their Content is ignored; Status, Body, headers,
// Delay, CutAfter and Malformed apply.
func (s *Server) QueueEmbeddings(replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.embedQueue = append(s.embedQueue, replies...)
}

// SetAnswer makes answer the default chat reply instead of Echo.
func (s *Server) SetAnswer(answer string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = answer
}

// SetAPIKey makes the server demand key (as "Authorization: Bearer key" or
// Azure's "api-key" header) and answer 401 without it.
func (s *Server) SetAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apiKey = key
}

// SetEmbeddingDim sets the length of computed vectors (default 64).
func (s *Server) SetEmbeddingDim(dim int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dim = dim
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.recorded...)
}

// ChatCalls counts chat completion requests.
func (s *Server) ChatCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.chatCalls
}

// EmbedCalls counts embedding requests.
func (s *Server) EmbedCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.embedCalls
}

func (s *Server) record(r Recorded) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recorded = append(s.recorded, r)
	switch {
	case r.Chat != nil:
		s.chatCalls++
	case r.Embedding != nil:
		s.embedCalls++
	}
}

// nextChat picks the reply for a chat request: queue, then function, then default.
func (s *Server) nextChat(req openai.ChatCompletionRequest) Reply {
	s.mu.Lock()
	if len(s.queue) > 0 {
		r := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		return r
	}
	f, answer := s.replyFunc, s.answer
	s.mu.Unlock()
	switch {
	case f != nil:
		return f(req)
	case answer != "":
		return Reply{Content: answer}
	default:
		return Echo(req)
	}
}

func (s *Server) nextEmbedding() (Reply, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.embedQueue) == 0 {
		return Reply{}, false
	}
	r := s.embedQueue[0]
	s.embedQueue = s.embedQueue[1:]
	return r, true
}

func (s *Server) settings() (key string, dim int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiKey, s.dim
}
