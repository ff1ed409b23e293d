package knowledge

import (
	"reflect"
	"strings"
	"testing"

	"github.com/storybot/storybot/fault"
)

func sentencesOf(text string) []string {
	var out []string
	for _, sp := range SplitSentences(text, 0, len(text)) {
		out = append(out, text[sp.Start:sp.End])
	}
	return out
}

func TestSplitSentences(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []string
	}{
		{"a period ends a sentence before a capital", "Er kam. Sie ging.", []string{"Er kam.", "Sie ging."}},
		{"an amount with a thousands dot does not end one", "Er zahlte 45.000 $ für eines. Dann wartete er.", []string{"Er zahlte 45.000 $ für eines.", "Dann wartete er."}},
		{"a number before a noun does not end one", "Innerhalb von 24 Stunden kam das Geld. Gut.", []string{"Innerhalb von 24 Stunden kam das Geld.", "Gut."}},
		{"decimals do not end one", "Der Wert stieg um 3.5 Prozent. Danach fiel er.", []string{"Der Wert stieg um 3.5 Prozent.", "Danach fiel er."}},
		{"z. B. does not end one", "Manche, z. B. Altman, warten. Andere nicht.", []string{"Manche, z. B. Altman, warten.", "Andere nicht."}},
		{"Dr. does not end one", "Dr. Müller sprach. Alle hörten zu.", []string{"Dr. Müller sprach.", "Alle hörten zu."}},
		{"U.S. does not end one", "The U.S. Senate met. It adjourned.", []string{"The U.S. Senate met.", "It adjourned."}},
		{"a day before a month does not end one", "Am 4. Juli 2018 reservierte er. Später nicht.", []string{"Am 4. Juli 2018 reservierte er.", "Später nicht."}},
		{"a quotation with two sentences stays whole", "“Wir sind nah dran. Die Demo wird unvergesslich sein”, neckte Musk. Dann ging er.",
			[]string{"“Wir sind nah dran. Die Demo wird unvergesslich sein”, neckte Musk.", "Dann ging er."}},
		{"a German quotation stays whole", "Er sagte: „Das ist gut. Sehr gut.“ Dann ging er.", []string{"Er sagte: „Das ist gut. Sehr gut.“", "Dann ging er."}},
		{"guillemets stay whole", "Sie sagte: »Ja. Nein.« Dann nichts.", []string{"Sie sagte: »Ja. Nein.«", "Dann nichts."}},
		{"question and exclamation marks end sentences", "Wirklich? Ja! Gut.", []string{"Wirklich?", "Ja!", "Gut."}},
		{"an unclosed quotation does not swallow the paragraph's rest forever", "Er sagte „Ja. Dann\nNein. Gut.", []string{"Er sagte „Ja. Dann\nNein.", "Gut."}},
		{"an apostrophe is not a quotation mark", "Musk’s reply came. Altman’s did not.", []string{"Musk’s reply came.", "Altman’s did not."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := sentencesOf(c.text); !reflect.DeepEqual(got, c.want) {
				t.Errorf("\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestParseTheDefaultStory(t *testing.T) {
	s := Default()
	if s.Title != "Elon Musk kontert die Tesla-Rückerstattungsvorwürfe von Sam Altman" || s.Language != "de" {
		t.Errorf("title %q language %q", s.Title, s.Language)
	}
	wantSections := []string{
		"Altmans Vorwurf: Der $45,000-Aufreger",
		"Musks Entgegnung: „Das liegt in deiner Natur“",
		"Der lange und kurvenreiche Weg des Roadsters",
		"Musks kühne Versprechen: Ein Blick auf das, was als Nächstes kommt",
		"Die Musk-Altman-Verbindung: Eine Geschichte der Spannungen",
		"Was jetzt: Unvorhersehbare Allianzen und Rivalitäten",
	}
	var got []string
	for _, sec := range s.Sections {
		got = append(got, sec.Heading)
	}
	if !reflect.DeepEqual(got, wantSections) {
		t.Errorf("sections\n got %q\nwant %q", got, wantSections)
	}
	if len(s.Passages) != 7 {
		t.Fatalf("%d passages, want 7", len(s.Passages))
	}
	for i, p := range s.Passages {
		if p.ID != "§"+string(rune('1'+i)) {
			t.Errorf("passage %d has id %q", i, p.ID)
		}
		if p.Text != s.Text[p.Span.Start:p.Span.End] {
			t.Errorf("%s text is not its span", p.ID)
		}
		for _, sp := range p.Sentences {
			if sp.Start < p.Span.Start || sp.End > p.Span.End {
				t.Errorf("%s has a sentence outside it", p.ID)
			}
		}
	}
	if s.Passages[0].Section != "" || s.Passages[2].Section != wantSections[1] {
		t.Errorf("sections of passages: %q, %q", s.Passages[0].Section, s.Passages[2].Section)
	}
	if again := Default(); again.Version != s.Version || again.Passages[3].ID != "§4" {
		t.Error("parsing is not stable")
	}
}

func TestParseRejectsBadInput(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "is empty"},
		{"only space", []byte(" \n\t\n"), "is empty"},
		{"not UTF-8", []byte("Gr\xfc\xdfe"), "not UTF-8"},
		{"binary", []byte("PK\x03\x04\x00\x00\x00"), "binary"},
		{"too large", []byte(strings.Repeat("a", MaxStoryBytes+1)), "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("x", "x.txt", c.data)
			if fault.KindOf(err) != fault.Invalid || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want Invalid containing %q", err, c.want)
			}
		})
	}
}

func TestParseMarkdownAndCRLF(t *testing.T) {
	s, err := Parse("md", "md.md", []byte("\xEF\xBB\xBF# Title here\r\n\r\n## First part\r\nA paragraph. Another sentence.\r\n\r\nSecond paragraph!\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Title != "Title here" || len(s.Sections) != 1 || s.Sections[0].Heading != "First part" || len(s.Passages) != 2 {
		t.Fatalf("title %q sections %+v passages %d", s.Title, s.Sections, len(s.Passages))
	}
	if s.Passages[0].Text != "A paragraph. Another sentence." || len(s.Passages[0].Sentences) != 2 {
		t.Errorf("passage %q with %d sentences", s.Passages[0].Text, len(s.Passages[0].Sentences))
	}
}

func TestLongParagraphsAreSplitAtSentences(t *testing.T) {
	para := strings.Repeat("Dies ist ein ziemlich langer Satz über den Roadster und seine Lieferung. ", 60)
	s, err := Parse("long", "long.txt", []byte("Titel\n\n"+para))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Passages) < 2 {
		t.Fatalf("%d passages for %d bytes", len(s.Passages), len(para))
	}
	for _, p := range s.Passages {
		if len(p.Text) > maxPassageBytes+200 || !strings.HasSuffix(p.Text, ".") {
			t.Errorf("%s: %d bytes, ends %q", p.ID, len(p.Text), p.Text[len(p.Text)-5:])
		}
	}
}

func TestLoadAFolderOfStories(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := writeFile(dir+"/"+name, text); err != nil {
			t.Fatal(err)
		}
	}
	write("b.txt", "Zweite Geschichte\n\nEin Absatz.")
	write("a.md", "# First story\n\nA paragraph.")
	write("notes.pdf", "ignored")
	stories, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(stories) != 2 || stories[0].ID != "a" || stories[1].ID != "b" || stories[0].Title != "First story" {
		t.Errorf("loaded %+v", stories)
	}
	if stories[0].Passages[0].Story != "a" {
		t.Error("passages do not name their story")
	}
}
