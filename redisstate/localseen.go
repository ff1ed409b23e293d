package redisstate

import (
	"sync"
	"time"
)

// SeenSet is an in-process LocalReplay: ids remembered for a window, at
// most max of them (the oldest go first), swept as time passes so memory
// stays bounded.
type SeenSet struct {
	window time.Duration
	max    int
	now    func() time.Time

	mu    sync.Mutex
	at    map[string]time.Time
	order []string // ids in insertion order
}

// NewSeenSet remembers ids for window, at most max at once.
func NewSeenSet(window time.Duration, max int) *SeenSet {
	return &SeenSet{window: window, max: max, now: time.Now, at: make(map[string]time.Time)}
}

// Seen records id and reports whether it was recorded within the window.
func (s *SeenSet) Seen(id string) bool {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Drop expired ids from the front: insertion order is expiry order.
	for len(s.order) > 0 {
		first := s.order[0]
		if t, ok := s.at[first]; ok && now.Sub(t) < s.window && len(s.order) < s.max {
			break
		}
		delete(s.at, first)
		s.order = s.order[1:]
	}
	if t, ok := s.at[id]; ok && now.Sub(t) < s.window {
		return true
	}
	s.at[id] = now
	s.order = append(s.order, id)
	return false
}
