package bot

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// bodyBudget bounds the bytes of interaction bodies held in memory before
// their signature is checked, over all requests at once: anyone can send
// those, and only Discord can send the ones that pass. Bytes are reserved
// in bodyChunk steps before they are read, so a slow body holds no more
// than it has sent plus one step.
type bodyBudget struct {
	max  int64
	used atomic.Int64
	peak atomic.Int64 // highest use so far (tests and the README's figures)
	// changed, if set, is called with the new use after every change
	// (tests wait on it instead of sleeping).
	changed func(used int64)
}

// bodyChunk is the step in which body bytes are reserved and read.
const bodyChunk = 16 << 10

func newBodyBudget(max int64) *bodyBudget { return &bodyBudget{max: max} }

// reserve takes n bytes of the budget; false when that would exceed it.
func (g *bodyBudget) reserve(n int64) bool {
	for {
		cur := g.used.Load()
		if cur+n > g.max {
			return false
		}
		if g.used.CompareAndSwap(cur, cur+n) {
			for p := g.peak.Load(); cur+n > p && !g.peak.CompareAndSwap(p, cur+n); p = g.peak.Load() {
			}
			if g.changed != nil {
				g.changed(cur + n)
			}
			return true
		}
	}
}

func (g *bodyBudget) release(n int64) {
	if n == 0 {
		return
	}
	used := g.used.Add(-n)
	if g.changed != nil {
		g.changed(used)
	}
}

// errBodyBudget: the bytes of unverified bodies in memory are at the limit.
var errBodyBudget = errors.New("too many unverified request bodies in memory")

// bodyBuffers are the buffers bodies are read into; most interactions are
// a few kilobytes, so a buffer is reused rather than grown again.
var bodyBuffers = sync.Pool{New: func() any { b := make([]byte, 0, bodyChunk); return &b }}

// maxPooledBody is the largest buffer put back into bodyBuffers.
const maxPooledBody = maxInteractionBody + bodyChunk

// readBody reads r into a pooled buffer, reserving from g before each
// step. It returns the body, the bytes it holds of g (release them when
// the body is no longer unverified) and a function that returns the
// buffer to the pool (call it when the body is no longer used). On error
// nothing is held.
func (g *bodyBudget) readBody(r io.Reader) (body []byte, held int64, free func(), err error) {
	bp := bodyBuffers.Get().(*[]byte)
	buf := (*bp)[:0]
	free = func() {
		if cap(buf) <= maxPooledBody {
			*bp = buf[:0]
			bodyBuffers.Put(bp)
		}
	}
	for {
		if !g.reserve(bodyChunk) {
			g.release(held)
			free()
			return nil, 0, func() {}, errBodyBudget
		}
		held += bodyChunk
		if cap(buf)-len(buf) < bodyChunk {
			grown := make([]byte, len(buf), max(2*cap(buf), len(buf)+bodyChunk))
			copy(grown, buf)
			buf = grown
		}
		n, rerr := io.ReadFull(r, buf[len(buf):len(buf)+bodyChunk])
		buf = buf[:len(buf)+n]
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			// Keep the reservation to what was read.
			g.release(int64(bodyChunk - n))
			held -= int64(bodyChunk - n)
			return buf, held, free, nil
		}
		if rerr != nil {
			g.release(held)
			free()
			return nil, 0, func() {}, rerr
		}
	}
}
