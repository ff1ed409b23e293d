package openaitest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"
)

// ServeHTTP answers POST .../chat/completions, POST .../embeddings and
// GET .../models under any prefix, so both "/v1/chat/completions" and Azure's
// "/openai/deployments/{deployment}/chat/completions?api-version=..." work.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return
	}
	rec := Recorded{
		Method:     r.Method,
		Path:       r.URL.Path,
		RawQuery:   r.URL.RawQuery,
		Header:     r.Header.Clone(),
		Body:       body,
		Deployment: deployment(r.URL.Path),
	}
	path := strings.TrimRight(r.URL.Path, "/")
	route := ""
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/chat/completions"):
		route = "chat"
		var req openai.ChatCompletionRequest
		if err := json.Unmarshal(body, &req); err != nil {
			s.record(rec)
			writeError(w, Reply{Status: http.StatusBadRequest, Content: "could not parse the JSON body of your request: " + err.Error()})
			return
		}
		rec.Chat = &req
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/embeddings"):
		route = "embeddings"
		req, err := decodeEmbeddingRequest(body)
		if err != nil {
			s.record(rec)
			writeError(w, Reply{Status: http.StatusBadRequest, Content: err.Error()})
			return
		}
		rec.Embedding = req
	case r.Method == http.MethodGet && strings.HasSuffix(path, "/models"):
		route = "models"
	}
	s.record(rec)

	if key, _ := s.settings(); key != "" && !authorized(r, key) {
		writeError(w, Reply{Status: http.StatusUnauthorized, Content: "Incorrect API key provided."})
		return
	}
	switch route {
	case "chat":
		s.serveChat(w, r, *rec.Chat, rec.Deployment)
	case "embeddings":
		s.serveEmbeddings(w, r, *rec.Embedding)
	case "models":
		writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": []map[string]any{
			{"id": "fake-model", "object": "model", "created": 0, "owned_by": "openaitest"},
			{"id": "fake-embedding", "object": "model", "created": 0, "owned_by": "openaitest"},
		}})
	default:
		writeError(w, Reply{Status: http.StatusNotFound, Content: fmt.Sprintf("unknown path %s %s", r.Method, r.URL.Path)})
	}
}

func authorized(r *http.Request, key string) bool {
	return r.Header.Get("Authorization") == "Bearer "+key || r.Header.Get("api-key") == key
}

// deployment returns {deployment} from ".../openai/deployments/{deployment}/...".
func deployment(path string) string {
	_, rest, ok := strings.Cut(path, "/openai/deployments/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func decodeEmbeddingRequest(body []byte) (*openai.EmbeddingRequest, error) {
	var raw struct {
		Input          json.RawMessage `json:"input"`
		Model          string          `json:"model"`
		EncodingFormat string          `json:"encoding_format"`
		Dimensions     int             `json:"dimensions"`
		User           string          `json:"user"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("could not parse the JSON body of your request: %w", err)
	}
	var inputs []string
	if err := json.Unmarshal(raw.Input, &inputs); err != nil {
		var one string
		if err := json.Unmarshal(raw.Input, &one); err != nil {
			return nil, fmt.Errorf("'input' must be a string or an array of strings")
		}
		inputs = []string{one}
	}
	for i, in := range inputs {
		if in == "" {
			return nil, fmt.Errorf("'$.input[%d]' is invalid: empty string", i)
		}
	}
	return &openai.EmbeddingRequest{
		Input:          inputs,
		Model:          openai.EmbeddingModel(raw.Model),
		EncodingFormat: openai.EmbeddingEncodingFormat(raw.EncodingFormat),
		Dimensions:     raw.Dimensions,
		User:           raw.User,
	}, nil
}

// prelude handles what every reply shares: extra headers, Retry-After, an
// error status, a raw body. It reports whether the reply is fully written.
func prelude(w http.ResponseWriter, rep Reply) bool {
	for k, vs := range rep.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if rep.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(rep.RetryAfter.Seconds()))))
	}
	switch {
	case rep.Status >= 400 && rep.Body == "":
		writeError(w, rep)
		return true
	case rep.Body != "":
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(statusOr200(rep.Status))
		_, _ = io.WriteString(w, rep.Body)
		return true
	}
	return false
}

func statusOr200(status int) int {
	if status == 0 {
		return http.StatusOK
	}
	return status
}

func (s *Server) serveChat(w http.ResponseWriter, r *http.Request, req openai.ChatCompletionRequest, deployment string) {
	rep := s.nextChat(req)
	model := req.Model
	if deployment != "" {
		model = deployment
	}
	if !req.Stream && !wait(r.Context(), rep.Delay) {
		return
	}
	if prelude(w, rep) {
		return
	}
	usage := replyUsage(req, rep)
	if req.Stream {
		s.streamChat(w, r, req, rep, model, usage)
		return
	}
	if rep.Malformed {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(statusOr200(rep.Status))
		_, _ = io.WriteString(w, `{"id": "chatcmpl-fake", "choices": [ {"message": oops } ] }`)
		return
	}
	resp := map[string]any{
		"id":      "chatcmpl-fake",
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": rep.Content},
			"finish_reason": finishReason(rep),
		}},
		"usage": usageJSON(usage),
	}
	if rep.CutAfter > 0 {
		writeHalf(w, resp)
	}
	writeJSON(w, statusOr200(rep.Status), resp)
}

func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, req openai.ChatCompletionRequest, rep Reply, model string, usage openai.Usage) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(statusOr200(rep.Status))
	flush(w)
	if !wait(r.Context(), rep.Delay) {
		return
	}
	created := time.Now().Unix()
	send := func(choices []any, u *openai.Usage) bool {
		if r.Context().Err() != nil {
			return false
		}
		c := map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": created, "model": model, "choices": choices}
		if u != nil {
			c["usage"] = usageJSON(*u)
		}
		b, _ := json.Marshal(c)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		flush(w)
		return true
	}
	choice := func(delta map[string]any, finish any) []any {
		return []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}
	}
	if rep.Malformed {
		_, _ = io.WriteString(w, "data: {\"id\": \"chatcmpl-fake\", \"choices\": [ oops\n\n")
		flush(w)
		return
	}
	if !send(choice(map[string]any{"role": "assistant", "content": ""}, nil), nil) {
		return
	}
	parts := SplitWords(rep.Content)
	for i, part := range parts {
		if !send(choice(map[string]any{"content": part}, nil), nil) {
			return
		}
		if rep.CutAfter > 0 && i+1 >= rep.CutAfter {
			cut(rep)
			return
		}
	}
	if rep.CutAfter > len(parts) {
		cut(rep)
		return
	}
	if !send(choice(map[string]any{}, finishReason(rep)), nil) {
		return
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage && !rep.NoUsage {
		if !send([]any{}, &usage) {
			return
		}
	}
	_, _ = io.WriteString(w, "data: [DONE]\n\n")
	flush(w)
}

// writeHalf sends the first half of a JSON body, announced whole, then
// drops the connection: the client reads an unexpected EOF.
func writeHalf(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b[:len(b)/2])
	flush(w)
	panic(http.ErrAbortHandler)
}

// cut ends a stream early: a clean end of the body, or a dropped connection
// (the client sees an unexpected EOF).
func cut(rep Reply) {
	if rep.CutCleanly {
		return
	}
	panic(http.ErrAbortHandler)
}

func (s *Server) serveEmbeddings(w http.ResponseWriter, r *http.Request, req openai.EmbeddingRequest) {
	rep, scripted := s.nextEmbedding()
	if scripted {
		if !wait(r.Context(), rep.Delay) || prelude(w, rep) {
			return
		}
		if rep.Malformed {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"object": "list", "data": [ {"embedding": oops } ] }`)
			return
		}
	}
	_, dim := s.settings()
	if req.Dimensions > 0 {
		dim = req.Dimensions
	}
	inputs, _ := req.Input.([]string)
	data := make([]map[string]any, len(inputs))
	tokens := 0
	for i, in := range inputs {
		v := Vector(in, dim)
		var emb any = v
		if req.EncodingFormat == openai.EmbeddingEncodingFormatBase64 {
			buf := make([]byte, 4*len(v))
			for j, f := range v {
				binary.LittleEndian.PutUint32(buf[4*j:], math.Float32bits(f))
			}
			emb = base64.StdEncoding.EncodeToString(buf)
		}
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": emb}
		tokens += Tokens(in)
	}
	resp := map[string]any{
		"object": "list",
		"data":   data,
		"model":  string(req.Model),
		"usage":  map[string]any{"prompt_tokens": tokens, "total_tokens": tokens},
	}
	if scripted && rep.CutAfter > 0 {
		writeHalf(w, resp)
	}
	writeJSON(w, http.StatusOK, resp)
}

