package knowledge

import "testing"

// A frame word's own stem weighs less in ranking than a word that says what
// the question is about.
func TestFrameWordsWeighLessThanContentWords(t *testing.T) {
	qa := analyzeQuery("In welchem Jahr wurde das Hallenbad eröffnet?", nil)
	weight := func(term string) float32 {
		for _, c := range qa.concepts {
			if len(c) == 1 && c[0].term == term {
				return c[0].weight
			}
		}
		t.Fatalf("no concept of its own for %q in %v", term, qa.concepts)
		return 0
	}
	if got := weight(stem("jahr", "de")); got != frameWeight {
		t.Errorf("jahr weighs %v, want %v", got, frameWeight)
	}
	if got := weight(stem("hallenbad", "de")); got != 1 {
		t.Errorf("hallenbad weighs %v, want 1", got)
	}
}
