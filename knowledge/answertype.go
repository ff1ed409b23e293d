package knowledge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// What a question asks for, and whether a sentence states that kind of
// thing: an offline answer made of the story's own sentences should contain
// the date a "when" question asks for, not only the words of the question.

// AnswerKind is the kind of thing a question asks for.
type AnswerKind int

const (
	AskOther  AnswerKind = iota // no particular kind ("what", "why", "wie")
	AskTime                     // when, wann, what year, seit wann
	AskAmount                   // how much, how many, wie viel, wie hoch, how long
	AskPerson                   // who, wer, wem, wen
	AskPlace                    // where, wo, wohin, woher
)

// questionCues map the opening words of a question (folded, one or two
// words) to what it asks for. Longer cues are tried first.
var questionCues = map[string]AnswerKind{
	"when": AskTime, "wann": AskTime, "what year": AskTime, "which year": AskTime, "in what year": AskTime,
	"in which year": AskTime, "welchem jahr": AskTime, "welches jahr": AskTime, "seit wann": AskTime,
	"bis wann": AskTime, "what date": AskTime, "welchem datum": AskTime, "what time": AskTime,
	"how much": AskAmount, "how many": AskAmount, "how long": AskAmount, "how old": AskAmount,
	"how high": AskAmount, "how big": AskAmount, "how large": AskAmount, "how far": AskAmount,
	"how fast": AskAmount, "how wide": AskAmount, "how warm": AskAmount, "how hot": AskAmount,
	"wie breit": AskAmount, "wie warm": AskAmount, "wie heiss": AskAmount, "wie stark": AskAmount,
	"how loud": AskAmount, "how noisy": AskAmount, "wie laut": AskAmount,
	"cost": AskAmount, "kostet": AskAmount, "kostete": AskAmount, "gekostet": AskAmount, "how tall": AskAmount, "how deep": AskAmount, "how heavy": AskAmount,
	"wie viel": AskAmount, "wie viele": AskAmount, "wieviel": AskAmount, "wieviele": AskAmount,
	"wie hoch": AskAmount, "wie lange": AskAmount, "wie alt": AskAmount, "wie gross": AskAmount,
	"wie weit": AskAmount, "wie schnell": AskAmount, "wie teuer": AskAmount, "wie tief": AskAmount,
	"wie schwer": AskAmount, "wie lang": AskAmount, "welcher hoehe": AskAmount,
	"who": AskPerson, "whom": AskPerson, "whose": AskPerson, "wer": AskPerson, "wem": AskPerson,
	"wen": AskPerson, "wessen": AskPerson,
	"where": AskPlace, "wo": AskPlace, "wohin": AskPlace, "woher": AskPlace, "which city": AskPlace,
	"which country": AskPlace, "welcher stadt": AskPlace, "welchem land": AskPlace, "welche stadt": AskPlace,
	"welches land": AskPlace, "welcher region": AskPlace, "what city": AskPlace, "what country": AskPlace,
}

// QuestionKind tells what q asks for, from its question word. A question
// word anywhere in the question counts ("And when did he leave?", "In
// welchem Jahr …"), the first one found wins.
func QuestionKind(q string) AnswerKind {
	var ws []string
	words(q, func(w string) { ws = append(ws, w) })
	return questionKind(ws)
}

// questionKind is QuestionKind of a question's folded words.
func questionKind(ws []string) AnswerKind {
	for i := range ws {
		if k, ok := cueAt(ws, i, questionCues); ok {
			return k
		}
		if i+1 < len(ws) && whichWords[ws[i]] {
			if k, ok := headNounKinds[ws[i+1]]; ok {
				return k
			}
		}
	}
	return AskOther
}

// cueAt looks up the words of ws from i in cues: three words, then two,
// then one ("in which year", "how much", "wann").
func cueAt[K any](ws []string, i int, cues map[string]K) (K, bool) {
	k, n := cueLen(ws, i, cues)
	return k, n > 0
}

// cueLen is cueAt that also tells how many words the cue has (0: none).
func cueLen[K any](ws []string, i int, cues map[string]K) (K, int) {
	// The key is built in a buffer on the stack and looked up without
	// making a string of it: search asks this for every question word.
	var arr [64]byte
	for n := min(3, len(ws)-i); n >= 1; n-- {
		key := arr[:0]
		for j, w := range ws[i : i+n] {
			if j > 0 {
				key = append(key, ' ')
			}
			key = append(key, w...)
		}
		if k, ok := cues[string(key)]; ok {
			return k, n
		}
	}
	var zero K
	return zero, 0
}

// firstCue is the first of cues found anywhere in ws (see cueAt).
func firstCue[K any](ws []string, cues map[string]K) (K, bool) {
	for i := range ws {
		if k, ok := cueAt(ws, i, cues); ok {
			return k, true
		}
	}
	var zero K
	return zero, false
}

