package knowledge

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Dated statements.
//
// extractEvents reads every sentence of every passage (headings are not
// statements and are left out) and makes one Event for each date expression
// in it:
//
//   - full dates: "4. Juli 2018", "4 July 2018", "July 4, 2018",
//     "04.07.2018", "2018-07-04" → Sort "2018-07-04"
//   - a month and year: "Juli 2018", "July 2018", "Jan. 2019", "07/2018",
//     "2018-07" → Sort "2018-07"
//   - a year: a four-digit number from 1900 to 2099 that is not part of an
//     amount ("45.000 $", "$2,018", "2018 Dollar", "rund 2000"), a number
//     group ("030 2018 5555"), a range ("2015–2018"), a decimal, a decade
//     ("2010er") or a longer number → Sort "2018"
//   - a day and month without a year ("4. Juli", "July 4") → Sort "" (undated)
//   - relative times: "innerhalb von 24 Stunden", "within 24 hours",
//     "vor drei Jahren", "two years ago", "kürzlich" and its forms
//     ("kürzlichen"), "recently", "recent", "gestern", "heute", "morgen",
//     "yesterday", "today", "letzte Woche", "nächstes Jahr", "last month" →
//     Relative, Sort "". A count of hours alone ("24 Stunden") is no date.
//
// Date is always the expression exactly as the text writes it: Text[DateSpan].
// A sentence with several expressions gives several events with the same
// Event text ("…die er 2015 mitbegründete, von der er sich jedoch 2018
// zurückzog": 2015 and 2018); the same expression twice in one sentence gives
// one.

// dateMatch is one date expression found in the text.
type dateMatch struct {
	span     Span
	sort     string // "2018", "2018-07", "2018-07-04" or ""
	relative bool
}

func extractEvents(s *Story) []Event {
	var events []Event
	for _, p := range s.Passages {
		for _, se := range p.Sentences {
			var seen []string
			for _, d := range findDates(s.Text, se.Start, se.End) {
				date := s.Text[d.span.Start:d.span.End]
				if slices.Contains(seen, date) {
					continue
				}
				seen = append(seen, date)
				events = append(events, Event{
					Date:      date,
					Sort:      d.sort,
					Relative:  d.relative,
					Event:     s.Text[se.Start:se.End],
					PassageID: p.ID,
					Span:      se,
					DateSpan:  d.span,
				})
			}
		}
	}
	SortEvents(events)
	return events
}

// SortEvents puts events in timeline order, stably: the dated ones (Sort not
// empty) by date, then the undated and relative ones in the order they come
// in. A less precise date sorts after the more precise ones it contains:
// "2018-07-04", then "2018-07", then "2018" (a bare year stands for the year
// as a whole, and what it reports often happened late in it); Sort itself is
// never changed. Story.Events is already in this order; SortEvents is for
// merging the events of several stories.
func SortEvents(events []Event) {
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i].Sort, events[j].Sort
		if (a == "") != (b == "") {
			return a != ""
		}
		return timelineKey(a) < timelineKey(b)
	})
}

// timelineKey pads a sort key to a full date with "99" for what it leaves
// open.
func timelineKey(k string) string {
	switch len(k) {
	case 4:
		return k + "-99-99"
	case 7:
		return k + "-99"
	}
	return k
}

