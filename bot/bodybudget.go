package bot

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// bodyBudget bounds the memory of interaction bodies held before their
// signature is checked, over all requests at once: anyone can send those,
// and only Discord can send the ones that pass. It counts the capacity of
// the buffers the bodies are read into, reserved before a buffer is taken.
type bodyBudget struct {
	max  int64
	used atomic.Int64
	peak atomic.Int64 // highest use so far (tests and the README's figures)
	// changed, if set, is called with the new use after every change
	// (tests wait on it instead of sleeping).
	changed func(used int64)
}

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

// errBodyBudget: the unverified bodies in memory are at the limit.
var errBodyBudget = errors.New("too many unverified request bodies in memory")

// Body buffers come in size classes, each with its pool: bodyChunk
// doubling up to the largest class, which holds the signed prefix, a body
// of maxInteractionBody, the byte past it (which the MaxBytesReader
// refuses) and one spare byte to read the end of the body into. A
// body of known length gets the class that fits it at once; one of
// unknown length (chunked) moves up a class when its buffer is full.
const (
	bodyChunk    = 16 << 10
	maxPrefix    = 32 // X-Signature-Timestamp, signed before the body
	maxBodyClass = maxInteractionBody + maxPrefix + 2
)

var bodyClasses = func() []int {
	var cs []int
	for c := bodyChunk; c < maxBodyClass; c *= 2 {
		cs = append(cs, c)
	}
	return append(cs, maxBodyClass)
}()

var bodyPools = make([]sync.Pool, len(bodyClasses))

// classFor is the smallest class that holds n bytes (the largest if none).
func classFor(n int) int {
	for i, c := range bodyClasses {
		if n <= c {
			return i
		}
	}
	return len(bodyClasses) - 1
}

func getBuffer(class int) []byte {
	if v, ok := bodyPools[class].Get().(*[]byte); ok {
		return (*v)[:0]
	}
	return make([]byte, 0, bodyClasses[class])
}

func putBuffer(class int, b []byte) {
	b = b[:0]
	bodyPools[class].Put(&b)
}

// bodyBuffer is a signed message being read: the timestamp prefix, then
// the body. Release its budget when it is verified (or refused) and free
// it when its bytes are no longer used.
type bodyBuffer struct {
	g     *bodyBudget
	class int
	buf   []byte
	pre   int   // length of the prefix
	held  int64 // of g
}

// Message is the prefix and the body: what the signature covers.
func (b *bodyBuffer) Message() []byte { return b.buf }

// Body is the body alone.
func (b *bodyBuffer) Body() []byte { return b.buf[b.pre:] }

// Release gives back the budget; the buffer stays readable.
func (b *bodyBuffer) Release() {
	b.g.release(b.held)
	b.held = 0
}

// Free releases the budget (if not yet) and returns the buffer to its pool.
func (b *bodyBuffer) Free() {
	b.Release()
	if b.buf != nil {
		putBuffer(b.class, b.buf)
		b.buf = nil
	}
}

// read reads r after prefix into a pooled buffer reserved from g;
// length is the body's declared length (-1 when unknown). On error
// nothing is held.
func (g *bodyBudget) read(r io.Reader, prefix string, length int64) (*bodyBuffer, error) {
	need := len(prefix) + bodyChunk
	if length >= 0 {
		need = len(prefix) + int(length) + 1 // +1: room to read the end
	}
	b := &bodyBuffer{g: g, class: classFor(need), pre: len(prefix)}
	if !g.reserve(int64(bodyClasses[b.class])) {
		return nil, errBodyBudget
	}
	b.held = int64(bodyClasses[b.class])
	b.buf = append(getBuffer(b.class), prefix...)
	for {
		if len(b.buf) == cap(b.buf) {
			if err := b.grow(); err != nil {
				b.Free()
				return nil, err
			}
		}
		n, err := r.Read(b.buf[len(b.buf):cap(b.buf)])
		b.buf = b.buf[:len(b.buf)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			b.Free()
			return nil, err
		}
	}
}

// grow moves the bytes to a buffer of the next class.
func (b *bodyBuffer) grow() error {
	next := b.class + 1
	if next == len(bodyClasses) {
		// The largest class fits anything under maxInteractionBody plus
		// the byte past it that the MaxBytesReader refuses: a reader
		// without that limit is a bug.
		return errBufferFull
	}
	size := int64(bodyClasses[next])
	if !b.g.reserve(size) {
		return errBodyBudget
	}
	nb := append(getBuffer(next), b.buf...)
	putBuffer(b.class, b.buf)
	b.g.release(b.held)
	b.class, b.buf, b.held = next, nb, size
	return nil
}

// errBufferFull: a body outgrew the largest buffer class (read without
// http.MaxBytesReader).
var errBufferFull = errors.New("bot: interaction body outgrew the largest buffer; is it read through http.MaxBytesReader?")
