package knowledge

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// wordsByRune is words as it was written first, rune by rune into a
// Builder: the reference for words' fast path over ASCII.
func wordsByRune(text string, fn func(w string)) {
	var b []byte
	flush := func() {
		if len(b) > 0 {
			fn(string(b))
			b = b[:0]
		}
	}
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b = foldAppend(b, r)
			continue
		}
		flush()
	}
	flush()
}

// words passes plain words as substrings and folds the rest; on random
// text over ASCII, umlauts, accents, other scripts and broken UTF-8 it
// must give what folding every rune gives.
func TestWordsMatchesRuneByRuneFolding(t *testing.T) {
	pieces := []string{"a", "z", "Q", "Z", "0", "9", " ", "-", "'", ".", "ä", "Ö", "ß", "é", "İ", "Σ", "ς", "中", "\u00a0", "\xff", "\xe2\x80", "Musk", "straße", "ÄRGER"}
	rng := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	for range 20000 {
		b.Reset()
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		var got, want []string
		words(text, func(w string) { got = append(got, w) })
		wordsByRune(text, func(w string) { want = append(want, w) })
		if !slices.Equal(got, want) {
			t.Fatalf("words(%q) = %q, want %q", text, got, want)
		}
		for _, w := range got {
			if !utf8.ValidString(w) {
				t.Fatalf("words(%q) gave invalid %q", text, w)
			}
		}
	}
}
