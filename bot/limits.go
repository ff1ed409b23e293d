package bot

import (
	"container/list"
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

// RateLimiter decides whether a user may ask a question now. The Bot uses
// the in-process one below unless Options.Limiter gives another (one kept
// in Redis, e.g. GCRA, for several replicas).
type RateLimiter interface {
	// Allow takes one question from user's allowance. When there is none
	// left, ok is false and retryAfter says when there will be one.
	Allow(user string) (ok bool, retryAfter time.Duration)
	// Refund gives back the question Allow took when it was not answered
	// for a reason that is not the user's (busy, model down, a bug).
	Refund(user string)
}

// maxTrackedUsers bounds the users whose buckets are remembered: about a
// hundred bytes each, so 50,000 are a few megabytes.
const maxTrackedUsers = 50_000

// expirePerCall is how many forgettable buckets one Allow drops at most:
// more than the one it may add, so the map shrinks after a rush, and a
// constant, so no call pays for a sweep of the whole map.
const expirePerCall = 4

// userLimiter is a token bucket per user, in this process. A bucket that
// has refilled completely is the same as no bucket, so it is forgotten;
// nothing else ever is, so forgetting never grants anyone an extra
// question. A bucket is full at the latest one period after its last
// question was taken (it refills from empty in one period), so the
// buckets are kept in a list ordered by that time, and the front of the
// list is forgotten once its period is over: O(1) per call.
//
// At maxTrackedUsers remembered buckets, a user without one is refused
// (until the oldest is forgotten) rather than forgetting a bucket that is
// not full, which would hand its user fresh questions.
type userLimiter struct {
	rate Rate
	now  func() time.Time
	max  int

	mu    sync.Mutex
	users map[string]*list.Element // of *userBucket
	order list.List                // *userBucket by lastTake, oldest first
}

type userBucket struct {
	user     string
	tokens   float64
	at       time.Time // when tokens was last brought up to date
	lastTake time.Time // when a question was last taken: full again one period later
}

var _ RateLimiter = (*userLimiter)(nil)

// NewRateLimiter is the in-process limiter of r (now nil: time.Now): what
// the Bot uses without Options.Limiter, and the fallback of a shared one.
func NewRateLimiter(r Rate, now func() time.Time) RateLimiter {
	if now == nil {
		now = time.Now
	}
	return newUserLimiter(r, now)
}

func newUserLimiter(r Rate, now func() time.Time) *userLimiter {
	return &userLimiter{rate: r, now: now, users: make(map[string]*list.Element), max: maxTrackedUsers}
}

// Allow takes a token from user's bucket. When the bucket is empty it
// returns false and the time until the next token is there.
func (l *userLimiter) Allow(user string) (ok bool, retryAfter time.Duration) {
	if l.rate.Unlimited() {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.expireLocked(now, expirePerCall)
	el := l.users[user]
	if el == nil {
		if len(l.users) >= l.max {
			// Refuse the newcomer; the oldest bucket is full (and
			// forgotten) one period after its last question.
			oldest := l.order.Front().Value.(*userBucket)
			return false, max(oldest.lastTake.Add(l.rate.Per).Sub(now), time.Second)
		}
		el = l.order.PushBack(&userBucket{user: user, tokens: float64(l.rate.Count), at: now})
		l.users[user] = el
	}
	b := el.Value.(*userBucket)
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		b.lastTake = now
		l.order.MoveToBack(el)
		return true, 0
	}
	perToken := l.rate.Per / time.Duration(l.rate.Count)
	return false, time.Duration((1 - b.tokens) * float64(perToken))
}

// Refund gives back a token taken by Allow. A bucket already forgotten is
// full: there is nothing to give back.
func (l *userLimiter) Refund(user string) {
	if l.rate.Unlimited() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if el := l.users[user]; el != nil {
		b := el.Value.(*userBucket)
		b.tokens = min(b.tokens+1, float64(l.rate.Count))
	}
}

func (l *userLimiter) refill(b *userBucket, now time.Time) {
	elapsed := now.Sub(b.at)
	if elapsed <= 0 {
		return
	}
	b.tokens = min(float64(l.rate.Count), b.tokens+float64(l.rate.Count)*float64(elapsed)/float64(l.rate.Per))
	b.at = now
}

// expireLocked forgets up to n buckets from the front of the list whose
// period since the last question is over: they are full, so forgetting
// them changes nothing.
func (l *userLimiter) expireLocked(now time.Time, n int) {
	for ; n > 0; n-- {
		front := l.order.Front()
		if front == nil {
			return
		}
		b := front.Value.(*userBucket)
		if now.Sub(b.lastTake) < l.rate.Per {
			return
		}
		l.order.Remove(front)
		delete(l.users, b.user)
	}
}

func (l *userLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.users)
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
