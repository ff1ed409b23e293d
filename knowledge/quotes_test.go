package knowledge

import (
	"reflect"
	"strings"
	"testing"
)

const (
	musksReply = "Und du hast Akt 4 vergessen zu erwähnen, wo das Problem behoben wurde und du innerhalb von 24 Stunden eine Rückerstattung erhalten hast. Aber das liegt in deiner Natur"
	musksTease = "Wir sind nah dran. Die Demo wird unvergesslich sein"
)

// parseBody parses a story made of a title line and body.
func parseBody(t *testing.T, body string) *Story {
	t.Helper()
	s, err := Parse("test", "test", []byte("Titel\n\n"+body))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

type quoteWant struct{ text, speaker string }

func quotesOf(s *Story) []quoteWant {
	var out []quoteWant
	for _, q := range s.Quotes {
		out = append(out, quoteWant{q.Text, q.Speaker})
	}
	return out
}

func TestTheDefaultStoryHasTwoQuotationsOfMuskAndOneErrorMessage(t *testing.T) {
	s := Default()
	want := []Quote{
		{Text: "Adresse nicht gefunden", Speaker: "", PassageID: "§2", Section: "Altmans Vorwurf: Der $45,000-Aufreger"},
		{Text: musksReply, Speaker: "Elon Musk", PassageID: "§3", Section: "Musks Entgegnung: „Das liegt in deiner Natur“"},
		{Text: musksTease, Speaker: "Elon Musk", PassageID: "§5", Section: "Musks kühne Versprechen: Ein Blick auf das, was als Nächstes kommt"},
	}
	if len(s.Quotes) != len(want) {
		t.Fatalf("got %d quotations, want %d: %+v", len(s.Quotes), len(want), quotesOf(s))
	}
	for i, w := range want {
		g := s.Quotes[i]
		if g.Text != w.Text || g.Speaker != w.Speaker || g.PassageID != w.PassageID || g.Section != w.Section {
			t.Errorf("quote %d:\n got %q by %q in %s (%q)\nwant %q by %q in %s (%q)", i,
				g.Text, g.Speaker, g.PassageID, g.Section, w.Text, w.Speaker, w.PassageID, w.Section)
		}
	}
	if c := s.Quotes[1].Context; !strings.HasSuffix(c, "erklärte Musk und deutete an, dass Altmans Bericht selektiv und suggestiv war.") {
		t.Errorf("context of Musk's reply is not its sentence: %q", c)
	}
	if got := s.Speakers(); !reflect.DeepEqual(got, []string{"Elon Musk"}) {
		t.Errorf("Speakers() = %q", got)
	}
}

func TestQuotationsAreVerbatimSpansOfTheText(t *testing.T) {
	s := Default()
	for _, q := range s.Quotes {
		if got := s.Text[q.Span.Start:q.Span.End]; got != q.Text {
			t.Errorf("Text[Span] = %q, Text = %q", got, q.Text)
		}
		if !strings.Contains(q.Context, q.Text) {
			t.Errorf("context %q lacks %q", q.Context, q.Text)
		}
		if s.Passage(q.PassageID) == nil {
			t.Errorf("no passage %q for %q", q.PassageID, q.Text)
		}
	}
}

func TestQuotationsAreFoundAndAttributed(t *testing.T) {
	cases := []struct {
		name string
		body string
		want []quoteWant
	}{
		{"an English quotation with the speaker after it",
			"“We are close,” Altman said.",
			[]quoteWant{{"We are close", "Altman"}}},
		{"an English quotation with an inverted speaker",
			"“We are close,” said Sam Altman. Later Altman said more.",
			[]quoteWant{{"We are close", "Sam Altman"}}},
		{"a surname resolved to the full name the story uses",
			"Sam Altman spoke first. “We are close,” Altman said.",
			[]quoteWant{{"We are close", "Sam Altman"}}},
		{"an English introduction with a colon",
			"Sam Altman wrote on X: “This is fine.”",
			[]quoteWant{{"This is fine.", "Sam Altman"}}},
		{"according to",
			"According to Musk, “the demo will be epic.”",
			[]quoteWant{{"the demo will be epic.", "Musk"}}},
		{"German marks with an English quotation inside",
			"„Er sagte “Hallo” zu mir“, erklärte Musk.",
			[]quoteWant{{"Er sagte “Hallo” zu mir", "Musk"}}},
		{"German marks closed by a left double quote",
			"„Das liegt in deiner Natur“, schrieb Musk.",
			[]quoteWant{{"Das liegt in deiner Natur", "Musk"}}},
		{"French guillemets with spaces inside",
			"« Nous sommes prêts », sagte Emmanuel Macron.",
			[]quoteWant{{"Nous sommes prêts", "Emmanuel Macron"}}},
		{"French guillemets without spaces",
			"«Wir sind bereit», sagte Emmanuel Macron.",
			[]quoteWant{{"Wir sind bereit", "Emmanuel Macron"}}},
		{"German reversed guillemets",
			"»Das wird schwer«, sagte Olaf Scholz.",
			[]quoteWant{{"Das wird schwer", "Olaf Scholz"}}},
		{"German single marks",
			"‚Halbe Sachen‘ mache ich nicht, sagte Olaf Scholz.",
			[]quoteWant{{"Halbe Sachen", ""}}},
		{"straight double quotes",
			`"It is done", wrote Musk.`,
			[]quoteWant{{"It is done", "Musk"}}},
		{"an apostrophe is no quotation mark",
			"I don’t know what ‘soon’ means, Altman said.",
			[]quoteWant{{"soon", ""}}},
		{"an unclosed mark gives nothing",
			"Er sagte „Hallo und ging.",
			nil},
		{"a closing mark without an opening one gives nothing",
			"Er sagte Hallo“ und ging” weg.",
			nil},
		{"an unclosed outer mark keeps the closed quotations inside it",
			"„Offen und “zu” ging es.",
			[]quoteWant{{"zu", ""}}},
		{"a quotation of two sentences",
			"“Wir sind nah dran. Die Demo wird unvergesslich sein”, neckte Musk.",
			[]quoteWant{{"Wir sind nah dran. Die Demo wird unvergesslich sein", "Musk"}}},
		{"an abbreviated title before the speaker",
			"Dr. Müller sagte: „Das ist z. B. falsch.“",
			[]quoteWant{{"Das ist z. B. falsch.", "Müller"}}},
		{"scare quotes after z. B.",
			"Begriffe wie z. B. „Woke“ mag er nicht.",
			[]quoteWant{{"Woke", ""}}},
		{"scare quotes after a verb that is no introduction",
			"Musk kritisierte den Begriff „Woke“ scharf.",
			[]quoteWant{{"Woke", ""}}},
		{"a quotation glued to a compound",
			"Es kam eine “Adresse nicht gefunden”-Fehlermeldung, sagte Altman.",
			[]quoteWant{{"Adresse nicht gefunden", ""}}},
		{"an English possessive with a speech noun",
			"Musk’s reply: “No way.”",
			[]quoteWant{{"No way.", "Musk"}}},
		{"a speech noun with von",
			"Die Antwort von Sam Altman: „Nein.“",
			[]quoteWant{{"Nein.", "Sam Altman"}}},
		{"so after a dash",
			"„Ich habe nie gesagt“ – so Altman.",
			[]quoteWant{{"Ich habe nie gesagt", "Altman"}}},
		{"the speaker inverted after a verb",
			"Auf X schrieb Musk: „Wir sind bereit.“ Elon Musk ist CEO.",
			[]quoteWant{{"Wir sind bereit.", "Elon Musk"}}},
		{"a pronoun after the quotation",
			"Elon Musk besuchte die Fabrik. „Wir bauen mehr“, sagte er.",
			[]quoteWant{{"Wir bauen mehr", "Elon Musk"}}},
		{"a pronoun before the quotation",
			"Elon Musk besuchte die Fabrik. Er sagte: „Wir bauen mehr.“",
			[]quoteWant{{"Wir bauen mehr.", "Elon Musk"}}},
		{"a pronoun with nobody named before it",
			"Die Fabrik ist groß. Er sagte: „Wir bauen mehr.“",
			[]quoteWant{{"Wir bauen mehr.", ""}}},
		{"a quotation that is a sentence by itself continues the one before",
			"„Wir bauen mehr“, sagte Elon Musk. „Und zwar schnell.“",
			[]quoteWant{{"Wir bauen mehr", "Elon Musk"}, {"Und zwar schnell.", "Elon Musk"}}},
		{"a name and a colon",
			"Elon Musk kam spät. Musk: „Wir sind bereit.“",
			[]quoteWant{{"Wir sind bereit.", "Elon Musk"}}},
		{"a noun and a colon is no speaker",
			"Das Fazit: „Nie wieder.“",
			[]quoteWant{{"Nie wieder.", ""}}},
		{"two speakers in one paragraph",
			"„Ja“, sagte Sam Altman. Elon Musk antwortete: „Nein.“",
			[]quoteWant{{"Ja", "Sam Altman"}, {"Nein.", "Elon Musk"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := parseBody(t, c.body)
			if got := quotesOf(s); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s\n got %q\nwant %q", c.body, got, c.want)
			}
		})
	}
}

func TestHeadingQuotations(t *testing.T) {
	cases := []struct {
		name    string
		body    string
		want    []quoteWant
		passage string
		context string
	}{
		{"a possessive and a speech noun in a heading",
			"Musks Entgegnung: „Nie wieder“\n\nElon Musk hat geantwortet.",
			[]quoteWant{{"Nie wieder", "Elon Musk"}}, "§1", "Musks Entgegnung: „Nie wieder“"},
		{"a name and a colon in a heading",
			"Musk: „Wir sind nah dran“\n\nElon Musk sagte nichts weiter.",
			[]quoteWant{{"Wir sind nah dran", "Elon Musk"}}, "§1", "Musk: „Wir sind nah dran“"},
		{"a Markdown heading",
			"## Altmans Antwort: „Nein“\n\nSam Altman bleibt dabei.",
			[]quoteWant{{"Nein", "Sam Altman"}}, "§1", "Altmans Antwort: „Nein“"},
		{"a heading quotation inside a longer one of the same speaker is listed once",
			"Musks Entgegnung: „Das liegt in deiner Natur“\n\n“Aber das liegt in deiner Natur”, erklärte Elon Musk.",
			[]quoteWant{{"Aber das liegt in deiner Natur", "Elon Musk"}}, "§1", "“Aber das liegt in deiner Natur”, erklärte Elon Musk."},
		{"a heading quotation equal to a paragraph's is listed with the paragraph's context",
			"Musks Entgegnung: „Nie wieder“\n\n„Nie wieder!“, erklärte Elon Musk.",
			[]quoteWant{{"Nie wieder!", "Elon Musk"}}, "§1", "„Nie wieder!“, erklärte Elon Musk."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := parseBody(t, c.body)
			if got := quotesOf(s); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			if q := s.Quotes[0]; q.PassageID != c.passage || q.Context != c.context {
				t.Errorf("passage %q context %q, want %q %q", q.PassageID, q.Context, c.passage, c.context)
			}
		})
	}
}

