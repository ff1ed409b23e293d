package knowledge

import (
	"unicode"
	"unicode/utf8"
)

var germanMarkers = map[string]bool{
	"der": true, "die": true, "das": true, "und": true, "ist": true, "nicht": true, "ein": true, "eine": true,
	"wann": true, "wer": true, "was": true, "wie": true, "warum": true, "wo": true, "hat": true, "haben": true,
	"mit": true, "von": true, "zu": true, "den": true, "dem": true, "des": true, "sich": true, "auf": true,
	"für": true, "über": true, "welche": true, "welcher": true, "wurde": true, "sagte": true, "er": true,
	"sie": true, "es": true, "ich": true, "du": true, "wir": true, "im": true, "auch": true, "noch": true,
	"gibt": true, "sind": true, "bei": true, "seine": true, "seinen": true, "einen": true, "aus": true,
}

var englishMarkers = map[string]bool{
	"the": true, "and": true, "is": true, "not": true, "a": true, "an": true, "when": true, "who": true,
	"what": true, "how": true, "why": true, "where": true, "has": true, "have": true, "with": true, "of": true,
	"to": true, "did": true, "does": true, "do": true, "was": true, "were": true, "he": true, "she": true,
	"it": true, "i": true, "you": true, "we": true, "in": true, "on": true, "for": true, "about": true,
	"which": true, "say": true, "said": true, "his": true, "her": true, "they": true, "are": true, "can": true,
}

// DetectLanguage guesses whether text is German ("de") or English ("en") from
// its function words and umlauts. Text with no clue at all is taken as English,
// the language most questions come in.
func DetectLanguage(text string) string {
	de, en := 0, 0
	// One pass without allocating: a search asks this of every question.
	var buf [32]byte
	w, umlaut, long := buf[:0], false, false
	flush := func() {
		if len(w) > 0 && !long {
			if germanMarkers[string(w)] {
				de += 2
			}
			if englishMarkers[string(w)] {
				en += 2
			}
		}
		if umlaut {
			de++
		}
		w, umlaut, long = buf[:0], false, false
	}
	for _, r := range text {
		if !unicode.IsLetter(r) {
			flush()
			continue
		}
		r = unicode.ToLower(r)
		switch r {
		case 'ä', 'ö', 'ü', 'ß':
			umlaut = true
		}
		if len(w)+utf8.UTFMax > len(buf) {
			long = true // no marker is this long
			continue
		}
		w = utf8.AppendRune(w, r)
	}
	flush()
	if de > en {
		return "de"
	}
	return "en"
}