// whichWords ask for a thing named by the noun that follows: "Welche
// Fläche", "Mit welchen Kosten", "What size".
var whichWords = map[string]bool{
	"welche": true, "welchen": true, "welcher": true, "welches": true, "welchem": true,
	"what": true, "which": true,
}

// headNounKinds: after a which-word, a noun that names a measure asks for
// an amount, one that names a span of time for a time, one that names a
// kind of place for a place. General German and English nouns, folded.
var headNounKinds = map[string]AnswerKind{
	"teil": AskAmount, "kosten": AskAmount, "summe": AskAmount, "betrag": AskAmount, "preis": AskAmount, "flaeche": AskAmount,
	"hoehe": AskAmount, "zahl": AskAmount, "anzahl": AskAmount, "menge": AskAmount, "masse": AskAmount,
	"groesse": AskAmount, "laenge": AskAmount, "breite": AskAmount, "tiefe": AskAmount, "gewicht": AskAmount,
	"temperatur": AskAmount, "dauer": AskAmount, "umfang": AskAmount, "anteil": AskAmount, "wert": AskAmount,
	"entfernung": AskAmount, "geschwindigkeit": AskAmount, "leistung": AskAmount, "hoechststand": AskAmount,
	"cost": AskAmount, "costs": AskAmount, "price": AskAmount, "amount": AskAmount, "sum": AskAmount,
	"size": AskAmount, "area": AskAmount, "height": AskAmount, "length": AskAmount, "width": AskAmount,
	"depth": AskAmount, "weight": AskAmount, "temperature": AskAmount, "duration": AskAmount,
	"share": AskAmount, "percentage": AskAmount, "number": AskAmount, "quantity": AskAmount,
	"margin": AskAmount, "value": AskAmount, "distance": AskAmount, "speed": AskAmount, "level": AskAmount,
	"zeitraum": AskTime, "monat": AskTime, "monaten": AskTime, "monate": AskTime, "tag": AskTime,
	"zeitpunkt": AskTime, "jahrhundert": AskTime, "jahreszeit": AskTime, "uhrzeit": AskTime,
	"month": AskTime, "months": AskTime, "period": AskTime, "day": AskTime, "century": AskTime,
	"season": AskTime, "decade": AskTime,
	"stadt": AskPlace, "ort": AskPlace, "gemeinde": AskPlace, "region": AskPlace, "land": AskPlace,
	"city": AskPlace, "town": AskPlace, "place": AskPlace, "village": AskPlace, "country": AskPlace,
}

// States reports whether the text of s in span states a thing of kind k: a
// date or time, an amount, a person, a place. AskOther is stated by any
// sentence.
func (s *Story) States(span Span, k AnswerKind) bool {
	text := s.Text[span.Start:span.End]
	switch k {
	case AskTime:
		// A calendar date or a day: "kürzlich" and "within 24 hours" are times
		// too, but not what a "when" question wants to hear.
		for _, d := range findDates(s.Text, span.Start, span.End) {
			if !d.relative {
				return true
			}
		}
		return false
	case AskAmount:
		return statesAmount(s.Text, span)
	case AskPerson:
		return statesPerson(text)
	case AskPlace:
		return statesPlace(text)
	}
	return true
}

// numberWords are amounts written out, folded.
var numberWords = map[string]bool{
	"zwei": true, "drei": true, "vier": true, "fuenf": true, "sechs": true, "sieben": true, "acht": true,
	"neun": true, "zehn": true, "elf": true, "zwoelf": true, "zwanzig": true, "dreissig": true, "hundert": true,
	"tausend": true, "million": true, "millionen": true, "milliarde": true, "milliarden": true, "dutzend": true,
	"dutzende": true, "hunderte": true, "tausende": true, "prozent": true, "haelfte": true, "drittel": true,
	"two": true, "three": true, "four": true, "five": true, "six": true, "seven": true, "eight": true,
	"nine": true, "ten": true, "eleven": true, "twelve": true, "twenty": true, "thirty": true, "hundred": true,
	"thousand": true, "millions": true, "billion": true, "billions": true, "dozen": true,
	"dozens": true, "hundreds": true, "thousands": true, "percent": true, "half": true,
}

// statesAmount: a number that is not (only) a date, a number written out,
// or a currency or percent sign.
func statesAmount(text string, span Span) bool {
	body := text[span.Start:span.End]
	if strings.ContainsAny(body, "$€£%") {
		return true
	}
	dates := findDates(text, span.Start, span.End)
	inDate := func(i int) bool {
		for _, d := range dates {
			if i >= d.span.Start && i < d.span.End {
				return true
			}
		}
		return false
	}
	for i := span.Start; i < span.End; {
		r, n := utf8.DecodeRuneInString(text[i:])
		if isDigitRune(r) && !inDate(i) {
			return true
		}
		i += n
	}
	found := false
	words(body, func(w string) { found = found || numberWords[w] })
	return found
}

