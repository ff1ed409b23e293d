package knowledge

import (
	"slices"
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
