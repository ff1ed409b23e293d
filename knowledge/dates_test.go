package knowledge

import (
	"reflect"
	"strings"
	"testing"
)

type eventWant struct {
	date, sort string
	relative   bool
	passage    string
}

func TestTheDefaultStoryTimeline(t *testing.T) {
	s := Default()
	want := []eventWant{
		{"2015", "2015", false, "§6"},
		{"2017", "2017", false, "§4"},
		{"Juli 2018", "2018-07", false, "§2"},
		{"2018", "2018", false, "§6"},
		{"innerhalb von 24 Stunden", "", true, "§3"},
		{"kürzlicher", "", true, "§4"},
		{"kürzlichen", "", true, "§5"},
	}
	var got []eventWant
	for _, e := range s.Events {
		got = append(got, eventWant{e.Date, e.Sort, e.Relative, e.PassageID})
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events\n got %+v\nwant %+v", got, want)
	}
	// 2015 and 2018 come from one sentence: the same statement, two dates.
	if s.Events[0].Event != s.Events[3].Event || !strings.Contains(s.Events[0].Event, "2015 mitbegründete") {
		t.Errorf("2015 and 2018 should share their sentence: %q / %q", s.Events[0].Event, s.Events[3].Event)
	}
	if e := s.Events[2].Event; e != "Im Juli 2018 tätigte Altman eine angebliche Vorreservierung in Höhe von 45.000 $ für eines von Teslas ikonischen Fahrzeugen." {
		t.Errorf("Juli 2018 event = %q", e)
	}
}

func TestEventsAreVerbatimSpansOfTheText(t *testing.T) {
	s := Default()
	for _, e := range s.Events {
		if got := s.Text[e.DateSpan.Start:e.DateSpan.End]; got != e.Date {
			t.Errorf("Text[DateSpan] = %q, Date = %q", got, e.Date)
		}
		if got := s.Text[e.Span.Start:e.Span.End]; got != e.Event {
			t.Errorf("Text[Span] = %q, Event = %q", got, e.Event)
		}
		if e.DateSpan.Start < e.Span.Start || e.DateSpan.End > e.Span.End {
			t.Errorf("date %v outside its sentence %v", e.DateSpan, e.Span)
		}
		if p := s.Passage(e.PassageID); p == nil || e.Span.Start < p.Span.Start || e.Span.End > p.Span.End {
			t.Errorf("event %q not in passage %q", e.Event, e.PassageID)
		}
	}
}

type dateWant struct {
	date, sort string
	relative   bool
}

func datesIn(text string) []dateWant {
	var out []dateWant
	for _, d := range findDates(text, 0, len(text)) {
		out = append(out, dateWant{text[d.span.Start:d.span.End], d.sort, d.relative})
	}
	return out
}

