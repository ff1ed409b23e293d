package answer

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// tidy skips its regexps when mayTidy says neither can match; on random
// text over the runes that matter, the result must be what the regexps
// alone give.
func TestTidySkipsOnlyWhatCannotMatch(t *testing.T) {
	regexps := func(s string) string {
		s = spaceBeforePunct.ReplaceAllString(s, "$1$2")
		s = multiSpace.ReplaceAllString(s, " ")
		return strings.TrimSpace(s)
	}
	alphabet := []string{" ", "\t", "\n", ".", ",", ";", ":", "!", "?", "a", "ß", `"`, "“", "»", "'"}
	rng := rand.New(rand.NewPCG(7, 8))
	var b strings.Builder
	for range 20000 {
		b.Reset()
		for range rng.IntN(12) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		if got, want := tidy(s), regexps(s); got != want {
			t.Fatalf("tidy(%q) = %q, want %q", s, got, want)
		}
	}
}
