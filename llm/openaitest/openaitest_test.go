package openaitest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/storybot/storybot/llm/openaitest"
)

// post sends body to the server's path and returns the response.
func post(t *testing.T, ctx context.Context, url string, body any) *http.Response {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func chat(content string, stream, includeUsage bool) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{Model: "gpt-4o-mini", Stream: stream, Messages: []openai.ChatCompletionMessage{
		{Role: "system", Content: "Cite like [§9]."},
		{Role: "user", Content: content},
	}}
	if includeUsage {
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	return req
}

// events reads a server-sent event stream into its data payloads.
func events(t *testing.T, r io.Reader) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, data)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading the stream: %v", err)
	}
	return out
}

func TestChatCompletion(t *testing.T) {
	srv := openaitest.New(t)
	srv.Queue(openaitest.Reply{Content: "Yes [§2]."})
	resp := post(t, context.Background(), srv.BaseURL()+"/chat/completions", chat("Did he?", false, false))
	var got openai.ChatCompletionResponse
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || got.Object != "chat.completion" || len(got.Choices) != 1 ||
		got.Choices[0].Message.Content != "Yes [§2]." || got.Choices[0].Message.Role != "assistant" ||
		got.Choices[0].FinishReason != "stop" || got.Model != "gpt-4o-mini" {
		t.Errorf("response %d: %+v", resp.StatusCode, got)
	}
	wantUsage := openai.Usage{PromptTokens: openaitest.Tokens("Cite like [§9].") + openaitest.Tokens("Did he?"), CompletionTokens: openaitest.Tokens("Yes [§2].")}
	wantUsage.TotalTokens = wantUsage.PromptTokens + wantUsage.CompletionTokens
	if got.Usage.PromptTokens != wantUsage.PromptTokens || got.Usage.CompletionTokens != wantUsage.CompletionTokens || got.Usage.TotalTokens != wantUsage.TotalTokens {
		t.Errorf("usage = %+v, want %+v", got.Usage, wantUsage)
	}
	if srv.ChatCalls() != 1 || srv.EmbedCalls() != 0 {
		t.Errorf("calls: chat %d, embed %d", srv.ChatCalls(), srv.EmbedCalls())
	}
	rec := srv.Requests()[0]
	if rec.Chat == nil || rec.Chat.Messages[1].Content != "Did he?" || rec.Path != "/v1/chat/completions" {
		t.Errorf("recorded %+v", rec)
	}
}

func TestChatStream(t *testing.T) {
	const content = "Musk  answered on X [§1].\nAltman laughed."
	tests := []struct {
		name         string
		includeUsage bool
	}{
		{"with include_usage the last chunk before [DONE] has the usage and no choices", true},
		{"without include_usage there is no usage chunk", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Queue(openaitest.Reply{Content: content})
			resp := post(t, context.Background(), srv.BaseURL()+"/chat/completions", chat("q", true, tt.includeUsage))
			if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type = %q", ct)
			}
			data := events(t, resp.Body)
			if len(data) < 4 || data[len(data)-1] != "[DONE]" {
				t.Fatalf("events = %q, want chunks then [DONE]", data)
			}
			var text strings.Builder
			var deltas, usageChunks int
			finish := ""
			for _, d := range data[:len(data)-1] {
				var c openai.ChatCompletionStreamResponse
				if err := json.Unmarshal([]byte(d), &c); err != nil {
					t.Fatalf("chunk %q: %v", d, err)
				}
				if c.Object != "chat.completion.chunk" {
					t.Errorf("object = %q", c.Object)
				}
				if c.Usage != nil {
					usageChunks++
					if len(c.Choices) != 0 || !strings.Contains(d, `"choices":[]`) {
						t.Errorf("usage chunk %s: want choices: []", d)
					}
					if c.Usage.CompletionTokens != openaitest.Tokens(content) {
						t.Errorf("usage = %+v", c.Usage)
					}
				}
				for _, ch := range c.Choices {
					if ch.Delta.Content != "" {
						deltas++
						text.WriteString(ch.Delta.Content)
					}
					if ch.FinishReason != "" {
						finish = string(ch.FinishReason)
					}
				}
			}
			if text.String() != content || deltas < 5 || finish != "stop" {
				t.Errorf("text %q in %d deltas, finish %q", text.String(), deltas, finish)
			}
			if want := map[bool]int{true: 1, false: 0}[tt.includeUsage]; usageChunks != want {
				t.Errorf("%d usage chunks, want %d", usageChunks, want)
			}
		})
	}
}

