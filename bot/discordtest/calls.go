package discordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"mime/multipart"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
)

// Call is one REST request the server received, recorded after it was
// answered. Requests to /gateway and /_test/ are not recorded.
type Call struct {
	// Seq numbers calls in arrival order, starting at 1.
	Seq int64
	// Time is when the request arrived; Duration how long answering took.
	Time     time.Time
	Duration time.Duration
	Method   string
	// Path is the unescaped URL path, e.g.
	// "/api/v9/webhooks/APP/TOKEN/messages/@original".
	Path   string
	Query  url.Values
	Header map[string][]string
	// Body is the raw request body; JSON is its JSON payload: the body
	// itself, or the payload_json part of a multipart/form-data body.
	Body []byte
	JSON []byte
	// Files are the file parts of a multipart body.
	Files []File
	// Route is the matched route pattern, e.g.
	// "PATCH /api/{v}/webhooks/{app}/{token}/messages/{message}"; empty
	// when no route matched (the server answered 404).
	Route string
	// InteractionID is set on calls addressed to an interaction (callback,
	// @original, follow-ups) whose token the server issued.
	InteractionID string
	// Status is the HTTP status the server answered; Response the body.
	Status   int
	Response []byte
	// Injected is true when the answer came from an injected Fault.
	Injected bool
}

// File is one uploaded file of a multipart request.
type File struct {
	Field       string `json:"field"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"-"`
}

// OK reports whether the call got a 2xx status.
func (c Call) OK() bool { return c.Status >= 200 && c.Status < 300 }

// Decode unmarshals the call's JSON payload into v.
func (c Call) Decode(v any) error { return json.Unmarshal(c.JSON, v) }

// IsMessageWrite reports whether the call creates or edits message content
// visible in Discord: channel message create/edit, webhook (interaction
// @original or follow-up) create/edit, and interaction callbacks of type 4
// (message) and 7 (update message). Use it to select the bodies that must
// pass AllowedMentionsEmpty.
func (c Call) IsMessageWrite() bool {
	switch c.Route {
	case routeChannelMessagesPost, routeChannelMessagePatch, routeWebhookPost, routeWebhookMessagePatch:
		return true
	case routeCallback:
		var cb struct {
			Type int `json:"type"`
		}
		if json.Unmarshal(c.JSON, &cb) != nil {
			return false
		}
		return cb.Type == 4 || cb.Type == 7
	}
	return false
}

// MarshalJSON renders the call for the control API and logs: bodies that
// are JSON are embedded as JSON, others as strings.
func (c Call) MarshalJSON() ([]byte, error) {
	type out struct {
		Seq           int64           `json:"seq"`
		Time          time.Time       `json:"time"`
		DurationMs    float64         `json:"duration_ms"`
		Method        string          `json:"method"`
		Path          string          `json:"path"`
		Query         string          `json:"query,omitempty"`
		Route         string          `json:"route,omitempty"`
		InteractionID string          `json:"interaction_id,omitempty"`
		Status        int             `json:"status"`
		Injected      bool            `json:"injected,omitempty"`
		Body          json.RawMessage `json:"body,omitempty"`
		Files         []File          `json:"files,omitempty"`
		Response      json.RawMessage `json:"response,omitempty"`
	}
	return json.Marshal(out{
		Seq: c.Seq, Time: c.Time, DurationMs: float64(c.Duration) / float64(time.Millisecond),
		Method: c.Method, Path: c.Path, Query: c.Query.Encode(), Route: c.Route,
		InteractionID: c.InteractionID, Status: c.Status, Injected: c.Injected,
		Body: rawOrString(c.JSON), Files: c.Files, Response: rawOrString(c.Response),
	})
}

func rawOrString(b []byte) json.RawMessage {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if json.Valid(b) {
		return json.RawMessage(b)
	}
	s, _ := json.Marshal(string(b))
	return s
}

