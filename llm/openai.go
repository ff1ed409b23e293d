package llm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/fault"
)

// Defaults a caller may use for Options; New does not apply them on its own
// (zero Timeout means no timeout, zero MaxRetries means no retry).
const (
	DefaultBaseURL    = "https://api.openai.com/v1"
	DefaultTimeout    = 60 * time.Second
	DefaultMaxRetries = 3
)

// Options configure a Client.
type Options struct {
	APIKey string
	// BaseURL defaults to https://api.openai.com/v1; any compatible server
	// works (Ollama http://host:11434/v1, vLLM, LM Studio, OpenRouter). For
	// Azure it is the resource endpoint (https://NAME.openai.azure.com).
	BaseURL string
	// APIType is "openai" (the default) or "azure"; with "azure" the
	// deployment name is the model name, sent as is.
	APIType    string
	APIVersion string // Azure's api-version; go-openai's default when empty

	Model          string // the chat model; required
	EmbeddingModel string // "": Embed fails with fault.Invalid

	// Timeout bounds each attempt of a call; for Stream it bounds the whole
	// stream of an attempt. 0: no timeout of its own (the ctx still counts).
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt is retried (429, 5xx,
	// connection errors, timeouts). 0: no retry.
	MaxRetries int

	HTTPClient *http.Client // optional; its Transport is wrapped, not changed
	Logger     *slog.Logger // optional; retries are logged at Warn, never the key
	// CacheDir keeps embeddings on disk under CacheDir/embeddings/; "": in
	// memory only.
	CacheDir string
	// EmbedBatchSize is how many texts go in one embeddings request (default 64).
	EmbedBatchSize int

	// Backoff is the base of the exponential backoff (default 500ms), and
	// MaxBackoff its cap (default 20s). A wait is drawn uniformly from
	// [0, min(MaxBackoff, Backoff·2^retry)] ("full jitter").
	Backoff, MaxBackoff time.Duration
	// MaxRetryAfter caps a server's Retry-After (default 60s).
	MaxRetryAfter time.Duration
	// Jitter draws a wait from [0, d]; default uniform random. Tests pass
	// func(d time.Duration) time.Duration { return d } to make waits exact.
	Jitter func(d time.Duration) time.Duration
	// Sleep waits d or until ctx ends; tests pass a recorder that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client talks to one OpenAI-compatible API with one chat model and
// (optionally) one embedding model. It is safe for concurrent use.
type Client struct {
	api        *openai.Client
	model      string
	embedModel string
	key        string
	timeout    time.Duration
	maxRetries int
	log        *slog.Logger

	backoff, maxBackoff, maxRetryAfter time.Duration
	jitter                             func(time.Duration) time.Duration
	sleep                              func(context.Context, time.Duration) error

	embedBatch int
	cache      *embedCache

	promptTokens, completionTokens atomic.Int64

	// What the server turned out not to accept, learned from a 400 that
	// named the parameter; later requests leave it out from the start.
	quirks struct {
		maxCompletionTokens, noTemperature, noStreamOptions, noResponseFormat atomic.Bool
	}
	quirkLog sync.Map // quirk name → struct{}: each is logged once
}

// New checks o and returns a Client. It makes no request.
func New(o Options) (*Client, error) {
	if strings.TrimSpace(o.Model) == "" {
		return nil, fault.New(fault.Invalid, "no model configured")
	}
	base := strings.TrimRight(strings.TrimSpace(o.BaseURL), "/")
	var cfg openai.ClientConfig
	switch strings.ToLower(strings.TrimSpace(o.APIType)) {
	case "", "openai":
		if base == "" {
			base = DefaultBaseURL
		}
		cfg = openai.DefaultConfig(o.APIKey)
		cfg.BaseURL = base
	case "azure":
		if base == "" {
			return nil, fault.New(fault.Invalid, "the Azure API type needs a base URL (the resource endpoint)")
		}
		cfg = openai.DefaultAzureConfig(o.APIKey, base)
		// The deployment is named like the model, as configured: go-openai's
		// default mapper would strip "." and ":" from it.
		cfg.AzureModelMapperFunc = func(model string) string { return model }
	default:
		return nil, fault.New(fault.Invalid, "unknown model API type %q (want openai or azure)", o.APIType)
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The URL is not repeated: it might carry credentials.
		return nil, fault.New(fault.Invalid, "the model base URL is not an http(s) URL")
	}
	if o.APIVersion != "" {
		cfg.APIVersion = o.APIVersion
	}
	hc := &http.Client{}
	if o.HTTPClient != nil {
		c := *o.HTTPClient
		hc = &c
	}
	inner := hc.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	hc.Transport = captureTransport{base: inner}
	cfg.HTTPClient = hc

	c := &Client{
		api:           openai.NewClientWithConfig(cfg),
		model:         o.Model,
		embedModel:    o.EmbeddingModel,
		key:           o.APIKey,
		timeout:       max(o.Timeout, 0),
		maxRetries:    max(o.MaxRetries, 0),
		log:           o.Logger,
		backoff:       orDefault(o.Backoff, 500*time.Millisecond),
		maxBackoff:    orDefault(o.MaxBackoff, 20*time.Second),
		maxRetryAfter: orDefault(o.MaxRetryAfter, 60*time.Second),
		jitter:        o.Jitter,
		sleep:         o.Sleep,
		embedBatch:    o.EmbedBatchSize,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("component", "llm")
	if c.jitter == nil {
		c.jitter = uniformJitter
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.embedBatch <= 0 {
		c.embedBatch = 64
	}
	c.cache = newEmbedCache(o.CacheDir, o.EmbeddingModel, c.log)
	return c, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Model is the chat model's name (the engine uses it in cache keys).
func (c *Client) Model() string { return c.model }

// EmbeddingModel is the embedding model's name, "" when none is configured.
func (c *Client) EmbeddingModel() string { return c.embedModel }

// Usage is the total of tokens used by this client since it was made: every
// chat, stream and embeddings call (estimated where the server sent none).
func (c *Client) Usage() Usage {
	return Usage{PromptTokens: int(c.promptTokens.Load()), CompletionTokens: int(c.completionTokens.Load())}
}

func (c *Client) record(u Usage) {
	c.promptTokens.Add(int64(u.PromptTokens))
	c.completionTokens.Add(int64(u.CompletionTokens))
}

// Complete asks for one completion and waits for all of it.
//
// A 400 that names a parameter the server does not take (max_tokens on
// reasoning models, temperature, response_format) is retried once without
// it, at once; the client then leaves that parameter out of later requests.
// A 400 that names nothing, on a request with a JSON schema, is retried once
// without the schema. The caller parses the answer tolerantly either way.
func (c *Client) Complete(ctx context.Context, r Request) (Response, error) {
	req, err := c.chatRequest(r, false)
	if err != nil {
		return Response{}, err
	}
	var (
		out    Response
		billed int
	)
	err = c.call(ctx, "chat", func(actx context.Context) error {
		resp, err := c.api.CreateChatCompletion(actx, req)
		if err != nil {
			return err
		}
		if len(resp.Choices) == 0 {
			return errNoChoices
		}
		out = Response{
			Content:      resp.Choices[0].Message.Content,
			Model:        resp.Model,
			FinishReason: string(resp.Choices[0].FinishReason),
			Usage:        Usage{PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens},
		}
		return nil
	}, func(msg string) bool { return c.adapt(&req, msg) }, &billed)
	wasted := wastedUsage(r.Messages, billed)
	c.record(wasted)
	if err != nil {
		return Response{Wasted: wasted}, err
	}
	if out.Usage == (Usage{}) {
		out.Usage = estimateUsage(r.Messages, out.Content)
	}
	out.Wasted = wasted
	c.record(out.Usage)
	return out, nil
}

// wastedUsage is the cost of n failed attempts at a request: their prompts.
func wastedUsage(msgs []Message, n int) Usage {
	if n <= 0 {
		return Usage{}
	}
	return Usage{PromptTokens: n * estimateUsage(msgs, "").PromptTokens}
}

// Stream asks for one completion and passes its text to onDelta (which may
// be nil) piece by piece as it arrives, in order, from the calling goroutine.
// The Response has the whole text and the usage: the server's when it sends
// it (stream_options.include_usage), otherwise an estimate of about one token
// per four runes.
//
// A failure before the first delta is retried like any call. Once a delta
// has been delivered nothing is retried, since the caller has already shown
// that text and a second answer would repeat it: a stream that breaks off
// then (the connection closes before finish_reason or [DONE], or the Timeout
// ends it) returns a fault.Unavailable error together with a Response
// holding the text delivered so far. Servers that reject stream_options with
// a 400 are asked again without it.
func (c *Client) Stream(ctx context.Context, r Request, onDelta DeltaFunc) (Response, error) {
	req, err := c.chatRequest(r, true)
	if err != nil {
		return Response{}, err
	}
	var (
		out       Response
		content   strings.Builder
		delivered bool
		billed    int
	)
	err = c.call(ctx, "stream", func(actx context.Context) error {
		out = Response{}
		content.Reset()
		stream, err := c.api.CreateChatCompletionStream(actx, req)
		if err != nil {
			return err
		}
		defer stream.Close()
		finished := false
		for {
			chunk, err := stream.Recv()
			if errors.Is(err, io.EOF) {
				if finished || exchangeFrom(actx).sawDone() {
					return nil
				}
				err = errStreamCut
			}
			if err != nil {
				if delivered {
					return afterDelta{err}
				}
				return err
			}
			if chunk.Model != "" {
				out.Model = chunk.Model
			}
			if chunk.Usage != nil {
				out.Usage = Usage{PromptTokens: chunk.Usage.PromptTokens, CompletionTokens: chunk.Usage.CompletionTokens}
			}
			for _, ch := range chunk.Choices {
				if ch.Index != 0 {
					continue
				}
				if ch.FinishReason != "" && ch.FinishReason != openai.FinishReasonNull {
					out.FinishReason = string(ch.FinishReason)
					finished = true
				}
				if d := ch.Delta.Content; d != "" {
					content.WriteString(d)
					delivered = true
					if onDelta != nil {
						onDelta(d)
					}
				}
			}
			// A caller that has had enough (onDelta cancelled ctx: the
			// answer passed its bound) stops reading here; Recv alone
			// would go on returning what the connection had buffered.
			if err := actx.Err(); err != nil {
				if delivered {
					return afterDelta{err}
				}
				return err
			}
		}
	}, func(msg string) bool { return c.adapt(&req, msg) }, &billed)
	out.Content = content.String()
	if err != nil && delivered {
		// The attempt that delivered text is paid for in out.Usage below.
		billed--
	}
	wasted := wastedUsage(r.Messages, billed)
	c.record(wasted)
	if err != nil && !delivered {
		return Response{Wasted: wasted}, err
	}
	if out.Usage == (Usage{}) {
		out.Usage = estimateUsage(r.Messages, out.Content)
	}
	out.Wasted = wasted
	c.record(out.Usage)
	return out, err
}

var errNoChoices = errors.New("the response has no choices")

// errStreamCut is a stream whose body ended before finish_reason or [DONE].
var errStreamCut = errors.New("the stream ended before its end ([DONE])")

// afterDelta marks a stream failure after text was delivered: not retried.
type afterDelta struct{ error }

func (e afterDelta) Unwrap() error { return e.error }

func (c *Client) chatRequest(r Request, stream bool) (openai.ChatCompletionRequest, error) {
	if len(r.Messages) == 0 {
		return openai.ChatCompletionRequest{}, fault.New(fault.Internal, "a model request needs at least one message")
	}
	req := openai.ChatCompletionRequest{Model: c.model, Messages: make([]openai.ChatCompletionMessage, len(r.Messages))}
	for i, m := range r.Messages {
		req.Messages[i] = openai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content}
	}
	if r.MaxTokens > 0 {
		if c.quirks.maxCompletionTokens.Load() {
			req.MaxCompletionTokens = r.MaxTokens
		} else {
			//lint:ignore SA1019 max_tokens is what most compatible servers understand; reasoning models get max_completion_tokens (see adapt and fitReasoning)
			req.MaxTokens = r.MaxTokens
		}
	}
	if !c.quirks.noTemperature.Load() {
		req.Temperature = r.Temperature
		if req.Temperature == 0 {
			// go-openai omits a zero temperature (omitempty), and the server
			// would use its default (1): the smallest positive float32 is
			// sent instead, which every server reads as 0.
			req.Temperature = math.SmallestNonzeroFloat32
		}
	}
	if r.JSONSchema != nil && !c.quirks.noResponseFormat.Load() {
		name := r.JSONSchemaName
		if name == "" {
			name = "answer"
		}
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: name, Schema: schema(r.JSONSchema)},
		}
	}
	if stream && !c.quirks.noStreamOptions.Load() {
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	fitReasoning(&req)
	return req, nil
}

// fitReasoning adapts a request to the reasoning models go-openai knows by
// name (o1, o3, o4, gpt-5, ...): it refuses, before sending anything,
// max_tokens and any temperature but 1 for them.
func fitReasoning(req *openai.ChatCompletionRequest) {
	v := openai.NewReasoningValidator()
	for range 3 {
		err := v.Validate(*req)
		switch {
		case err == nil:
			return
		case errors.Is(err, openai.ErrReasoningModelMaxTokensDeprecated):
			//lint:ignore SA1019 moving the deprecated field to its replacement
			req.MaxCompletionTokens, req.MaxTokens = req.MaxTokens, 0
		case errors.Is(err, openai.ErrReasoningModelLimitationsOther), errors.Is(err, openai.ErrReasoningSamplingUnsupported):
			req.Temperature = 0
		default:
			return
		}
	}
}

// adapt changes req after a 400 whose message is msg, and reports whether
// there is something left to try. Each parameter is dropped at most once.
func (c *Client) adapt(req *openai.ChatCompletionRequest, msg string) bool {
	m := strings.ToLower(msg)
	named := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	switch {
	//lint:ignore SA1019 reading the deprecated field to move it
	case req.MaxTokens > 0 && named("max_tokens"):
		//lint:ignore SA1019 moving the deprecated field to its replacement
		req.MaxCompletionTokens, req.MaxTokens = req.MaxTokens, 0
		c.learn(&c.quirks.maxCompletionTokens, "max_completion_tokens instead of max_tokens")
	case req.Temperature != 0 && named("temperature"):
		req.Temperature = 0
		c.learn(&c.quirks.noTemperature, "no temperature")
	case req.StreamOptions != nil && named("stream_options", "include_usage"):
		req.StreamOptions = nil
		c.learn(&c.quirks.noStreamOptions, "no stream_options")
	case req.ResponseFormat != nil && named("response_format", "json_schema"):
		req.ResponseFormat = nil
		c.learn(&c.quirks.noResponseFormat, "no response_format")
	// A 400 that names nothing: drop what compatible servers most often
	// reject, for this call only (the 400 may have had another cause).
	case req.ResponseFormat != nil:
		req.ResponseFormat = nil
		c.log.Info("the model API rejected the request; trying once without response_format")
	case req.StreamOptions != nil:
		req.StreamOptions = nil
		c.log.Info("the model API rejected the request; trying once without stream_options")
	default:
		return false
	}
	return true
}

func (c *Client) learn(flag *atomic.Bool, what string) {
	flag.Store(true)
	if _, seen := c.quirkLog.LoadOrStore(what, struct{}{}); !seen {
		c.log.Info("the model API rejected a parameter; sending from now on: "+what, "model", c.model)
	}
}

// schema is a JSON schema as go-openai wants it (a json.Marshaler).
type schema map[string]any

func (s schema) MarshalJSON() ([]byte, error) { return json.Marshal(map[string]any(s)) }

// estimateTokens is about one token per four runes.
func estimateTokens(s string) int {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return 0
	}
	return (n + 3) / 4
}

func estimateUsage(msgs []Message, answer string) Usage {
	u := Usage{CompletionTokens: estimateTokens(answer)}
	for _, m := range msgs {
		u.PromptTokens += estimateTokens(m.Content)
	}
	return u
}
