package answer

import (
	"context"
	"strings"
	"testing"

	"github.com/storybot/storybot/knowledge"
)

func offlineEngine(t *testing.T, stories ...*knowledge.Story) *Engine {
	t.Helper()
	if len(stories) == 0 {
		stories = []*knowledge.Story{knowledge.Default()}
	}
	e, err := New(context.Background(), Options{Stories: stories})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func parseStory(t *testing.T, id, text string) *knowledge.Story {
	t.Helper()
	s, err := knowledge.Parse(id, "test", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// askOffline asks e question q with no history.
func askOffline(t *testing.T, e *Engine, q string) *Answer {
	t.Helper()
	a, err := e.Ask(context.Background(), AskRequest{Question: q}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// sentences splits an offline answer into its quoted sentences.
func sentences(answer string) []string {
	var out []string
	for _, l := range strings.Split(answer, "\n") {
		if strings.HasPrefix(l, "> ") {
			out = append(out, l)
		}
	}
	return out
}

// TestOfflineAnswerStatesWhatIsAsked: a "when" question gets the sentence
// with the date, not the one sharing most words with the question.
func TestOfflineAnswerStatesWhatIsAsked(t *testing.T) {
	e := offlineEngine(t)
	for _, c := range []struct{ question, want, cite string }{
		{"Wann hat Altman den Roadster reserviert?", "Im Juli 2018 tätigte Altman eine angebliche Vorreservierung", "§2"},
		{"When did Altman make his reservation?", "Im Juli 2018", "§2"},
		{"Wie hoch war die Vorreservierung?", "45.000 $", "§2"},
	} {
		a, err := e.Ask(context.Background(), AskRequest{Question: c.question}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sents := sentences(a.Answer)
		if len(sents) == 0 || !strings.Contains(sents[0], c.want) || !strings.HasSuffix(sents[0], "["+c.cite+"]") {
			t.Errorf("%q: answer %q, want it to open with the sentence holding %q [%s]", c.question, a.Answer, c.want, c.cite)
		}
	}
}

// TestOfflineAnswerTakesTheNeighbour: the sentence before when the best one
// leans on it, the one after when it states what is asked.
func TestOfflineAnswerTakesTheNeighbour(t *testing.T) {
	s := parseStory(t, "bad", "Hallenbad\n\n"+
		"Der Förderverein sammelte im Herbst viele Unterschriften. "+
		"Der Stadtrat von Lindenau tagte am Donnerstag lange im Rathaus. "+
		"Er beschloss die Sanierung des Hallenbads mit großer Mehrheit. "+
		"Im Mai 2026 rücken die Bauarbeiter an. "+
		"Die Schulen fahren so lange in ein Nachbarbad.")
	e := offlineEngine(t, s)
	for _, c := range []struct {
		question string
		want     []string
	}{
		{"Was wurde zum Hallenbad beschlossen?", []string{"Der Stadtrat von Lindenau tagte", "Er beschloss die Sanierung"}},
		{"Wann beginnt die Sanierung des Hallenbads?", []string{"Er beschloss die Sanierung", "Im Mai 2026"}},
	} {
		a, err := e.Ask(context.Background(), AskRequest{Question: c.question}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(a.Answer, w) {
				t.Errorf("%q: answer %q, want it to hold %q", c.question, a.Answer, w)
			}
		}
		if n := len(sentences(a.Answer)); n > 3 {
			t.Errorf("%q: %d sentences, want at most 3", c.question, n)
		}
	}
}

// TestOfflineAnswerTakesTheSentenceThatGoesOn: a sentence that shares no
// word with the question but goes on about the one before ("Er überwies
// …") answers it when it states what is asked, with the sentence it leans
// on; the story does not go silent for want of shared words.
func TestOfflineAnswerTakesTheSentenceThatGoesOn(t *testing.T) {
	s := parseStory(t, "prozess", "Betrug vor Gericht\n\n"+
		"Zwei Zeugen sagten am Montag vor dem Amtsgericht aus. "+
		"Der Landwirt Peter Körner, 71, aus Hofstetten erzählte, wie die Männer an seiner Tür klingelten. "+
		"Er überwies 8.200 Euro auf ein fremdes Konto. "+
		"Die Polizei ermittelt weiter.")
	e := offlineEngine(t, s)
	for _, q := range []string{"Wie viel Geld hat Peter Körner verloren?", "How much money did Peter Körner lose?"} {
		a := askOffline(t, e, q)
		for _, w := range []string{"Peter Körner, 71", "Er überwies 8.200 Euro"} {
			if !strings.Contains(a.Answer, w) {
				t.Errorf("%q: answer %q, want it to hold %q", q, a.Answer, w)
			}
		}
		if n := len(sentences(a.Answer)); n > 3 {
			t.Errorf("%q: %d sentences, want at most 3", q, n)
		}
	}
}

// TestOfflineAnswerPrefersTheLikelyUnits: without a measure it must give,
// a question's likely units ("wie lange" → a duration) choose between two
// sentences that state a number, though the other shares more words.
func TestOfflineAnswerPrefersTheLikelyUnits(t *testing.T) {
	s := parseStory(t, "bad", "Hallenbad\n\n"+
		"Die Sanierung des Hallenbads kostet die Stadt rund 4 Millionen Euro. "+
		"Die Sanierung soll voraussichtlich 20 Monate in Anspruch nehmen.\n\n"+
		"Das Freibad öffnet im Mai.")
	e := offlineEngine(t, s)
	for _, q := range []string{"Wie lange dauert die Sanierung des Hallenbads?", "How long will the renovation of the indoor pool take?"} {
		a := askOffline(t, e, q)
		if sents := sentences(a.Answer); len(sents) == 0 || !strings.Contains(sents[0], "20 Monate") {
			t.Errorf("%q: answer %q, want it to open with the sentence giving 20 Monate", q, a.Answer)
		}
	}
}

// TestOfflineAnswerTakesTheMeasureWithoutSharedWords: a sentence of the
// passage that gives a number in the units the question likely wants
// answers it, though it shares no word with the question.
func TestOfflineAnswerTakesTheMeasureWithoutSharedWords(t *testing.T) {
	s := parseStory(t, "test", "Staubsauger im Test\n\n"+
		"Die Redaktion hat zwölf Akkusauger geprüft. "+
		"Beim Gewicht lagen die Geräte zwischen 1,8 und 3,1 Kilogramm. "+
		"Der Testsieger kostet 399 Euro.")
	e := offlineEngine(t, s)
	for _, q := range []string{"Wie viel wiegen die Akkusauger?", "How heavy are the Akkusauger?"} {
		a := askOffline(t, e, q)
		if !strings.Contains(a.Answer, "1,8 und 3,1 Kilogramm") {
			t.Errorf("%q: answer %q, want the sentence giving the weight", q, a.Answer)
		}
	}
}

// TestOfflineAnswersAreShort: every offline answer to the default story's
// evaluation questions is one to three sentences.
func TestOfflineAnswersAreShort(t *testing.T) {
	e := offlineEngine(t)
	for _, q := range []string{
		"What did Musk say about the refund?", "Worum dreht sich der Streit zwischen Musk und Altman?",
		"When did Musk co-found OpenAI and when did he leave?", "Who is Sam Altman?",
		// Every sentence of the story brings one of these words.
		"Was sagen Musk und Altman über Tesla, OpenAI, xAI, den Roadster, die Demo und die Rückerstattung?",
	} {
		a := askOffline(t, e, q)
		if n := len(sentences(a.Answer)); n < 1 || n > 3 {
			t.Errorf("%q: %d sentences in %q, want 1 to 3", q, n, a.Answer)
		}
	}
}

// TestOfflineAnswerFillsWithWhatIsAsked: the sentence sharing most words
// with a "how much" question states an amount, but not the one asked for;
// the answer goes on with the next best sentence of the story that states
// an amount.
func TestOfflineAnswerFillsWithWhatIsAsked(t *testing.T) {
	s := parseStory(t, "bad", "Hallenbad\n\n"+
		"Die Sanierung des Hallenbads am Mühlgraben beschloss der Stadtrat mit 23 zu 11 Stimmen. "+
		"Das Bad ist seit dem Frühjahr geschlossen. "+
		"Die Schulen fahren so lange in ein Nachbarbad. "+
		"Die Arbeiten kosten 14,8 Millionen Euro.")
	e := offlineEngine(t, s)
	q := "Wie viel kostet die Sanierung des Hallenbads?"
	a, err := e.Ask(context.Background(), AskRequest{Question: q}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Answer, "14,8 Millionen Euro") {
		t.Errorf("%q: answer %q, want it to hold the sentence with the cost", q, a.Answer)
	}
	if strings.Contains(a.Answer, "Nachbarbad") {
		t.Errorf("%q: answer %q holds a sentence that states no amount", q, a.Answer)
	}
}

// TestOfflineAnswerLeavesOutStoriesThatDoNotMentionTheQuestion: of two
// stories among the best results, the one that never mentions a noun of the
// question gives no sentence, even when its sentence states the date asked
// for.
func TestOfflineAnswerLeavesOutStoriesThatDoNotMentionTheQuestion(t *testing.T) {
	bad := parseStory(t, "bad", "Hallenbad\n\n"+
		"Das Hallenbad liegt am Mühlgraben. "+
		"Das Hallenbad schließt im Frühjahr für die Sanierung.")
	muehle := parseStory(t, "muehle", "Mühle\n\n"+
		"Am Mühlgraben schließt die alte Mühle am 31. März 2026. "+
		"Der Müller geht in den Ruhestand.")
	e := offlineEngine(t, bad, muehle)
	q := "Wann schließt das Hallenbad am Mühlgraben?"
	a, err := e.Ask(context.Background(), AskRequest{Question: q}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Answer, "Das Hallenbad schließt im Frühjahr") || strings.Contains(a.Answer, "Mühle") {
		t.Errorf("%q: answer %q, want the Hallenbad story's sentence and none of the Mühle story", q, a.Answer)
	}
}

// TestOfflineAnswerAbstainsWhenTheStoryDoesNotMentionTheQuestion: a question
// that names several things the story never mentions is not answered with
// the sentence that shares its one remaining word.
func TestOfflineAnswerAbstainsWhenTheStoryDoesNotMentionTheQuestion(t *testing.T) {
	s := parseStory(t, "bad", "Hallenbad\n\n"+
		"Das Hallenbad am Mühlgraben wurde 1974 eröffnet. "+
		"Der Stadtrat hat die Sanierung beschlossen.")
	e := offlineEngine(t, s)
	for _, c := range []struct {
		q       string
		abstain bool
	}{
		{"Welcher Architekt hat das Hallenbad mit Sauna und Rutsche entworfen?", true},
		{"Which architect designed the sauna, the slide and the café of the Hallenbad?", true},
		// One word the story does not have is not enough: questions
		// paraphrase.
		{"Welcher Architekt hat das Hallenbad am Mühlgraben eröffnet?", false},
	} {
		a, err := e.Ask(context.Background(), AskRequest{Question: c.q}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(a.Citations) == 0; got != c.abstain {
			t.Errorf("%q: answer %q, abstained %v, want %v", c.q, a.Answer, got, c.abstain)
		}
	}
}

// TestOfflineAnswerForAMeasure: a question for a measure is answered with
// the sentence that gives it in its units, and when no sentence on the
// subject does, the story does not say, however many other numbers it has.
func TestOfflineAnswerForAMeasure(t *testing.T) {
	const pool = "Das Freibad\n\n" +
		"Das Sportbecken des Freibads ist 50 Meter lang und hat acht Bahnen. " +
		"Das Wasser im Sportbecken wird mit Sonnenenergie geheizt. " +
		"Im vergangenen Sommer kamen 41.000 Gäste."
	for _, c := range []struct {
		story, q, want string // want "": abstain
	}{
		{pool, "Wie warm ist das Wasser im Sportbecken?", ""},
		{pool, "What temperature does the water in the pool have?", ""},
		{pool + " Das Wasser im Sportbecken hat 24 Grad.", "Wie warm ist das Wasser im Sportbecken?", "hat 24 Grad"},
		{pool, "Wie lang ist das Sportbecken?", "50 Meter lang"},
		{pool, "Wie teuer ist eine Eintrittskarte für das Freibad?", ""},
		{pool + " Eine Eintrittskarte kostet 4,50 Euro.", "Wie teuer ist eine Eintrittskarte für das Freibad?", "4,50 Euro"},
		// A price in a passage that shares only the word for the measure
		// with the question is not the price asked for.
		{pool + "\n\nAm Kiosk kostet ein Eis 2 Euro.", "Was kostet der Eintritt ins Freibad?", ""},
		{pool + "\n\nDer Eintritt ins Freibad kostet 4 Euro.", "Was kostet der Eintritt ins Freibad?", "4 Euro"},
		// A length in another dimension than the one asked for.
		{pool, "Wie breit ist das Sportbecken?", ""},
		{pool + " Das Sportbecken ist 21 Meter breit.", "Wie breit ist das Sportbecken?", "21 Meter breit"},
		{pool, "How deep is the sports pool?", ""},
	} {
		e := offlineEngine(t, parseStory(t, "freibad", c.story))
		a, err := e.Ask(context.Background(), AskRequest{Question: c.q}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sents := sentences(a.Answer)
		switch {
		case c.want == "" && len(a.Citations) > 0:
			t.Errorf("%q: answer %q, want the story does not say", c.q, a.Answer)
		case c.want != "" && (len(sents) == 0 || !strings.Contains(sents[0], c.want)):
			t.Errorf("%q: answer %q, want it to open with %q", c.q, a.Answer, c.want)
		}
	}
}

// TestOfflineAnswerReportsTheLanguageItIsWrittenIn: offline, the engine's
// own lines exist in German and English only; asked for another language
// (a Discord locale, --lang), the answer says so in English and reports
// English, not the language it was asked for.
func TestOfflineAnswerReportsTheLanguageItIsWrittenIn(t *testing.T) {
	e := offlineEngine(t)
	for _, c := range []struct{ lang, question, want, note string }{
		{"fr", "How much flour goes into the plum cake dough?", "en", texts["en"].notInStory[:20]},
		{"fr", "Wann hat Altman den Roadster reserviert?", "en", texts["en"].offlineAsk},
		{"de", "When did Altman reserve the Roadster?", "de", texts["de"].offlineAsk},
		{"en", "Wann hat Altman den Roadster reserviert?", "en", texts["en"].offlineAsk},
	} {
		a, err := e.Ask(context.Background(), AskRequest{Question: c.question, Lang: c.lang}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Language != c.want {
			t.Errorf("%q asked in %q: language %q, want %q", c.question, c.lang, a.Language, c.want)
		}
		if !strings.Contains(a.Answer+a.Note, c.note) {
			t.Errorf("%q asked in %q: answer %q, note %q, want %q in them", c.question, c.lang, a.Answer, a.Note, c.note)
		}
	}
}
