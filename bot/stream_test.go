package bot

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// recordingEdit is an edit function that hands every edit to the test.
type recordingEdit struct {
	calls chan string
	err   error
}

func newRecordingEdit() *recordingEdit { return &recordingEdit{calls: make(chan string, 100)} }

func (r *recordingEdit) edit(ctx context.Context, text string) error {
	r.calls <- text
	return r.err
}

func (r *recordingEdit) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-r.calls:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("no edit came")
		return ""
	}
}

func (r *recordingEdit) none(t *testing.T) {
	t.Helper()
	select {
	case s := <-r.calls:
		t.Fatalf("unexpected edit %q", s)
	default:
	}
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestStreamEditor(t *testing.T) {
	t.Run("the first update is sent at once", func(t *testing.T) {
		ctx := testContext(t)
		clk, rec := newFakeClock(), newRecordingEdit()
		e := newStreamEditor(ctx, time.Second, clk, rec.edit, nil)
		e.Update("a")
		if got := rec.next(t); got != "a" {
			t.Fatalf("edit %q, want a", got)
		}
		e.Stop()
	})
	t.Run("updates within the interval are coalesced into one edit with the latest text", func(t *testing.T) {
		ctx := testContext(t)
		clk, rec := newFakeClock(), newRecordingEdit()
		e := newStreamEditor(ctx, time.Second, clk, rec.edit, nil)
		e.Update("a")
		rec.next(t)
		e.Update("ab")
		e.Update("abc")
		if err := clk.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		clk.Advance(999 * time.Millisecond)
		rec.none(t)
		e.Update("abcd")
		clk.Advance(time.Millisecond)
		if got := rec.next(t); got != "abcd" {
			t.Fatalf("edit %q, want the latest text abcd", got)
		}
		e.Stop()
		rec.none(t)
	})
	t.Run("the final edit waits out the interval and replaces pending progress", func(t *testing.T) {
		ctx := testContext(t)
		clk, rec := newFakeClock(), newRecordingEdit()
		e := newStreamEditor(ctx, time.Second, clk, rec.edit, nil)
		e.Update("a")
		rec.next(t)
		final := make(chan error, 1)
		go func() {
			final <- e.Final(ctx, func(ctx context.Context) error { return rec.edit(ctx, "FINAL") })
		}()
		// Nothing else is pending, so the timer is the final edit's.
		if err := clk.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		e.Update("ab") // arrives while the final edit waits: dropped
		rec.none(t)
		clk.Advance(time.Second)
		if got := rec.next(t); got != "FINAL" {
			t.Fatalf("edit %q, want FINAL (pending progress dropped)", got)
		}
		if err := <-final; err != nil {
			t.Fatal(err)
		}
		rec.none(t)
	})
	t.Run("the interval counts from the end of the previous edit", func(t *testing.T) {
		ctx := testContext(t)
		clk, rec := newFakeClock(), newRecordingEdit()
		// The edit takes 5 simulated seconds (a 429 that discordgo waited out).
		slow := func(ctx context.Context, text string) error {
			clk.Advance(5 * time.Second)
			return rec.edit(ctx, text)
		}
		e := newStreamEditor(ctx, time.Second, clk, slow, nil)
		e.Update("a")
		rec.next(t)
		e.Update("ab")
		if err := clk.BlockUntil(ctx, 1); err != nil {
			t.Fatal(err)
		}
		rec.none(t)
		clk.Advance(time.Second)
		if got := rec.next(t); got != "ab" {
			t.Fatalf("edit %q, want ab", got)
		}
		e.Stop()
	})
	t.Run("after a permanent failure progress edits stop but the final edit runs", func(t *testing.T) {
		ctx := testContext(t)
		clk, rec := newFakeClock(), newRecordingEdit()
		rec.err = &discordgo.RESTError{Response: &http.Response{StatusCode: http.StatusNotFound}}
		var reported []error
		e := newStreamEditor(ctx, 0, clk, rec.edit, func(err error) { reported = append(reported, err) })
		e.Update("a")
		rec.next(t)
		e.Update("ab")
		err := e.Final(ctx, func(ctx context.Context) error { return errors.New("final ran") })
		if err == nil || err.Error() != "final ran" {
			t.Fatalf("Final = %v", err)
		}
		rec.none(t)
		if len(reported) != 1 {
			t.Errorf("%d errors reported, want 1", len(reported))
		}
	})
	t.Run("a canceled context ends the editor and Final does not hang", func(t *testing.T) {
		ctx, cancel := context.WithCancel(testContext(t))
		clk, rec := newFakeClock(), newRecordingEdit()
		e := newStreamEditor(ctx, time.Second, clk, rec.edit, nil)
		cancel()
		err := e.Final(ctx, func(ctx context.Context) error { return ctx.Err() })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Final = %v, want context.Canceled", err)
		}
	})
}
