package bot

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Rate
		wantErr bool
	}{
		{"five a minute", "5/1m", Rate{5, time.Minute}, false},
		{"a bare unit means one of it", "10/m", Rate{10, time.Minute}, false},
		{"seconds work", "3/30s", Rate{3, 30 * time.Second}, false},
		{"hours and minutes work", "20/1h30m", Rate{20, 90 * time.Minute}, false},
		{"days work", "100/1d", Rate{100, 24 * time.Hour}, false},
		{"spaces are forgiven", " 5 / 1m ", Rate{5, time.Minute}, false},
		{"off turns the limit off", "off", Rate{}, false},
		{"zero turns the limit off", "0", Rate{}, false},
		{"empty is an error, not silently unlimited", "", Rate{}, true},
		{"a count without a period is an error", "5", Rate{}, true},
		{"a zero count is an error", "0/1m", Rate{}, true},
		{"a negative count is an error", "-1/1m", Rate{}, true},
		{"a period below a second is an error", "5/10ms", Rate{}, true},
		{"garbage is an error", "five per minute", Rate{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRate(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRate(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseRate(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRateStringRoundTrips(t *testing.T) {
	for _, in := range []string{"5/1m", "3/30s", "20/1h30m", "7/1h", "off"} {
		r, err := ParseRate(in)
		if err != nil {
			t.Fatal(err)
		}
		if r.String() != in {
			t.Errorf("ParseRate(%q).String() = %q", in, r.String())
		}
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"5/1m", "off", "3/30s", "1/d", "x/y", "9999999999999/1m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		if !r.Unlimited() && (r.Count < 1 || r.Per < time.Second) {
			t.Fatalf("ParseRate(%q) = %+v: accepted an invalid rate", s, r)
		}
		again, err := ParseRate(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseRate(%q).String() = %q does not parse back: %+v, %v", s, r.String(), again, err)
		}
	})
}

type manualTime struct {
	mu sync.Mutex
	t  time.Time
}

func (m *manualTime) Now() time.Time { m.mu.Lock(); defer m.mu.Unlock(); return m.t }
func (m *manualTime) Advance(d time.Duration) {
	m.mu.Lock()
	m.t = m.t.Add(d)
	m.mu.Unlock()
}

func TestUserLimiter(t *testing.T) {
	t.Run("a user gets a burst of Count questions, then waits for the next token", func(t *testing.T) {
		now := &manualTime{t: time.Unix(1_700_000_000, 0)}
		l := newUserLimiter(Rate{5, time.Minute}, now.Now)
		for i := 0; i < 5; i++ {
			if ok, _ := l.Allow("ann"); !ok {
				t.Fatalf("question %d refused", i+1)
			}
		}
		ok, retryAfter := l.Allow("ann")
		if ok {
			t.Fatal("sixth question allowed")
		}
		if retryAfter != 12*time.Second {
			t.Errorf("retry after %v, want 12s (one token per 12s)", retryAfter)
		}
		now.Advance(12 * time.Second)
		if ok, _ := l.Allow("ann"); !ok {
			t.Error("refused after the token came back")
		}
	})
	t.Run("users have buckets of their own", func(t *testing.T) {
		now := &manualTime{t: time.Unix(1_700_000_000, 0)}
		l := newUserLimiter(Rate{1, time.Minute}, now.Now)
		if ok, _ := l.Allow("ann"); !ok {
			t.Fatal("ann refused")
		}
		if ok, _ := l.Allow("bob"); !ok {
			t.Fatal("bob refused because of ann")
		}
	})
	t.Run("a refund gives the token back", func(t *testing.T) {
		now := &manualTime{t: time.Unix(1_700_000_000, 0)}
		l := newUserLimiter(Rate{1, time.Minute}, now.Now)
		l.Allow("ann")
		l.Refund("ann")
		if ok, _ := l.Allow("ann"); !ok {
			t.Fatal("refund did not give the token back")
		}
	})
	t.Run("no limit allows everything", func(t *testing.T) {
		l := newUserLimiter(Rate{}, time.Now)
		for i := 0; i < 1000; i++ {
			if ok, _ := l.Allow("ann"); !ok {
				t.Fatal("refused without a limit")
			}
		}
		if l.size() != 0 {
			t.Error("kept buckets without a limit")
		}
	})
	t.Run("full buckets are forgotten a few per question, so the map shrinks after a rush", func(t *testing.T) {
		now := &manualTime{t: time.Unix(1_700_000_000, 0)}
		l := newUserLimiter(Rate{5, time.Minute}, now.Now)
		for i := 0; i < 10_000; i++ {
			l.Allow("user" + strconv.Itoa(i))
		}
		if l.size() != 10_000 {
			t.Fatalf("size %d, want 10000 active buckets", l.size())
		}
		now.Advance(59 * time.Second) // not full yet: nothing may be forgotten
		l.Allow("early")
		if l.size() != 10_001 {
			t.Fatalf("size %d: a bucket was forgotten before it was full", l.size())
		}
		now.Advance(time.Second) // every bucket of the rush is full again
		l.Allow("late")
		if got, want := l.size(), 10_002-expirePerCall; got != want {
			t.Errorf("size %d after one question, want %d (%d forgotten per question)", got, want, expirePerCall)
		}
		for i := 0; i < 10_000/expirePerCall; i++ {
			l.Allow("late")
		}
		if l.size() != 2 {
			t.Errorf("size %d after the rush, want 2 (early and late)", l.size())
		}
	})
	t.Run("at the cap a limited user never gets another question, and newcomers are refused until a bucket is full", func(t *testing.T) {
		now := &manualTime{t: time.Unix(1_700_000_000, 0)}
		l := newUserLimiter(Rate{1, time.Hour}, now.Now)
		l.max = 100
		if ok, _ := l.Allow("limited"); !ok {
			t.Fatal("first question refused")
		}
		admitted := 0
		for i := 0; i < 10_000; i++ {
			now.Advance(100 * time.Millisecond) // 1,000 s in all: within the hour
			if ok, _ := l.Allow("user" + strconv.Itoa(i)); ok {
				admitted++
			}
			if ok, _ := l.Allow("limited"); ok {
				t.Fatalf("the limited user got another question after %d newcomers", i+1)
			}
		}
		if admitted != 99 {
			t.Errorf("%d newcomers admitted, want 99 (the cap less the limited user)", admitted)
		}
		ok, retryAfter := l.Allow("newcomer")
		if ok || retryAfter <= 0 || retryAfter > time.Hour {
			t.Errorf("a newcomer at the cap: ok %v, retry after %v; want a refusal with a wait within the hour", ok, retryAfter)
		}
		now.Advance(retryAfter)
		if ok, _ := l.Allow("newcomer"); !ok {
			t.Error("the newcomer was refused after the oldest bucket was full again")
		}
	})
	t.Run("the map never grows past its bound", func(t *testing.T) {
		now := &manualTime{t: time.Unix(1_700_000_000, 0)}
		l := newUserLimiter(Rate{5, time.Hour}, now.Now)
		l.max = 100
		for i := 0; i < 1000; i++ {
			l.Allow("user" + strconv.Itoa(i))
			if l.size() > 100 {
				t.Fatalf("size %d past the bound of 100", l.size())
			}
		}
	})
}

func TestAnswerSlots(t *testing.T) {
	s := newAnswerSlots(2)
	for i := 0; i < 2; i++ {
		if !s.TryAcquire() {
			t.Fatalf("could not take slot %d of two", i+1)
		}
	}
	if s.TryAcquire() {
		t.Fatal("took a third slot of two")
	}
	s.Release()
	if !s.TryAcquire() {
		t.Fatal("a released slot was not free")
	}
	unlimited := newAnswerSlots(0)
	for i := 0; i < 100; i++ {
		if !unlimited.TryAcquire() {
			t.Fatal("a zero cap refused")
		}
	}
}

// BenchmarkUserLimiterAtCap measures one check with 50,000 users
// remembered, none of them full: a newcomer (refused) and a known user.
//
//	go test ./bot -run '^$' -bench UserLimiterAtCap
func BenchmarkUserLimiterAtCap(b *testing.B) {
	now := &manualTime{t: time.Unix(1_700_000_000, 0)}
	l := newUserLimiter(Rate{5, time.Hour}, now.Now)
	for i := 0; i < maxTrackedUsers; i++ {
		l.Allow("user" + strconv.Itoa(i))
	}
	if l.size() != maxTrackedUsers {
		b.Fatalf("size %d, want the cap", l.size())
	}
	users := make([]string, 1024)
	for i := range users {
		users[i] = "user" + strconv.Itoa(i*37)
	}
	b.Run("newcomer", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if ok, _ := l.Allow("newcomer"); ok {
				b.Fatal("a newcomer was admitted at the cap")
			}
		}
	})
	b.Run("known", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			l.Allow(users[i%len(users)])
		}
	})
}