// Calls returns every recorded REST call in arrival order.
func (s *Server) Calls() []Call {
	s.callMu.Lock()
	out := make([]Call, len(s.calls))
	copy(out, s.calls)
	s.callMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// CallsMatching returns the recorded calls for which match is true, in
// arrival order.
func (s *Server) CallsMatching(match func(Call) bool) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if match(c) {
			out = append(out, c)
		}
	}
	return out
}

// WaitFor blocks until a recorded call satisfies match (calls recorded
// before WaitFor was called count too) and returns the first such call in
// recording order. It returns ctx.Err() or ErrClosed otherwise.
func (s *Server) WaitFor(ctx context.Context, match func(Call) bool) (Call, error) {
	next := 0
	var found Call
	err := s.waitUntil(ctx, func() bool {
		s.callMu.Lock()
		batch := s.calls[next:len(s.calls):len(s.calls)]
		next = len(s.calls)
		s.callMu.Unlock()
		for _, c := range batch {
			if match(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found, err
}

// Match returns a predicate for WaitFor and CallsMatching: the method
// (empty = any) and the path glob (see Fault.Path for the syntax) must
// match.
func Match(method, pathGlob string) func(Call) bool {
	glob := normalizeGlob(pathGlob)
	return func(c Call) bool {
		return (method == "" || strings.EqualFold(method, c.Method)) && globMatch(glob, c.Path)
	}
}

// normalizeGlob makes a path glob absolute: "webhooks/*" and
// "/webhooks/*" become "/api/v*/webhooks/*"; "", "*" mean any path.
func normalizeGlob(g string) string {
	if g == "" || g == "*" {
		return ""
	}
	if !strings.HasPrefix(g, "/") {
		g = "/" + g
	}
	if !strings.HasPrefix(g, "/api/") {
		g = "/api/v*" + g
	}
	return g
}

func globMatch(glob, p string) bool {
	if glob == "" {
		return true
	}
	ok, err := path.Match(glob, p)
	return err == nil && ok
}

func (s *Server) record(c Call) {
	s.callMu.Lock()
	s.calls = append(s.calls, c)
	close(s.changed)
	s.changed = make(chan struct{})
	s.callMu.Unlock()
	if s.opts.Logf != nil {
		s.opts.Logf("%s %s%s -> %d (%s) %s", c.Method, c.Path, queryString(c.Query), c.Status,
			c.Duration.Round(time.Microsecond), abbreviate(c.JSON, 300))
	}
}

func queryString(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

func abbreviate(b []byte, n int) string {
	s := string(b)
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// parsePayload extracts the JSON payload and files of a request body.
func parsePayload(contentType string, body []byte) ([]byte, []File) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return body, nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var payload []byte
	var files []File
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(p)
		if p.FormName() == "payload_json" {
			payload = buf.Bytes()
			continue
		}
		files = append(files, File{Field: p.FormName(), Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: buf.Bytes()})
	}
	return payload, files
}

// AllowedMentionsEmpty reports whether a message body forbids every ping:
// it must contain "allowed_mentions" with "parse" present as an empty
// array, no (or empty) "users" and "roles", and "replied_user" false or
// absent. Interaction callback bodies are checked at data.allowed_mentions.
// Note that discordgo marshals a zero MessageAllowedMentions as
// {"parse":null,...}, which this rejects: set Parse to
// []discordgo.AllowedMentionType{}.
func AllowedMentionsEmpty(body []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return false
	}
	am, ok := top["allowed_mentions"]
	if !ok {
		var data map[string]json.RawMessage
		if d, has := top["data"]; has && json.Unmarshal(d, &data) == nil {
			am, ok = data["allowed_mentions"]
		}
	}
	if !ok {
		return false
	}
	var v struct {
		Parse       *[]string `json:"parse"`
		Users       []string  `json:"users"`
		Roles       []string  `json:"roles"`
		RepliedUser *bool     `json:"replied_user"`
	}
	if json.Unmarshal(am, &v) != nil {
		return false
	}
	return v.Parse != nil && len(*v.Parse) == 0 && len(v.Users) == 0 && len(v.Roles) == 0 &&
		(v.RepliedUser == nil || !*v.RepliedUser)
}