func finishReason(rep Reply) string {
	if rep.FinishReason != "" {
		return rep.FinishReason
	}
	return "stop"
}

func replyUsage(req openai.ChatCompletionRequest, rep Reply) openai.Usage {
	if rep.Usage != nil {
		return *rep.Usage
	}
	if rep.NoUsage {
		return openai.Usage{}
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += Tokens(m.Content)
	}
	completion := Tokens(rep.Content)
	return openai.Usage{PromptTokens: prompt, CompletionTokens: completion, TotalTokens: prompt + completion}
}

func usageJSON(u openai.Usage) map[string]any {
	return map[string]any{
		"prompt_tokens":     u.PromptTokens,
		"completion_tokens": u.CompletionTokens,
		"total_tokens":      u.PromptTokens + u.CompletionTokens,
	}
}

// Tokens is the server's token count for a text: about one per four runes,
// at least one for a non-empty text.
func Tokens(s string) int {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return 0
	}
	return (n + 3) / 4
}

// SplitWords splits text into the deltas of a stream: each word with the
// space that follows it, so that joining them gives text back.
func SplitWords(text string) []string {
	var parts []string
	start := 0
	inSpace := false
	for i, r := range text {
		space := unicode.IsSpace(r)
		if inSpace && !space {
			parts = append(parts, text[start:i])
			start = i
		}
		inSpace = space
	}
	if start < len(text) {
		parts = append(parts, text[start:])
	}
	return parts
}

// writeError writes an OpenAI error object for rep.Status.
func writeError(w http.ResponseWriter, rep Reply) {
	status := rep.Status
	msg, typ, code := rep.Content, "invalid_request_error", any(nil)
	switch {
	case status == http.StatusUnauthorized:
		code = "invalid_api_key"
		if msg == "" {
			msg = "Incorrect API key provided."
		}
	case status == http.StatusNotFound:
		code = "model_not_found"
		if msg == "" {
			msg = "The model does not exist or you do not have access to it."
		}
	case status == http.StatusTooManyRequests:
		typ, code = "requests", "rate_limit_exceeded"
		if msg == "" {
			msg = "Rate limit reached for requests. Please try again later."
		}
	case status >= 500:
		typ = "server_error"
		if msg == "" {
			msg = "The server had an error while processing your request. Sorry about that!"
		}
	case msg == "":
		msg = http.StatusText(status)
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": code}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func flush(w http.ResponseWriter) {
	_ = http.NewResponseController(w).Flush()
}

// wait waits d or until ctx ends; it reports whether the full time passed.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
