package bot

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestBodyBudgetRead(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 100_000)
	t.Run("a body of unknown length grows through the classes and keeps its bytes", func(t *testing.T) {
		g := newBodyBudget(1 << 30)
		// One byte per Read, like a slow chunked body.
		m, err := g.read(iotest.OneByteReader(bytes.NewReader(body)), "1760000000", -1)
		if err != nil {
			t.Fatal(err)
		}
		if string(m.Message()) != "1760000000"+string(body) || !bytes.Equal(m.Body(), body) {
			t.Fatalf("message of %d bytes, body of %d", len(m.Message()), len(m.Body()))
		}
		if want := int64(bodyClasses[classFor(len(m.Message()))]); g.used.Load() != want {
			t.Errorf("holding %d bytes of the budget, want the buffer's %d", g.used.Load(), want)
		}
		m.Free()
		if g.used.Load() != 0 {
			t.Errorf("%d bytes still held after Free", g.used.Load())
		}
	})
	t.Run("a body of known length takes the class that fits it at once", func(t *testing.T) {
		var seen []int64
		g := newBodyBudget(1 << 30)
		g.changed = func(n int64) { seen = append(seen, n) }
		m, err := g.read(bytes.NewReader(body), "1", int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		m.Release()
		if len(seen) != 2 || seen[0] != int64(bodyClasses[classFor(len(body)+2)]) || seen[1] != 0 {
			t.Errorf("budget changes %v, want one reservation and its release", seen)
		}
		m.Free()
	})
	t.Run("past the budget nothing is read and nothing is held", func(t *testing.T) {
		g := newBodyBudget(bodyChunk)
		r := &countingReader{r: bytes.NewReader(body)}
		if _, err := g.read(r, "1", -1); !errors.Is(err, errBodyBudget) {
			t.Fatalf("err %v, want errBodyBudget", err)
		}
		if g.used.Load() != 0 || r.n > bodyChunk {
			t.Errorf("%d bytes held, %d read", g.used.Load(), r.n)
		}
	})
	t.Run("a read error gives everything back", func(t *testing.T) {
		g := newBodyBudget(1 << 30)
		boom := errors.New("connection reset")
		if _, err := g.read(io.MultiReader(bytes.NewReader(body), iotest.ErrReader(boom)), "1", -1); !errors.Is(err, boom) {
			t.Fatalf("err %v", err)
		}
		if g.used.Load() != 0 {
			t.Errorf("%d bytes held after a failed read", g.used.Load())
		}
	})
	t.Run("the largest class fits the limit and the byte past it", func(t *testing.T) {
		g := newBodyBudget(1 << 30)
		prefix := string(bytes.Repeat([]byte("9"), maxPrefix))
		m, err := g.read(io.LimitReader(zeros{}, maxInteractionBody+1), prefix, -1)
		if err != nil || len(m.Body()) != maxInteractionBody+1 {
			t.Fatalf("err %v", err)
		}
		m.Free()
		if _, err := g.read(io.LimitReader(zeros{}, maxInteractionBody+2), prefix, -1); !errors.Is(err, errBufferFull) {
			t.Fatalf("err %v, want errBufferFull", err)
		}
		if g.used.Load() != 0 {
			t.Errorf("%d bytes held", g.used.Load())
		}
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
