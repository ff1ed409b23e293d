package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/bot/discordtest"
	"github.com/storybot/storybot/llm/openaitest"
	"github.com/storybot/storybot/redisstate/redistest"
)

// lineLog collects a process's log and lets a test wait for a line.
type lineLog struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newLineLog() *lineLog { return &lineLog{changed: make(chan struct{})} }

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.changed)
	l.changed = make(chan struct{})
	return l.b.Write(p)
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor blocks until the log holds n lines containing s.
func (l *lineLog) waitFor(t testing.TB, s string, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		l.mu.Lock()
		ch, got := l.changed, strings.Count(l.b.String(), s)
		l.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %d lines with %q within %v; log:\n%s", n, s, timeout, l.String())
		}
	}
}

// replica is one `storybot serve --http` process.
type replica struct {
	name string
	addr string
	cmd  *exec.Cmd
	log  *lineLog
	done chan struct{}
}

func (r *replica) endpoint() string { return "http://" + r.addr + "/interactions" }

// kill ends the process abruptly (SIGKILL), as a crash would.
func (r *replica) kill() {
	_ = r.cmd.Process.Kill()
	<-r.done
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// storybotBinary builds the storybot command once per test run.
func storybotBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "storybot-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "storybot")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startReplica runs `storybot serve --http` with env and waits until its
// commands are registered.
func startReplica(t testing.TB, name string, env map[string]string) *replica {
	t.Helper()
	return startProcess(t, name, env, "serve", "--http")
}

// startProcess runs storybot with args and env and waits until its
// commands are registered.
func startProcess(t testing.TB, name string, env map[string]string, args ...string) *replica {
	t.Helper()
	r := &replica{name: name, addr: freeAddr(t), log: newLineLog(), done: make(chan struct{})}
	cmd := exec.Command(storybotBinary(t), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "HTTP_ADDR=" + r.addr, "CACHE_DIR=" + t.TempDir()}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = r.log, r.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.cmd = cmd
	go func() { _ = cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(15 * time.Second):
			r.kill()
			t.Errorf("%s did not stop on SIGTERM", name)
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, r.log.String())
		}
	})
	r.log.waitFor(t, "commands registered", 1, 30*time.Second)
	return r
}

// roundRobin is a load balancer: each request goes to the next replica; a
// replica that refuses the connection is skipped (as a balancer's health
// check would soon do). It records which replica took each interaction.
type roundRobin struct {
	replicas []*replica
	next     atomic.Int64
	mu       sync.Mutex
	took     map[string]string // interaction id -> replica name
}

func (p *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var in struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &in)
	for range len(p.replicas) {
		rep := p.replicas[int(p.next.Add(1)-1)%len(p.replicas)]
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, rep.endpoint(), bytes.NewReader(body))
		req.Header = r.Header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue // down: the next one
		}
		p.mu.Lock()
		p.took[in.ID] = rep.name
		p.mu.Unlock()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		resp.Body.Close()
		return
	}
	http.Error(w, "no replica answers", http.StatusBadGateway)
}

func (p *roundRobin) replicaOf(id string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.took[id]
}

// modelCalls counts the fake model's calls by kind.
type modelCalls struct {
	mu sync.Mutex
	n  map[string]int
}

func (m *modelCalls) add(kind string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.n[kind]++
}

func (m *modelCalls) get(kind string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n[kind]
}

const e2eAnswer = "Altman reserved the Roadster in July 2018 [§2]."

// scaleRig starts what the replicas of a scale test share: a Redis, the
// fake Discord with the application's signing key, and the fake OpenAI
// (whose replies the test sets) with a count of its calls. It skips in
// -short mode: the tests start processes.
func scaleRig(t *testing.T, token string) (*redistest.Server, *discordtest.Server, ed25519.PublicKey, ed25519.PrivateKey, *modelCalls, *openaitest.Server) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts processes")
	}
	rdb := redistest.Start(t)
	dc := discordtest.Start(t, discordtest.Options{Token: token})
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return rdb, dc, pub, priv, &modelCalls{n: map[string]int{}}, openaitest.New(t)
}

