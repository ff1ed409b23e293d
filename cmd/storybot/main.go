// Command storybot answers questions about a story: in Discord (serve), or
// on the command line (ask, search, quotes, timeline, summary, stories,
// eval). See the README for every command and variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/storybot/storybot/fault"
)

// version is stamped at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is bad usage or bad input: exit code 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

const usage = `storybot answers questions about a story, in Discord or here.

Usage:
  storybot serve [--http]                         run the Discord bot
  storybot ask [--json] [--lang de|en] QUESTION   answer one question
  storybot search [--json] [-k N] QUESTION        ranked passages with scores
  storybot quotes [--json] [--speaker S] [--topic T]
  storybot timeline [--json]
  storybot summary [--json] [--length short|long]
  storybot stories [--json]                       the loaded stories
  storybot eval [--json] [--answers] [--stories DIR] [--fail-under recall3=0.9,...] FILE
  storybot healthcheck                            exit 0 when the running bot's /healthz answers
  storybot version

Most commands take --story ID when several stories are loaded, and --lang.
Configuration comes from the environment (see .env.example); with no
OPENAI_API_KEY or OPENAI_BASE_URL, storybot answers offline from the text.
`

// run executes one command line and returns the exit code: 0 success, 1 a
// runtime failure, 2 bad usage or bad input. Errors are one line on stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "storybot: "+oneLine(err.Error()))
	var u usageError
	if errors.As(err, &u) || fault.KindOf(err) == fault.Invalid || fault.KindOf(err) == fault.NotFound {
		return 2
	}
	return 1
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "storybot "+version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	case "healthcheck":
		return healthcheck(ctx, rest)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	c := &cli{cfg: cfg, stdout: stdout, stderr: stderr}
	switch cmd {
	case "serve":
		return c.serve(ctx, rest)
	case "ask":
		return c.ask(ctx, rest)
	case "search":
		return c.search(ctx, rest)
	case "quotes", "quote":
		return c.quotes(ctx, rest)
	case "timeline":
		return c.timeline(ctx, rest)
	case "summary":
		return c.summary(ctx, rest)
	case "stories":
		return c.stories(ctx, rest)
	case "eval":
		return c.eval(ctx, rest)
	}
	return usagef("unknown command %q (try storybot help)", cmd)
}

// parseFlags parses fs from args, allowing flags after the positional
// arguments too ("ask 'question' --json"), and returns the positionals.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseNoArgs parses fs from args for a command that takes flags only.
func parseNoArgs(fs *flag.FlagSet, args []string) error {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("%s takes no arguments, only flags (got %q)", fs.Name(), strings.Join(pos, " "))
	}
	return nil
}
