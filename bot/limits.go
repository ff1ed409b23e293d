package bot

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is how many questions a user may ask per period: a token bucket that
// holds Count tokens and refills Count of them every Per. The zero Rate
// means no limit.
type Rate struct {
	Count int
	Per   time.Duration
}

// Unlimited reports whether r sets no limit.
func (r Rate) Unlimited() bool { return r.Count <= 0 || r.Per <= 0 }

func (r Rate) String() string {
	if r.Unlimited() {
		return "off"
	}
	d := r.Per.String()
	// "1m0s" reads better as "1m", "1h0m0s" as "1h".
	if strings.HasSuffix(d, "m0s") {
		d = strings.TrimSuffix(d, "0s")
	}
	if strings.HasSuffix(d, "h0m") {
		d = strings.TrimSuffix(d, "0m")
	}
	return strconv.Itoa(r.Count) + "/" + d
}

// ParseRate parses RATE_LIMIT: "COUNT/PERIOD", where PERIOD is a Go
// duration ("30s", "1m", "1h30m") or a bare unit ("s", "m", "min", "h",
// "d", meaning one of it). "5/1m" allows five questions a minute with
// bursts of up to five. "0", "off" and "none" turn the limit off; "" is an
// error so that a forgotten value does not silently disable it.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "0", "off", "none", "unlimited":
		return Rate{}, nil
	case "":
		return Rate{}, fmt.Errorf("rate limit: empty (want e.g. 5/1m, or off)")
	}
	countText, perText, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, fmt.Errorf("rate limit %q: want COUNT/PERIOD, e.g. 5/1m", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(countText))
	if err != nil || count < 1 {
		return Rate{}, fmt.Errorf("rate limit %q: count must be a whole number of at least 1", s)
	}
	per, err := parsePeriod(strings.TrimSpace(perText))
	if err != nil {
		return Rate{}, fmt.Errorf("rate limit %q: %w", s, err)
	}
	return Rate{Count: count, Per: per}, nil
}

func parsePeriod(s string) (time.Duration, error) {
	switch strings.ToLower(s) {
	case "s", "sec", "second":
		return time.Second, nil
	case "m", "min", "minute":
		return time.Minute, nil
	case "h", "hour":
		return time.Hour, nil
	case "d", "day":
		return 24 * time.Hour, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days > 0 && days <= 365 {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("period must be a duration like 30s, 1m or 1h")
	}
	if d < time.Second {
		return 0, fmt.Errorf("period must be at least 1s")
	}
	return d, nil
}

// maxBuckets bounds the per-user bucket map. Idle buckets (full again) are
// swept first; past the bound, arbitrary buckets are dropped, which only
// ever makes the limit more lenient for their users.
const maxBuckets = 50_000

// userLimiter is a token bucket per user. A bucket that has refilled
// completely is the same as no bucket, so it can be evicted; that is what
// keeps the map bounded by the users active within one period.
type userLimiter struct {
	rate Rate
	now  func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
	max       int
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newUserLimiter(r Rate, now func() time.Time) *userLimiter {
	return &userLimiter{rate: r, now: now, buckets: make(map[string]*bucket), max: maxBuckets}
}

// Allow takes a token from user's bucket. When the bucket is empty it
// returns false and the time at which the next token will be there.
func (l *userLimiter) Allow(user string) (ok bool, retryAt time.Time) {
	if l.rate.Unlimited() {
		return true, time.Time{}
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
	b := l.buckets[user]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.dropLocked(len(l.buckets) - l.max + 1)
		}
		b = &bucket{tokens: float64(l.rate.Count), at: now}
		l.buckets[user] = b
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, time.Time{}
	}
	perToken := l.rate.Per / time.Duration(l.rate.Count)
	wait := time.Duration((1 - b.tokens) * float64(perToken))
	return false, now.Add(wait)
}

// Refund gives back a token taken by Allow when the question was not
// answered after all (e.g. every answer slot was busy).
func (l *userLimiter) Refund(user string) {
	if l.rate.Unlimited() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.buckets[user]; b != nil {
		b.tokens = min(b.tokens+1, float64(l.rate.Count))
	}
}

func (l *userLimiter) refill(b *bucket, now time.Time) {
	elapsed := now.Sub(b.at)
	if elapsed <= 0 {
		return
	}
	b.tokens = min(float64(l.rate.Count), b.tokens+float64(l.rate.Count)*float64(elapsed)/float64(l.rate.Per))
	b.at = now
}

// sweepLocked evicts full buckets, at most once per period (amortized
// O(1) per call).
func (l *userLimiter) sweepLocked(now time.Time) {
	if now.Sub(l.lastSweep) < l.rate.Per && len(l.buckets) < l.max {
		return
	}
	l.lastSweep = now
	for user, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= float64(l.rate.Count) {
			delete(l.buckets, user)
		}
	}
}

func (l *userLimiter) dropLocked(n int) {
	for user := range l.buckets {
		if n <= 0 {
			return
		}
		delete(l.buckets, user)
		n--
	}
}

func (l *userLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// answerSlots caps the answers being written at once. A zero or negative
// cap means no cap.
type answerSlots struct {
	ch chan struct{}
}

func newAnswerSlots(n int) *answerSlots {
	if n <= 0 {
		return &answerSlots{}
	}
	return &answerSlots{ch: make(chan struct{}, n)}
}

// TryAcquire takes a slot without waiting; release it with Release.
func (s *answerSlots) TryAcquire() bool {
	if s.ch == nil {
		return true
	}
	select {
	case s.ch <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s *answerSlots) Release() {
	if s.ch != nil {
		<-s.ch
	}
}

func (s *answerSlots) InUse() int {
	if s.ch == nil {
		return 0
	}
	return len(s.ch)
}
