package knowledge

import (
	"strings"
	"testing"
	"unicode"
)

// detectLanguageSimple is DetectLanguage written plainly, as it was before it
// was made to allocate nothing: the two must agree on every text.
func detectLanguageSimple(text string) string {
	de, en := 0, 0
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
		if germanMarkers[w] {
			de += 2
		}
		if englishMarkers[w] {
			en += 2
		}
		if strings.ContainsAny(w, "äöüß") {
			de++
		}
	}
	if de > en {
		return "de"
	}
	return "en"
}

func FuzzDetectLanguage(f *testing.F) {
	for _, s := range []string{
		"Wann hat Altman den Roadster reserviert?", "What did Musk say about the refund?",
		"Für wen ist das?", "ÜBER DIE BRÜCKE", "İst das so?", "İst", "Straße", "the und", "",
		strings.Repeat("x", 40) + " der", Default().Text,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := DetectLanguage(s), detectLanguageSimple(s); got != want {
			t.Errorf("DetectLanguage(%q) = %s, the plain version says %s", s, got, want)
		}
	})
}
