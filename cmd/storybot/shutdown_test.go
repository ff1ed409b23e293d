package main

import (
	"context"
	"net"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/bot/discordtest"
	"github.com/storybot/storybot/llm/openaitest"
)

// logWatch is the serve log, with a way to wait for a line.
type logWatch struct {
	mu      sync.Mutex
	b       strings.Builder
	changed chan struct{}
}

func newLogWatch() *logWatch { return &logWatch{changed: make(chan struct{})} }

func (l *logWatch) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

func (l *logWatch) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor blocks until the log contains s.
func (l *logWatch) waitFor(t *testing.T, s string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		l.mu.Lock()
		found, ch := strings.Contains(l.b.String(), s), l.changed
		l.mu.Unlock()
		if found {
			return
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("the log never said %q:\n%s", s, l.String())
		}
	}
}

// TestServeShutdown stops `storybot serve` (gateway and --http) as SIGTERM
// does, while a slow model is writing an answer.
func TestServeShutdown(t *testing.T) {
	for _, mode := range []string{"gateway", "http"} {
		t.Run(mode, func(t *testing.T) {
			t.Run("an answer that fits in SHUTDOWN_TIMEOUT is finished", func(t *testing.T) {
				srv := startServeForShutdown(t, mode, "30s", true)
				in := srv.ask(t, "When did Altman reserve? (slow)")
				<-srv.modelAsked
				srv.cancel()
				srv.log.waitFor(t, "shutting down; waiting for answers in progress")
				close(srv.release) // the model answers now, within the timeout
				srv.wait(t)
				m := in.Original()
				if m == nil || !strings.Contains(m.Content, "July 2018") || !strings.Contains(m.Content, "§2") {
					t.Errorf("the answer did not finish: %+v", m)
				}
				if strings.Contains(srv.log.String(), "level=ERROR") {
					t.Errorf("errors logged:\n%s", srv.log.String())
				}
			})
			t.Run("an answer that does not is cut short honestly", func(t *testing.T) {
				srv := startServeForShutdown(t, mode, "200ms", false)
				in := srv.ask(t, "When did Altman reserve? (slow)")
				<-srv.modelAsked
				srv.cancel()
				srv.wait(t) // the model never answers
				m := in.Original()
				if m == nil || !strings.HasSuffix(m.Content, "The bot is restarting; this answer was cut short. Please ask again.") {
					t.Errorf("the cut answer reads %+v", m)
				}
				logs := srv.log.String()
				if strings.Contains(logs, "level=ERROR") || strings.Contains(logs, "kind=unavailable") || !strings.Contains(logs, "answer cut short by shutdown") {
					t.Errorf("the cut answer was not logged as a shutdown:\n%s", logs)
				}
			})
		})
	}
}

type serveForShutdown struct {
	dc         *discordtest.Server
	mode       string
	proxy      *httputil.ReverseProxy
	modelAsked chan struct{}
	release    chan struct{}
	log        *logWatch
	cancel     func()
	done       chan int
}

// startServeForShutdown runs serve in mode with SHUTDOWN_TIMEOUT timeout
// and a model that, when answers is set, answers once release is closed,
// else not within the hour.
func startServeForShutdown(t *testing.T, mode, timeout string, answers bool) *serveForShutdown {
	t.Helper()
	const token = "shutdown-bot-token"
	dc := discordtest.Start(t, discordtest.Options{Token: token})
	s := &serveForShutdown{dc: dc, mode: mode, modelAsked: make(chan struct{}, 10), release: make(chan struct{}), log: newLogWatch(), done: make(chan int, 1)}
	model := openaitest.New(t)
	model.Reply(func(req openaiRequest) openaitest.Reply {
		if req.ResponseFormat != nil || strings.Contains(req.Messages[0].Content, "JSON") {
			return openaitest.Echo(req)
		}
		s.modelAsked <- struct{}{}
		if !answers {
			// A model that takes an hour; the request's end stops it.
			return openaitest.Reply{Content: "Too late.", Delay: time.Hour}
		}
		<-s.release
		return openaitest.Reply{Content: "Altman reserved the Roadster in July 2018 [§2]."}
	})
	env := map[string]string{
		"DISCORD_TOKEN":    token,
		"DISCORD_API_URL":  dc.URL(),
		"OPENAI_API_KEY":   "test",
		"OPENAI_BASE_URL":  model.BaseURL(),
		"HTTP_ADDR":        "127.0.0.1:0",
		"EDIT_INTERVAL":    "20ms",
		"LLM_MAX_RETRIES":  "0",
		"LOG_LEVEL":        "debug",
		"SHUTDOWN_TIMEOUT": timeout,
	}
	args := []string{"serve"}
	if mode == "http" {
		// The address must be known before start: /interactions is reached through it.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		env["HTTP_ADDR"] = ln.Addr().String()
		ln.Close()
		env["DISCORD_PUBLIC_KEY"] = dc.PublicKey()
		args = append(args, "--http")
		s.proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: env["HTTP_ADDR"]})
	}
	cleanEnv(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- run(ctx, args, &syncBuffer{}, s.log) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.release:
		default:
			close(s.release)
		}
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
		if t.Failed() {
			t.Logf("serve log:\n%s", s.log.String())
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer wcancel()
	if _, err := dc.WaitCommands(wctx, ""); err != nil {
		t.Fatalf("no commands registered: %v\n%s", err, s.log.String())
	}
	if mode == "gateway" {
		if err := dc.WaitReady(wctx); err != nil {
			t.Fatalf("no READY: %v", err)
		}
	}
	return s
}

// ask sends /ask and waits for its deferral.
func (s *serveForShutdown) ask(t *testing.T, question string) *discordtest.Interaction {
	t.Helper()
	spec := discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": question}}
	var in *discordtest.Interaction
	var err error
	if s.mode == "http" {
		in, err = s.dc.InteractHTTP(s.proxy, spec)
	} else {
		in, err = s.dc.Interact(spec)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cb, err := in.Callback(ctx)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.log.String())
	}
	if cb.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource {
		t.Fatalf("callback type %d, want a deferral", cb.Type)
	}
	return in
}

// wait waits for serve to exit 0.
func (s *serveForShutdown) wait(t *testing.T) {
	t.Helper()
	select {
	case code := <-s.done:
		s.done <- code // for the cleanup
		if code != 0 {
			t.Fatalf("serve exited %d:\n%s", code, s.log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s")
	}
}
