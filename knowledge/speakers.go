package knowledge

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Speaker attribution: who says a quotation, read from the words around it
// (speech verbs, speech nouns, a name and a colon, pronouns), and the speaker
// queries of FindQuotes.

// Speakers returns the distinct speakers of the story's quotations, the one
// quoted most first, then in name order.
func (s *Story) Speakers() []string {
	count := map[string]int{}
	var out []string
	for _, q := range s.Quotes {
		if q.Speaker == "" {
			continue
		}
		if count[q.Speaker] == 0 {
			out = append(out, q.Speaker)
		}
		count[q.Speaker]++
	}
	sort.Slice(out, func(i, j int) bool {
		if count[out[i]] != count[out[j]] {
			return count[out[i]] > count[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// speakerMatches reports whether query names speaker: every word of the
// query, without a possessive ending, is a word of the name.
func speakerMatches(speaker, query string) bool {
	nameWords := strings.Fields(foldName(speaker))
	qWords := strings.Fields(foldName(strings.NewReplacer(".", " ", ",", " ", "@", " ").Replace(query)))
	if len(qWords) == 0 {
		return false
	}
	for _, q := range qWords {
		found := false
		for _, n := range nameWords {
			if q == n || q == n+"s" || q == n+"'s" || q == n+"'" {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// foldName folds a name as the analyzer folds words (lower case, ü → ue,
// ß → ss, accents dropped) and makes every apostrophe a plain one.
func foldName(s string) string {
	return apostrophes.Replace(Fold(s))
}

var apostrophes = strings.NewReplacer("’", "'", "‘", "'", "`", "'", "´", "'")

// qtok is a word or a punctuation mark of the text around a quotation.
type qtok struct {
	s          string
	start, end int
	word       bool
}

// tokenize splits text[start:end] into words and single punctuation marks,
// stopping after max tokens (0: no limit). A word is a run of letters and
// digits, joined by inner hyphens and apostrophes ("Tesla-Chef", "Musk's");
// it takes a following period when it is an abbreviation or an initial
// ("Dr.", "J.").
func tokenize(text string, start, end, max int) []qtok {
	var out []qtok
	for i := start; i < end && (max == 0 || len(out) < max); {
		r, n := utf8.DecodeRuneInString(text[i:end])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		if !isWordRune(r) {
			out = append(out, qtok{s: text[i : i+n], start: i, end: i + n})
			i += n
			continue
		}
		j := i + n
		for j < end {
			r2, n2 := utf8.DecodeRuneInString(text[j:end])
			if isWordRune(r2) {
				j += n2
				continue
			}
			if r2 == '-' || r2 == '\'' || r2 == '’' || r2 == '‐' {
				if j+n2 < end {
					if r3, _ := utf8.DecodeRuneInString(text[j+n2 : end]); isWordRune(r3) {
						j += n2
						continue
					}
				}
			}
			break
		}
		if j < end && text[j] == '.' {
			w := text[i:j]
			if abbreviations[strings.ToLower(w)] || titles[strings.ToLower(w)] || utf8.RuneCountInString(w) == 1 && unicode.IsUpper(r) {
				j++
			}
		}
		out = append(out, qtok{s: text[i:j], start: i, end: j, word: true})
		i = j
	}
	return out
}

// words builds a set from a space-separated list.
func wordSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// speechVerbs say that someone speaks or writes: German and English, the
// forms that stand next to a quotation.
var speechVerbs = wordSet(`
sagt sagte sagten sagen erklärt erklärte erklärten meint meinte meinten betont betonte betonten
schreibt schrieb schrieben neckt neckte neckten twittert twitterte postet postete antwortet antwortete
kommentiert kommentierte behauptet behauptete warnt warnte fragt fragte erwidert erwiderte fügt fügte
entgegnet entgegnete kontert konterte verkündet verkündete verspricht versprach scherzt scherzte
spottet spottete witzelt witzelte bemerkt bemerkte ergänzt ergänzte unterstrich unterstreicht ruft rief
schimpft schimpfte äußert äußerte versichert versicherte beteuert beteuerte bestätigt bestätigte
argumentiert argumentierte erzählt erzählte berichtet berichtete verrät verriet tweetet tweetete
stichelt stichelte lästert lästerte prophezeit prophezeite verkündete kritisiert kritisierte
said says say wrote writes tweeted tweets posted posts added adds replied replies responded responds
told tells asked asks stated states explained explains claimed claims warned warns noted notes
joked jokes quipped quips insisted insists argued argues countered counters commented comments
remarked remarks declared declares announced announces continued continues teased teases
according laut so`)

// strongVerbs introduce a quotation even without a colon or comma
// ("Musk sagte „…“").
var strongVerbs = wordSet(`sagt sagte erklärt erklärte schreibt schrieb meint meinte twittert twitterte
fragt fragte antwortet antwortete ruft rief said says wrote writes tweeted asked replied added`)

// speechNouns name what someone said ("Musks Entgegnung: „…“").
var speechNouns = wordSet(`
entgegnung erwiderung antwort worte wort reaktion kommentar aussage aussagen botschaft replik konter
tweet post posting zitat warnung versprechen ansage kampfansage spruch kritik urteil fazit nachricht
reply response answer words reaction comment statement message quote retort verdict warning promise take`)

// pronouns stand for a speaker named before; possessives for one whose
// words follow ("Seine Antwort: „…“").
var pronouns = wordSet(`er sie he she sein seine seinen seinem seiner ihre ihren ihrem ihrer his her`)

// conjunctions end the words after a speech verb in which a name is looked
// for.
var conjunctions = wordSet(`und oder aber dass was wie als wenn weil da denn sondern doch
and or but that which who what when because while`)

// nameAfter looks for the speaker after a speech verb at toks[i-1]: past
// articles, titles and a few other words ("sagte der Tesla-Chef Elon Musk",
// "according to Musk"), up to a name, a pronoun ("sagte er") or the end of
// the clause.
func nameAfter(toks []qtok, i int) (name string, pronoun int) {
	for skipped := 0; i < len(toks) && skipped <= 4; i++ {
		t := toks[i]
		if !t.word {
			break
		}
		w := strings.ToLower(t.s)
		if pronouns[w] {
			return "", t.start
		}
		if isNameLike(t) {
			name, _ = nameRun(toks, i)
			return name, -1
		}
		if conjunctions[w] || speechVerbs[w] {
			break
		}
		skipped++
	}
	return "", -1
}

// attribution of one quotation. c.speech is set when a speech pattern was
// found; c.speaker to the name it gives (resolved to the full name), or
// c.pronoun to the offset of a pronoun standing for it.
func attribute(text string, c *quoteCand, regionStart, blockEnd int, names *nameIndex) {
	rq := c.raw
	if e := rq.close.End; e < blockEnd && (text[e] == '-' || strings.HasPrefix(text[e:blockEnd], "‐")) {
		return // “Adresse nicht gefunden”-Fehlermeldung: part of a compound, not speech
	}
	set := func(name string, pronoun int) {
		c.speech = true
		if name != "" {
			c.speaker = names.resolve(name)
		} else if pronoun >= 0 {
			c.pronoun = pronoun
		}
	}
	after := tokenize(text, rq.close.End, blockEnd, 16)
	for i, t := range after {
		if !t.word && (strings.ContainsAny(t.s, ".!?…;:()[]") || isQuotationMark([]rune(t.s)[0])) {
			after = after[:i]
			break
		}
	}
	if name, pron, ok := speakerAfter(after); ok && (name != "" || pron >= 0) {
		set(name, pron)
		return
	}
	before := tokenize(text, regionStart, rq.open.Start, 0)
	if name, pron, ok := speakerBefore(before, names); ok {
		set(name, pron)
	}
}

// speakerAfter reads the words after a quotation: "…“, erklärte Musk",
// "…,” Altman said", "…“, sagte er".
func speakerAfter(toks []qtok) (name string, pronoun int, ok bool) {
	i := 0
	if i < len(toks) && !toks[i].word && strings.ContainsAny(toks[i].s, ",–—-") {
		i++
	}
	if i >= len(toks) || !toks[i].word {
		return "", -1, false
	}
	w := strings.ToLower(toks[i].s)
	if speechVerbs[w] {
		name, pron := nameAfter(toks, i+1)
		return name, pron, true
	}
	if pronouns[w] && i+1 < len(toks) && toks[i+1].word && speechVerbs[strings.ToLower(toks[i+1].s)] {
		return "", toks[i].start, true
	}
	for i < len(toks) && toks[i].word && (isTitle(toks[i].s) || strings.ToLower(toks[i].s) == "the") {
		i++
	}
	run, k := nameRun(toks, i)
	if run != "" && k < len(toks) && toks[k].word && speechVerbs[strings.ToLower(toks[k].s)] && strings.ToLower(toks[k].s) != "so" {
		return run, -1, true
	}
	return "", -1, false
}

// speakerBefore reads the words before a quotation, in its sentence:
// "Musk sagte: „…“", "Auf X schrieb Musk, „…“", "Musks Entgegnung: „…“",
// "Elon Musk: „…“".
func speakerBefore(toks []qtok, names *nameIndex) (name string, pronoun int, ok bool) {
	if len(toks) == 0 {
		return "", -1, false
	}
	last := toks[len(toks)-1]
	var body []qtok
	colon := false
	switch {
	case !last.word && last.s == ":":
		body, colon = toks[:len(toks)-1], true
	case !last.word && last.s == ",":
		body = toks[:len(toks)-1]
	case last.word && strongVerbs[strings.ToLower(last.s)]:
		body = toks
	default:
		return "", -1, false
	}
	if colon {
		for k := len(body) - 1; k >= 0 && k >= len(body)-4; k-- {
			if !body[k].word || !speechNouns[strings.ToLower(body[k].s)] {
				continue
			}
			if k > 0 && body[k-1].word {
				if pronouns[strings.ToLower(body[k-1].s)] {
					return "", body[k-1].start, true
				}
				if n := names.possessive(body[k-1]); n != "" {
					return n, -1, true
				}
			}
			if k+2 < len(body) && body[k+1].word && (strings.ToLower(body[k+1].s) == "von" || strings.ToLower(body[k+1].s) == "of") {
				if run, _ := nameRun(body, k+2); run != "" {
					return run, -1, true
				}
			}
		}
	}
	for k := len(body) - 1; k >= 0 && len(body)-k <= 10; k-- {
		t := body[k]
		w := strings.ToLower(t.s)
		if !t.word || !speechVerbs[w] || w == "so" {
			continue
		}
		var subject, inverted string
		if k > 0 && body[k-1].word {
			if pronouns[strings.ToLower(body[k-1].s)] && (w != "laut" && w != "according") {
				return "", body[k-1].start, true
			}
			subject, _ = nameRunBack(body, k-1)
		}
		inv, pron := nameAfter(body, k+1)
		inverted = inv
		switch {
		case w == "laut" || w == "according":
			if inverted != "" {
				return inverted, -1, true
			}
			continue // "laut" is also "loud"
		case inverted != "" && (names.known(inverted) || !names.known(subject)):
			return inverted, -1, true
		case subject != "":
			return subject, -1, true
		case pron >= 0:
			return "", pron, true
		}
		return "", -1, true
	}
	if colon && len(body) > 0 {
		run, first := nameRunBack(body, len(body)-1)
		if run != "" && (strings.Contains(run, " ") || names.known(run)) && (first == 0 || !body[first-1].word) {
			return run, -1, true
		}
	}
	return "", -1, false
}

// mentionWindow bounds how far back (in bytes) a pronoun looks for the person
// it stands for: a few sentences.
const mentionWindow = 2000

// lastMentioned returns the person of persons named last in text[from:to]
// (by full name, surname or a possessive of it), or "". It looks back at
// most mentionWindow bytes.
func lastMentioned(text string, from, to int, persons []string) string {
	if len(persons) == 0 {
		return ""
	}
	if to-from > mentionWindow {
		from = to - mentionWindow
		for from < to && !utf8.RuneStart(text[from]) {
			from++
		}
	}
	toks := tokenize(text, from, to, 0)
	for i := len(toks) - 1; i >= 0; i-- {
		if !toks[i].word {
			continue
		}
		w := toks[i].s
		for _, suf := range []string{"'s", "’s", "'", "’"} {
			w = strings.TrimSuffix(w, suf)
		}
		for _, p := range persons {
			parts := strings.Fields(p)
			sur := parts[len(parts)-1]
			if w == sur || w == sur+"s" || len(parts) > 1 && w == parts[0] {
				return p
			}
		}
	}
	return ""
}
