// Command fakeopenai runs openaitest's fake OpenAI-compatible API as a
// process, for tests that drive the storybot binary from a shell:
//
//	go run ./cmd/fakeopenai -addr 127.0.0.1:0 -answer "Er hat das Geld erstattet [§2]." > url.txt &
//	# first line on stdout: OPENAI_BASE_URL=http://127.0.0.1:PORT/v1
//	OPENAI_API_KEY=test OPENAI_BASE_URL=... storybot ask "..."
//
// Without -answer it echoes: "Echo: <last line of the prompt> [§N]", citing
// the first passage id of the prompt (see openaitest.Echo). It runs until
// interrupted (SIGINT or SIGTERM).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/storybot/storybot/llm/openaitest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fakeopenai:", err)
		os.Exit(2)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fakeopenai", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on (port 0 picks a free one)")
	answer := fs.String("answer", "", "canned answer to every chat request (default: an echo citing the prompt's first passage id)")
	key := fs.String("key", "", "answer 401 to requests without this API key (default: accept any)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv := openaitest.NewServer()
	srv.SetAnswer(*answer)
	srv.SetAPIKey(*key)
	if err := srv.Listen(*addr); err != nil {
		return err
	}
	defer srv.Close()
	if _, err := fmt.Fprintf(stdout, "OPENAI_BASE_URL=%s\n", srv.BaseURL()); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}