func TestFailureScripts(t *testing.T) {
	t.Run("a 429 has Retry-After and an OpenAI error object", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Queue(openaitest.RateLimited(1500 * time.Millisecond))
		resp := post(t, context.Background(), srv.BaseURL()+"/chat/completions", chat("q", false, false))
		var body openai.ErrorResponse
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || body.Error == nil || body.Error.Code != "rate_limit_exceeded" || body.Error.Message == "" {
			t.Errorf("status %d, Retry-After %q, body %+v", resp.StatusCode, resp.Header.Get("Retry-After"), body.Error)
		}
	})
	t.Run("a raw body is sent as is", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Queue(openaitest.Reply{Status: 502, Body: "<html>bad gateway</html>"})
		resp := post(t, context.Background(), srv.BaseURL()+"/chat/completions", chat("q", true, true))
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 502 || string(b) != "<html>bad gateway</html>" {
			t.Errorf("%d %q", resp.StatusCode, b)
		}
	})
	t.Run("a malformed reply is not JSON", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Queue(openaitest.Reply{Malformed: true})
		resp := post(t, context.Background(), srv.BaseURL()+"/chat/completions", chat("q", false, false))
		var v any
		var syn *json.SyntaxError
		if err := json.NewDecoder(resp.Body).Decode(&v); !errors.As(err, &syn) {
			t.Errorf("decode error = %v, want a syntax error", err)
		}
	})
	t.Run("a cut stream drops the connection after N content chunks", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Queue(openaitest.Reply{Content: "a b c d", CutAfter: 2})
		resp := post(t, context.Background(), srv.BaseURL()+"/chat/completions", chat("q", true, true))
		b, err := io.ReadAll(resp.Body)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("read error = %v, want unexpected EOF", err)
		}
		if s := string(b); strings.Contains(s, "[DONE]") || !strings.Contains(s, `"b "`) || strings.Contains(s, `"c "`) {
			t.Errorf("body = %q", s)
		}
	})
	t.Run("a cleanly cut stream ends without [DONE]", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Queue(openaitest.Reply{Content: "a b c d", CutAfter: 1, CutCleanly: true})
		resp := post(t, context.Background(), srv.BaseURL()+"/chat/completions", chat("q", true, true))
		data := events(t, resp.Body)
		if len(data) != 2 || strings.Contains(strings.Join(data, ""), "[DONE]") {
			t.Errorf("events = %q, want the role chunk and one content chunk", data)
		}
	})
	t.Run("a delay ends when the client gives up", func(t *testing.T) {
		srv := openaitest.New(t)
		srv.Queue(openaitest.Reply{Content: "late", Delay: time.Hour})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		b, _ := json.Marshal(chat("q", false, false))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.BaseURL()+"/chat/completions", bytes.NewReader(b))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatal("the delayed request succeeded")
		}
		// The server's Cleanup (Close) waits for the handler: a handler
		// that ignored the cancellation would hang the test here.
		srv.Close()
	})
}

func TestRepliesComeFromTheQueueThenTheFunctionThenTheDefault(t *testing.T) {
	srv := openaitest.New(t)
	srv.Queue(openaitest.Reply{Content: "first"}, openaitest.Reply{Content: "second"})
	var got []string
	ask := func() {
		resp := post(t, context.Background(), srv.BaseURL()+"/chat/completions", chat("Passage [§4] says so.\nWho?", false, false))
		var r openai.ChatCompletionResponse
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Choices[0].Message.Content)
	}
	ask()
	ask()
	ask() // default: Echo
	srv.SetAnswer("canned")
	ask()
	srv.Reply(func(req openai.ChatCompletionRequest) openaitest.Reply { return openaitest.Reply{Content: "func"} })
	ask()
	want := []string{"first", "second", "Echo: Who? [§4]", "canned", "func"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("replies = %q, want %q", got, want)
	}
}

func TestEcho(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{
		"answer":{"type":"string"},
		"citations":{"type":"array","items":{"type":"string"}},
		"events":{"type":"array","items":{"type":"object","properties":{"date":{"type":"string"},"id":{"type":"string"},"sort":{"type":"integer"}}}},
		"mode":{"type":"string","enum":["llm","offline"]},
		"sure":{"type":"boolean"}}}`)
	tests := []struct {
		name string
		req  openai.ChatCompletionRequest
		want string
	}{
		{
			name: "it cites the first passage id of the user messages",
			req: openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{
				{Role: "system", Content: "Cite like [§9]."},
				{Role: "user", Content: "[§3] Musk ...\n[§5] Altman ...\nWer hat bezahlt?"},
			}},
			want: "Echo: Wer hat bezahlt? [§3]",
		},
		{
			name: "without a passage id it just echoes",
			req:  openai.ChatCompletionRequest{Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "Hello"}}},
			want: "Echo: Hello",
		},
		{
			name: "with a json_schema it answers a JSON value of that shape",
			req: openai.ChatCompletionRequest{
				Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "[§2] text\nTimeline?"}},
				ResponseFormat: &openai.ChatCompletionResponseFormat{
					Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
					JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "t", Schema: schema},
				},
			},
			want: `{"answer":"Echo: Timeline? [§2]","citations":["§2"],"events":[{"date":"Echo: Timeline? [§2]","id":"§2","sort":1}],"mode":"llm","sure":false}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := openaitest.Echo(tt.req).Content; got != tt.want {
				t.Errorf("Echo = %s\nwant   %s", got, tt.want)
			}
		})
	}
}

