package answer

import (
	"sync"
	"time"
)

// budget counts model tokens per UTC day against LLM_DAILY_TOKEN_BUDGET. It
// is per process: with several replicas each has the budget (documented in
// the README). A call that starts under the budget may end past it; the next
// one is then offline.
type budget struct {
	limit int
	now   func() time.Time
	mu    sync.Mutex
	day   string
	used  int
}

func newBudget(limit int, now func() time.Time) *budget {
	return &budget{limit: limit, now: now}
}

func (b *budget) today() string { return b.now().UTC().Format("2006-01-02") }

// spent reports whether today's budget is used up.
func (b *budget) spent() bool {
	if b.limit <= 0 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := b.today(); d != b.day {
		b.day, b.used = d, 0
	}
	return b.used >= b.limit
}

func (b *budget) add(tokens int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := b.today(); d != b.day {
		b.day, b.used = d, 0
	}
	b.used += tokens
}
