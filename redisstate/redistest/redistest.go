// Package redistest starts a real redis-server on loopback for tests, and
// stops and restarts it on the same port to test what happens when Redis
// goes away. Tests skip (with the reason) when redis-server is not on PATH;
// CI installs it (.ci/run).
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a redis-server process owned by a test.
type Server struct {
	tb   testing.TB
	path string
	port int

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts redis-server on a free loopback port, without persistence,
// and stops it on tb.Cleanup. It skips the test when redis-server is not
// installed, except in CI (CI=true), where .ci/run installs it: there a
// missing server fails the test instead of hiding every Redis test.
func Start(tb testing.TB) *Server {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil && os.Getenv("CI") == "true" {
		tb.Fatal("redis-server is not on PATH, and CI=true: .ci/run should have installed it")
	}
	if err != nil {
		tb.Skip("redis-server is not on PATH: install it (Debian: apt-get install redis-server) to run the Redis tests")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &Server{tb: tb, path: path, port: port}
	s.Restart()
	tb.Cleanup(s.Kill)
	return s
}

// URL is the REDIS_URL of the server.
func (s *Server) URL() string { return "redis://127.0.0.1:" + strconv.Itoa(s.port) + "/0" }

// Addr is host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Kill stops the server abruptly (SIGKILL), as a crash would, and waits
// for the process to be gone. Its data is lost. Idempotent.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart starts the server (again) on its port and returns once it
// accepts connections (its log says so).
func (s *Server) Restart() {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command(s.path, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "notice", "--protected-mode", "yes")
	out, err := cmd.StdoutPipe()
	if err != nil {
		s.tb.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("start redis-server: %v", err)
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var log []string
		for sc.Scan() {
			line := sc.Text()
			if strings.Contains(line, "Ready to accept connections") {
				ready <- nil
				for sc.Scan() { // keep draining so the server never blocks on its log
				}
				return
			}
			log = append(log, line)
		}
		ready <- fmt.Errorf("redis-server exited before it was ready:\n%s", strings.Join(log, "\n"))
	}()
	select {
	case err := <-ready:
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			s.tb.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		s.tb.Fatal("redis-server did not get ready within 20s")
	}
	s.cmd = cmd
}
