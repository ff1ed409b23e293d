package llm_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/fault"
	"github.com/storybot/storybot/llm"
	"github.com/storybot/storybot/llm/openaitest"
)

func TestCompleteReturnsTheAnswer(t *testing.T) {
	srv := openaitest.New(t)
	srv.Queue(openaitest.Reply{Content: "Musk refunded the deposit [§2].", Usage: &openai.Usage{PromptTokens: 120, CompletionTokens: 9}})
	c, _ := newClient(t, srv, nil)

	resp, err := c.Complete(context.Background(), question("Did Altman get his money back?"))
	if err != nil {
		t.Fatal(err)
	}
	want := llm.Response{Content: "Musk refunded the deposit [§2].", Usage: llm.Usage{PromptTokens: 120, CompletionTokens: 9}, Model: "gpt-4o-mini", FinishReason: "stop"}
	if resp != want {
		t.Errorf("response = %+v, want %+v", resp, want)
	}
	if got := c.Usage(); got != want.Usage {
		t.Errorf("client usage = %+v, want %+v", got, want.Usage)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/v1/chat/completions" || reqs[0].Method != http.MethodPost {
		t.Fatalf("requests = %+v, want one POST /v1/chat/completions", reqs)
	}
	if got := reqs[0].Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got)
	}
	msgs := reqs[0].Chat.Messages
	if len(msgs) != 2 || msgs[0].Role != "system" || msgs[1].Role != "user" || msgs[1].Content != "Did Altman get his money back?" {
		t.Errorf("messages = %+v", msgs)
	}
}

// body decodes a recorded request body into a map, to see what was sent
// on the wire (and what was left out).
func body(t *testing.T, r openaitest.Recorded) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("request body: %v", err)
	}
	return m
}

