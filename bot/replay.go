package bot

import (
	"context"
	"sync"
	"time"
)

// ReplayGuard remembers the signed interactions already taken, so that a
// signed request sent again inside the timestamp window (a replay by
// whoever captured it, or a load balancer retrying) is processed once.
// The in-process guard is the default; replicas that share the endpoint
// would share one (e.g. Redis SET NX with an expiry).
type ReplayGuard interface {
	// FirstSeen records the interaction id as taken until expires and
	// reports whether it is new. An error refuses the request.
	FirstSeen(ctx context.Context, id string, expires time.Time) (bool, error)
}

// replayMaxPerGeneration caps the ids one generation of memoryReplays
// holds. Only Discord can make ids that reach the guard (they come after
// the signature check), so this is a bound against a flood of real
// interactions, far above what one process answers.
const replayMaxPerGeneration = 500_000

// memoryReplays is the in-process ReplayGuard: two generations of ids.
// An id is kept for at least span: a new generation starts when the
// current one is span old (or full), and the one before it is dropped.
// Every call is O(1) and memory is bounded by the ids of two spans.
type memoryReplays struct {
	now  func() time.Time
	span time.Duration

	mu        sync.Mutex
	current   map[string]struct{}
	previous  map[string]struct{}
	started   time.Time // of current
	rotations int       // tests read it
}

// replaySpan covers the whole timestamp window: a request is accepted
// while its timestamp is within maxSignatureAge of now, either way, so
// the same request can come back for up to twice that after it was first
// taken.
const replaySpan = 2 * maxSignatureAge

// NewReplayGuard is the in-process guard (now nil: time.Now): what the Bot
// uses without Options.Replays, and the fallback of a shared one.
func NewReplayGuard(now func() time.Time) ReplayGuard {
	if now == nil {
		now = time.Now
	}
	return newMemoryReplays(now)
}

func newMemoryReplays(now func() time.Time) *memoryReplays {
	return &memoryReplays{now: now, span: replaySpan, current: map[string]struct{}{}, previous: map[string]struct{}{}, started: now()}
}

// FirstSeen ignores expires: every id lives at least span, which is as
// long as any signed request stays acceptable.
func (m *memoryReplays) FirstSeen(_ context.Context, id string, _ time.Time) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if age := now.Sub(m.started); age >= m.span || len(m.current) >= replayMaxPerGeneration {
		// Rotation happens on every call past span, so when age reaches
		// twice span, nothing came for a span and current is stale too.
		m.previous = m.current
		if age >= 2*m.span {
			m.previous = map[string]struct{}{}
		}
		m.current, m.started = make(map[string]struct{}), now
		m.rotations++
	}
	if _, ok := m.current[id]; ok {
		return false, nil
	}
	if _, ok := m.previous[id]; ok {
		return false, nil
	}
	m.current[id] = struct{}{}
	return true, nil
}