func TestDateExpressions(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []dateWant
	}{
		{"a German full date", "Am 4. Juli 2018 kam der Wagen.", []dateWant{{"4. Juli 2018", "2018-07-04", false}}},
		{"a German full date with a leading zero", "Am 04. Juli 2018 kam er.", []dateWant{{"04. Juli 2018", "2018-07-04", false}}},
		{"an English full date", "On July 4, 2018, it came.", []dateWant{{"July 4, 2018", "2018-07-04", false}}},
		{"an English date with an ordinal", "On July 4th 2018 it came.", []dateWant{{"July 4th 2018", "2018-07-04", false}}},
		{"a British date", "On 4 July 2018 it came.", []dateWant{{"4 July 2018", "2018-07-04", false}}},
		{"a numeric German date", "Am 04.07.2018 kam er.", []dateWant{{"04.07.2018", "2018-07-04", false}}},
		{"an ISO date", "Released 2018-07-04.", []dateWant{{"2018-07-04", "2018-07-04", false}}},
		{"an ISO month", "Stand: 2018-07.", []dateWant{{"2018-07", "2018-07", false}}},
		{"a month and year in German", "Im März 2019 kam er.", []dateWant{{"März 2019", "2019-03", false}}},
		{"a month and year in English", "In May 2020 it came.", []dateWant{{"May 2020", "2020-05", false}}},
		{"an abbreviated month", "Seit Jan. 2019 wartet er.", []dateWant{{"Jan. 2019", "2019-01", false}}},
		{"a numeric month and year", "Seit 07/2018 wartet er.", []dateWant{{"07/2018", "2018-07", false}}},
		{"the verb may is no month", "You may see it.", nil},
		{"the verb may before a year is a year only", "Results may 2020 differ.", []dateWant{{"2020", "2020", false}}},
		{"a day and month without a year", "Am 4. Juli feiert man.", []dateWant{{"4. Juli", "", false}}},
		{"an impossible date is no full date", "Am 31. Februar 2018 nicht.", []dateWant{{"Februar 2018", "2018-02", false}}},
		{"a bare year", "Er gründete sie 2015.", []dateWant{{"2015", "2015", false}}},
		{"two years in one sentence", "Die er 2015 gründete und 2018 verließ.", []dateWant{{"2015", "2015", false}, {"2018", "2018", false}}},
		{"a year in parentheses", "Der Roadster (2017) ist schnell.", []dateWant{{"2017", "2017", false}}},
		{"an amount in dollars is no year", "Er zahlte $45,000 und $2018 und $ 2018.", nil},
		{"an amount with a German separator is no year", "Er zahlte 45.000 $ und 2.018 Euro.", nil},
		{"a number before a currency is no year", "Er zahlte 2018 $ oder 2018 Dollar oder 2018€.", nil},
		{"a count is no year", "Es gab rund 2000 Autos und mehr als 1990 Fahrer.", nil},
		{"als before a year", "Als 2018 die Wende kam.", []dateWant{{"2018", "2018", false}}},
		{"a phone number is no year", "Ruf 030 2018 5555 an.", nil},
		{"a range is no year", "Von 2015–2018 und 2015-2018 lief es.", nil},
		{"a decade is no year", "In den 1990er Jahren.", nil},
		{"a percentage is no year", "Es stieg um 2018% an.", nil},
		{"a decimal is no year", "Der Wert 2018,5 ist hoch.", nil},
		{"a longer number is no year", "Die Zahl 120180 ist groß.", nil},
		{"a year outside 1900 to 2099", "Im Jahr 1850 und 2150.", nil},
		{"24 Stunden alone is no date", "Er wartete 24 Stunden.", nil},
		{"innerhalb von 24 Stunden is relative", "Er bekam sie innerhalb von 24 Stunden zurück.", []dateWant{{"innerhalb von 24 Stunden", "", true}}},
		{"innerhalb eines Tages", "Innerhalb eines Tages war es da.", []dateWant{{"Innerhalb eines Tages", "", true}}},
		{"within 24 hours", "Refunded within 24 hours.", []dateWant{{"within 24 hours", "", true}}},
		{"within a few days", "Refunded within a few days.", []dateWant{{"within a few days", "", true}}},
		{"vor drei Jahren", "Vor drei Jahren begann es.", []dateWant{{"Vor drei Jahren", "", true}}},
		{"vor allem is no time", "Vor allem der Preis.", nil},
		{"years ago", "It began two years ago and 3 days ago.", []dateWant{{"two years ago", "", true}, {"3 days ago", "", true}}},
		{"kürzlich and its forms", "Kürzlich sagte er das, in einem kürzlichen Podcast.", []dateWant{{"Kürzlich", "", true}, {"kürzlichen", "", true}}},
		{"recently", "He recently said so.", []dateWant{{"recently", "", true}}},
		{"gestern heute morgen", "Gestern, heute und morgen.", []dateWant{{"Gestern", "", true}, {"heute", "", true}, {"morgen", "", true}}},
		{"Morgen is the morning", "Am Morgen kam er.", nil},
		{"letzte Woche", "Letzte Woche und im vergangenen Jahr.", []dateWant{{"Letzte Woche", "", true}, {"vergangenen Jahr", "", true}}},
		{"last month", "Last month and next year.", []dateWant{{"Last month", "", true}, {"next year", "", true}}},
		{"jüngst is no time", "Sein jüngster Versuch.", nil},
		{"a date across a line break", "Am 4. Juli\n2018 kam er.", []dateWant{{"4. Juli\n2018", "2018-07-04", false}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := datesIn(c.text); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%q\n got %+v\nwant %+v", c.text, got, c.want)
			}
		})
	}
}

func TestTimelineOrder(t *testing.T) {
	s := parseBody(t, "Kürzlich geschah es. 2018 endete es. Im Juli 2018 war es. Am 4. Juli 2018 kam er. "+
		"Am 3. Juli 2018 auch. Gestern war nichts. 2015 begann es. Am 1. Mai kam sie. Im Mai 2018 nicht.")
	var got []string
	for _, e := range s.Events {
		got = append(got, e.Date+"="+e.Sort)
	}
	want := []string{
		"2015=2015", "Mai 2018=2018-05", "3. Juli 2018=2018-07-03", "4. Juli 2018=2018-07-04", "Juli 2018=2018-07", "2018=2018",
		"Kürzlich=", "Gestern=", "1. Mai=",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("timeline\n got %q\nwant %q", got, want)
	}
}

func TestSortEventsKeepsTheOrderOfEqualDates(t *testing.T) {
	events := []Event{
		{Date: "b", Sort: "2018"}, {Date: "u1"}, {Date: "a", Sort: "2018"}, {Date: "c", Sort: "2017-01-01"}, {Date: "u2", Relative: true},
	}
	SortEvents(events)
	var got []string
	for _, e := range events {
		got = append(got, e.Date)
	}
	if want := []string{"c", "b", "a", "u1", "u2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTheSameDateTwiceInASentenceIsOneEvent(t *testing.T) {
	s := parseBody(t, "2018 kam er, und 2018 ging er.")
	if len(s.Events) != 1 || s.Events[0].Date != "2018" {
		t.Errorf("events %+v", s.Events)
	}
}

func TestHeadingsHaveNoEvents(t *testing.T) {
	s := parseBody(t, "Rückblick auf 2018\n\nEs war ein Jahr.")
	if len(s.Events) != 0 {
		t.Errorf("events %+v", s.Events)
	}
}
