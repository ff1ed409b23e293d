package knowledge

import "strings"

// participle is what participleForms finds in a German past participle.
type participle struct {
	// infinitive: "vorgerechnet" → "vorrechnen", "gespendet" → "spenden".
	infinitive string
	// bare is the infinitive without its separable prefix ("rechnen"), ""
	// for a participle without one: a main clause splits the verb ("Sie
	// rechnete vor"), so the story may write it without the prefix.
	bare string
	// past is the simple past of a weak verb, without a prefix
	// ("rechnete", "spendete", "baute"): Snowball's stem of it ("rechnet")
	// is not the infinitive's ("rechn"), and stories tell in the past.
	past string
}

// participleForms returns the forms a German past participle stands for,
// all "" when w does not look like one. Its infinitive: "gespendet" →
// "spenden", "gebacken" → "backen", "gebaut" → "bauen". Snowball leaves the
// ge- prefix and the -t/-et ending, so a question asking "Wie viel wurde
// gespendet?" would not meet a story's "Spenden"; the infinitive's stem
// does. Only the question is mapped, beside the word's own stem, so a noun
// that merely starts with ge- (Gebiet, Geld) costs no more than a term the
// story lacks. Prefixed participles (ausgegeben, eingebaut) keep their
// prefix in the infinitive, and give the bare verb besides.
func participleForms(w string) participle {
	const minLen = 6 // ge + a stem of three + -t (gebaut): shorter words are rarely participles
	if len(w) < minLen {
		return participle{}
	}
	prefix := ""
	rest := w
	if i := strings.Index(w, "ge"); i > 0 && i <= len("zurueck") && separablePrefixes[w[:i]] {
		prefix, rest = w[:i], w[i:]
	}
	if !strings.HasPrefix(rest, "ge") || len(rest) < minLen {
		return participle{}
	}
	stemPart := rest[2:]
	root := ""
	switch {
	case strings.HasSuffix(stemPart, "en"):
		// strong: gebacken, gefahren (the past changes the vowel: none)
		root = stemPart[:len(stemPart)-2]
	case strings.HasSuffix(stemPart, "et"):
		root = stemPart[:len(stemPart)-2]
	case strings.HasSuffix(stemPart, "t"):
		root = stemPart[:len(stemPart)-1]
	default:
		return participle{}
	}
	if !hasVowel(root) {
		return participle{}
	}
	p := participle{infinitive: prefix + root + "en"}
	if prefix != "" {
		p.bare = root + "en"
	}
	if !strings.HasSuffix(stemPart, "en") {
		p.past = root + "te"
		if strings.HasSuffix(stemPart, "et") {
			p.past = root + "ete"
		}
	}
	return p
}

// separablePrefixes are the common separable verb prefixes, before which a
// participle's ge- stands inside the word (aus|ge|geben).
var separablePrefixes = map[string]bool{
	"ab": true, "an": true, "auf": true, "aus": true, "bei": true, "ein": true,
	"mit": true, "nach": true, "vor": true, "weg": true, "zu": true, "zurueck": true,
	"hin": true, "her": true, "los": true, "fest": true,
}

func hasVowel(s string) bool { return strings.ContainsAny(s, "aeiouy") }
