package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/bot/discordtest"
	"github.com/storybot/storybot/fault"
)

const testToken = "test-token-MTIzNDU2Nzg5"

// testPassages are the story the fake answerer knows.
var testPassages = map[string]answer.Citation{
	"§1": {ID: "§1", Story: "musk", Section: "Einleitung", Text: "Elon Musk hat Sam Altman geantwortet."},
	"§2": {ID: "§2", Story: "musk", Section: "Die Reservierung", Text: "Altman hatte 2018 einen Roadster reserviert und 45.000 Dollar angezahlt."},
	"§3": {ID: "§3", Story: "musk", Section: "Die Erstattung", Text: "Tesla erstattete die Anzahlung, nachdem Altman sich beschwert hatte."},
}

// fakeAnswerer stands in for the engine. Ask behaves by the question:
// "panic" panics, "unavailable" fails like an unreachable model, "long"
// answers with 5,000 characters, "stream" streams many small deltas,
// "block" waits until release is closed; anything else answers at once.
type fakeAnswerer struct {
	stories []answer.StoryInfo
	release chan struct{}
	started chan string // receives the question when Ask starts (if not nil)

	mu        sync.Mutex
	asks      []answer.AskRequest
	timelines []answer.TimelineRequest
	quotes    []answer.QuoteRequest
	summaries []answer.SummaryRequest
}

var _ Answerer = (*fakeAnswerer)(nil)

func newFakeAnswerer() *fakeAnswerer {
	return &fakeAnswerer{
		stories: []answer.StoryInfo{{ID: "musk", Title: "Musk antwortet Altman", Source: "Der Standard, 2025", Language: "de", Passages: 3}},
		release: make(chan struct{}),
	}
}

const (
	answerText  = "Musk erstattete die Anzahlung."
	streamWords = 60
)

func (f *fakeAnswerer) Ask(ctx context.Context, req answer.AskRequest, onDelta func(string)) (*answer.Answer, error) {
	f.mu.Lock()
	f.asks = append(f.asks, req)
	f.mu.Unlock()
	if f.started != nil {
		f.started <- req.Question
	}
	lang := req.Lang
	if lang == "" {
		lang = "en"
	}
	a := &answer.Answer{Question: req.Question, Answer: answerText, Language: lang, Mode: answer.ModeOffline,
		Citations: []answer.Citation{testPassages["§2"], testPassages["§3"]}, Usage: answer.Usage{PromptTokens: 100, CompletionTokens: 20}}
	q := strings.ToLower(req.Question)
	switch {
	case strings.Contains(q, "panic"):
		panic("answerer exploded")
	case strings.Contains(q, "unavailable"):
		return nil, fault.Wrap(fault.Unavailable, errors.New("dial tcp 10.0.0.1:443: connection refused"), "model unreachable")
	case strings.Contains(q, "flood"):
		// A model that ignores max_tokens: 50,000 characters in 500 deltas.
		var sb strings.Builder
		for sb.Len() < 50_000 {
			chunk := "Musk antwortete Altman auf X mit einem knappen Satz und erklärte es dann noch ausführlicher. "
			sb.WriteString(chunk)
			onDelta(chunk)
		}
		a.Answer = sb.String()
		return a, nil
	case strings.Contains(q, "links"):
		a.Answer = "Fill in the [Offizielles Tesla-Erstattungsformular](https://evil.example/login) and see https://evil.example/preview [§2]."
	case strings.Contains(q, "long"):
		a.Answer = longAnswer(5000)
	case strings.Contains(q, "mentions"):
		a.Answer = "Hello @everyone and @here, <@&123456789012345678> and <@987654321098765432>."
	case strings.Contains(q, "stream"):
		// A model writing a word every 5ms: many more deltas than edits.
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var sb strings.Builder
		for i := 0; i < streamWords; i++ {
			<-tick.C
			w := fmt.Sprintf("word%d ", i)
			sb.WriteString(w)
			onDelta(w)
		}
		a.Answer = strings.TrimSpace(sb.String())
		return a, nil
	case strings.Contains(q, "block"):
		onDelta("Ich denke …")
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if onDelta != nil {
		for _, w := range strings.SplitAfter(a.Answer, " ") {
			onDelta(w)
		}
	}
	return a, nil
}

func (f *fakeAnswerer) lastAsk() answer.AskRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.asks) == 0 {
		return answer.AskRequest{}
	}
	return f.asks[len(f.asks)-1]
}