func TestATitleQuotationIsCitedWithTheFirstPassage(t *testing.T) {
	s, err := Parse("t", "t", []byte("Musk: „Wir sind nah dran“\n\nElon Musk sprach über den Roadster."))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Quotes) != 1 {
		t.Fatalf("quotes %+v", s.Quotes)
	}
	q := s.Quotes[0]
	want := Quote{Text: "Wir sind nah dran", Speaker: "Elon Musk", PassageID: "§1", Section: "", Context: "Musk: „Wir sind nah dran“", Span: Span{9, 9 + len("Wir sind nah dran")}}
	if q != want {
		t.Errorf("got %+v\nwant %+v", q, want)
	}
}

func TestTheSameQuotationOfDifferentSpeakersIsKept(t *testing.T) {
	s := parseBody(t, "„Nein“, sagte Sam Altman.\n\n„Nein, nie“, sagte Elon Musk.")
	want := []quoteWant{{"Nein", "Sam Altman"}, {"Nein, nie", "Elon Musk"}}
	if got := quotesOf(s); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSpeakersComeMostQuotedFirstThenByName(t *testing.T) {
	s := parseBody(t, "„Eins“, sagte Sam Altman. „Zwei“, sagte Elon Musk.\n\n„Drei“, sagte Altman. „Vier“, sagte Ada Lovelace.")
	want := []string{"Sam Altman", "Ada Lovelace", "Elon Musk"}
	if got := s.Speakers(); !reflect.DeepEqual(got, want) {
		t.Errorf("Speakers() = %q, want %q", got, want)
	}
}

func TestFindQuotesFiltersBySpeaker(t *testing.T) {
	s := Default()
	cases := []struct {
		name    string
		speaker string
		want    []string
	}{
		{"no speaker lists every quotation of a person", "", []string{musksReply, musksTease}},
		{"the full name", "Elon Musk", []string{musksReply, musksTease}},
		{"the surname in lower case", "musk", []string{musksReply, musksTease}},
		{"the first name in capitals", "ELON", []string{musksReply, musksTease}},
		{"a German possessive", "Musks", []string{musksReply, musksTease}},
		{"an English possessive", "Musk's", []string{musksReply, musksTease}},
		{"a typographic possessive", "Musk’s", []string{musksReply, musksTease}},
		{"surrounding space", "  Musk ", []string{musksReply, musksTease}},
		{"someone never quoted", "Altman", nil},
		{"a name that is only part of a word", "Mus", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, q := range FindQuotes(s, c.speaker, "") {
				got = append(got, q.Text)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("FindQuotes(%q) = %q, want %q", c.speaker, got, c.want)
			}
		})
	}
}

