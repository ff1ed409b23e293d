package redisstate_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/storybot/storybot/answer"
	"github.com/storybot/storybot/redisstate"
	"github.com/storybot/storybot/redisstate/redistest"
)

// Each test opens several Stores on one Redis: they stand for replicas.

func TestRateLimitIsSharedByReplicas(t *testing.T) {
	srv := redistest.Start(t)
	local := &localLimiter{}
	var limiters []*redisstate.RateLimiter
	for range 3 {
		limiters = append(limiters, redisstate.NewRateLimiter(open(t, srv.URL(), nil), 5, time.Hour, local))
	}
	allowed := 0
	for i := range 20 {
		ok, retry := limiters[i%3].Allow("user-1")
		if ok {
			allowed++
		} else if retry <= 0 || retry > 13*time.Minute {
			t.Errorf("refusal %d: retry after %v, want about 12 min (one question per 60/5 min)", i, retry)
		}
	}
	if allowed != 5 {
		t.Errorf("20 questions over 3 replicas with 5/1h: %d allowed, want 5", allowed)
	}
	if ok, _ := limiters[1].Allow("user-2"); !ok {
		t.Error("another user is limited too")
	}
	limiters[2].Refund("user-1")
	if ok, _ := limiters[0].Allow("user-1"); !ok {
		t.Error("a refunded question is not available on another replica")
	}
	if ok, _ := limiters[0].Allow("user-1"); ok {
		t.Error("more than the refunded question is available")
	}
	if n := local.calls(); n != 0 {
		t.Errorf("the in-process limiter answered %d times while Redis was up", n)
	}
}

func TestBudgetIsExceededByAtMostOneCall(t *testing.T) {
	srv := redistest.Start(t)
	local := &localBudget{}
	day := func() time.Time { return time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC) }
	var budgets []*redisstate.Budget
	for range 3 {
		budgets = append(budgets, redisstate.NewBudget(open(t, srv.URL(), nil), 1000, day, local))
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var rs []answer.Reservation
	for i := range 30 {
		wg.Go(func() {
			if r, ok := budgets[i%3].Reserve(ctx, 300); ok {
				mu.Lock()
				rs = append(rs, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// 0, 300, 600 and 900 are below 1000: the fourth call crosses the
	// limit, and nobody after it gets in.
	if len(rs) != 4 {
		t.Fatalf("30 reservations of 300 against 1000 over 3 replicas: %d admitted, want 4 (at most one over)", len(rs))
	}
	if used, ok := budgets[0].Used(ctx); !ok || used != 1200 {
		t.Errorf("reserved total = %d (%v), want 1200", used, ok)
	}
	for _, r := range rs {
		r.Settle(ctx, 100)
		r.Settle(ctx, 100) // settles once
	}
	if used, _ := budgets[1].Used(ctx); used != 400 {
		t.Errorf("after settling 4 × 100: %d, want 400", used)
	}
	if _, ok := budgets[2].Reserve(ctx, 300); !ok {
		t.Error("settled usage left room, but the next reservation was refused")
	}
	if n := local.count(); n != 0 {
		t.Errorf("the local budget was used %d times while Redis was up", n)
	}
	next := redisstate.NewBudget(open(t, srv.URL(), nil), 1000, func() time.Time { return day().Add(2 * time.Hour) }, local)
	if used, ok := next.Used(ctx); !ok || used != 0 {
		t.Errorf("the next UTC day starts at %d (%v)", used, ok)
	}
}

func TestCacheIsSharedWithATTL(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := redisstate.NewCache(open(t, srv.URL(), nil), time.Hour)
	b := redisstate.NewCache(open(t, srv.URL(), nil), time.Hour)
	if _, ok := b.Get(ctx, "timeline", "k1"); ok {
		t.Fatal("hit on an empty cache")
	}
	a.Put(ctx, "timeline", "k1", []byte(`{"events":[]}`))
	got, ok := b.Get(ctx, "timeline", "k1")
	if !ok || string(got) != `{"events":[]}` {
		t.Errorf("another replica reads %q, %v", got, ok)
	}
	if _, ok := b.Get(ctx, "summary", "k1"); ok {
		t.Error("kinds share keys")
	}
}

// computeOnce is what the engine's merged work does: look in the cache
// (its Redis tier is shared), else compute and cache the result.
func computeOnce(cache *redisstate.Cache, key string, computed *atomic.Int32, compute func() (string, error)) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		if v, ok := cache.Get(ctx, "timeline", key); ok {
			return string(v), nil
		}
		computed.Add(1)
		v, err := compute()
		if err != nil {
			return nil, err
		}
		cache.Put(ctx, "timeline", key, []byte(v))
		return v, nil
	}
}

func TestFlightComputesOnceAcrossReplicas(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	type replica struct {
		flight *redisstate.Flight
		cache  *redisstate.Cache
	}
	var reps []replica
	for range 3 {
		st := open(t, srv.URL(), nil)
		reps = append(reps, replica{redisstate.NewFlight(st, answer.NewLocalFlight(0), 10*time.Second), redisstate.NewCache(st, time.Hour)})
	}
	var computed atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]any, 24)
	for i := range 24 {
		wg.Go(func() {
			r := reps[i%3]
			v, err := r.flight.Do(ctx, "timeline:v1", computeOnce(r.cache, "v1", &computed, func() (string, error) {
				<-release
				return "the timeline", nil
			}))
			if err != nil {
				t.Error(err)
			}
			results[i] = v
		})
	}
	close(release)
	wg.Wait()
	if n := computed.Load(); n != 1 {
		t.Errorf("24 identical requests over 3 replicas computed %d times, want 1", n)
	}
	for i, r := range results {
		if r != "the timeline" {
			t.Errorf("request %d got %v", i, r)
		}
	}
}

func TestFlightTakesOverWhenTheComputingReplicaFails(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := redisstate.NewFlight(open(t, srv.URL(), nil), answer.NewLocalFlight(0), 10*time.Second)
	b := redisstate.NewFlight(open(t, srv.URL(), nil), answer.NewLocalFlight(0), 10*time.Second)
	started := make(chan struct{})
	fail := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		_, err := a.Do(ctx, "summary:v1", func(context.Context) (any, error) {
			close(started)
			<-fail
			return nil, errors.New("model down")
		})
		errc <- err
	}()
	<-started
	done := make(chan any, 1)
	go func() {
		v, err := b.Do(ctx, "summary:v1", func(context.Context) (any, error) { return "computed by b", nil })
		if err != nil {
			t.Error(err)
		}
		done <- v
	}()
	close(fail)
	if err := <-errc; err == nil {
		t.Error("the failing replica's error was lost")
	}
	if got := <-done; got != "computed by b" {
		t.Errorf("the waiting replica got %v, want its own result once the lock was released", got)
	}
}

