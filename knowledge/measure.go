package knowledge

import "strings"

// A question that asks for a measure ("Wie breit …", "How hot …", "What did
// it cost") is answered only by a sentence that gives a number in that
// measure's units: "92 Kilometer", "37 Grad", "14,8 Millionen Euro". A
// story whose sentences on the subject give none does not say, however many
// other numbers they hold; an offline answer then says so.

// Measure is the kind of quantity a question asks for: a set of kinds, as
// one question may be answered in either of two ("how long": a length or a
// duration).
type Measure int

const (
	MeasureNone        Measure = 0
	MeasureTemperature Measure = 1 << (iota - 1) // wie warm, how hot, what temperature
	MeasureLength                                // wie breit, how deep, how far, what length
	MeasureWeight                                // wie schwer, how heavy
	MeasureMoney                                 // wie teuer, what did it cost, how much money
	MeasureDuration                              // wie lange, for how long (ranking only: see rankMeasure)
	MeasureArea                                  // welche Fläche, what area (ranking only)
	MeasureShare                                 // welcher Anteil, what share, what percentage (ranking only)
	MeasureLoudness                              // wie laut, how loud (ranking only)
)

// measureCues are the words of a question (folded; two words are "a b")
// that ask for a measure. Only cues that ask for nothing else: "how long"
// and "wie hoch" may ask for a length, a time or a sum, and are left out.
var measureCues = map[string]Measure{
	"wie warm": MeasureTemperature, "wie heiss": MeasureTemperature, "wie kalt": MeasureTemperature,
	"how warm": MeasureTemperature, "how hot": MeasureTemperature, "how cold": MeasureTemperature,
	"temperatur": MeasureTemperature, "temperature": MeasureTemperature, "temperaturen": MeasureTemperature,
	"wie breit": MeasureLength, "wie tief": MeasureLength, "wie weit": MeasureLength, "wie lang": MeasureLength,
	"how wide": MeasureLength, "how deep": MeasureLength, "how far": MeasureLength, "how tall": MeasureLength,
	"breite": MeasureLength, "tiefe": MeasureLength, "laenge": MeasureLength, "entfernung": MeasureLength,
	"width": MeasureLength, "depth": MeasureLength, "length": MeasureLength, "distance": MeasureLength,
	"wie schwer": MeasureWeight, "how heavy": MeasureWeight, "gewicht": MeasureWeight, "weight": MeasureWeight,
	"wie teuer": MeasureMoney, "how expensive": MeasureMoney, "kosten": MeasureMoney, "kostet": MeasureMoney,
	"kostete": MeasureMoney, "gekostet": MeasureMoney, "cost": MeasureMoney, "costs": MeasureMoney,
	"preis": MeasureMoney, "price": MeasureMoney, "geld": MeasureMoney, "money": MeasureMoney,
}

// QuestionMeasure tells which measure q asks for, MeasureNone when it asks
// for none in particular (or for an amount that is not one of them). Only an
// amount question asks for a measure.
func QuestionMeasure(q string) Measure {
	var ws []string
	words(q, func(w string) { ws = append(ws, w) })
	return questionMeasure(ws)
}

// questionMeasure is QuestionMeasure of a question's folded words.
func questionMeasure(ws []string) Measure {
	if questionKind(ws) != AskAmount {
		return MeasureNone
	}
	m, _ := firstCue(ws, measureCues)
	return m
}

// measureCueWords returns the words of ws (a question's) that name the
// measure it asks for ("cost" of "What did it cost", "teuer" of "Wie
// teuer"), space-separated.
func measureCueWords(ws []string) string {
	var cues []string
	for i := range ws {
		if _, n := cueLen(ws, i, measureCues); n > 0 {
			cues = append(cues, ws[i+n-1])
		}
	}
	return strings.Join(cues, " ")
}

