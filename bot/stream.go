package bot

import (
	"context"
	"runtime/debug"
	"sync"
	"time"
)

// clock is the time source of the throttled editor and the limits; tests
// replace it.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// streamEditor edits one message as an answer grows: at most one edit per
// interval, measured from the end of the previous edit (so a request that
// discordgo held back on a 429 does not shorten the next gap), and only the
// latest text matters: updates that arrive while an edit is waiting or in
// flight are coalesced into the next one. One goroutine does all sending,
// so edits never overlap or arrive out of order.
type streamEditor struct {
	interval time.Duration
	clock    clock
	edit     func(ctx context.Context, text string) error
	onError  func(error) // a failed progress edit; the answer goes on

	mu     sync.Mutex
	latest string
	dirty  bool

	wake    chan struct{}
	finalCh chan finalEdit
	exited  chan struct{}

	lastEnd time.Time // when the last edit finished; zero before the first
	broken  bool      // a progress edit failed for good; skip the rest
	failure error     // a panic in an edit (rendering model text): set before exited closes
}

type finalEdit struct {
	fn   func(ctx context.Context) error
	done chan error
}

func newStreamEditor(ctx context.Context, interval time.Duration, c clock, edit func(ctx context.Context, text string) error, onError func(error)) *streamEditor {
	if onError == nil {
		onError = func(error) {}
	}
	e := &streamEditor{
		interval: interval,
		clock:    c,
		edit:     edit,
		onError:  onError,
		wake:     make(chan struct{}, 1),
		finalCh:  make(chan finalEdit, 1),
		exited:   make(chan struct{}),
	}
	go e.run(ctx)
	return e
}

// Update sets the text the message should show. It never blocks.
func (e *streamEditor) Update(text string) {
	e.mu.Lock()
	e.latest, e.dirty = text, true
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Final drops any pending progress edit, waits until the interval since
// the last edit has passed, runs fn (the final edit) and stops the editor.
// When an edit panicked, the editor is gone and Final returns the panic
// as a *panicError without running fn: the caller reports it.
func (e *streamEditor) Final(ctx context.Context, fn func(ctx context.Context) error) error {
	req := finalEdit{fn: fn, done: make(chan error, 1)}
	select {
	case e.finalCh <- req:
	case <-e.exited:
		if e.failure != nil {
			return e.failure
		}
		return fn(ctx)
	}
	select {
	case err := <-req.done:
		return err
	case <-e.exited:
		// The loop ended (its context is done, or an edit panicked) before running fn.
		select {
		case err := <-req.done:
			return err
		default:
			if e.failure != nil {
				return e.failure
			}
			return ctx.Err()
		}
	}
}

// Stop ends the editor without a final edit, once an edit in flight (if
// any) has finished.
func (e *streamEditor) Stop() {
	req := finalEdit{done: make(chan error, 1)}
	select {
	case e.finalCh <- req:
	case <-e.exited:
		return
	}
	select {
	case <-req.done:
	case <-e.exited:
	}
}

func (e *streamEditor) take() (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.dirty {
		return "", false
	}
	e.dirty = false
	return e.latest, true
}

func (e *streamEditor) pending() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dirty && !e.broken
}

func (e *streamEditor) run(ctx context.Context) {
	// The edits render model text: a panic there must not take the bot
	// down. It ends the editor; Final hands it to the caller, who logs it
	// with an error id and tells the user.
	defer close(e.exited)
	defer func() {
		if r := recover(); r != nil {
			e.failure = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	var final *finalEdit
	for {
		// Wait for something to send.
		for final == nil && !e.pending() {
			select {
			case <-e.wake:
			case req := <-e.finalCh:
				final = &req
			case <-ctx.Done():
				return
			}
		}
		if final != nil && final.fn == nil { // Stop
			final.done <- nil
			return
		}
		// Wait out the interval; updates meanwhile are coalesced.
		if wait := e.lastEnd.Add(e.interval).Sub(e.clock.Now()); !e.lastEnd.IsZero() && wait > 0 {
			timer := e.clock.After(wait)
		waiting:
			for {
				select {
				case <-timer:
					break waiting
				case <-e.wake:
				case req := <-e.finalCh:
					final = &req
					if final.fn == nil {
						final.done <- nil
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}
		if final != nil {
			err := final.fn(ctx)
			final.done <- err
			return
		}
		text, ok := e.take()
		if !ok {
			continue
		}
		err := e.edit(ctx, text)
		e.lastEnd = e.clock.Now()
		if err != nil {
			e.onError(err)
			if ctx.Err() != nil {
				return
			}
			if permanentDiscordError(err) {
				e.mu.Lock()
				e.broken = true
				e.mu.Unlock()
			}
		}
	}
}