// findDates returns the date expressions in text[start:end], in text order,
// without overlaps. It accepts any string, valid UTF-8 or not.
func findDates(text string, start, end int) []dateMatch {
	var out []dateMatch
	for i := start; i < end; {
		r, n := utf8.DecodeRuneInString(text[i:end])
		if !isWordRune(r) {
			i += n
			continue
		}
		var m dateMatch
		ok := false
		if r >= '0' && r <= '9' {
			m, ok = dateAtDigits(text, start, i, end)
		} else {
			m, ok = dateAtWord(text, i, end)
		}
		if ok && m.span.End > i {
			out = append(out, m)
			i = m.span.End
			continue
		}
		i = wordRunEnd(text, i, end)
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// wordRunEnd returns the end of the run of letters and digits at text[i].
func wordRunEnd(text string, i, end int) int {
	for i < end {
		r, n := utf8.DecodeRuneInString(text[i:end])
		if !isWordRune(r) {
			break
		}
		i += n
	}
	return i
}

// lettersEnd returns the end of the run of letters at text[i].
func lettersEnd(text string, i, end int) int {
	for i < end {
		r, n := utf8.DecodeRuneInString(text[i:end])
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		i += n
	}
	return i
}

func digitsEnd(text string, i, end int) int {
	for i < end && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	return i
}

// spaceEnd skips the space at text[i]: blanks and at most one line break.
func spaceEnd(text string, i, end int) int {
	breaks := 0
	for i < end {
		r, n := utf8.DecodeRuneInString(text[i:end])
		if r == '\n' {
			breaks++
			if breaks > 1 {
				break
			}
		} else if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	return i
}

// runeAt returns the rune at text[i], or -1 at the end.
func runeAt(text string, i, end int) rune {
	if i >= end {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(text[i:end])
	return r
}

// runeBefore returns the rune before text[i], or -1 at the start.
func runeBefore(text string, start, i int) rune {
	if i <= start {
		return -1
	}
	r, _ := utf8.DecodeLastRuneInString(text[start:i])
	return r
}

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' }

// boundaryAt reports that no letter or digit follows at text[i].
func boundaryAt(text string, i, end int) bool {
	r := runeAt(text, i, end)
	return r < 0 || !isWordRune(r)
}

// digitFollows reports a digit at text[i].
func digitFollows(text string, i, end int) bool { return isDigitRune(runeAt(text, i, end)) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func validDay(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	return time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC).Day() == d
}

func inYearRange(y int) bool { return y >= 1900 && y <= 2099 }

func fullKey(y, m, d int) string {
	return strconv.Itoa(y) + "-" + pad2(m) + "-" + pad2(d)
}

func monthKey(y, m int) string { return strconv.Itoa(y) + "-" + pad2(m) }

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// separatorBefore reports a character that ties a number to what stands
// before it (a decimal point, a range dash, a currency sign).
func tiedBefore(r rune) bool {
	return r >= 0 && (isWordRune(r) || strings.ContainsRune(".,$€£¥#+/-–—‐:_§№'’", r))
}

// yearEnd checks that a four-digit year at text[ys:ye] ends there as a year
// (not "2018er", "2018,50", "2015–2018", "2018 $", "2018 Dollar",
// "2018 5555").
func yearEnds(text string, ye, end int) bool {
	r := runeAt(text, ye, end)
	if r >= 0 && (isWordRune(r) || strings.ContainsRune("%‰$€£¥°", r)) {
		return false
	}
	if r >= 0 && strings.ContainsRune(".,-–—‐/:", r) && digitFollows(text, ye+utf8.RuneLen(r), end) {
		return false
	}
	k := spaceEnd(text, ye, end)
	if k == ye {
		return true
	}
	next := runeAt(text, k, end)
	if next >= 0 && strings.ContainsRune("%‰$€£¥", next) {
		return false
	}
	if isDigitRune(next) && digitsEnd(text, k, end)-k >= 3 {
		return false // a number group: a phone number or an amount
	}
	if unicode.IsLetter(next) {
		w := strings.ToLower(text[k:lettersEnd(text, k, end)])
		if amountUnits[w] {
			return false
		}
	}
	return true
}

// amountUnits follow a number that counts or measures, not a year.
var amountUnits = wordSet(`dollar dollars euro euros usd eur franken pfund pound pounds yen yuan
prozent percent mal stück km kilometer meter meilen miles kg kilogramm tonnen tons ps kw kwh watt
menschen personen leute mitarbeiter mitarbeitende autos fahrzeuge exemplare einheiten stunden tage
tagen jahre jahren wochen monate monaten minuten sekunden people persons cars vehicles units times
employees users nutzer follower followers bestellungen reservierungen orders seiten pages punkte
points aktien shares`)

// amountCues stand before a number that counts, not a year ("rund 2000").
var amountCues = wordSet(`rund etwa ca circa zirka knapp fast beinahe gut insgesamt je pro nummer nr
no seite page kapitel artikel paragraf paragraph zimmer about around approximately nearly almost
roughly some exactly genau höchstens mindestens least than`)

// yearStarts checks what stands before a four-digit number at text[ys].
func yearStarts(text string, start, ys int) bool {
	if tiedBefore(runeBefore(text, start, ys)) {
		return false
	}
	// The word before, past the space.
	k := ys
	for k > start {
		r, n := utf8.DecodeLastRuneInString(text[start:k])
		if !unicode.IsSpace(r) {
			break
		}
		k -= n
	}
	prev := runeBefore(text, start, k)
	if isDigitRune(prev) || prev >= 0 && strings.ContainsRune("$€£¥+", prev) {
		return false
	}
	w := k
	for w > start {
		r, n := utf8.DecodeLastRuneInString(text[start:w])
		if !unicode.IsLetter(r) {
			break
		}
		w -= n
	}
	word := strings.ToLower(text[w:k])
	if amountCues[word] {
		return false
	}
	if word == "als" {
		// "mehr als 2000", but "als 2018 bekannt wurde" is a year.
		v := strings.TrimRightFunc(text[start:w], unicode.IsSpace)
		if strings.HasSuffix(strings.ToLower(v), "mehr") || strings.HasSuffix(strings.ToLower(v), "weniger") {
			return false
		}
	}
	return true
}

// dateAtDigits matches a date expression starting with the number at
// text[i].
func dateAtDigits(text string, start, i, end int) (dateMatch, bool) {
	de := digitsEnd(text, i, end)
	nd := de - i
	num := atoi(text[i:de])
	tied := tiedBefore(runeBefore(text, start, i))

	// 2018-07-04, 2018-07
	if nd == 4 && !tied && de < end && text[de] == '-' {
		me := digitsEnd(text, de+1, end)
		if me-de-1 == 2 {
			y, m := num, atoi(text[de+1:me])
			if me+3 <= end && text[me] == '-' && digitsEnd(text, me+1, end) == me+3 && boundaryAt(text, me+3, end) {
				if d := atoi(text[me+1 : me+3]); inYearRange(y) && validDay(y, m, d) {
					return dateMatch{span: Span{i, me + 3}, sort: fullKey(y, m, d)}, true
				}
			} else if inYearRange(y) && m >= 1 && m <= 12 && boundaryAt(text, me, end) &&
				!(me < end && strings.ContainsRune(".,-/", rune(text[me])) && digitFollows(text, me+1, end)) {
				return dateMatch{span: Span{i, me}, sort: monthKey(y, m)}, true
			}
		}
	}
	// 04.07.2018
	if (nd == 1 || nd == 2) && !tied && de < end && text[de] == '.' {
		me := digitsEnd(text, de+1, end)
		if n := me - de - 1; (n == 1 || n == 2) && me < end && text[me] == '.' {
			ye := digitsEnd(text, me+1, end)
			if ye-me-1 == 4 && yearEnds(text, ye, end) {
				y, m, d := atoi(text[me+1:ye]), atoi(text[de+1:me]), num
				if inYearRange(y) && validDay(y, m, d) {
					return dateMatch{span: Span{i, ye}, sort: fullKey(y, m, d)}, true
				}
			}
		}
	}
	// 4. Juli 2018, 4 July 2018, 4th July 2018, 4. Juli
	if (nd == 1 || nd == 2) && !tied {
		j, dotted := de, false
		if j < end && text[j] == '.' {
			j, dotted = j+1, true
		} else if j+2 <= end && isOrdinalSuffix(text[j:lettersEnd(text, j, end)]) {
			j = lettersEnd(text, j, end)
		}
		k := spaceEnd(text, j, end)
		if k > j || dotted {
			we := lettersEnd(text, k, end)
			if m, ok := monthNumber(text[k:we]); ok && we > k {
				me := we
				if me < end && text[me] == '.' && abbreviations[strings.ToLower(text[k:we])] {
					me++
				}
				ys := spaceEnd(text, me, end)
				ye := digitsEnd(text, ys, end)
				if ys > me && ye-ys == 4 && yearEnds(text, ye, end) {
					y := atoi(text[ys:ye])
					if inYearRange(y) && validDay(y, m, num) {
						return dateMatch{span: Span{i, ye}, sort: fullKey(y, m, num)}, true
					}
				}
				if dotted && validDay(2000, m, num) && (me > we || boundaryAt(text, me, end)) {
					return dateMatch{span: Span{i, me}}, true
				}
			}
		}
	}
	// 07/2018
	if (nd == 1 || nd == 2) && !tied && de < end && text[de] == '/' {
		ye := digitsEnd(text, de+1, end)
		if ye-de-1 == 4 && yearEnds(text, ye, end) && !(ye < end && text[ye] == '/') {
			if y := atoi(text[de+1 : ye]); inYearRange(y) && num >= 1 && num <= 12 {
				return dateMatch{span: Span{i, ye}, sort: monthKey(y, num)}, true
			}
		}
	}
	// 3 years ago
	if !tied && boundaryAt(text, de, end) {
		if e, ok := unitAgo(text, de, end); ok {
			return dateMatch{span: Span{i, e}, relative: true}, true
		}
	}
	// 2018
	if nd == 4 && inYearRange(num) && yearStarts(text, start, i) && yearEnds(text, de, end) {
		return dateMatch{span: Span{i, de}, sort: text[i:de]}, true
	}
	return dateMatch{}, false
}

func isOrdinalSuffix(s string) bool {
	switch s {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// nextWord returns the word (letters, or digits) after the space at
// text[i]; ok is false when there is no space or no word.
func nextWord(text string, i, end int) (w string, ws, we int, ok bool) {
	ws = spaceEnd(text, i, end)
	if ws == i || ws >= end {
		return "", ws, ws, false
	}
	if digitFollows(text, ws, end) {
		we = digitsEnd(text, ws, end)
	} else {
		we = lettersEnd(text, ws, end)
	}
	if we == ws || !boundaryAt(text, we, end) {
		return "", ws, we, false
	}
	return text[ws:we], ws, we, true
}

var timeUnits = wordSet(`sekunde sekunden minute minuten stunde stunden tag tage tagen tages woche
wochen monat monate monaten monats jahr jahre jahren jahres jahrzehnt jahrzehnte jahrzehnten
second seconds minute minutes hour hours day days week weeks month months year years decade decades`)

var quantityWords = wordSet(`ein eine einer eines einem einen zwei drei vier fünf sechs sieben acht
neun zehn elf zwölf zwanzig dreißig wenigen weniger wenige paar mehreren mehrerer einigen einiger
a an one two three four five six seven eight nine ten eleven twelve twenty thirty few several`)

// periodWords follow "letzte", "nächstes", "last", "this"... in a relative
// time.
var periodWords = wordSet(`woche wochen monat monats monaten jahr jahres jahren wochenende sommer
herbst winter frühjahr frühling montag dienstag mittwoch donnerstag freitag samstag sonntag
week weeks month months year years weekend summer fall autumn winter spring
monday tuesday wednesday thursday friday saturday sunday`)

var relativeAdjectives = wordSet(`letzte letzten letztes letzter vergangene vergangenen vergangenes
vergangener vorige vorigen voriges nächste nächsten nächstes kommende kommenden kommendes diese
diesen dieses dieser last next this past coming`)

var relativeWords = wordSet(`recently recent gestern vorgestern heute übermorgen yesterday today
tomorrow`)

// quantityUnit matches "[quantity] [few] unit" after the space at text[i]
// and returns its end. With needQty a quantity is required.
func quantityUnit(text string, i, end int, needQty bool) (int, bool) {
	w, _, we, ok := nextWord(text, i, end)
	if !ok {
		return 0, false
	}
	lw := strings.ToLower(w)
	hasQty := isDigits(w) && len(w) <= 4 || quantityWords[lw]
	if hasQty {
		if w2, _, we2, ok := nextWord(text, we, end); ok && (strings.ToLower(w2) == "few" || strings.ToLower(w2) == "paar") {
			we = we2
		}
		w, _, we, ok = nextWord(text, we, end)
		if !ok {
			return 0, false
		}
		lw = strings.ToLower(w)
	} else if needQty {
		return 0, false
	}
	if !timeUnits[lw] {
		return 0, false
	}
	return we, true
}

// unitAgo matches " unit ago" after a quantity ending at text[i].
func unitAgo(text string, i, end int) (int, bool) {
	w, _, we, ok := nextWord(text, i, end)
	if ok && strings.ToLower(w) == "few" {
		w, _, we, ok = nextWord(text, we, end)
	}
	if !ok || !timeUnits[strings.ToLower(w)] {
		return 0, false
	}
	if a, _, ae, ok := nextWord(text, we, end); ok && strings.ToLower(a) == "ago" {
		return ae, true
	}
	return 0, false
}

// dateAtWord matches a date expression starting with the word at text[i]: a
// month name or a relative time.
func dateAtWord(text string, i, end int) (dateMatch, bool) {
	we := lettersEnd(text, i, end)
	if we == i || !boundaryAt(text, we, end) {
		return dateMatch{}, false
	}
	w := text[i:we]
	lw := strings.ToLower(w)
	rel := func(e int) (dateMatch, bool) { return dateMatch{span: Span{i, e}, relative: true}, true }

	if m, ok := monthNumber(w); ok {
		me := we
		if me < end && text[me] == '.' && abbreviations[lw] {
			me++
		}
		ds := spaceEnd(text, me, end)
		if ds > me {
			de := digitsEnd(text, ds, end)
			switch {
			case de-ds == 4 && yearEnds(text, de, end):
				if y := atoi(text[ds:de]); inYearRange(y) {
					return dateMatch{span: Span{i, de}, sort: monthKey(y, m)}, true // Juli 2018
				}
			case de-ds == 1 || de-ds == 2:
				d := atoi(text[ds:de])
				e := de
				if s := text[de:lettersEnd(text, de, end)]; isOrdinalSuffix(s) {
					e = de + len(s)
				}
				if !boundaryAt(text, e, end) || e < end && strings.ContainsRune(".,:/-", rune(text[e])) && digitFollows(text, e+1, end) {
					break
				}
				k := e
				if k < end && text[k] == ',' {
					k++
				}
				ys := spaceEnd(text, k, end)
				ye := digitsEnd(text, ys, end)
				if ys > k && ye-ys == 4 && yearEnds(text, ye, end) {
					if y := atoi(text[ys:ye]); inYearRange(y) && validDay(y, m, d) {
						return dateMatch{span: Span{i, ye}, sort: fullKey(y, m, d)}, true // July 4, 2018
					}
				}
				if englishMonths[lw] && validDay(2000, m, d) {
					return dateMatch{span: Span{i, e}}, true // July 4
				}
			}
		}
		return dateMatch{}, false
	}

	switch {
	case strings.HasPrefix(lw, "kürzlich"):
		switch lw[len("kürzlich"):] {
		case "", "e", "en", "er", "es", "em":
			return rel(we)
		}
	case relativeWords[lw]:
		return rel(we)
	case w == "morgen": // "Morgen" is the morning
		return rel(we)
	case lw == "innerhalb" || lw == "within":
		j := we
		if v, _, ve, ok := nextWord(text, j, end); ok && strings.ToLower(v) == "von" && lw == "innerhalb" {
			j = ve
		}
		if e, ok := quantityUnit(text, j, end, false); ok {
			return rel(e)
		}
	case lw == "vor":
		if e, ok := quantityUnit(text, we, end, true); ok {
			return rel(e)
		}
	case quantityWords[lw]:
		if e, ok := unitAgo(text, we, end); ok {
			return rel(e)
		}
	}
	if relativeAdjectives[lw] {
		if p, _, pe, ok := nextWord(text, we, end); ok && periodWords[strings.ToLower(p)] {
			return rel(pe)
		}
	}
	return dateMatch{}, false
}

var englishMonths = wordSet(`january february march april may june july august september october
november december`)
