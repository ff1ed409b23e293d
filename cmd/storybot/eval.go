package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/storybot/storybot/evaluation"
)

func (c *cli) eval(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object")
	failUnder := fs.String("fail-under", "", "exit 1 when a total is below its threshold, e.g. recall3=0.9,facts=0.8")
	answers := fs.Bool("answers", false, "score answers even without a model (offline answers)")
	stories := fs.String("stories", "", "the story file or folder to evaluate over (default: the file's \"stories\", else STORY_PATH)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("eval needs one question file, e.g. storybot eval evaluation/sets/musk-altman-roadster.json")
	}
	thresholds, err := evaluation.ParseThresholds(*failUnder)
	if err != nil {
		return err
	}
	file, err := evaluation.ReadFile(pos[0])
	if err != nil {
		return err
	}
	// The question file knows which stories it was written for; the flag
	// overrides both it and STORY_PATH.
	switch {
	case *stories != "":
		c.cfg.StoryPath = *stories
	case file.StoryFolder() != "":
		c.cfg.StoryPath = file.StoryFolder()
	}
	e, err := c.engine(ctx, c.logger())
	if err != nil {
		return err
	}
	progress := progressLine(c.stderr)
	rep, err := evaluation.Run(ctx, e, file, evaluation.Options{
		Answers:  *answers || c.cfg.Online(),
		Progress: progress,
	})
	progress(-1, 0, evaluation.Question{})
	if err != nil {
		return err
	}
	if err := c.print(*asJSON, rep, func(w io.Writer) { _ = rep.WriteTable(w) }); err != nil {
		return err
	}
	if failed := rep.Check(thresholds); len(failed) > 0 {
		return fmt.Errorf("eval: below --fail-under: %s", strings.Join(failed, "; "))
	}
	return nil
}

// progressLine shows "eval 12/30 …" on a terminal, rewritten in place, and
// nothing when stderr is a file or pipe (CI logs stay clean). i < 0 clears it.
func progressLine(w io.Writer) func(i, n int, q evaluation.Question) {
	f, ok := w.(*os.File)
	if !ok {
		return func(int, int, evaluation.Question) {}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return func(int, int, evaluation.Question) {}
	}
	return func(i, n int, q evaluation.Question) {
		if i < 0 {
			fmt.Fprint(w, "\r\033[K")
			return
		}
		fmt.Fprintf(w, "\r\033[Keval %d/%d  %s", i+1, n, truncateRunes(q.Question, 60))
	}
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
