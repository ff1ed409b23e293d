package bot

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// originTransport sends every request for Discord's API host to another
// origin, keeping path and query. discordgo computes its endpoint
// variables once at start-up, so the session's HTTP client is the one
// place a REST proxy or a test server can be put in. The gateway needs no
// rewrite: its URL is whatever GET /api/v9/gateway of that origin says.
type originTransport struct {
	scheme, host string
	base         http.RoundTripper
}

// discordHosts are the hosts whose requests are redirected.
var discordHosts = map[string]bool{"discord.com": true, "discordapp.com": true, "www.discord.com": true, "canary.discord.com": true, "ptb.discord.com": true}

func (t *originTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !discordHosts[strings.ToLower(r.URL.Hostname())] {
		return t.base.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host = t.scheme, t.host
	r2.Host = ""
	return t.base.RoundTrip(r2)
}

// parseOrigin checks DISCORD_API_URL: a scheme and a host, nothing else
// (paths are Discord's own and are kept as they are).
func parseOrigin(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("discord api url %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("discord api url %q: want an origin like https://discord.com", s)
	}
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("discord api url %q: want an origin only (scheme and host); paths are kept as Discord's", s)
	}
	return u, nil
}

// newHTTPClient returns the client for every Discord REST call. With an
// origin other than discord.com the requests are rewritten to it.
func newHTTPClient(origin *url.URL) *http.Client {
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          200,
		MaxIdleConnsPerHost:   100, // many interactions at once go to one host
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	var rt http.RoundTripper = base
	if origin != nil && !(origin.Scheme == "https" && strings.EqualFold(origin.Host, "discord.com")) {
		rt = &originTransport{scheme: origin.Scheme, host: origin.Host, base: base}
	}
	return &http.Client{Transport: rt, Timeout: 20 * time.Second}
}