func TestCompleteSendsTheRequestParameters(t *testing.T) {
	schema := map[string]any{"type": "object", "properties": map[string]any{"answer": map[string]any{"type": "string"}}}
	tests := []struct {
		name  string
		model string
		req   llm.Request
		check func(t *testing.T, sent map[string]any)
	}{
		{
			name: "a zero temperature is sent as (nearly) zero rather than left out",
			req:  question("q"),
			check: func(t *testing.T, sent map[string]any) {
				temp, ok := sent["temperature"].(float64)
				if !ok || temp > 1e-30 {
					t.Errorf("temperature = %v (present %v), want ~0", sent["temperature"], ok)
				}
			},
		},
		{
			name: "a temperature is sent as given",
			req:  llm.Request{Messages: question("q").Messages, Temperature: 0.7},
			check: func(t *testing.T, sent map[string]any) {
				if temp, _ := sent["temperature"].(float64); temp < 0.69 || temp > 0.71 {
					t.Errorf("temperature = %v, want 0.7", sent["temperature"])
				}
			},
		},
		{
			name: "MaxTokens is sent as max_tokens",
			req:  llm.Request{Messages: question("q").Messages, MaxTokens: 300},
			check: func(t *testing.T, sent map[string]any) {
				if sent["max_tokens"] != 300.0 || sent["max_completion_tokens"] != nil {
					t.Errorf("max_tokens = %v, max_completion_tokens = %v", sent["max_tokens"], sent["max_completion_tokens"])
				}
			},
		},
		{
			name:  "a reasoning model gets max_completion_tokens and no temperature",
			model: "o3-mini",
			req:   llm.Request{Messages: question("q").Messages, MaxTokens: 300},
			check: func(t *testing.T, sent map[string]any) {
				if sent["max_completion_tokens"] != 300.0 || sent["max_tokens"] != nil || sent["temperature"] != nil {
					t.Errorf("max_completion_tokens = %v, max_tokens = %v, temperature = %v", sent["max_completion_tokens"], sent["max_tokens"], sent["temperature"])
				}
			},
		},
		{
			name: "a JSON schema is sent as response_format json_schema",
			req:  llm.Request{Messages: question("q").Messages, JSONSchema: schema, JSONSchemaName: "timeline"},
			check: func(t *testing.T, sent map[string]any) {
				rf, _ := sent["response_format"].(map[string]any)
				js, _ := rf["json_schema"].(map[string]any)
				if rf["type"] != "json_schema" || js["name"] != "timeline" || js["schema"] == nil {
					t.Errorf("response_format = %v", sent["response_format"])
				}
			},
		},
		{
			name: "no response_format is sent without a schema",
			req:  question("q"),
			check: func(t *testing.T, sent map[string]any) {
				if _, ok := sent["response_format"]; ok {
					t.Errorf("response_format = %v, want none", sent["response_format"])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			c, _ := newClient(t, srv, func(o *llm.Options) {
				if tt.model != "" {
					o.Model = tt.model
				}
			})
			if _, err := c.Complete(context.Background(), tt.req); err != nil {
				t.Fatal(err)
			}
			tt.check(t, body(t, srv.Requests()[0]))
		})
	}
}

func TestCompleteAdaptsToWhatTheServerRejects(t *testing.T) {
	schema := map[string]any{"type": "object"}
	tests := []struct {
		name   string
		req    llm.Request
		reject func(req openai.ChatCompletionRequest) bool
		msg    string
		// calls for the first request, and for a second one (when the
		// client remembered the rejection, only one)
		calls, callsAgain int
		sentAgain         func(sent map[string]any) bool
	}{
		{
			name: "a server that rejects max_tokens is asked again with max_completion_tokens, and from then on at once",
			req:  llm.Request{Messages: question("q").Messages, MaxTokens: 100},
			//lint:ignore SA1019 the deprecated field is what the server rejects here
			reject: func(req openai.ChatCompletionRequest) bool { return req.MaxTokens > 0 },
			msg:    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
			calls:  2, callsAgain: 1,
			sentAgain: func(sent map[string]any) bool {
				return sent["max_completion_tokens"] == 100.0 && sent["max_tokens"] == nil
			},
		},
		{
			name:   "a server that rejects the temperature is asked again without it",
			req:    question("q"),
			reject: func(req openai.ChatCompletionRequest) bool { return req.Temperature != 0 },
			msg:    "Unsupported value: 'temperature' does not support 1e-45 with this model. Only the default (1) value is supported.",
			calls:  2, callsAgain: 1,
			sentAgain: func(sent map[string]any) bool { return sent["temperature"] == nil },
		},
		{
			name:   "a server that names response_format is asked again without it, and from then on at once",
			req:    llm.Request{Messages: question("q").Messages, JSONSchema: schema},
			reject: func(req openai.ChatCompletionRequest) bool { return req.ResponseFormat != nil },
			msg:    "response_format of type json_schema is not supported",
			calls:  2, callsAgain: 1,
			sentAgain: func(sent map[string]any) bool { return sent["response_format"] == nil },
		},
		{
			name:   "a bare 400 on a request with a schema is retried once without it, each time",
			req:    llm.Request{Messages: question("q").Messages, JSONSchema: schema},
			reject: func(req openai.ChatCompletionRequest) bool { return req.ResponseFormat != nil },
			msg:    "Bad Request",
			calls:  2, callsAgain: 2,
			sentAgain: func(sent map[string]any) bool { return sent["response_format"] == nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Reply(func(req openai.ChatCompletionRequest) openaitest.Reply {
				if tt.reject(req) {
					return openaitest.Error(http.StatusBadRequest, tt.msg)
				}
				return openaitest.Reply{Content: `{"answer": "yes"}`}
			})
			c, sl := newClient(t, srv, nil)
			for i, want := range []int{tt.calls, tt.calls + tt.callsAgain} {
				resp, err := c.Complete(context.Background(), tt.req)
				if err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
				if resp.Content != `{"answer": "yes"}` {
					t.Errorf("content = %q", resp.Content)
				}
				wantCalls(t, srv, want)
			}
			reqs := srv.Requests()
			if last := body(t, reqs[len(reqs)-1]); !tt.sentAgain(last) {
				t.Errorf("last request = %v", last)
			}
			if got := sl.all(); len(got) != 0 {
				t.Errorf("waited %v before asking again, want no wait", got)
			}
		})
	}
}

func TestStreamDeliversDeltasInOrder(t *testing.T) {
	const answer = "Musk said the deposit was refunded long ago [§2]. Altman did not reply."
	tests := []struct {
		name      string
		reply     func(req openai.ChatCompletionRequest) openaitest.Reply
		wantUsage llm.Usage
		// wantWasted is the failed attempts' cost: a 5xx counts its prompt, a 400 nothing.
		wantWasted llm.Usage
		calls      int
	}{
		{
			name: "the server's usage is taken from the final chunk",
			reply: func(req openai.ChatCompletionRequest) openaitest.Reply {
				return openaitest.Reply{Content: answer, Usage: &openai.Usage{PromptTokens: 111, CompletionTokens: 22}}
			},
			wantUsage: llm.Usage{PromptTokens: 111, CompletionTokens: 22},
			calls:     1,
		},
		{
			name: "a server that sends no usage gets it estimated",
			reply: func(req openai.ChatCompletionRequest) openaitest.Reply {
				return openaitest.Reply{Content: answer, NoUsage: true}
			},
			wantUsage: estimate(question("Who refunded what?"), answer),
			calls:     1,
		},
		{
			name: "a server that rejects stream_options is asked again without, and usage is estimated",
			reply: func(req openai.ChatCompletionRequest) openaitest.Reply {
				if req.StreamOptions != nil {
					return openaitest.Error(http.StatusBadRequest, "Unrecognized request argument supplied: stream_options")
				}
				return openaitest.Reply{Content: answer}
			},
			wantUsage: estimate(question("Who refunded what?"), answer),
			calls:     2,
		},
		{
			name: "a stream that fails before its first delta is retried",
			reply: func() func(openai.ChatCompletionRequest) openaitest.Reply {
				var mu sync.Mutex
				n := 0
				return func(req openai.ChatCompletionRequest) openaitest.Reply {
					mu.Lock()
					defer mu.Unlock()
					if n++; n == 1 {
						return openaitest.Error(http.StatusBadGateway, "")
					}
					return openaitest.Reply{Content: answer, Usage: &openai.Usage{PromptTokens: 1, CompletionTokens: 2}}
				}
			}(),
			wantUsage:  llm.Usage{PromptTokens: 1, CompletionTokens: 2},
			wantWasted: llm.Usage{PromptTokens: estimate(question("Who refunded what?"), "").PromptTokens},
			calls:      2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Reply(tt.reply)
			c, _ := newClient(t, srv, nil)
			var deltas []string
			resp, err := c.Stream(context.Background(), question("Who refunded what?"), func(d string) { deltas = append(deltas, d) })
			if err != nil {
				t.Fatal(err)
			}
			if want := openaitest.SplitWords(answer); strings.Join(deltas, "|") != strings.Join(want, "|") {
				t.Errorf("deltas = %q, want %q", deltas, want)
			}
			if resp.Content != answer || resp.FinishReason != "stop" || resp.Model != "gpt-4o-mini" {
				t.Errorf("response = %+v", resp)
			}
			if resp.Usage != tt.wantUsage || resp.Wasted != tt.wantWasted || c.Usage() != tt.wantUsage.Add(tt.wantWasted) {
				t.Errorf("usage = %+v, wasted = %+v, client usage = %+v, want %+v and %+v", resp.Usage, resp.Wasted, c.Usage(), tt.wantUsage, tt.wantWasted)
			}
			wantCalls(t, srv, tt.calls)
			first := srv.Requests()[0].Chat
			if !first.Stream || first.StreamOptions == nil || !first.StreamOptions.IncludeUsage {
				t.Errorf("first request: stream %v, stream_options %+v; want stream with include_usage", first.Stream, first.StreamOptions)
			}
		})
	}
}