// measureUnits are the units of each measure, folded; measureSigns the
// signs that stand for one beside a number.
var (
	measureUnits = map[string]Measure{
		"grad": MeasureTemperature, "celsius": MeasureTemperature, "fahrenheit": MeasureTemperature,
		"degrees": MeasureTemperature, "degree": MeasureTemperature,
		"meter": MeasureLength, "metern": MeasureLength, "meters": MeasureLength, "metres": MeasureLength,
		"m": MeasureLength, "km": MeasureLength, "kilometer": MeasureLength, "kilometern": MeasureLength,
		"kilometers": MeasureLength, "kilometres": MeasureLength, "zentimeter": MeasureLength,
		"zentimetern": MeasureLength, "cm": MeasureLength, "millimeter": MeasureLength,
		"millimetern": MeasureLength, "mm": MeasureLength, "meile": MeasureLength, "meilen": MeasureLength,
		"mile": MeasureLength, "miles": MeasureLength, "feet": MeasureLength, "foot": MeasureLength,
		"inch": MeasureLength, "inches": MeasureLength, "zoll": MeasureLength,
		"gramm": MeasureWeight, "g": MeasureWeight, "kilogramm": MeasureWeight, "kilo": MeasureWeight,
		"kg": MeasureWeight, "tonne": MeasureWeight, "tonnen": MeasureWeight, "t": MeasureWeight,
		"pfund": MeasureWeight, "pound": MeasureWeight, "pounds": MeasureWeight, "lb": MeasureWeight,
		"euro": MeasureMoney, "eur": MeasureMoney, "dollar": MeasureMoney, "dollars": MeasureMoney,
		"cent": MeasureMoney, "cents": MeasureMoney, "franken": MeasureMoney, "usd": MeasureMoney,
		"sekunde": MeasureDuration, "sekunden": MeasureDuration, "minute": MeasureDuration, "minuten": MeasureDuration,
		"stunde": MeasureDuration, "stunden": MeasureDuration, "tag": MeasureDuration, "tage": MeasureDuration,
		"tagen": MeasureDuration, "woche": MeasureDuration, "wochen": MeasureDuration, "monat": MeasureDuration,
		"monate": MeasureDuration, "monaten": MeasureDuration, "jahr": MeasureDuration, "jahre": MeasureDuration,
		"jahren": MeasureDuration, "jahrzehnt": MeasureDuration, "jahrzehnte": MeasureDuration,
		"seconds": MeasureDuration, "minutes": MeasureDuration, "hours": MeasureDuration, "days": MeasureDuration,
		"weeks": MeasureDuration, "months": MeasureDuration, "years": MeasureDuration, "decades": MeasureDuration,
		"second": MeasureDuration, "hour": MeasureDuration, "day": MeasureDuration,
		"week": MeasureDuration, "month": MeasureDuration, "year": MeasureDuration,
		"quadratkilometer": MeasureArea, "quadratkilometern": MeasureArea, "quadratmeter": MeasureArea,
		"quadratmetern": MeasureArea, "qm": MeasureArea, "hektar": MeasureArea, "ha": MeasureArea,
		"acres": MeasureArea, "acre": MeasureArea, "hectares": MeasureArea,
		"prozent": MeasureShare, "percent": MeasureShare, "prozentpunkte": MeasureShare, "drittel": MeasureShare,
		"viertel": MeasureShare, "fuenftel": MeasureShare, "haelfte": MeasureShare, "third": MeasureShare,
		"thirds": MeasureShare, "quarter": MeasureShare, "quarters": MeasureShare,
		"dezibel": MeasureLoudness, "decibel": MeasureLoudness, "decibels": MeasureLoudness, "db": MeasureLoudness,
	}
	measureSigns = map[rune]Measure{'°': MeasureTemperature, '€': MeasureMoney, '$': MeasureMoney, '£': MeasureMoney, '%': MeasureShare}
)

// StatesMeasure reports whether the text of s in span gives a number in the
// units of m: a unit word right after a number ("92 Kilometer", "14,8
// Millionen Euro", "zwei Tonnen"), or a sign beside a digit ("37 °C", "€ 5").
func (s *Story) StatesMeasure(span Span, m Measure) bool {
	return statesMeasure(s.Text[span.Start:span.End], m)
}

