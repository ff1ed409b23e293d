package discordtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/storybot/storybot/bot/discordtest"
)

// rewriteTransport sends every request to target, keeping the path: the
// way the bot reaches the fake.
type rewriteTransport struct {
	target *url.URL
	base   http.RoundTripper
}

func (rt rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme = rt.target.Scheme
	r2.URL.Host = rt.target.Host
	r2.Host = rt.target.Host
	return rt.base.RoundTrip(r2)
}

func httpClient(t testing.TB, origin string) *http.Client {
	t.Helper()
	u, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: rewriteTransport{target: u, base: http.DefaultTransport}, Timeout: 10 * time.Second}
}

// newSession returns an unopened discordgo session that talks to srv.
func newSession(t testing.TB, srv *discordtest.Server, token string) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New(token)
	if err != nil {
		t.Fatal(err)
	}
	s.Client = httpClient(t, srv.URL())
	s.LogLevel = -1 // quiet; failures surface as errors
	// Tests that exercise reconnects turn this back on; elsewhere it keeps
	// a session from redialling a fake that was closed at cleanup.
	s.ShouldReconnectOnError = false
	return s
}

// open opens s and closes it on cleanup. discordgo's Close sleeps a full
// second after sending the close frame; a session that will not reconnect
// is closed in the background so tests do not pay that second.
func open(t testing.TB, s *discordgo.Session) {
	t.Helper()
	if err := s.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	closeOnCleanup(t, s)
}

func closeOnCleanup(t testing.TB, s *discordgo.Session) {
	t.Cleanup(func() {
		if s.ShouldReconnectOnError {
			_ = s.Close()
			return
		}
		go func() { _ = s.Close() }()
	})
}

// connect starts a fake, opens a discordgo session against it after
// setup (add handlers there) and waits until the fake saw it ready.
func connect(t testing.TB, opts discordtest.Options, setup func(*discordgo.Session)) (*discordtest.Server, *discordgo.Session) {
	t.Helper()
	srv := discordtest.Start(t, opts)
	s := newSession(t, srv, "Bot x")
	if setup != nil {
		setup(s)
	}
	open(t, s)
	if err := srv.WaitReady(ctxT(t)); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	return srv, s
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// recv waits for a value on ch.
func recv[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		var zero T
		t.Fatalf("timed out waiting for %T", zero)
		return zero
	}
}

// restCode returns the Discord error code of a discordgo REST error.
func restCode(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return re.Message.Code
	}
	return -1
}

var noPings = &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}

func ptr[T any](v T) *T { return &v }

// askCommands is a small command set in the shape storybot uses.
func askCommands() []*discordgo.ApplicationCommand {
	return []*discordgo.ApplicationCommand{{
		Name:                     "ask",
		Description:              "Ask the story a question",
		NameLocalizations:        &map[discordgo.Locale]string{discordgo.German: "frage"},
		DescriptionLocalizations: &map[discordgo.Locale]string{discordgo.German: "Stelle der Geschichte eine Frage"},
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "question", Description: "Your question", Required: true, MaxLength: 300},
			{Type: discordgo.ApplicationCommandOptionInteger, Name: "length", Description: "Answer length", MinValue: ptr(1.0), MaxValue: 5},
			{Type: discordgo.ApplicationCommandOptionString, Name: "story", Description: "Which story", Autocomplete: true},
		},
	}}
}

func register(t testing.TB, srv *discordtest.Server, s *discordgo.Session, guild string, cmds []*discordgo.ApplicationCommand) []*discordgo.ApplicationCommand {
	t.Helper()
	got, err := s.ApplicationCommandBulkOverwrite(srv.AppID(), guild, cmds)
	if err != nil {
		t.Fatalf("ApplicationCommandBulkOverwrite: %v", err)
	}
	return got
}

// option returns the named top-level option of a command's data, nil when
// it has none of that name.
func option(d discordgo.ApplicationCommandInteractionData, name string) *discordgo.ApplicationCommandInteractionDataOption {
	for _, o := range d.Options {
		if o.Name == name {
			return o
		}
	}
	return nil
}
