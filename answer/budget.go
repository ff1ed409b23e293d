package answer

import (
	"context"
	"sync"
	"time"
)

// TokenBudget caps what model calls may cost. A call reserves its most
// expensive outcome (prompt estimate plus its token limit) before it is
// sent, and settles with what it really cost once it ends, so that calls
// made at the same time cannot all slip under the cap: the cap is passed by
// at most one call. The in-process DailyBudget implements it; a shared
// (Redis) one can replace it for several replicas.
type TokenBudget interface {
	// Reserve sets tokens aside for a call and reports whether the call may
	// be made; false means the budget is spent and nothing was reserved.
	Reserve(ctx context.Context, tokens int) (Reservation, bool)
}

// Reservation is tokens set aside for one call.
type Reservation interface {
	// Settle replaces the reserved tokens with what the call cost (its
	// usage, and the prompts of failed attempts). Call it exactly once.
	Settle(ctx context.Context, tokens int)
}

// DailyBudget is a TokenBudget per UTC day, per process: with several
// replicas each has the whole budget (see the README). A limit of 0 or less
// is no limit.
type DailyBudget struct {
	limit int
	now   func() time.Time
	mu    sync.Mutex
	day   string
	used  int // settled costs plus open reservations, today
}

var _ TokenBudget = (*DailyBudget)(nil)

// NewDailyBudget returns a budget of limit tokens a UTC day; now is the
// clock (nil: time.Now).
func NewDailyBudget(limit int, now func() time.Time) *DailyBudget {
	if now == nil {
		now = time.Now
	}
	return &DailyBudget{limit: limit, now: now}
}

// rollLocked starts a new day's count when the day changed.
func (b *DailyBudget) rollLocked() string {
	d := b.now().UTC().Format("2006-01-02")
	if d != b.day {
		b.day, b.used = d, 0
	}
	return d
}

// Reserve grants a reservation while today's count (open reservations
// included) is under the limit, even when this one takes it past: a single
// call may overshoot, a second cannot start.
func (b *DailyBudget) Reserve(_ context.Context, tokens int) (Reservation, bool) {
	if b.limit <= 0 {
		return noReservation{}, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	day := b.rollLocked()
	if b.used >= b.limit {
		return nil, false
	}
	tokens = max(tokens, 1) // a reservation always holds the door for the others
	b.used += tokens
	return &dailyReservation{b: b, day: day, reserved: tokens}, true
}

// Used is today's count: settled costs plus open reservations.
func (b *DailyBudget) Used() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollLocked()
	return b.used
}

type dailyReservation struct {
	b        *DailyBudget
	day      string
	reserved int
	once     sync.Once
}

func (r *dailyReservation) Settle(_ context.Context, tokens int) {
	r.once.Do(func() {
		b := r.b
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.rollLocked() == r.day {
			b.used += max(tokens, 0) - r.reserved
		} else {
			// Reserved yesterday, ended today: today pays what it cost.
			b.used += max(tokens, 0)
		}
	})
}

// noReservation is the reservation of an unlimited budget.
type noReservation struct{}

func (noReservation) Settle(context.Context, int) {}