func TestFindQuotesRanksByTopic(t *testing.T) {
	s := parseBody(t, "„Der Roadster kommt bald“, sagte Elon Musk. „Die Rückerstattung kam schnell“, sagte Elon Musk.\n\n"+
		"„Über die Rückerstattung des Roadsters rede ich nicht“, sagte Sam Altman. Es gab eine “Rückerstattung”-Meldung.")
	cases := []struct {
		name    string
		speaker string
		topic   string
		want    []string
	}{
		{"a topic keeps the matching quotations, the best first",
			"", "Roadster Rückerstattung",
			[]string{"Über die Rückerstattung des Roadsters rede ich nicht", "Der Roadster kommt bald", "Die Rückerstattung kam schnell"}},
		{"a topic and a speaker",
			"Musk", "Rückerstattung",
			[]string{"Die Rückerstattung kam schnell"}},
		{"a topic matches without umlauts and case",
			"", "rueckerstattung",
			[]string{"Die Rückerstattung kam schnell", "Über die Rückerstattung des Roadsters rede ich nicht"}},
		{"a topic nobody speaks about gives nothing",
			"", "Raumfahrt",
			nil},
		{"a topic of stop words only is no filter",
			"Altman", "der die das",
			[]string{"Über die Rückerstattung des Roadsters rede ich nicht"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, q := range FindQuotes(s, c.speaker, c.topic) {
				got = append(got, q.Text)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("FindQuotes(%q, %q)\n got %q\nwant %q", c.speaker, c.topic, got, c.want)
			}
		})
	}
}

