package knowledge

import (
	"slices"
	"strings"
	"testing"
)

func coverageStory(t *testing.T) *Story {
	t.Helper()
	s, err := Parse("bad", "test", []byte("Hallenbad Lindenau\n\n"+
		"Der Stadtrat hat die Sanierung des Hallenbads beschlossen. "+
		"Das Sportbecken mit sechs Bahnen bleibt erhalten. "+
		"Der Verein zählte 412 Mitglieder. "+
		"Die Arbeiten kosten 14,8 Millionen Euro. "+
		"Im Winter gibt es am Kiosk Eis."))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func unmentioned(q string, v *Vocabulary) []string {
	var out []string
	for _, m := range AnalyzeQuestion(q).Unmentioned(v) {
		out = append(out, m.Word)
	}
	return out
}

// TestUnmentionedFindsWhatTheStoryNeverSays: a content word the story has in
// no form is unmentioned; one it has as a stem, inside a compound, through a
// translation or as a close spelling is not; question words, stop words and
// generic verbs never are.
func TestUnmentionedFindsWhatTheStoryNeverSays(t *testing.T) {
	v := NewVocabulary(coverageStory(t))
	cases := []struct {
		name, q string
		want    []string
	}{
		{"a word the story lacks", "Wie warm ist das Wasser im Sportbecken?", []string{"warm", "wasser"}},
		{"a stem of the story", "Wann wurde die Sanierung beschlossen?", nil},
		{"inside a compound of the story", "Welcher Sport ist beliebt?", []string{"beliebt"}},
		{"an inflection of a short word", "Wie dick wird die Decke des Eises?", []string{"dick", "decke"}},
		{"through the dictionary", "How many members did the choir count?", []string{"choir"}},
		{"a close spelling", "Wie viel kostete die Sanierung?", nil},
		{"frame words and generic verbs", "Wer hat das genau gemacht und wann ist es passiert?", nil},
		{"a number", "Was geschah im Jahr 2019 mit der Sanierung?", []string{"2019"}},
		{"the noun after a which-word that names the kind of answer", "In welchen Monaten wird das Sportbecken saniert?", nil},
		{"the same noun elsewhere", "Wurde die Sanierung vor Monaten beschlossen?", []string{"monaten"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := unmentioned(c.q, v); !slices.Equal(got, c.want) {
				t.Errorf("Unmentioned(%q) = %q, want %q", c.q, got, c.want)
			}
		})
	}
}

// TestUnmentionedWeighs: a missing German noun or a number weighs fully, a
// verb or an adjective less (a story says them in other words), an English
// word the dictionary does not know less again unless it is a name, and a
// compound whose part the story has half.
func TestUnmentionedWeighs(t *testing.T) {
	v := NewVocabulary(coverageStory(t))
	cases := []struct {
		q, word string
		want    float64
	}{
		{"Wer hat das Hallenbad entworfen?", "entworfen", missingLowerDE},
		{"In welchem Saal tagt der Stadtrat?", "saal", missingFull},
		{"Who is Brunnhuber?", "brunnhuber", missingFull},
		{"How many paddlers did the club have?", "paddlers", missingUnknownEN},
		{"How many visitors came to the pool?", "visitors", missingKnownEN},
		{"Wie lang sind die Wasserbahnen?", "wasserbahnen", missingFull * missingPartShare},
	}
	for _, c := range cases {
		got := -1.0
		for _, m := range AnalyzeQuestion(c.q).Unmentioned(v) {
			if m.Word == c.word {
				got = m.Weight
			}
		}
		if got != c.want {
			t.Errorf("%q: %q weighs %v, want %v", c.q, c.word, got, c.want)
		}
	}
}

// TestVocabularyLookupsMatchAScan: looking a spelling up inside the story's
// words, or as a close spelling, through the n-gram index gives what reading
// every word of the story gives.
func TestVocabularyLookupsMatchAScan(t *testing.T) {
	v := NewVocabulary(coverageStory(t))
	scanInside := func(f string) bool {
		for _, w := range v.long {
			if strings.Contains(w, f) {
				return true
			}
		}
		return false
	}
	scanClose := func(grams map[string]bool) bool {
		for _, w := range v.long {
			n := 0
			wordGrams(w, func(g string) {
				if grams[g] {
					n++
				}
			})
			if 2*n >= len(grams) {
				return true
			}
		}
		return false
	}
	var probes []string
	for _, w := range v.long {
		// Every piece of every word, and the word changed at one letter.
		for i := 0; i < len(w); i++ {
			for j := i + minPart; j <= len(w); j++ {
				probes = append(probes, w[i:j])
			}
			probes = append(probes, w[:i]+"x"+w[i+1:], w+"ung", "ge"+w)
		}
	}
	probes = append(probes, "schwimmbad", "kreditlaufzeit", "sanierungsbeschluss", "zzzz")
	insideHits, closeHits := 0, 0
	for _, f := range probes {
		if got, want := v.inside(f), scanInside(f); got != want {
			t.Errorf("inside(%q) = %v, a scan says %v", f, got, want)
		} else if got {
			insideHits++
		}
		grams := gramSet(f)
		if len(grams) < minFormGrams {
			continue
		}
		if got, want := v.closeSpelling(grams), scanClose(grams); got != want {
			t.Errorf("closeSpelling(%q) = %v, a scan says %v", f, got, want)
		} else if got {
			closeHits++
		}
	}
	if insideHits == 0 || closeHits == 0 || insideHits == len(probes) {
		t.Errorf("%d of %d probes inside, %d close: the probes do not test both answers", insideHits, len(probes), closeHits)
	}
}