func TestEmbeddings(t *testing.T) {
	srv := openaitest.New(t)
	inputs := []string{"Musk refunded the Roadster deposit", "Musk refunded the Roadster deposits", "Altman posted a screenshot"}
	resp := post(t, context.Background(), srv.BaseURL()+"/embeddings", map[string]any{"model": "text-embedding-3-small", "input": inputs})
	var got openai.EmbeddingResponse
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != 3 || got.Usage.PromptTokens == 0 || got.Model != "text-embedding-3-small" {
		t.Fatalf("response %+v", got)
	}
	for i, d := range got.Data {
		if d.Index != i || len(d.Embedding) != openaitest.DefaultEmbeddingDim {
			t.Errorf("data[%d]: index %d, %d dims", i, d.Index, len(d.Embedding))
		}
		if n := norm(d.Embedding); math.Abs(n-1) > 1e-5 {
			t.Errorf("data[%d] has norm %v", i, n)
		}
	}
	similar, unrelated := dot(got.Data[0].Embedding, got.Data[1].Embedding), dot(got.Data[0].Embedding, got.Data[2].Embedding)
	if similar < 0.8 || unrelated > 0.5 {
		t.Errorf("similar texts %.2f, unrelated %.2f", similar, unrelated)
	}
	if srv.EmbedCalls() != 1 || srv.Requests()[0].Embedding.Input.([]string)[2] != inputs[2] {
		t.Errorf("recorded %+v", srv.Requests())
	}

	t.Run("base64 encoding gives the same vectors", func(t *testing.T) {
		resp := post(t, context.Background(), srv.BaseURL()+"/embeddings", map[string]any{"model": "m", "input": inputs[0], "encoding_format": "base64"})
		var b64 openai.EmbeddingResponseBase64
		if err := json.NewDecoder(resp.Body).Decode(&b64); err != nil {
			t.Fatal(err)
		}
		dec, err := b64.ToEmbeddingResponse()
		if err != nil || len(dec.Data) != 1 || dot(dec.Data[0].Embedding, got.Data[0].Embedding) < 0.9999 {
			t.Errorf("decoded %+v, %v", dec, err)
		}
	})
	t.Run("an empty input string is rejected like OpenAI does", func(t *testing.T) {
		resp := post(t, context.Background(), srv.BaseURL()+"/embeddings", map[string]any{"model": "m", "input": []string{"a", ""}})
		if resp.StatusCode != 400 {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func norm(a []float32) float64 { return math.Sqrt(dot(a, a)) }

func TestRoutes(t *testing.T) {
	srv := openaitest.New(t)
	srv.SetAPIKey("k-123")
	tests := []struct {
		name, method, path string
		header             http.Header
		status             int
	}{
		{"models are listed", "GET", "/v1/models", http.Header{"Authorization": {"Bearer k-123"}}, 200},
		{"an Azure deployment path is served", "POST", "/openai/deployments/gpt-35/chat/completions?api-version=2024-06-01", http.Header{"Api-Key": {"k-123"}}, 200},
		{"a wrong key is refused", "POST", "/v1/chat/completions", http.Header{"Authorization": {"Bearer nope"}}, 401},
		{"no key is refused", "POST", "/v1/chat/completions", nil, 401},
		{"an unknown path is not found", "GET", "/v1/assistants", http.Header{"Authorization": {"Bearer k-123"}}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(chat("q", false, false))
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, bytes.NewReader(b))
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	var azure *openaitest.Recorded
	for _, r := range srv.Requests() {
		if r.Deployment != "" {
			azure = &r
		}
	}
	if azure == nil || azure.Deployment != "gpt-35" || azure.RawQuery != "api-version=2024-06-01" || azure.Chat == nil {
		t.Errorf("azure request recorded as %+v", azure)
	}
}

func TestSplitWordsJoinsBack(t *testing.T) {
	for _, s := range []string{"", "one", "one two", " lead", "trail ", "a  b\n\nc", "Über „Zitat“ – ja."} {
		parts := openaitest.SplitWords(s)
		if strings.Join(parts, "") != s {
			t.Errorf("SplitWords(%q) = %q", s, parts)
		}
	}
}

func TestListen(t *testing.T) {
	srv := openaitest.NewServer()
	if err := srv.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.BaseURL(), "http://127.0.0.1:") || !strings.HasSuffix(srv.BaseURL(), "/v1") {
		t.Errorf("BaseURL = %q", srv.BaseURL())
	}
	resp, err := http.Get(srv.BaseURL() + "/models")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
}
