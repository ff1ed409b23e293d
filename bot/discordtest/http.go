package discordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// Route patterns referred to elsewhere (Call.Route holds them).
const (
	routeCallback            = "POST /api/{v}/interactions/{id}/{token}/callback"
	routeWebhookPost         = "POST /api/{v}/webhooks/{app}/{token}"
	routeWebhookMessageGet   = "GET /api/{v}/webhooks/{app}/{token}/messages/{message}"
	routeWebhookMessagePatch = "PATCH /api/{v}/webhooks/{app}/{token}/messages/{message}"
	routeWebhookMessageDel   = "DELETE /api/{v}/webhooks/{app}/{token}/messages/{message}"
	routeChannelMessagesPost = "POST /api/{v}/channels/{channel}/messages"
	routeChannelMessagePatch = "PATCH /api/{v}/channels/{channel}/messages/{message}"
)

// ServeHTTP implements http.Handler: the gateway at /gateway, the control
// API at /_test/ (if enabled) and the REST API everywhere else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/gateway" || p == "/gateway/":
		s.serveGateway(w, r)
		return
	case s.opts.ControlAPI && strings.HasPrefix(p, "/_test/"):
		s.serveControl(w, r)
		return
	}
	s.serveAPI(w, r)
}

type callKey struct{}

// respRecorder captures what a handler answers.
type respRecorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *respRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *respRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	arrival := time.Now()
	c := &Call{
		Seq:    s.callSeq.Add(1),
		Time:   arrival,
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.Query(),
		Header: r.Header.Clone(),
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	c.Body = body
	c.JSON, c.Files = parsePayload(r.Header.Get("Content-Type"), body)
	c.InteractionID = s.interactionIDForPath(r.URL.Path)
	if ch := s.deliveringFor(r.URL.Path); ch != nil {
		t := time.NewTimer(5 * time.Second)
		select {
		case <-ch:
		case <-t.C:
		case <-r.Context().Done():
		}
		t.Stop()
	}
	rec := &respRecorder{ResponseWriter: w}
	defer func() {
		c.Status = rec.status
		if c.Status == 0 {
			c.Status = http.StatusOK
		}
		c.Response = rec.body.Bytes()
		c.Duration = time.Since(arrival)
		s.record(*c)
	}()

	if f := s.takeFault(r.Method, r.URL.Path); f != nil {
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
			case <-s.done:
			}
			t.Stop()
		}
		if f.Status != 0 {
			c.Injected = true
			writeFault(rec, f)
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mux.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}

// req is what an API handler gets.
type req struct {
	r    *http.Request
	call *Call
}

func (q *req) val(name string) string { return q.r.PathValue(name) }

// apiFunc handles one route and returns the status and the value to
// marshal (nil for no body; []byte/json.RawMessage are written as is).
type apiFunc func(q *req) (int, any)

// apiErr is a Discord JSON error.
type apiErr struct {
	Status  int            `json:"-"`
	Message string         `json:"message"`
	Code    int            `json:"code"`
	Errors  map[string]any `json:"errors,omitempty"`
}

func (e *apiErr) result() (int, any) { return e.Status, e }

func errNotFound() *apiErr { return &apiErr{Status: 404, Message: "404: Not Found", Code: 0} }
func errUnknownMessage() *apiErr {
	return &apiErr{Status: 404, Message: "Unknown Message", Code: 10008}
}
func errUnknownChannel() *apiErr {
	return &apiErr{Status: 404, Message: "Unknown Channel", Code: 10003}
}
func errUnknownWebhook() *apiErr {
	return &apiErr{Status: 404, Message: "Unknown Webhook", Code: 10015}
}
func errUnknownInteraction() *apiErr {
	return &apiErr{Status: 404, Message: "Unknown interaction", Code: 10062}
}
func errMissingAccess() *apiErr { return &apiErr{Status: 403, Message: "Missing Access", Code: 50001} }
func errBadJSON() *apiErr       { return &apiErr{Status: 400, Message: "400: Bad Request", Code: 50109} }

