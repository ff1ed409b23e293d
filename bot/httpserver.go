package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// HTTPLimits bounds what the HTTP server at HTTPAddr gives one client.
// Zero fields take the defaults below; tests shorten them.
type HTTPLimits struct {
	// ReadHeaderTimeout: time to send the request line and headers.
	ReadHeaderTimeout time.Duration
	// ReadTimeout: time to send the whole request, body included, so a
	// body trickled in byte by byte is cut off.
	ReadTimeout time.Duration
	// WriteTimeout: from the end of the headers to the end of the
	// response; it must cover reading the body and the wait for the
	// interaction's first response (httpAckWait).
	WriteTimeout time.Duration
	// IdleTimeout: how long a keep-alive connection may wait for its next
	// request.
	IdleTimeout time.Duration
	// UnverifiedBodyBytes bounds the interaction bodies held in memory
	// before their signature is checked, all requests together; a request
	// that would go over it gets 503.
	UnverifiedBodyBytes int64
}

// The defaults. Discord sends a few kilobytes at once and expects the
// first response within 3 s, so these leave it plenty and a slow or idle
// client little.
const (
	defaultReadHeaderTimeout   = 5 * time.Second
	defaultReadTimeout         = 10 * time.Second
	defaultWriteTimeout        = 15 * time.Second
	defaultIdleTimeout         = 60 * time.Second
	defaultUnverifiedBodyBytes = 8 << 20
)

func (l HTTPLimits) withDefaults() HTTPLimits {
	set := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	set(&l.ReadHeaderTimeout, defaultReadHeaderTimeout)
	set(&l.ReadTimeout, defaultReadTimeout)
	set(&l.WriteTimeout, defaultWriteTimeout)
	set(&l.IdleTimeout, defaultIdleTimeout)
	if l.UnverifiedBodyBytes <= 0 {
		l.UnverifiedBodyBytes = defaultUnverifiedBodyBytes
	}
	return l
}

// newHTTPServer is the server for HTTPAddr, with the timeouts of
// opts.HTTP. The interaction work it starts does not hang off its
// requests, so Shutdown stops it without cutting answers short.
func (b *Bot) newHTTPServer() *http.Server {
	l := b.opts.HTTP
	return &http.Server{
		Addr:              b.opts.HTTPAddr,
		Handler:           b.health,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
}

// serveHTTP starts the HTTP server on HTTPAddr (if set). errc reports a
// failure to serve; stop shuts it down.
func (b *Bot) serveHTTP() (errc <-chan error, stop func(), err error) {
	ch := make(chan error, 1)
	if b.opts.HTTPAddr == "" {
		return ch, func() {}, nil
	}
	srv := b.newHTTPServer()
	ln, err := net.Listen("tcp", b.opts.HTTPAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: listen on %s: %w", b.opts.HTTPAddr, err)
	}
	b.log.Info("serving http", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			ch <- fmt.Errorf("bot: http server: %w", err)
		}
	}()
	return ch, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
