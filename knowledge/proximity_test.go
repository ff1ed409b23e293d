package knowledge

import (
	"context"
	"testing"
)

// Of two passages the fusion scores alike, the one whose single sentence
// holds the question's words comes first, whichever order they came in.
func TestProximityPrefersThePassageWhoseSentenceHoldsTheQuestion(t *testing.T) {
	text := "Das Bad\n\nDer Stadtrat tagte bis spät in die Nacht. Erst im Mai soll das Bad saniert werden.\n\n" +
		"Der Stadtrat will, dass das Bad im Mai saniert wird. Die Kosten sind noch offen."
	s, err := Parse("bad", "bad.txt", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Passages) != 2 {
		t.Fatalf("got %d passages, want 2", len(s.Passages))
	}
	ix, err := NewIndex(context.Background(), []*Story{s}, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	scattered, together := &s.Passages[0], &s.Passages[1]
	qa := analyzeQuery("Wann saniert der Stadtrat das Bad?", ix.splitCompound)
	_, q := proximityQueryOf(&qa, &ix.lex, nil)
	for _, order := range [][]*Passage{{scattered, together}, {together, scattered}} {
		out := []Result{{Passage: order[0], Score: 1}, {Passage: order[1], Score: 1}}
		ix.addProximity([]proximityQuery{q}, out)
		if out[0].Passage != together {
			t.Errorf("from order %s, %s: first is %s, want %s", order[0].ID, order[1].ID, out[0].Passage.ID, together.ID)
		}
	}
	if got := bestSentenceHits(ix.sentTerms[1], q.ids); got != 3 {
		t.Errorf("bestSentenceHits = %d, want 3 (stadtrat, bad, saniert)", got)
	}
}
