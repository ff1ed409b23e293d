package answer

import (
	"strings"

	"github.com/storybot/storybot/knowledge"
)

// languageNames are the answer languages the model is told by name. Discord
// locales outside this list fall back to the question's language.
var languageNames = map[string]string{
	"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "nl": "Dutch",
	"pl": "Polish", "pt": "Portuguese", "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish",
	"cs": "Czech", "tr": "Turkish", "ru": "Russian", "uk": "Ukrainian", "ja": "Japanese", "ko": "Korean",
	"zh": "Chinese", "hu": "Hungarian", "ro": "Romanian", "el": "Greek", "bg": "Bulgarian", "hr": "Croatian",
	"lt": "Lithuanian", "th": "Thai", "vi": "Vietnamese", "hi": "Hindi", "id": "Indonesian",
}

// NormalizeLang turns a locale ("de", "de-DE", "en-US", "pt-BR") into the
// language code storybot answers in, or "" when it knows no such language.
func NormalizeLang(locale string) string {
	l := strings.ToLower(strings.TrimSpace(locale))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	if l == "nb" || l == "nn" {
		l = "no"
	}
	if _, ok := languageNames[l]; ok {
		return l
	}
	return ""
}

// resolveLang picks the answer language: the request's (a Discord locale or
// --lang), else the question's, else the default.
func (e *Engine) resolveLang(forced, question string) string {
	if l := NormalizeLang(forced); l != "" {
		return l
	}
	if strings.TrimSpace(question) != "" {
		return knowledge.DetectLanguage(question)
	}
	return e.opts.DefaultLang
}

func languageName(code string) string {
	if n, ok := languageNames[code]; ok {
		return n
	}
	return "English"
}

// text holds the few sentences the engine itself writes, in English and
// German; other languages get English.
type text struct {
	offlineAsk, offlineSummary, offlineTimeline, budgetSpent, notInStory, paraphrased string
	// answerCut ends an answer or summary cut to MaxAnswerChars; the others
	// are notes on long stories and long lists (printf formats).
	answerCut, longStorySummary, longStoryTimeline, moreEvents, moreQuotes string
}

var texts = map[string]text{
	"en": {
		offlineAsk:        "Offline mode: these are the story's own sentences that fit the question best.",
		offlineSummary:    "Offline mode: the story's own key sentences, not a written summary.",
		offlineTimeline:   "Offline mode: the dated sentences of the story.",
		budgetSpent:       "Today's model budget is used up, so this comes from the text alone (offline mode).",
		notInStory:        "The story does not say anything about that. I answer questions about “%s”.",
		paraphrased:       "(paraphrased, not a verbatim quotation)",
		answerCut:         "… (answer cut: too long)",
		longStorySummary:  "The story is long: this summary rests on its %d most central passages of %d.",
		longStoryTimeline: "The story is long: the model read %d of its %d passages; the other events are worded as the text states them.",
		moreEvents:        "Showing the first %d of %d events.",
		moreQuotes:        "Showing the first %d of %d quotations.",
	},
	"de": {
		offlineAsk:        "Offline-Modus: die Sätze der Geschichte, die am besten zur Frage passen.",
		offlineSummary:    "Offline-Modus: die Kernsätze der Geschichte selbst, keine geschriebene Zusammenfassung.",
		offlineTimeline:   "Offline-Modus: die datierten Sätze der Geschichte.",
		budgetSpent:       "Das heutige Modell-Budget ist aufgebraucht, daher stammt dies allein aus dem Text (Offline-Modus).",
		notInStory:        "Dazu sagt die Geschichte nichts. Ich beantworte Fragen zu „%s“.",
		paraphrased:       "(sinngemäß, kein wörtliches Zitat)",
		answerCut:         "… (Antwort gekürzt: zu lang)",
		longStorySummary:  "Die Geschichte ist lang: Diese Zusammenfassung stützt sich auf ihre %d zentralsten von %d Abschnitten.",
		longStoryTimeline: "Die Geschichte ist lang: Das Modell hat %d ihrer %d Abschnitte gelesen; die übrigen Ereignisse stehen so da, wie der Text sie nennt.",
		moreEvents:        "Die ersten %d von %d Ereignissen.",
		moreQuotes:        "Die ersten %d von %d Zitaten.",
	},
}

func textsFor(lang string) text {
	return texts[textsLang(lang)]
}

// textsLang is the language textsFor(lang) is written in: lang where the
// engine has its lines in it, else English. An offline answer reports it as
// its language: asked for French, it says in English that the story does
// not tell, so it does not claim to be French.
func textsLang(lang string) string {
	if _, ok := texts[lang]; ok {
		return lang
	}
	return "en"
}
