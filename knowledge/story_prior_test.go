package knowledge

import (
	"context"
	"testing"
)

// In an archive, a paragraph that shares most of the question's words loses
// to one of the story that names what the question is about (here in its
// title and another paragraph), when its own story never mentions it; with
// one story loaded, or the question asked of that story alone, the fusion's
// order stands.
func TestStoryPriorPrefersTheStoryThatNamesTheQuestion(t *testing.T) {
	club, err := Parse("club", "club.txt", []byte("Jahresbericht 2025\n\n"+
		"Der Kanu-Club Wehrstein zählte im Dezember 412 Mitglieder und 30 Boote.\n\n"+
		"Nie seit seiner Gründung 1952 legte der Verein so viele Kilometer zurück."))
	if err != nil {
		t.Fatal(err)
	}
	firm, err := Parse("firm", "firm.txt", []byte("Brenner Pumpentechnik baut Stellen ab\n\n"+
		"Das 1921 gegründete Unternehmen wurde von Karl Brenner gegründet, der es jahrzehntelang führte.\n\n"+
		"Die Fertigung zieht nach Pilsen."))
	if err != nil {
		t.Fatal(err)
	}
	const q = "When was the canoe club founded?"
	founding := &club.Passages[1]
	search := func(stories []*Story, opts SearchOptions) []Result {
		t.Helper()
		ix, err := NewIndex(context.Background(), stories, IndexOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := ix.Search(context.Background(), q, opts)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Without the prior the firm's founding comes first: what the test
	// needs to show anything.
	var fused [numSignals]bool
	fused[sigLexical], fused[sigNgram], fused[sigHeading] = true, true, true
	if out := search([]*Story{club, firm}, SearchOptions{only: &fused}); len(out) == 0 || out[0].Passage.Story != "firm" {
		t.Fatalf("the fusion alone ranks %v first, want the firm's paragraph: the test's stories no longer differ", firstOf(out))
	}
	out := search([]*Story{club, firm}, SearchOptions{})
	if len(out) == 0 || out[0].Passage.Story != "club" {
		t.Errorf("archive: first is %v, want the club's", firstOf(out))
	}
	// The club's founding, which the fusion put below the firm's, is above
	// every passage of the firm now.
	for _, r := range out {
		if r.Passage.Story == "firm" {
			t.Errorf("archive: the firm's %s ranks above the club's founding (%s)", r.Passage.ID, founding.ID)
		}
		if r.Passage == founding {
			break
		}
	}
	out = search([]*Story{firm}, SearchOptions{})
	only := search([]*Story{firm}, SearchOptions{only: &fused})
	if len(out) != len(only) || len(out) > 0 && out[0].Passage != only[0].Passage {
		t.Errorf("one story: first %v, want the fusion's %v", firstOf(out), firstOf(only))
	}
}

func firstOf(out []Result) string {
	if len(out) == 0 {
		return "nothing"
	}
	return out[0].Passage.Story + " " + out[0].Passage.ID
}