// statesMeasure is StatesMeasure of a sentence's text.
func statesMeasure(text string, m Measure) bool {
	if m == MeasureNone {
		return false
	}
	for i, r := range text {
		if measureSigns[r]&m != 0 && strings.ContainsFunc(text[max(0, i-4):min(len(text), i+5)], isDigitRune) {
			return true
		}
	}
	// since is how many words ago the last number was (0: none yet).
	since := 0
	found := false
	words(text, func(w string) {
		if found {
			return
		}
		if since > 0 && since <= measureGap && measureUnits[w]&m != 0 {
			found = true
			return
		}
		if isDigits(w) || numberWords[w] {
			since = 1
		} else if since > 0 {
			since++
		}
	})
	return found
}

// measureGap: a unit may follow its number with one word between them
// ("2.100 ehrenamtliche Stunden").
const measureGap = 2

// rankCues are the words of a question that ask for a measure for ranking's
// purposes: those of measureCues, and those that may ask for one of two
// ("how long": a length or a duration), which ranking can afford and an
// abstention cannot.
var rankCues = map[string]Measure{
	"wie lange": MeasureDuration, "how long": MeasureLength | MeasureDuration, "dauer": MeasureDuration,
	"duration": MeasureDuration, "flaeche": MeasureArea, "area": MeasureArea,
	"ausgegeben": MeasureMoney, "ausgeben": MeasureMoney, "spent": MeasureMoney, "spend": MeasureMoney,
	"zahlen": MeasureMoney, "bezahlen": MeasureMoney, "zahlt": MeasureMoney, "pay": MeasureMoney, "paid": MeasureMoney,
	"wiegen": MeasureWeight, "wiegt": MeasureWeight, "weigh": MeasureWeight, "weighs": MeasureWeight,
	"anteil": MeasureShare, "share": MeasureShare, "percentage": MeasureShare, "proportion": MeasureShare,
	"prozent": MeasureShare, "percent": MeasureShare, "teil": MeasureShare,
	"wie laut": MeasureLoudness, "how loud": MeasureLoudness, "how noisy": MeasureLoudness, "lautstaerke": MeasureLoudness,
}

// rankMeasureOf is the measure a passage that answers the question of the
// folded words ws most likely gives a number in: QuestionMeasure's, one of
// rankCues, or the measure of a unit the question names ("Wie viele
// Kilometer …", "how many minutes").
func rankMeasureOf(ws []string) Measure {
	if questionKind(ws) != AskAmount {
		return MeasureNone
	}
	m := MeasureNone
	for i := range ws {
		if x, ok := cueAt(ws, i, measureCues); ok {
			m |= x
		}
		if x, ok := cueAt(ws, i, rankCues); ok {
			m |= x
		}
		// A unit right after the cue: not "im Jahr 2025", which dates.
		if i > 0 && cueWords[ws[i-1]] && len(ws[i]) > 2 {
			m |= measureUnits[ws[i]]
		}
	}
	return m
}

// dimensionCues are the cues of a length that name its dimension, and the
// folded word parts a sentence giving it uses ("12 Meter breit", "die Tiefe
// von 4 Metern", "31 Meter hoher Bergfried"): a length in another
// dimension ("92 Kilometer langer Radweg") does not answer "Wie breit …".
// A distance and a length are often given without their word ("bis Erlenau
// sind es 24 Kilometer") and have none here.
var dimensionCues = map[string][]string{
	"wie breit": {"breit"}, "how wide": {"breit"}, "breite": {"breit"}, "width": {"breit"},
	"wie tief": {"tief"}, "how deep": {"tief"}, "tiefe": {"tief"}, "depth": {"tief"},
	"how tall": {"hoch", "hoh", "hoeh"},
}

// questionDimension returns the word parts of the dimension the question
// of the folded words ws asks a length in, nil when it names none.
func questionDimension(ws []string) []string {
	d, _ := firstCue(ws, dimensionCues)
	return d
}