// estimate is the client's usage estimate: about a token per four runes.
func estimate(req llm.Request, answer string) llm.Usage {
	u := llm.Usage{CompletionTokens: openaitest.Tokens(answer)}
	for _, m := range req.Messages {
		u.PromptTokens += openaitest.Tokens(m.Content)
	}
	return u
}

func TestStreamCutMidAnswer(t *testing.T) {
	const answer = "one two three four five six"
	for _, cleanly := range []bool{false, true} {
		name := "a stream whose connection drops after two deltas fails, having delivered them once"
		if cleanly {
			name = "a stream whose body ends after two deltas without [DONE] fails, having delivered them once"
		}
		t.Run(name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Reply(func(openai.ChatCompletionRequest) openaitest.Reply {
				return openaitest.Reply{Content: answer, CutAfter: 2, CutCleanly: cleanly}
			})
			c, sl := newClient(t, srv, nil)
			var deltas []string
			resp, err := c.Stream(context.Background(), question("count"), func(d string) { deltas = append(deltas, d) })
			wantFault(t, err, fault.Unavailable, "the model's answer was cut off")
			if strings.Join(deltas, "|") != "one |two " {
				t.Errorf("deltas = %q, want the first two once", deltas)
			}
			if resp.Content != "one two " {
				t.Errorf("partial content = %q", resp.Content)
			}
			wantCalls(t, srv, 1)
			if len(sl.all()) != 0 {
				t.Errorf("retried after delivering text")
			}
			if c.Usage().CompletionTokens == 0 {
				t.Errorf("usage of the cut stream not recorded: %+v", c.Usage())
			}
		})
	}
}