func (f *fakeAnswerer) Timeline(ctx context.Context, req answer.TimelineRequest) (*answer.Timeline, error) {
	f.mu.Lock()
	f.timelines = append(f.timelines, req)
	f.mu.Unlock()
	return &answer.Timeline{Mode: answer.ModeOffline, Events: []answer.TimelineEvent{
		{Date: "2018", Sort: "2018", Event: "Altman reserviert einen Roadster.", ID: "§2"},
		{Date: "Juli 2025", Sort: "2025-07", Event: "Tesla erstattet die Anzahlung.", ID: "§3"},
	}}, nil
}

func (f *fakeAnswerer) Quotes(ctx context.Context, req answer.QuoteRequest) (*answer.Quotes, error) {
	f.mu.Lock()
	f.quotes = append(f.quotes, req)
	f.mu.Unlock()
	return &answer.Quotes{Mode: answer.ModeOffline, Quotes: []answer.QuoteItem{
		{Text: "Ich habe sieben Jahre gewartet", Speaker: "Sam Altman", ID: "§2", Translation: "I waited seven years"},
	}}, nil
}

func (f *fakeAnswerer) Summary(ctx context.Context, req answer.SummaryRequest) (*answer.Summary, error) {
	f.mu.Lock()
	f.summaries = append(f.summaries, req)
	f.mu.Unlock()
	return &answer.Summary{Mode: answer.ModeOffline, Summary: "Musk antwortet Altman wegen eines erstatteten Roadsters.",
		Citations: []answer.Citation{testPassages["§1"]}}, nil
}

func (f *fakeAnswerer) Stories() []answer.StoryInfo { return f.stories }

func (f *fakeAnswerer) Speakers(story string) []string {
	return []string{"Elon Musk", "Sam Altman", "Tesla-Sprecher"}
}

func (f *fakeAnswerer) Citations(story string, ids []string) []answer.Citation {
	var out []answer.Citation
	for _, id := range ids {
		if c, ok := testPassages[id]; ok && (story == "" || c.Story == story) {
			out = append(out, c)
		}
	}
	return out
}

// logBuffer collects log lines for assertions; it is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// harness is a bot running against a fake Discord.
type harness struct {
	srv  *discordtest.Server
	bot  *Bot
	ans  *fakeAnswerer
	logs *logBuffer
	stop func() error // cancels Run and returns its error
	// viaHTTP: the bot runs RunHTTP and interactions come over HTTP.
	viaHTTP bool
}

// startBot runs a bot in gateway mode against a fresh fake Discord and
// waits until its commands are registered.
func startBot(t testing.TB, opts Options, ans *fakeAnswerer, fopts discordtest.Options, setup ...func(*Bot)) *harness {
	t.Helper()
	if ans == nil {
		ans = newFakeAnswerer()
	}
	h := startBotWith(t, opts, ans, fopts, setup...)
	h.ans = ans
	return h
}

// startBotWith is startBot with any engine (e.g. a real one on a fake
// model); the harness then has no fakeAnswerer.
func startBotWith(t testing.TB, opts Options, ans Answerer, fopts discordtest.Options, setup ...func(*Bot)) *harness {
	t.Helper()
	fopts.Token = testToken
	srv := discordtest.Start(t, fopts)
	logs := &logBuffer{}
	opts.Token = testToken
	opts.APIURL = srv.URL()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.ConversationDepth == 0 {
		opts.ConversationDepth = 8
	}
	if opts.EditInterval == 0 {
		opts.EditInterval = 50 * time.Millisecond
	}
	b, err := New(opts, ans)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range setup {
		f(b)
	}
	h := &harness{srv: srv, bot: b, logs: logs}
	h.run(t, "Run", b.Run)
	// The fake takes the connection as current only after GUILD_CREATE.
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := srv.WaitReady(wctx); err != nil {
		t.Fatalf("fake not ready: %v", err)
	}
	return h
}