func TestFindQuotesOnTheDefaultStoryByTopic(t *testing.T) {
	s := Default()
	cases := []struct {
		topic string
		want  []string
	}{
		{"Natur", []string{musksReply}},
		{"Demo", []string{musksTease}},
		{"Rückerstattung", []string{musksReply}},
		{"Adresse", nil},
	}
	for _, c := range cases {
		t.Run("topic "+c.topic, func(t *testing.T) {
			var got []string
			for _, q := range FindQuotes(s, "", c.topic) {
				got = append(got, q.Text)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestScanQuotesSurvivesUnbalancedMarks(t *testing.T) {
	cases := []string{
		"„", "“", "”", "„„„“", "“”", "„ “", "«»«»", "»«", "‚’s", "\"\"\"", "„a“b“c”", "“a„b“c”d",
		strings.Repeat("„", 100) + "x" + strings.Repeat("“", 100),
		"don’t ‘x’ y’s",
	}
	for _, c := range cases {
		t.Run("marks "+c, func(t *testing.T) {
			for _, q := range scanQuotes(c, 0, len(c)) {
				if !(q.open.End <= q.inner.Start && q.inner.Start < q.inner.End && q.inner.End <= q.close.Start && q.close.End <= len(c)) {
					t.Errorf("bad spans %+v in %q", q, c)
				}
			}
		})
	}
}