func TestStreamFailures(t *testing.T) {
	tests := []struct {
		name    string
		reply   openaitest.Reply
		timeout time.Duration
		kind    fault.Kind
		msg     string
		calls   int
	}{
		{
			name:    "a first token slower than the timeout fails after every retry",
			reply:   openaitest.Reply{Content: "late", Delay: time.Minute},
			timeout: 30 * time.Millisecond,
			kind:    fault.Unavailable, msg: "the model did not answer", calls: 4,
		},
		{
			name:  "a malformed chunk is an unreadable answer, not retried",
			reply: openaitest.Reply{Content: "x", Malformed: true},
			kind:  fault.Unavailable, msg: "the model sent an unreadable answer", calls: 1,
		},
		{
			name:  "a 429 on every try is a busy model",
			reply: openaitest.RateLimited(time.Second),
			kind:  fault.Limited, msg: "the model is busy", calls: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Reply(func(openai.ChatCompletionRequest) openaitest.Reply { return tt.reply })
			c, _ := newClient(t, srv, func(o *llm.Options) {
				if tt.timeout > 0 {
					o.Timeout = tt.timeout
				}
			})
			delivered := 0
			_, err := c.Stream(context.Background(), question("q"), func(string) { delivered++ })
			wantFault(t, err, tt.kind, tt.msg)
			wantCalls(t, srv, tt.calls)
			if delivered != 0 {
				t.Errorf("%d deltas delivered", delivered)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		o    llm.Options
		kind fault.Kind
	}{
		{"no model is invalid", llm.Options{APIKey: testKey}, fault.Invalid},
		{"an unknown API type is invalid", llm.Options{Model: "m", APIType: "vertex"}, fault.Invalid},
		{"azure without a base URL is invalid", llm.Options{Model: "m", APIType: "azure"}, fault.Invalid},
		{"a base URL that is not http(s) is invalid", llm.Options{Model: "m", BaseURL: "ftp://user:" + testKey + "@host/v1"}, fault.Invalid},
		{"a relative base URL is invalid", llm.Options{Model: "m", BaseURL: "localhost:11434/v1"}, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := llm.New(tt.o)
			if err == nil {
				t.Fatal("New succeeded")
			}
			if fault.KindOf(err) != tt.kind {
				t.Errorf("kind = %v, want %v", fault.KindOf(err), tt.kind)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error shows the key: %v", err)
			}
		})
	}
	t.Run("the defaults are OpenAI's", func(t *testing.T) {
		c, err := llm.New(llm.Options{Model: "gpt-4o-mini", EmbeddingModel: "text-embedding-3-small"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Model() != "gpt-4o-mini" || c.EmbeddingModel() != "text-embedding-3-small" || c.Usage() != (llm.Usage{}) {
			t.Errorf("model %q, embedding model %q, usage %+v", c.Model(), c.EmbeddingModel(), c.Usage())
		}
	})
}

func TestAuthorization(t *testing.T) {
	tests := []struct {
		name, key, want string
	}{
		{"a key is sent as a bearer token", testKey, "Bearer " + testKey},
		{"no key sends no Authorization header (Ollama, vLLM)", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			c, _ := newClient(t, srv, func(o *llm.Options) { o.APIKey = tt.key })
			if _, err := c.Complete(context.Background(), question("q")); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Embed(context.Background(), []string{"q"}); err != nil {
				t.Fatal(err)
			}
			for _, r := range srv.Requests() {
				got, present := r.Header.Get("Authorization"), len(r.Header.Values("Authorization")) > 0
				if got != tt.want || present != (tt.want != "") {
					t.Errorf("%s: Authorization = %q (present %v), want %q", r.Path, got, present, tt.want)
				}
			}
		})
	}
}

func TestAzure(t *testing.T) {
	srv := openaitest.New(t)
	c, _ := newClient(t, srv, func(o *llm.Options) {
		o.APIType = "azure"
		o.BaseURL = srv.URL
		o.APIVersion = "2024-06-01"
		o.Model = "gpt-3.5-turbo"
		o.EmbeddingModel = "embed-v3"
	})
	if _, err := c.Complete(context.Background(), question("q")); err != nil {
		t.Fatal(err)
	}
	var deltas strings.Builder
	if _, err := c.Stream(context.Background(), question("q"), func(d string) { deltas.WriteString(d) }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Embed(context.Background(), []string{"q"}); err != nil {
		t.Fatal(err)
	}
	wantPaths := []string{
		"/openai/deployments/gpt-3.5-turbo/chat/completions",
		"/openai/deployments/gpt-3.5-turbo/chat/completions",
		"/openai/deployments/embed-v3/embeddings",
	}
	reqs := srv.Requests()
	if len(reqs) != len(wantPaths) {
		t.Fatalf("%d requests, want %d", len(reqs), len(wantPaths))
	}
	for i, r := range reqs {
		if r.Path != wantPaths[i] || r.RawQuery != "api-version=2024-06-01" {
			t.Errorf("request %d: %s?%s, want %s?api-version=2024-06-01", i, r.Path, r.RawQuery, wantPaths[i])
		}
		if r.Header.Get("api-key") != testKey || r.Header.Get("Authorization") != "" {
			t.Errorf("request %d: api-key %q, Authorization %q", i, r.Header.Get("api-key"), r.Header.Get("Authorization"))
		}
	}
	if deltas.Len() == 0 {
		t.Error("the Azure stream delivered nothing")
	}
}

func TestUsageAddsUpAcrossConcurrentCalls(t *testing.T) {
	srv := openaitest.New(t)
	srv.Reply(func(openai.ChatCompletionRequest) openaitest.Reply {
		return openaitest.Reply{Content: "ok", Usage: &openai.Usage{PromptTokens: 10, CompletionTokens: 1}}
	})
	c, _ := newClient(t, srv, nil)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				_, err = c.Complete(context.Background(), question("q"))
			} else {
				_, err = c.Stream(context.Background(), question("q"), nil)
			}
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, want := c.Usage(), (llm.Usage{PromptTokens: 80, CompletionTokens: 8}); got != want {
		t.Errorf("usage = %+v, want %+v", got, want)
	}
}
