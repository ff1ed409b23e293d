package knowledge

import "strings"

// participleInfinitive returns the infinitive a German past participle of a
// weak or strong verb comes from ("gespendet" → "spenden", "gebacken" →
// "backen", "gebaut" → "bauen"), or "" when w does not look like one. Snowball
// leaves the ge- prefix and the -t/-et ending, so a question asking "Wie viel
// wurde gespendet?" would not meet a story's "Spenden"; the infinitive's stem
// does. Only the question is mapped, beside the word's own stem, so a noun
// that merely starts with ge- (Gebiet, Geld) costs no more than a term the
// story lacks. Prefixed participles (ausgegeben, eingebaut) keep their
// prefix: the story writes those verbs with it too.
func participleInfinitive(w string) string {
	const minLen = 6 // ge + a stem of three + -t (gebaut): shorter words are rarely participles
	if len(w) < minLen {
		return ""
	}
	prefix := ""
	rest := w
	if i := strings.Index(w, "ge"); i > 0 && i <= 5 && separablePrefixes[w[:i]] {
		prefix, rest = w[:i], w[i:]
	}
	if !strings.HasPrefix(rest, "ge") || len(rest) < minLen {
		return ""
	}
	stemPart := rest[2:]
	switch {
	case strings.HasSuffix(stemPart, "en"):
		// strong: gebacken, gefahren
	case strings.HasSuffix(stemPart, "et"):
		stemPart = stemPart[:len(stemPart)-2] + "en"
	case strings.HasSuffix(stemPart, "t"):
		stemPart = stemPart[:len(stemPart)-1] + "en"
	default:
		return ""
	}
	if !hasVowel(stemPart[:len(stemPart)-2]) {
		return ""
	}
	return prefix + stemPart
}

// separablePrefixes are the common separable verb prefixes, before which a
// participle's ge- stands inside the word (aus|ge|geben).
var separablePrefixes = map[string]bool{
	"ab": true, "an": true, "auf": true, "aus": true, "bei": true, "ein": true,
	"mit": true, "nach": true, "vor": true, "weg": true, "zu": true, "zuruck": true,
	"hin": true, "her": true, "los": true, "fest": true,
}

func hasVowel(s string) bool { return strings.ContainsAny(s, "aeiouy") }