// personWords are roles that stand for a person when no name does.
var personWords = map[string]bool{
	"ceo": true, "gruender": true, "gruenderin": true, "praesident": true, "praesidentin": true, "chef": true,
	"chefin": true, "erfinder": true, "erfinderin": true, "autor": true, "autorin": true, "entdecker": true,
	"minister": true, "ministerin": true, "kanzler": true, "kanzlerin": true, "koenig": true, "koenigin": true,
	"kaiser": true, "papst": true, "direktor": true, "direktorin": true, "leiter": true, "leiterin": true,
	"founder": true, "president": true, "inventor": true, "author": true, "discoverer": true, "king": true,
	"queen": true, "emperor": true, "director": true, "chancellor": true, "mayor": true, "buergermeister": true,
}

// statesPerson: a name (two capitalized words in a row, neither a function
// word: "Sam Altman", "Teslas CEO Elon Musk") or a role word.
func statesPerson(text string) bool {
	prevCap := false
	found := false
	eachToken(text, func(tok string, capital bool) {
		if found {
			return
		}
		f := Fold(tok)
		if personWords[f] {
			found = true
			return
		}
		c := capital && !stopWords[f]
		if c && prevCap {
			found = true
		}
		prevCap = c
	})
	return found
}

// placePrepositions introduce a place ("in Berlin", "aus Wien", "near Paris").
var placePrepositions = map[string]bool{
	"in": true, "im": true, "aus": true, "nach": true, "bei": true, "nahe": true, "near": true, "at": true,
	"from": true, "to": true, "vor": true, "ueber": true, "noerdlich": true, "suedlich": true, "oestlich": true,
	"westlich": true, "north": true, "south": true, "east": true, "west": true,
}

// placeWords name places or end place names.
var placeWords = []string{"stadt", "land", "insel", "region", "provinz", "dorf", "city", "country", "island",
	"town", "village", "strasse", "street", "hauptstadt", "capital", "kontinent", "continent", "staat", "state"}

// statesPlace: a preposition followed by a capitalized word that is not a
// function word, or a word for a place.
func statesPlace(text string) bool {
	prevPrep := false
	found := false
	eachToken(text, func(tok string, capital bool) {
		if found {
			return
		}
		f := Fold(tok)
		if prevPrep && capital && !stopWords[f] {
			found = true
			return
		}
		for _, p := range placeWords {
			if strings.HasSuffix(f, p) {
				found = true
				return
			}
		}
		prevPrep = placePrepositions[f]
	})
	return found
}

// eachToken calls fn with each run of letters, digits and hyphens of text
// and whether it starts with a capital letter. The first word of a sentence
// is reported as not capitalized: its capital says nothing.
func eachToken(text string, fn func(tok string, capital bool)) {
	first := true
	start := -1
	emit := func(end int) {
		if start < 0 {
			return
		}
		tok := text[start:end]
		r, _ := utf8.DecodeRuneInString(tok)
		fn(tok, unicode.IsUpper(r) && !first)
		first = false
		start = -1
	}
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' && start >= 0 {
			if start < 0 {
				start = i
			}
			continue
		}
		emit(i)
		if r == '.' || r == '!' || r == '?' || r == ':' {
			first = true
		}
	}
	emit(len(text))
}

// referringWords open a sentence that leans on the one before it ("Er …",
// "Damit …", "This …"): on its own it does not say who or what.
var referringWords = map[string]bool{
	"er": true, "sie": true, "es": true, "dies": true, "diese": true, "dieser": true, "dieses": true,
	"diesen": true, "damit": true, "dadurch": true, "daher": true, "deshalb": true, "deswegen": true,
	"dort": true, "dann": true, "danach": true, "darauf": true, "dabei": true, "davon": true, "dafuer": true,
	"hier": true, "sein": true, "seine": true, "ihr": true, "ihre": true, "jedoch": true, "ausserdem": true,
	"zudem": true, "trotzdem": true,
	"he": true, "she": true, "it": true, "they": true, "this": true, "these": true, "that": true,
	"those": true, "there": true, "then": true, "his": true, "her": true, "its": true, "their": true,
	"however": true, "also": true, "thus": true,
}

// RefersBack reports whether sentence opens with a word that refers to the
// sentence before it.
func RefersBack(sentence string) bool {
	first := ""
	words(sentence, func(w string) {
		if first == "" {
			first = w
		}
	})
	return referringWords[first]
}
