package knowledge

import "testing"

func TestQuestionKind(t *testing.T) {
	cases := []struct {
		q    string
		want AnswerKind
	}{
		{"When did Altman make his reservation?", AskTime},
		{"Wann hat Altman den Roadster reserviert?", AskTime},
		{"In welchem Jahr wurde das Bad eröffnet?", AskTime},
		{"And when did he leave OpenAI?", AskTime},
		{"How much did Altman pay?", AskAmount},
		{"How many members does the club have?", AskAmount},
		{"Wie viele Stadträte haben sich enthalten?", AskAmount},
		{"Wie hoch war die Vorreservierung?", AskAmount},
		{"Who is the CEO of OpenAI?", AskPerson},
		{"Wer hat die Folgen vorgerechnet?", AskPerson},
		{"Where did Altman complain?", AskPlace},
		{"Wo trainieren die Schwimmvereine?", AskPlace},
		{"What did Musk say about the refund?", AskOther},
		{"Warum sind viele Fans frustriert?", AskOther},
	}
	for _, c := range cases {
		if got := QuestionKind(c.q); got != c.want {
			t.Errorf("QuestionKind(%q) = %v, want %v", c.q, got, c.want)
		}
	}
}

// TestQuestionKindFromTheNounAfterWhich: "welche"/"which" followed by a
// noun that names a measure, a span of time or a kind of place asks for
// that, and so do the verbs of price and the adjectives of measure.
func TestQuestionKindFromTheNounAfterWhich(t *testing.T) {
	cases := []struct {
		q    string
		want AnswerKind
	}{
		{"Mit welchen Kosten rechnet das Planungsbüro?", AskAmount},
		{"Welche Fläche entwässert der Fluss?", AskAmount},
		{"What size of baking tray is the recipe meant for?", AskAmount},
		{"In welchem Zeitraum wurde Holz geflößt?", AskTime},
		{"In which month does construction start?", AskTime},
		{"In welcher Stadt fanden die Meisterschaften statt?", AskPlace},
		{"What would a new pool have cost?", AskAmount},
		{"Wie breit ist der Fluss an der Mündung?", AskAmount},
		{"How wide is the river?", AskAmount},
		// A noun that names no measure asks for nothing in particular.
		{"Welche Vogelarten nisten am Fluss?", AskOther},
		{"Which stream brings the most water?", AskOther},
	}
	for _, c := range cases {
		if got := QuestionKind(c.q); got != c.want {
			t.Errorf("QuestionKind(%q) = %v, want %v", c.q, got, c.want)
		}
	}
}

func TestStates(t *testing.T) {
	s, err := Parse("t", "test", []byte("Titel\n\nIm Juli 2018 reservierte er. Kürzlich sagte er etwas. Sie kostete 45.000 Dollar. Zwei Mitglieder enthielten sich. Das war 2015 so. Oberbürgermeister Thomas Wendler war erleichtert. Der Verein trainiert im Freibad in Kirchheim. Der Teig ruht."))
	if err != nil {
		t.Fatal(err)
	}
	sents := s.Passages[0].Sentences
	text := func(i int) string { return s.Text[sents[i].Start:sents[i].End] }
	cases := []struct {
		i    int
		kind AnswerKind
		want bool
	}{
		{0, AskTime, true},    // a month and year
		{1, AskTime, false},   // "kürzlich" is a time, not one a "when" question wants
		{2, AskAmount, true},  // a sum
		{3, AskAmount, true},  // a number written out
		{4, AskAmount, false}, // a year is no amount
		{0, AskAmount, false},
		{5, AskPerson, true}, // a name
		{7, AskPerson, false},
		{6, AskPlace, true}, // in + a name
		{7, AskPlace, false},
		{7, AskOther, true},
	}
	for _, c := range cases {
		if got := s.States(sents[c.i], c.kind); got != c.want {
			t.Errorf("States(%q, %v) = %v, want %v", text(c.i), c.kind, got, c.want)
		}
	}
}

