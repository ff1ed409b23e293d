package knowledge

import (
	"context"
	"testing"
)

func TestRankMeasure(t *testing.T) {
	for q, want := range map[string]Measure{
		// QuestionMeasure's cues, and those only ranking may take.
		"Wie warm ist das Wasser?":                        MeasureTemperature,
		"Wie lange ruht der Teig?":                        MeasureDuration,
		"How long is the river?":                          MeasureLength | MeasureDuration,
		"Welche Fläche entwässert der Fluss?":             MeasureArea,
		"Wie viel hat der Verein ausgegeben?":             MeasureMoney,
		"How much did the club spend on its boathouse?":   MeasureMoney,
		"Wie viel wiegen die geprüften Staubsauger?":      MeasureWeight,
		"Welchen Anteil des Kaufpreises trägt die Stadt?": MeasureShare,
		"Welchen Teil des Kaufpreises trägt die Kommune?": MeasureShare,
		"How loud was the quietest vacuum?":               MeasureLoudness,
		// A unit right after the cue.
		"Wie viele Kilometer sind sie gepaddelt?": MeasureLength,
		"How many hours did the members work?":    MeasureDuration,
		// A unit elsewhere dates rather than measures; a count of things
		// and other kinds of question ask for no measure.
		"Wie viele Mitglieder hatte der Verein im Jahr 2025?": MeasureNone,
		"Wie viele Mitglieder hat der Verein?":                MeasureNone,
		"Wann ruht der Teig?":                                 MeasureNone,
		"Warum dauert es so lange?":                           MeasureNone,
	} {
		var ws []string
		words(q, func(w string) { ws = append(ws, w) })
		if got := rankMeasureOf(ws); got != want {
			t.Errorf("rankMeasureOf(%q) = %b, want %b", q, got, want)
		}
	}
}

// Of the leading results, a passage that gives a number in the units the
// question asks for comes before one that shares more of its words but
// gives none; a question that asks for no measure keeps the fusion's order.
func TestMeasureRanksThePassageThatGivesTheNumber(t *testing.T) {
	text := "Der Hefeteig\n\nDer Hefeteig ruht an einem warmen Ort, bis der Hefeteig aufgegangen ist. " +
		"Während der Hefeteig ruht, die Früchte waschen.\n\n" +
		"Den Teig auf dem Blech ausrollen und noch einmal 20 Minuten gehen lassen."
	s, err := Parse("teig", "teig.txt", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewIndex(context.Background(), []*Story{s}, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	words, number := &s.Passages[0], &s.Passages[1]
	search := func(q string) []Result {
		t.Helper()
		out, err := ix.Search(context.Background(), q, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 2 {
			t.Fatalf("%q: %d results, want 2", q, len(out))
		}
		return out
	}
	if out := search("Wann ruht der Hefeteig?"); out[0].Passage != words {
		t.Fatalf("without a measure the first is %s, want %s: the test's passages no longer differ in their words", out[0].Passage.ID, words.ID)
	}
	for _, q := range []string{"Wie lange ruht der Hefeteig?", "Wie viele Minuten ruht der Hefeteig?"} {
		if out := search(q); out[0].Passage != number {
			t.Errorf("%q: first is %s (%.2f), want %s (%.2f), which gives the minutes", q, out[0].Passage.ID, out[0].Score, number.ID, out[1].Score)
		}
	}
}