// TestScaleEndToEnd runs three `storybot serve --http` replicas behind a
// round-robin balancer with one Redis, the fake Discord and the fake
// OpenAI, and checks what must hold for the replicas together.
func TestScaleEndToEnd(t *testing.T) {
	const token = "scale-e2e-token-do-not-log"
	rdb, dc, pub, priv, calls, model := scaleRig(t, token)
	model.Reply(func(req openaiRequest) openaitest.Reply {
		system := req.Messages[0].Content
		switch {
		case strings.HasPrefix(system, "You build a timeline"):
			calls.add("timeline")
			return openaitest.Echo(req)
		case strings.HasPrefix(system, "You summarize"):
			calls.add("summary")
			return openaitest.Reply{Content: "Musk answered Altman's complaint about the Roadster refund [§3]."}
		case strings.HasPrefix(system, "You explain quotations"):
			calls.add("quotes")
			return openaitest.Echo(req)
		}
		calls.add("ask")
		return openaitest.Reply{Content: e2eAnswer}
	})
	env := map[string]string{
		"DISCORD_TOKEN":      token,
		"DISCORD_PUBLIC_KEY": hex.EncodeToString(pub),
		"DISCORD_API_URL":    dc.URL(),
		"OPENAI_API_KEY":     "test",
		"OPENAI_BASE_URL":    model.BaseURL(),
		"LLM_MAX_RETRIES":    "0",
		"RATE_LIMIT":         "5/1m",
		"EDIT_INTERVAL":      "20ms",
		"REDIS_URL":          rdb.URL(),
		// Generous, so a loaded CI machine does not fall back by accident
		// and change the counts; a killed Redis refuses at once anyway.
		"REDIS_TIMEOUT": "2s",
		"LOG_LEVEL":     "info",
	}
	var reps []*replica
	for i := range 3 {
		reps = append(reps, startReplica(t, fmt.Sprintf("replica-%d", i+1), env))
	}
	for _, r := range reps {
		r.log.waitFor(t, "redis reachable", 1, 10*time.Second)
	}
	lb := &roundRobin{replicas: reps, took: map[string]string{}}
	proxy := httptest.NewServer(lb)
	defer proxy.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	// trySend delivers one signed interaction to endpoint.
	trySend := func(endpoint string, spec discordtest.InteractionSpec) (*discordtest.Interaction, *discordtest.Delivery, error) {
		in, signed, err := dc.SignInteraction(spec, priv)
		if err != nil {
			return nil, nil, err
		}
		d, err := dc.Deliver(ctx, endpoint, in, signed)
		return in, d, err
	}
	send := func(endpoint string, spec discordtest.InteractionSpec) (*discordtest.Interaction, *discordtest.Delivery) {
		t.Helper()
		in, d, err := trySend(endpoint, spec)
		if err != nil {
			t.Fatal(err)
		}
		return in, d
	}
	ask := func(user, question string) discordtest.InteractionSpec {
		return discordtest.InteractionSpec{Command: "ask", Options: map[string]any{"question": question},
			User: &discordgo.User{ID: user, Username: "u" + user}}
	}
	// answered waits for the final answer of a deferred interaction.
	answered := func(in *discordtest.Interaction, want string) {
		t.Helper()
		if _, err := in.WaitOriginal(ctx, func(m *discordgo.Message) bool { return strings.Contains(m.Content, want) }); err != nil {
			t.Fatalf("interaction %s (replica %s) never answered %q: %v; now %+v", in.ID, lb.replicaOf(in.ID), want, err, in.Original())
		}
	}
	callbackType := func(d *discordtest.Delivery) (int, string) {
		var cb struct {
			Type int `json:"type"`
			Data struct {
				Content string `json:"content"`
				Flags   int    `json:"flags"`
			} `json:"data"`
		}
		_ = json.Unmarshal(d.Response, &cb)
		return cb.Type, cb.Data.Content
	}
	// burst sends 20 /ask of one user through the balancer and returns
	// how many were answered and how many kindly refused.
	burst := func(user string) (answers, refusals int) {
		t.Helper()
		var deferred []*discordtest.Interaction
		for i := range 20 {
			in, d := send(proxy.URL+"/interactions", ask(user, fmt.Sprintf("When did Altman reserve? (%d)", i)))
			typ, content := callbackType(d)
			switch {
			case d.Status == 200 && typ == 5:
				deferred = append(deferred, in)
			case d.Status == 200 && typ == 4 && strings.Contains(content, "That's all the questions I can take from you"):
				refusals++
			default:
				t.Errorf("ask %d: %d %s", i, d.Status, d.Response)
			}
		}
		for _, in := range deferred {
			answered(in, e2eAnswer)
		}
		return len(deferred), refusals
	}

	t.Run("a user's 20 questions over 3 replicas get 5 answers and 15 refusals", func(t *testing.T) {
		answers, refusals := burst("2000000000000000001")
		if answers != 5 || refusals != 15 {
			t.Errorf("RATE_LIMIT=5/1m over 3 replicas: %d answers, %d refusals; want 5 and 15", answers, refusals)
		}
	})

	t.Run("the same signed interaction sent to two replicas is answered once", func(t *testing.T) {
		in, signed, err := dc.SignInteraction(ask("2000000000000000002", "Who refunded whom?"), priv)
		if err != nil {
			t.Fatal(err)
		}
		first, err := dc.Deliver(ctx, reps[0].endpoint(), in, signed)
		if err != nil || first.Status != 200 {
			t.Fatalf("first delivery: %+v %v", first, err)
		}
		second, err := dc.Deliver(ctx, reps[1].endpoint(), in, signed)
		if err != nil {
			t.Fatal(err)
		}
		if second.Status != http.StatusConflict {
			t.Errorf("the copy got %d %s, want 409", second.Status, second.Response)
		}
		answered(in, e2eAnswer)
		n := 0
		for _, c := range in.Calls() {
			if strings.HasSuffix(c.Path, "/callback") {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d callbacks for one interaction sent twice", n)
		}
	})

	t.Run("8 timelines at once over 3 replicas make one model call", func(t *testing.T) {
		var wg sync.WaitGroup
		ins := make([]*discordtest.Interaction, 8)
		for i := range 8 {
			wg.Go(func() {
				in, d, err := trySend(proxy.URL+"/interactions", discordtest.InteractionSpec{Command: "timeline",
					User: &discordgo.User{ID: fmt.Sprintf("600000000000000000%d", i), Username: "t"}})
				if err != nil {
					t.Error(err)
					return
				}
				if d.Status != 200 {
					t.Errorf("timeline %d: %d %s", i, d.Status, d.Response)
				}
				ins[i] = in
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		replicas := map[string]bool{}
		for _, in := range ins {
			answered(in, "2018")
			replicas[lb.replicaOf(in.ID)] = true
		}
		if len(replicas) != 3 {
			t.Errorf("the balancer used %d replicas, want 3", len(replicas))
		}
		if n := calls.get("timeline"); n != 1 {
			t.Errorf("8 timelines at once over 3 replicas made %d model calls, want 1", n)
		}
	})

	t.Run("a summary asked of each replica in turn is computed once", func(t *testing.T) {
		for i, r := range reps {
			in, d := send(r.endpoint(), discordtest.InteractionSpec{Command: "summary",
				User: &discordgo.User{ID: fmt.Sprintf("300000000000000000%d", i), Username: "s"}})
			if d.Status != 200 {
				t.Fatalf("%s: %d %s", r.name, d.Status, d.Response)
			}
			answered(in, "Musk answered Altman")
		}
		if n := calls.get("summary"); n != 1 {
			t.Errorf("3 replicas asked for the same summary made %d model calls, want 1", n)
		}
	})

	t.Run("Redis stopped: every interaction is still acknowledged and answered", func(t *testing.T) {
		rdb.Kill()
		var ins []*discordtest.Interaction
		for i := range 6 {
			in, d := send(proxy.URL+"/interactions", ask(fmt.Sprintf("400000000000000000%d", i), "When did Altman reserve?"))
			if typ, _ := callbackType(d); d.Status != 200 || typ != 5 {
				t.Fatalf("ask %d with Redis down: %d %s", i, d.Status, d.Response)
			}
			ins = append(ins, in)
		}
		for _, in := range ins {
			answered(in, e2eAnswer)
		}
		for _, r := range reps {
			r.log.waitFor(t, "redis lost", 1, 10*time.Second)
			if body := getBody(t, "http://"+r.addr+"/readyz", 200); !strings.Contains(body, "redis: unreachable") {
				t.Errorf("%s readyz with Redis down: %q", r.name, body)
			}
		}
	})

	t.Run("Redis restarted: shared limits resume without restarting storybot", func(t *testing.T) {
		rdb.Restart()
		for _, r := range reps {
			r.log.waitFor(t, "redis reachable", 2, 15*time.Second)
		}
		answers, refusals := burst("2000000000000000005")
		if answers != 5 || refusals != 15 {
			t.Errorf("after Redis came back: %d answers, %d refusals; want 5 and 15", answers, refusals)
		}
		// go-redis's own messages about the lost connections went through
		// slog (at debug), not raw to stderr; and storybot said it once.
		for _, r := range reps {
			for _, line := range strings.Split(strings.TrimSpace(r.log.String()), "\n") {
				if !strings.HasPrefix(line, "time=") {
					t.Errorf("%s wrote a line that is not slog's: %q", r.name, line)
				}
			}
			if n := strings.Count(r.log.String(), "redis lost"); n != 1 {
				t.Errorf("%s logged 'redis lost' %d times, want once", r.name, n)
			}
		}
	})

	t.Run("one replica killed in the middle of a burst: the others answer everything routed to them", func(t *testing.T) {
		var before, after []*discordtest.Interaction
		for i := range 6 {
			in, _ := send(proxy.URL+"/interactions", ask(fmt.Sprintf("50000000000000000%02d", i), "When did Altman reserve?"))
			before = append(before, in)
		}
		reps[2].kill()
		for i := 6; i < 12; i++ {
			in, d := send(proxy.URL+"/interactions", ask(fmt.Sprintf("50000000000000000%02d", i), "When did Altman reserve?"))
			if typ, _ := callbackType(d); d.Status != 200 || typ != 5 {
				t.Errorf("ask %d after the kill: %d %s", i, d.Status, d.Response)
			}
			after = append(after, in)
		}
		for _, in := range append(before, after...) {
			if lb.replicaOf(in.ID) == reps[2].name {
				continue // it died with the replica
			}
			answered(in, e2eAnswer)
		}
		for _, in := range after {
			if lb.replicaOf(in.ID) == reps[2].name {
				t.Errorf("interaction %s went to the killed replica", in.ID)
			}
		}
	})
}

func getBody(t *testing.T, url string, want int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Errorf("GET %s: %d %s, want %d", url, resp.StatusCode, b, want)
	}
	return string(b)
}

// TestScaleSharedBudget: with LLM_DAILY_TOKEN_BUDGET=1 shared by three
// replicas, 9 questions at once from different users make exactly one
// model call (the one reservation that may cross the budget); everyone is
// answered, the others from the text with the budget note.
func TestScaleSharedBudget(t *testing.T) {
	const token = "scale-budget-token"
	rdb, dc, pub, priv, calls, model := scaleRig(t, token)
	model.Reply(func(req openaiRequest) openaitest.Reply {
		calls.add("any")
		return openaitest.Reply{Content: e2eAnswer}
	})
	env := map[string]string{
		"DISCORD_TOKEN": token, "DISCORD_PUBLIC_KEY": hex.EncodeToString(pub), "DISCORD_API_URL": dc.URL(),
		"OPENAI_API_KEY": "test", "OPENAI_BASE_URL": model.BaseURL(), "LLM_MAX_RETRIES": "0",
		"LLM_DAILY_TOKEN_BUDGET": "1", "EDIT_INTERVAL": "20ms", "REDIS_URL": rdb.URL(), "REDIS_TIMEOUT": "2s",
	}
	var reps []*replica
	for i := range 3 {
		reps = append(reps, startReplica(t, fmt.Sprintf("replica-%d", i+1), env))
	}
	for _, r := range reps {
		r.log.waitFor(t, "redis reachable", 1, 10*time.Second)
	}
	proxy := httptest.NewServer(&roundRobin{replicas: reps, took: map[string]string{}})
	defer proxy.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ins := make([]*discordtest.Interaction, 9)
	var wg sync.WaitGroup
	for i := range 9 {
		wg.Go(func() {
			in, signed, err := dc.SignInteraction(discordtest.InteractionSpec{Command: "ask",
				Options: map[string]any{"question": "When did Altman reserve the Roadster?"},
				User:    &discordgo.User{ID: fmt.Sprintf("80000000000000000%02d", i), Username: "b"}}, priv)
			if err != nil {
				t.Error(err)
				return
			}
			if d, err := dc.Deliver(ctx, proxy.URL+"/interactions", in, signed); err != nil || d.Status != 200 {
				t.Errorf("ask %d: %+v %v", i, d, err)
				return
			}
			ins[i] = in
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	offline := 0
	for _, in := range ins {
		m, err := in.WaitOriginal(ctx, func(m *discordgo.Message) bool { return strings.Contains(m.Content, "§") })
		if err != nil {
			t.Fatalf("interaction %s not answered: %v (%+v)", in.ID, err, in.Original())
		}
		if strings.Contains(m.Content, "model budget is used up") {
			offline++
		}
	}
	if n := calls.get("any"); n != 1 {
		t.Errorf("9 questions over 3 replicas with a shared budget of 1 token made %d model calls, want 1", n)
	}
	if offline != 8 {
		t.Errorf("%d answers carry the budget note, want 8", offline)
	}
}
