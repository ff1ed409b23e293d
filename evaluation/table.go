package evaluation

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteTable prints the report as a table: one row per question, then the
// totals.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if r.Answers {
		fmt.Fprintln(tw, "id\tlang\tkind\trank\tfacts\tabstain\tchars\tcite\tquotes\tms\ttokens\tquestion")
	} else {
		fmt.Fprintln(tw, "id\tlang\tkind\trank\tquestion")
	}
	for _, x := range r.Results {
		rank := "-"
		if x.Recall1 != nil {
			rank = fmt.Sprint(x.Rank)
			if x.Rank == 0 {
				rank = "miss"
			}
		}
		q := shorten(x.Question, 60)
		if x.Error != "" {
			q += "  (error: " + shorten(x.Error, 60) + ")"
		}
		if r.Answers {
			abst := "-"
			if x.Abstained != nil {
				abst = map[bool]string{true: "yes", false: "NO"}[*x.Abstained]
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%.0f\t%d\t%s\n", x.ID, orDash(x.Lang), x.Kind, rank, pct(x.Facts), abst, x.Chars, pct(x.Citations), pct(x.Quotes), x.LatencyMS, x.Tokens, q)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.ID, orDash(x.Lang), x.Kind, rank, q)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	t := r.Totals
	fmt.Fprintf(w, "\n%d questions, mode %s\n", t.Questions, r.Mode)
	fmt.Fprintf(w, "  retrieval   recall@1 %s   recall@3 %s   recall@5 %s\n", pct(t.Recall1), pct(t.Recall3), pct(t.Recall5))
	if r.Answers {
		fmt.Fprintf(w, "  answers     facts %s   abstention %s   citations %s   quotations %s   median length %.0f chars\n", pct(t.Facts), pct(t.Abstention), pct(t.Citations), pct(t.Quotes), t.AnswerCharsP50)
		fmt.Fprintf(w, "  cost        latency p50 %.0f ms, p95 %.0f ms   tokens %d   errors %d\n", t.LatencyP50MS, t.LatencyP95MS, t.Tokens, t.Errors)
	} else {
		fmt.Fprintln(w, "  answers     not evaluated (no model configured: set OPENAI_API_KEY or OPENAI_BASE_URL, or pass --answers for offline answers)")
	}
	if len(t.ByLang) > 1 {
		langs := make([]string, 0, len(t.ByLang))
		for l := range t.ByLang {
			langs = append(langs, l)
		}
		sort.Strings(langs)
		for _, l := range langs {
			lt := t.ByLang[l]
			line := fmt.Sprintf("  %-11s %d questions   recall@1 %s   recall@5 %s", l, lt.Questions, pct(lt.Recall1), pct(lt.Recall5))
			if r.Answers {
				line += fmt.Sprintf("   facts %s   abstention %s   median length %.0f chars", pct(lt.Facts), pct(lt.Abstention), lt.AnswerCharsP50)
			}
			fmt.Fprintln(w, line)
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pct(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", *v)
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
