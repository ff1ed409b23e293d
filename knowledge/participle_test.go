package knowledge

import (
	"slices"
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
		if got := participleInfinitive(w); got != want {
			t.Errorf("participleInfinitive(%q) = %q, want %q", w, got, want)
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
