package bot

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/storybot/storybot/fault"
)

// The bot's own words exist in English and German; every other language
// gets them in English. Answers are another matter: the engine writes them
// in the user's language, whatever it is (see langOfLocale).
const (
	langEN = "en"
	langDE = "de"
)

// langOfLocale turns a Discord locale into the BCP-47 base language the
// user reads ("de", "fr", "es-ES" → "es", "zh-CN" → "zh"), "" when there is
// none. It is passed to the engine as is, so that a French user gets the
// answer in French; text.in falls back to English for the bot's own words.
func langOfLocale(l discordgo.Locale) string {
	s := strings.ToLower(strings.TrimSpace(string(l)))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return s
}

// text is one user-visible string in both languages.
type text struct{ en, de string }

// in returns the string in lang: German for "de", English for any other
// language (the bot has no table for them).
func (t text) in(lang string) string {
	if baseLang(lang) == langDE {
		return t.de
	}
	return t.en
}

// baseLang is the language of a BCP-47 tag without its region ("de-AT" → "de").
func baseLang(tag string) string {
	tag = strings.ToLower(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// f formats the string in lang with args.
func (t text) f(lang string, args ...any) string { return fmt.Sprintf(t.in(lang), args...) }

// The few strings the bot writes itself. Answers come from the engine in
// the language it was asked for.
var (
	txtSources        = text{"Sources", "Quellen"}
	txtAnswerCut      = text{"The answer was longer than I post, so it ends here.", "Die Antwort war länger, als ich poste; sie endet hier."}
	txtPage           = text{"page %d of %d", "Seite %d von %d"}
	txtPrevious       = text{"Previous", "Zurück"}
	txtNext           = text{"Next", "Weiter"}
	txtShowSources    = text{"Show sources", "Quellen anzeigen"}
	txtNoCitations    = text{"These passages are no longer in the loaded stories.", "Diese Abschnitte sind nicht mehr in den geladenen Artikeln."}
	txtContinued      = text{"continued", "Fortsetzung"}
	txtTimeline       = text{"Timeline", "Zeitleiste"}
	txtNoEvents       = text{"The story names no dated events.", "Der Artikel nennt keine datierten Ereignisse."}
	txtUndated        = text{"undated", "ohne Datum"}
	txtQuotes         = text{"Quotations", "Zitate"}
	txtNoQuotes       = text{"No quotation matches.", "Kein Zitat passt."}
	txtSummary        = text{"Summary", "Zusammenfassung"}
	txtStories        = text{"Loaded stories", "Geladene Artikel"}
	txtNoStories      = text{"No story is loaded.", "Es ist kein Artikel geladen."}
	txtPassages       = text{"%d passages", "%d Abschnitte"}
	txtSource         = text{"Source", "Quelle"}
	txtThinking       = text{"Reading the story …", "Ich lese den Artikel …"}
	txtEmptyQuestion  = text{"Ask me a question about the story, e.g. “Who is it about, and what happened when?”", "Stell mir eine Frage zum Artikel, z. B. „Um wen geht es, und was ist wann passiert?“"}
	txtShuttingDown   = text{"I'm restarting; please ask again in a minute.", "Ich starte gerade neu; bitte frag in einer Minute noch einmal."}
	txtNotAllowed     = text{"I don't answer here. Ask me in one of the channels I'm set up for.", "Hier antworte ich nicht. Frag mich in einem der Kanäle, für die ich eingerichtet bin."}
	txtRateLimited    = text{"That's all the questions I can take from you for now. Try again %s.", "Mehr Fragen kann ich gerade nicht von dir annehmen. Versuch es %s wieder."}
	txtBusy           = text{"I'm writing a lot of answers right now. Try again %s.", "Ich schreibe gerade sehr viele Antworten. Versuch es %s wieder."}
	txtLimitedLater   = text{"Too many requests right now. Try again later.", "Gerade zu viele Anfragen. Versuch es später wieder."}
	txtUnavailable    = text{"The language model can't be reached right now. Try again in a moment.", "Das Sprachmodell ist gerade nicht erreichbar. Versuch es gleich noch einmal."}
	txtInternal       = text{"Something went wrong on my side.", "Bei mir ist etwas schiefgelaufen."}
	txtNotFound       = text{"I couldn't find that.", "Das habe ich nicht gefunden."}
	txtInvalid        = text{"I can't do anything with that request.", "Mit dieser Anfrage kann ich nichts anfangen."}
	txtErrorID        = text{"error id", "Fehler-ID"}
	txtUnknownCommand = text{"I don't know that command (yet).", "Diesen Befehl kenne ich (noch) nicht."}
	txtHelpTitle      = text{"How to ask me about the story", "So fragst du mich zum Artikel"}
	txtHelpFooter     = text{"Every answer cites the passages it rests on; quotations are verbatim.", "Jede Antwort nennt die Abschnitte, auf die sie sich stützt; Zitate sind wörtlich."}
)

// faultTexts translate the engine's messages for bad input (fault.Keyed
// keys); the arguments come in the order of the English message's verbs.
// A key missing here shows the engine's English message.
var faultTexts = map[string]text{
	"question_empty":    {"the question is empty", "die Frage ist leer"},
	"question_too_long": {"the question is too long (%d characters, at most %d)", "die Frage ist zu lang (%d Zeichen, höchstens %d)"},
	"story_not_found":   {"no story %q is loaded", "es ist kein Artikel %q geladen"},
	"summary_length":    {"summary length must be short or long, not %q", "die Länge der Zusammenfassung muss kurz oder lang sein, nicht %q"},
}

// faultMessage is the user-safe message of an engine error in lang: the
// bot's translation of its key, else the engine's own (English) message.
func faultMessage(err error, lang string) string {
	if key, args := fault.KeyOf(err); key != "" {
		if t, ok := faultTexts[key]; ok && strings.Count(t.en, "%")-2*strings.Count(t.en, "%%") == len(args) {
			return t.f(lang, args...)
		}
	}
	return fault.MessageOf(err)
}

// helpLines describes each command for /help.
var helpLines = []struct {
	usage text
	what  text
}{
	{text{"/ask question", "/frage frage"}, text{"answers a question about the story, citing its passages", "beantwortet eine Frage zum Artikel und nennt die Abschnitte"}},
	{text{"/timeline", "/zeitleiste"}, text{"the dated events of the story in order", "die datierten Ereignisse des Artikels der Reihe nach"}},
	{text{"/quote speaker topic", "/zitat sprecher thema"}, text{"verbatim quotations, by speaker and topic (both optional)", "wörtliche Zitate, nach Sprecher und Thema (beides optional)"}},
	{text{"/summary length", "/zusammenfassung länge"}, text{"a short or long summary", "eine kurze oder lange Zusammenfassung"}},
	{text{"/sources", "/quellen"}, text{"the loaded stories and where they come from", "die geladenen Artikel und ihre Herkunft"}},
	{text{"@storybot question", "@storybot Frage"}, text{"mention me with a question; reply to my answer to ask a follow-up", "erwähne mich mit einer Frage; antworte auf meine Antwort für eine Nachfrage"}},
}

// guessLang tells German from English for the bot's own words when there is
// no Discord locale (mentions): umlauts, ß or common German words.
func guessLang(s string) string {
	lower := strings.ToLower(s)
	if strings.ContainsAny(lower, "äöüß") {
		return langDE
	}
	german := 0
	for _, w := range strings.FieldsFunc(lower, func(r rune) bool { return !('a' <= r && r <= 'z') }) {
		switch w {
		case "der", "die", "das", "und", "ist", "nicht", "warum", "wie", "was", "wer", "hat", "ein", "eine", "mit", "den", "dem", "von", "zu", "auf", "sich", "wann", "wieso", "welche", "über":
			german++
		}
	}
	if german >= 1 {
		return langDE
	}
	return langEN
}