func TestFlightWaitIsBounded(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	a := redisstate.NewFlight(open(t, srv.URL(), nil), answer.NewLocalFlight(0), 300*time.Millisecond)
	// Replica a takes the lock and never finishes (a process that hangs).
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	started := make(chan struct{})
	go func() {
		_, _ = a.Do(ctx, "quotes:v1", func(context.Context) (any, error) {
			close(started)
			<-hang
			return nil, errors.New("cut")
		})
	}()
	<-started
	b := redisstate.NewFlight(open(t, srv.URL(), nil), answer.NewLocalFlight(0), 300*time.Millisecond)
	begin := time.Now()
	v, err := b.Do(ctx, "quotes:v1", func(context.Context) (any, error) { return "own", nil })
	if err != nil || v != "own" {
		t.Fatalf("Do = %v, %v; want its own result", v, err)
	}
	if d := time.Since(begin); d < 250*time.Millisecond {
		t.Errorf("computed after %v while another replica held the lock, want the 300ms bound", d)
	}
}

func TestReplayIsSharedByReplicas(t *testing.T) {
	srv := redistest.Start(t)
	a := redisstate.NewReplay(open(t, srv.URL(), nil), &localReplay{})
	b := redisstate.NewReplay(open(t, srv.URL(), nil), &localReplay{})
	if seen(t, a, "1234") {
		t.Error("a new id was seen")
	}
	if !seen(t, b, "1234") {
		t.Error("an id one replica saw is new to another")
	}
	if seen(t, b, "5678") {
		t.Error("another id was seen")
	}
}