// run starts the bot with run (Run or RunHTTP), stops it at the end of the
// test (h.stop, also callable earlier), and waits until its commands are
// registered.
func (h *harness) run(t testing.TB, name string, run func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	var runErr error
	h.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				runErr = fmt.Errorf("%s did not return within 30s of cancel", name)
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", h.logs.String())
		}
	})
	select {
	case <-h.bot.registeredCh:
	case err := <-done:
		t.Fatalf("%s ended before registering: %v", name, err)
	case <-time.After(15 * time.Second):
		t.Fatalf("commands not registered within 15s; log:\n%s", h.logs.String())
	}
}

func (h *harness) interact(t testing.TB, spec discordtest.InteractionSpec) *discordtest.Interaction {
	t.Helper()
	interact := h.srv.Interact
	if h.viaHTTP {
		interact = func(spec discordtest.InteractionSpec) (*discordtest.Interaction, error) {
			return h.srv.InteractHTTP(h.bot.Handler(), spec)
		}
	}
	in, err := interact(spec)
	if err != nil {
		t.Fatalf("Interact(%+v): %v", spec, err)
	}
	return in
}

func callback(t testing.TB, in *discordtest.Interaction) *discordtest.Callback {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cb, err := in.Callback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

// finalOriginal waits until @original holds the final answer (it has the
// sources button, or contains want).
func finalOriginal(t testing.TB, in *discordtest.Interaction, want string) *discordgo.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	m, err := in.WaitOriginal(ctx, func(m *discordgo.Message) bool { return strings.Contains(m.Content, want) })
	if err != nil {
		t.Fatalf("waiting for @original to contain %q: %v (now: %+v)", want, err, in.Original())
	}
	return m
}

// waitFollowup waits until the interaction has a follow-up containing want.
func waitFollowup(t testing.TB, h *harness, in *discordtest.Interaction, want string) discordtest.Call {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := h.srv.WaitFor(ctx, func(c discordtest.Call) bool {
		return c.InteractionID == in.ID && c.Method == "POST" && strings.Contains(c.Path, "/webhooks/") && c.OK() &&
			strings.Contains(string(c.JSON), want)
	})
	if err != nil {
		t.Fatalf("no follow-up with %q: %v", want, err)
	}
	return c
}

// buttonID returns the custom_id of the first button of m.
func buttonID(m *discordgo.Message) string {
	for _, row := range m.Components {
		if r, ok := row.(*discordgo.ActionsRow); ok {
			for _, c := range r.Components {
				if b, ok := c.(*discordgo.Button); ok {
					return b.CustomID
				}
			}
		}
	}
	return ""
}

func buttonLabel(m *discordgo.Message) string {
	for _, row := range m.Components {
		if r, ok := row.(*discordgo.ActionsRow); ok {
			for _, c := range r.Components {
				if b, ok := c.(*discordgo.Button); ok {
					return b.Label
				}
			}
		}
	}
	return ""
}

// assertNoPings checks every recorded message write (and every callback
// that carries data) forbids all mentions.
func assertNoPings(t testing.TB, srv *discordtest.Server) {
	t.Helper()
	n := 0
	for _, c := range srv.Calls() {
		isCallbackWithMessage := strings.HasSuffix(c.Path, "/callback") && strings.Contains(string(c.JSON), `"type":5`)
		if !c.IsMessageWrite() && !isCallbackWithMessage {
			continue
		}
		n++
		if !discordtest.AllowedMentionsEmpty(c.JSON) {
			t.Errorf("%s %s sent without empty allowed mentions: %s", c.Method, c.Path, abbreviate(string(c.JSON), 300))
		}
	}
	if n == 0 {
		t.Error("no message writes recorded")
	}
}

func abbreviate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