func (s *Server) api(pattern string, auth bool, fn apiFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(callKey{}).(*Call)
		if c == nil { // served without serveAPI (cannot happen via ServeHTTP)
			c = &Call{}
		}
		if pattern != "/" {
			c.Route = pattern
		}
		if auth && !s.authorized(r) {
			writeJSON(w, http.StatusUnauthorized, &apiErr{Message: "401: Unauthorized", Code: 0})
			return
		}
		status, v := fn(&req{r: r, call: c})
		// Like Discord, every answer carries the bucket state. Without
		// it on errors, discordgo's bucket would count down to zero and
		// wait for the reset.
		h := w.Header()
		h.Set("X-RateLimit-Limit", "5")
		h.Set("X-RateLimit-Remaining", "4")
		h.Set("X-RateLimit-Reset-After", "1.000")
		h.Set("X-RateLimit-Bucket", "fakebucket")
		writeJSON(w, status, v)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var body []byte
	switch b := v.(type) {
	case nil:
	case []byte:
		body = b
	case json.RawMessage:
		body = b
	default:
		var err error
		body, err = marshal(v)
		if err != nil {
			status = http.StatusInternalServerError
			body = []byte(`{"message":"discordtest: marshal error","code":0}`)
		}
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	return r.Header.Get("Authorization") == "Bot "+s.opts.Token
}

func (s *Server) routes() {
	const auth, open = true, false
	// Gateway discovery.
	s.api("GET /api/{v}/gateway", open, s.getGateway)
	s.api("GET /api/{v}/gateway/bot", auth, s.getGatewayBot)
	// Users and application.
	s.api("GET /api/{v}/users/@me", auth, func(*req) (int, any) { return 200, s.bot })
	s.api("GET /api/{v}/users/@me/guilds", auth, s.getMyGuilds)
	s.api("GET /api/{v}/users/{user}", auth, s.getUser)
	s.api("GET /api/{v}/applications/@me", auth, s.getApplication)
	s.api("GET /api/{v}/oauth2/applications/@me", auth, s.getApplication)
	// Guild and channels.
	s.api("GET /api/{v}/guilds/{guild}", auth, s.getGuild)
	s.api("GET /api/{v}/guilds/{guild}/channels", auth, s.getGuildChannels)
	s.api("GET /api/{v}/channels/{channel}", auth, s.getChannel)
	s.api("GET /api/{v}/channels/{channel}/messages", auth, s.listChannelMessages)
	s.api(routeChannelMessagesPost, auth, s.postChannelMessage)
	s.api("GET /api/{v}/channels/{channel}/messages/{message}", auth, s.getChannelMessage)
	s.api(routeChannelMessagePatch, auth, s.patchChannelMessage)
	s.api("DELETE /api/{v}/channels/{channel}/messages/{message}", auth, s.deleteChannelMessage)
	s.api("POST /api/{v}/channels/{channel}/typing", auth, s.postTyping)
	s.api("PUT /api/{v}/channels/{channel}/messages/{message}/reactions/{emoji}/@me", auth, s.reaction)
	s.api("DELETE /api/{v}/channels/{channel}/messages/{message}/reactions/{emoji}/@me", auth, s.reaction)
	// Application commands, global and guild.
	for _, base := range []string{"/api/{v}/applications/{app}/commands", "/api/{v}/applications/{app}/guilds/{guild}/commands"} {
		s.api("GET "+base, auth, s.listCommands)
		s.api("PUT "+base, auth, s.putCommands)
		s.api("POST "+base, auth, s.postCommand)
		s.api("GET "+base+"/{command}", auth, s.getCommand)
		s.api("PATCH "+base+"/{command}", auth, s.patchCommand)
		s.api("DELETE "+base+"/{command}", auth, s.deleteCommand)
	}
	// Interactions (no bot authorization, like real Discord).
	s.api(routeCallback, open, s.postCallback)
	s.api(routeWebhookPost, open, s.postFollowup)
	s.api(routeWebhookMessageGet, open, s.getWebhookMessage)
	s.api(routeWebhookMessagePatch, open, s.patchWebhookMessage)
	s.api(routeWebhookMessageDel, open, s.deleteWebhookMessage)
	// Everything else.
	s.api("/", open, func(*req) (int, any) { return errNotFound().result() })
}