func TestIdentifyTurnsAcrossProcesses(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	const interval = 400 * time.Millisecond
	a := redisstate.NewIdentifyGate(open(t, srv.URL(), nil), interval)
	b := redisstate.NewIdentifyGate(open(t, srv.URL(), nil), interval)
	if err := a.Wait(ctx, 0); err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	if err := b.Wait(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > interval/2 {
		t.Errorf("another bucket waited %v", d)
	}
	if err := b.Wait(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < interval*3/4 {
		t.Errorf("the same bucket identified again after %v, want about %v", d, interval)
	}
}

// TestRedisLostAndBack kills Redis in the middle: every operation falls
// back at once (bounded), one line says Redis is lost, /readyz's status
// and storybot_redis_up say so; after a restart shared state resumes by
// itself and one line says so.
func TestRedisLostAndBack(t *testing.T) {
	srv := redistest.Start(t)
	logs := newLogBuffer()
	st := open(t, srv.URL(), logs, func(o *redisstate.Options) { o.PingInterval = 100 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go st.Run(ctx)
	local := &localLimiter{}
	lim := redisstate.NewRateLimiter(st, 2, time.Hour, local)
	lb := &localBudget{}
	budget := redisstate.NewBudget(st, 1000, nil, lb)
	cache := redisstate.NewCache(st, time.Hour)
	replay := redisstate.NewReplay(st, &localReplay{})
	for range 2 {
		if ok, _ := lim.Allow("u"); !ok {
			t.Fatal("refused under the limit")
		}
	}
	if ok, _ := lim.Allow("u"); ok {
		t.Fatal("the shared limit does not hold")
	}
	if !st.Up() || gauge(t, st) != 1 {
		t.Fatal("not up with Redis running")
	}

	srv.Kill()
	for i := range 5 {
		begin := time.Now()
		ok, _ := lim.Allow("u")
		_, okB := budget.Reserve(ctx, 10)
		cache.Put(ctx, "timeline", "k", []byte("v"))
		_, hit := cache.Get(ctx, "timeline", "k")
		seen := seen(t, replay, "id-"+strconv.Itoa(i))
		// One interaction's worth of calls: bounded by one OpTimeout (the
		// first failure), not one per call.
		if d := time.Since(begin); d > 2*time.Second {
			t.Errorf("calls with Redis gone took %v", d)
		}
		if !ok || !okB || hit || seen {
			t.Errorf("fallbacks: allow %v, reserve %v, cache hit %v, seen %v", ok, okB, hit, seen)
		}
	}
	if local.calls() != 5 || lb.count() != 5 {
		t.Errorf("in-process fallbacks: limiter %d, budget %d, want 5 each", local.calls(), lb.count())
	}
	if st.Up() || gauge(t, st) != 0 {
		t.Error("still up after Redis was killed")
	}
	if s := st.Status(); len(s) != 1 || !strings.Contains(s[0], "unreachable") {
		t.Errorf("status = %q", s)
	}
	logs.waitFor(t, "redis lost", 1)

	srv.Restart()
	logs.waitFor(t, "redis reachable", 2) // the first was at start
	if !st.Up() || gauge(t, st) != 1 {
		t.Fatal("not up after Redis came back")
	}
	before := local.calls()
	for range 2 {
		if ok, _ := lim.Allow("u"); !ok { // Redis lost its data: a fresh allowance
			t.Fatal("refused under the limit after the restart")
		}
	}
	if ok, _ := lim.Allow("u"); ok {
		t.Error("the shared limit did not resume")
	}
	if local.calls() != before {
		t.Error("the in-process limiter still answers after Redis came back")
	}
	if n := logs.count("redis lost"); n != 1 {
		t.Errorf("%d 'redis lost' lines, want 1:\n%s", n, logs.String())
	}
}

// freezeProxy forwards TCP to target until frozen; frozen, it keeps the
// connections open and passes nothing (a Redis that hangs).
type freezeProxy struct {
	ln     net.Listener
	frozen atomic.Bool
}

func newFreezeProxy(t *testing.T, target string) *freezeProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c, target)
		}
	}()
	return p
}

func (p *freezeProxy) serve(c net.Conn, target string) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if err != nil {
				return
			}
			if p.frozen.Load() {
				continue // swallow: nothing comes back
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
	}
	go pipe(up, c)
	pipe(c, up)
}

// TestHungRedisCostsOneBoundedWait: Redis up, then hanging: one
// interaction's calls (replay check, rate limit, budget, cache) together
// wait about one OpTimeout, not one each, and all fall back.
func TestHungRedisCostsOneBoundedWait(t *testing.T) {
	const opTimeout = 300 * time.Millisecond
	srv := redistest.Start(t)
	proxy := newFreezeProxy(t, srv.Addr())
	st := open(t, "redis://"+proxy.ln.Addr().String()+"/0", nil, func(o *redisstate.Options) { o.OpTimeout = opTimeout })
	if !st.Up() {
		t.Fatal("not up through the proxy")
	}
	ctx := context.Background()
	local := &localLimiter{}
	lim := redisstate.NewRateLimiter(st, 5, time.Hour, local)
	budget := redisstate.NewBudget(st, 1000, nil, &localBudget{})
	cache := redisstate.NewCache(st, time.Hour)
	replay := redisstate.NewReplay(st, &localReplay{})
	if ok, _ := lim.Allow("u"); !ok || local.calls() != 0 {
		t.Fatal("the shared limiter does not answer through the proxy")
	}
	proxy.frozen.Store(true)
	begin := time.Now()
	seen(t, replay, "i1")
	ok, _ := lim.Allow("u")
	_, okB := budget.Reserve(ctx, 10)
	cache.Get(ctx, "timeline", "k")
	d := time.Since(begin)
	if !ok || !okB || local.calls() != 1 {
		t.Errorf("no fallback: allow %v, reserve %v, local calls %d", ok, okB, local.calls())
	}
	// One OpTimeout for the first call, nothing for the other three (four
	// waits would be 1.2 s); room for a loaded machine.
	if d > 3*opTimeout {
		t.Errorf("one interaction's calls took %v with Redis hung, want about %v", d, opTimeout)
	}
	if st.Up() {
		t.Error("still up while Redis hangs")
	}
}

// TestStartKnowsRedisBeforeItReturns: what a process does right after
// start (a shard's identify turn) goes through Redis, not through the
// fallback a not-yet-pinged Store would give.
func TestStartKnowsRedisBeforeItReturns(t *testing.T) {
	srv := redistest.Start(t)
	st, err := redisstate.Open(redisstate.Options{URL: srv.URL(), OpTimeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st.Start(ctx)
	if !st.Up() {
		t.Fatal("Start returned before it knew Redis is up")
	}
	if err := redisstate.NewIdentifyGate(st, time.Second).Wait(ctx, 0); err != nil {
		t.Fatalf("the first identify turn did not go through Redis: %v", err)
	}
}
