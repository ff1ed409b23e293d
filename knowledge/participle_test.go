package knowledge

import (
	"slices"
	"strings"
	"testing"
)

func TestParticipleInfinitive(t *testing.T) {
	for w, want := range map[string]string{
		"gespendet":  "spenden",
		"gebacken":   "backen",
		"gebaut":     "bauen",
		"ausgegeben": "ausgeben",
		"eingebaut":  "einbauen",
		"geld":       "", // too short to be a participle
		"gemeinde":   "", // no participle ending
		"spenden":    "",
		"geht":       "",
	} {
		if got := participleForms(w).infinitive; got != want {
			t.Errorf("participleForms(%q).infinitive = %q, want %q", w, got, want)
		}
	}
}

// A question's participle meets the story's noun or infinitive of the same
// verb, which Snowball alone leaves apart (gespendet → "gespendet", Spenden →
// "spend").
func TestQuestionParticipleMeetsTheVerbStem(t *testing.T) {
	qa := analyzeQuery("Wie viel wurde gespendet?", nil)
	if !slices.Contains(qa.terms, stem("spenden", "de")) {
		t.Fatalf("terms %v lack the stem of spenden", qa.terms)
	}
	qa = analyzeQuery("Wann ist der Kuchen fertig gebacken?", nil)
	if !slices.Contains(qa.terms, stem("backen", "de")) {
		t.Fatalf("terms %v lack the stem of backen", qa.terms)
	}
}

func TestParticipleForms(t *testing.T) {
	for w, want := range map[string]participle{
		"vorgerechnet":   {infinitive: "vorrechnen", bare: "rechnen", past: "rechnete"},
		"gespendet":      {infinitive: "spenden", past: "spendete"},
		"gebaut":         {infinitive: "bauen", past: "baute"},
		"gebacken":       {infinitive: "backen"}, // strong: its past changes the vowel
		"zurueckgezahlt": {infinitive: "zurueckzahlen", bare: "zahlen", past: "zahlte"},
		"ausgegeben":     {infinitive: "ausgeben", bare: "geben"},
		"gemeinde":       {},
	} {
		if got := participleForms(w); got != want {
			t.Errorf("participleForms(%q) = %+v, want %+v", w, got, want)
		}
	}
}

// A split verb: the question's "vorgerechnet" meets the story's "rechnete …
// vor", and a weak participle the story's simple past ("spendete"), which
// Snowball stems apart from the infinitive ("rechnet", "rechn"): as whole
// words, not only as shared n-grams (an offline answer needs a whole word).
func TestQuestionParticipleMeetsTheSplitVerbAndThePast(t *testing.T) {
	for q, sentence := range map[string]string{
		"Wer hat es vorgerechnet?":  "Kämmerin Eva Roth rechnete im Ausschuss vor, dass die Schulden steigen.",
		"Wer hat dafür gespendet?":  "Der Förderverein spendete 5.000 Euro für das Geländer.",
		"Wann wurde es angemeldet?": "Der Verein meldete das Fest im Mai an.",
	} {
		whole := false
		for _, m := range AnalyzeQuestion(q).Matches(sentence, "de") {
			whole = whole || !m.Partial
		}
		if !whole {
			t.Errorf("%q: no whole-word match in %q", q, sentence)
		}
	}
}

// Snowball's German stemmer keeps an -s after a vowel; vowelS drops it so
// that plurals and genitives of such words meet their base form, and leaves
// -us and -es words ("Haus", "Bus") alone.
func TestGermanStemJoinsAnSAfterAVowel(t *testing.T) {
	for _, pair := range [][2]string{
		{"bueros", "buero"}, {"autos", "auto"}, {"kameras", "kamera"}, {"handys", "handy"},
		{"planungsbueros", "planungsbuero"}, {"taxis", "taxi"},
	} {
		if a, b := stem(pair[0], "de"), stem(pair[1], "de"); a != b {
			t.Errorf("stem(%q) = %q, stem(%q) = %q: want them equal", pair[0], a, pair[1], b)
		}
	}
	for _, w := range []string{"haus", "hauses", "globus"} {
		if got := stem(w, "de"); !strings.HasSuffix(got, "s") {
			t.Errorf("stem(%q) = %q: the -s of the word itself must stay", w, got)
		}
	}
}