func TestRefersBack(t *testing.T) {
	for s, want := range map[string]bool{
		"Er zog sich 2018 zurück.":              true,
		"Damit ist die Finanzierung gesichert.": true,
		"Dies kostet 14,8 Millionen Euro.":      true,
		"This was in 2018.":                     true,
		"Der Stadtrat beschloss die Sanierung.": false,
		"Altman reserved a Roadster.":           false,
	} {
		if got := RefersBack(s); got != want {
			t.Errorf("RefersBack(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestQuestionMeasure(t *testing.T) {
	for q, want := range map[string]Measure{
		"Wie warm ist das Wasser?":                    MeasureTemperature,
		"What temperature should the oven be set to?": MeasureTemperature,
		"Wie breit ist der Fluss an der Mündung?":     MeasureLength,
		"How deep is the lake?":                       MeasureLength,
		"Wie lang ist der Radweg?":                    MeasureLength,
		"Wie schwer ist die Glocke?":                  MeasureWeight,
		"What did the remodelling cost?":              MeasureMoney,
		"Wie viel Geld spendeten die Förderer?":       MeasureMoney,
		// Cues that may ask for several measures, and amounts of things.
		"Wie lange dauert der Bau?":            MeasureNone,
		"How long is the river?":               MeasureNone,
		"Wie hoch war die Vorreservierung?":    MeasureNone,
		"Wie viele Mitglieder hat der Verein?": MeasureNone,
		// Not an amount question at all.
		"Warum ist das Wasser so warm?": MeasureNone,
	} {
		if got := QuestionMeasure(q); got != want {
			t.Errorf("QuestionMeasure(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestStatesMeasure(t *testing.T) {
	s, err := Parse("t", "test", []byte("Titel\n\n"+
		"Die Sellach ist 92 Kilometer lang. "+ // 0 length
		"Das Wasser hat 24 Grad. "+ // 1 temperature
		"Die Sanierung kostet 14,8 Millionen Euro. "+ // 2 money
		"Die Glocke wiegt zwei Tonnen. "+ // 3 weight
		"Die Milch darf höchstens 37 °C warm sein. "+ // 4 temperature by sign
		"Der Verein hat 412 Mitglieder und einen Meter Schnee. "+ // 5 no number right before a unit
		"Im Jahr 2024 kamen 300 Gäste. "+ // 6 no unit
		"Die Mitglieder leisteten rund 2.100 ehrenamtliche Stunden. "+ // 7 a word between number and unit
		"Das Gebiet der Sellach umfasst 1.140 Quadratkilometer. "+ // 8 area
		"Die Stadt übernimmt 40 Prozent, der Bund 10 %. "+ // 9 share, by word and by sign
		"Der leiseste Sauger kam auf 68 Dezibel.")) // 10 loudness
	if err != nil {
		t.Fatal(err)
	}
	sents := s.Passages[0].Sentences
	for _, c := range []struct {
		i    int
		m    Measure
		want bool
	}{
		{0, MeasureLength, true}, {0, MeasureTemperature, false},
		{1, MeasureTemperature, true}, {1, MeasureLength, false},
		{2, MeasureMoney, true},
		{3, MeasureWeight, true},
		{4, MeasureTemperature, true},
		{5, MeasureLength, false},
		{6, MeasureMoney, false}, {6, MeasureLength, false},
		{7, MeasureDuration, true}, {7, MeasureLength | MeasureDuration, true}, {7, MeasureMoney, false},
		{0, MeasureLength | MeasureDuration, true},
		{8, MeasureArea, true}, {8, MeasureLength, false},
		{9, MeasureShare, true}, {9, MeasureMoney, false},
		{10, MeasureLoudness, true}, {10, MeasureShare, false},
	} {
		if got := s.StatesMeasure(sents[c.i], c.m); got != c.want {
			t.Errorf("sentence %d %q, measure %v: %v, want %v", c.i, s.Text[sents[c.i].Start:sents[c.i].End], c.m, got, c.want)
		}
	}
}
