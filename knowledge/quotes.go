package knowledge

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Direct quotations.
//
// extractQuotes finds every quotation in the title, the section headings and
// the paragraphs, pairs its marks („…“, “…”, "…", «…», »…«, ‚…‘, ‘…’, ‹…›),
// and attributes it to a speaker from the words around it: a speech verb
// after the quotation ("…“, erklärte Musk", "…,” Altman said") or before it
// ("Musk sagte: „…“"), a possessive with a speech noun ("Musks Entgegnung:
// „…“"), or a name and a colon ("Musk: „…“"). Quoted words that nothing marks
// as speech (scare quotes, an error message, a compound like
// “Adresse nicht gefunden”-Fehlermeldung) keep an empty Speaker.

// maxQuoteDepth bounds how deeply quotations nest: marks opening past it are
// ignored, which keeps pathological input linear.
const maxQuoteDepth = 16

// quoteOpeners maps each mark that can open a quotation to the marks that
// close it. It is quotePairs (used by the sentence splitter) plus the English
// single quote ‘…’.
var quoteOpeners = func() map[rune]string {
	m := map[rune]string{'‘': "’"}
	for k, v := range quotePairs {
		m[k] = v
	}
	return m
}()

// isQuotationMark reports a rune that may open or close a quotation.
func isQuotationMark(r rune) bool {
	_, open := quoteOpeners[r]
	return open || r == '”' || r == '’'
}

func isGuillemet(r rune) bool { return r == '«' || r == '»' || r == '‹' || r == '›' }

// rawQuote is a quotation as the scanner finds it: the opening and closing
// marks and the words between them.
type rawQuote struct {
	open, close Span // the marks
	inner       Span // the quoted words, trimmed of space
}

type quoteFrame struct {
	mark     rune
	open     Span
	children []rawQuote // quotations closed inside this one
}

// scanQuotes pairs the quotation marks in text[start:end] and returns the
// outermost quotations in text order. A mark that could either open or close
// (“ after „, ", », ‘) closes when it stands at the end of a word and opens at
// the start of one; an apostrophe (’ before a letter, as in "don’t") closes
// nothing. Marks left open at the end are dropped, and the quotations closed
// inside them are kept as if they stood outside.
func scanQuotes(text string, start, end int) []rawQuote {
	var out []rawQuote
	var stack []quoteFrame
	// promote hands the quotations closed inside the frame at depth k to the
	// frame below it, or to out.
	promote := func(k int) {
		if k == 0 {
			out = append(out, stack[0].children...)
		} else {
			stack[k-1].children = append(stack[k-1].children, stack[k].children...)
		}
	}
	for i := start; i < end; {
		r, n := utf8.DecodeRuneInString(text[i:end])
		if !isQuotationMark(r) {
			i += n
			continue
		}
		prev, next := rune(-1), rune(-1)
		if i > start {
			prev, _ = utf8.DecodeLastRuneInString(text[start:i])
		}
		if i+n < end {
			next, _ = utf8.DecodeRuneInString(text[i+n : end])
		}
		_, isOpener := quoteOpeners[r]
		canOpen := isOpener && len(stack) < maxQuoteDepth && next >= 0 &&
			(!unicode.IsSpace(next) || isGuillemet(r)) &&
			(prev < 0 || !(unicode.IsLetter(prev) || unicode.IsDigit(prev)))
		canClose := prev >= 0 && (!unicode.IsSpace(prev) || isGuillemet(r))
		// The innermost open quotation r can close.
		m := -1
		if !(r == '’' && next >= 0 && unicode.IsLetter(next)) {
			for k := len(stack) - 1; k >= 0; k-- {
				if strings.ContainsRune(quoteOpeners[stack[k].mark], r) {
					m = k
					break
				}
			}
		}
		switch {
		case m >= 0 && m == len(stack)-1 && !(canOpen && !canClose):
			// closes the innermost quotation
		case m >= 0 && m < len(stack)-1 && canClose && !canOpen:
			// closes an outer quotation; the ones inside it stay unclosed
			// and are dropped with their contents (they lie inside it).
		case canOpen:
			stack = append(stack, quoteFrame{mark: r, open: Span{i, i + n}})
			m = -1
		default:
			m = -1
		}
		if m >= 0 {
			f := stack[m]
			stack = stack[:m]
			a, b := trimSpan(text, f.open.End, i)
			// A comma before the closing mark ("“We are close,” Altman
			// said") belongs to the sentence around the quotation.
			for b > a && strings.ContainsRune(",;:", rune(text[b-1])) {
				b--
			}
			a, b = trimSpan(text, a, b)
			if a < b {
				q := rawQuote{open: f.open, close: Span{i, i + n}, inner: Span{a, b}}
				if m == 0 {
					out = append(out, q)
				} else {
					stack[m-1].children = append(stack[m-1].children, q)
				}
			}
		}
		i += n
	}
	for k := len(stack) - 1; k >= 0; k-- {
		promote(k)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].open.Start < out[b].open.Start })
	return out
}

// quoteBlock is a piece of the story quotations are looked for in: the title,
// a heading or a passage.
type quoteBlock struct {
	span      Span
	passage   int    // index in Story.Passages, -1 for the title and headings
	passageID string // the passage quotations in the block are cited with
	section   string
	context   string // for the title and headings: the line itself
}

// quoteBlocks lists the title, the headings and the passages of s in text
// order.
func quoteBlocks(s *Story) []quoteBlock {
	var blocks []quoteBlock
	// next returns the first passage starting at or after off.
	next := func(off int) string {
		for _, p := range s.Passages {
			if p.Span.Start >= off {
				return p.ID
			}
		}
		return ""
	}
	if sp, ok := titleSpan(s); ok {
		blocks = append(blocks, quoteBlock{span: sp, passage: -1, passageID: next(sp.End), context: s.Title})
	}
	for _, sec := range s.Sections {
		if sec.Span.End > sec.Span.Start {
			blocks = append(blocks, quoteBlock{span: sec.Span, passage: -1, passageID: next(sec.Span.End), section: sec.Heading, context: sec.Heading})
		}
	}
	for i, p := range s.Passages {
		blocks = append(blocks, quoteBlock{span: p.Span, passage: i, passageID: p.ID, section: p.Section})
	}
	sort.SliceStable(blocks, func(a, b int) bool { return blocks[a].span.Start < blocks[b].span.Start })
	return blocks
}

// titleSpan finds the line Story.Title was taken from: the first non-blank
// line.
func titleSpan(s *Story) (Span, bool) {
	if s.Title == "" {
		return Span{}, false
	}
	text := s.Text
	for off := 0; off < len(text); {
		nl := strings.IndexByte(text[off:], '\n')
		end := len(text)
		if nl >= 0 {
			end = off + nl
		}
		if a, b := trimSpan(text, off, end); a < b {
			if len(s.Passages) > 0 && a >= s.Passages[0].Span.Start {
				return Span{}, false
			}
			return Span{a, b}, true
		}
		if nl < 0 {
			break
		}
		off = end + 1
	}
	return Span{}, false
}

// quoteCand is a quotation being attributed.
type quoteCand struct {
	raw     rawQuote
	block   int
	context Span
	speaker string
	pronoun int  // offset of a pronoun standing for the speaker, or -1
	speech  bool // some speech pattern was found around the quotation
	whole   bool // the quotation is the whole sentence
}

func extractQuotes(s *Story) []Quote {
	text := s.Text
	names := newNameIndex(text)
	blocks := quoteBlocks(s)
	var cands []quoteCand
	for bi, b := range blocks {
		prevEnd := b.span.Start
		for _, rq := range scanQuotes(text, b.span.Start, b.span.End) {
			c := quoteCand{raw: rq, block: bi, pronoun: -1, context: b.span}
			regionStart := b.span.Start
			if b.passage >= 0 {
				c.context, regionStart = sentenceContext(s.Passages[b.passage].Sentences, rq, b.span)
			}
			if prevEnd > regionStart {
				regionStart = prevEnd
			}
			prevEnd = rq.close.End
			attribute(text, &c, regionStart, b.span.End, names)
			if b.passage >= 0 && !c.speech {
				c.whole = !hasWord(text, c.context.Start, rq.open.Start) && !hasWord(text, rq.close.End, c.context.End)
			}
			cands = append(cands, c)
		}
	}

	// Pronouns stand for the last person named before them, in the
	// paragraph or the one before it in the same section, among those the
	// story quotes by name and those it names in full.
	var persons []string
	seen := map[string]bool{}
	addPerson := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			persons = append(persons, p)
		}
	}
	for _, c := range cands {
		addPerson(c.speaker)
	}
	for _, full := range names.fullNames() {
		addPerson(full)
	}
	for i := range cands {
		c := &cands[i]
		if c.speaker == "" && c.pronoun >= 0 {
			from := blocks[c.block].span.Start
			if p := blocks[c.block].passage; p > 0 && s.Passages[p-1].Section == s.Passages[p].Section {
				from = s.Passages[p-1].Span.Start
			}
			c.speaker = lastMentioned(text, from, c.pronoun, persons)
		}
	}
	// A quotation that makes a sentence by itself, right after a quotation
	// of a known speaker in the same paragraph, continues it.
	for i := 1; i < len(cands); i++ {
		c, p := &cands[i], &cands[i-1]
		if c.speaker == "" && !c.speech && c.whole && p.speaker != "" && p.block == c.block {
			c.speaker = p.speaker
		}
	}

	quotes := make([]Quote, 0, len(cands))
	heading := make([]bool, 0, len(cands))
	for _, c := range cands {
		b := blocks[c.block]
		ctx := b.context
		if b.passage >= 0 {
			ctx = text[c.context.Start:c.context.End]
		}
		quotes = append(quotes, Quote{
			Text:      text[c.raw.inner.Start:c.raw.inner.End],
			Speaker:   c.speaker,
			PassageID: b.passageID,
			Section:   b.section,
			Context:   ctx,
			Span:      c.raw.inner,
		})
		heading = append(heading, b.passage < 0)
	}
	return dedupeQuotes(quotes, heading)
}

// sentenceContext returns the sentences of a passage the quotation overlaps
// (the passage itself if none do), and the start of the sentence it opens
// in.
func sentenceContext(sents []Span, rq rawQuote, passage Span) (ctx Span, openSentence int) {
	ctx = Span{-1, -1}
	openSentence = passage.Start
	for _, se := range sents {
		if se.End <= rq.open.Start || se.Start >= rq.close.End {
			continue
		}
		if ctx.Start < 0 {
			ctx.Start = se.Start
		}
		ctx.End = se.End
		if se.Start <= rq.open.Start {
			openSentence = se.Start
		}
	}
	if ctx.Start < 0 {
		return passage, openSentence
	}
	if ctx.Start > rq.open.Start {
		ctx.Start = rq.open.Start
	}
	if ctx.End < rq.close.End {
		ctx.End = rq.close.End
	}
	return ctx, openSentence
}

func hasWord(text string, start, end int) bool {
	for _, r := range text[start:end] {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// dedupeQuotes drops a quotation that is contained in another one of the same
// speaker (compared case-insensitively, ignoring the punctuation around it).
// Of two equal ones the paragraph's is kept over a heading's, else the first.
// Equal quotations are found anywhere in the story; for a quotation contained
// in a longer one, a heading's (or the title's) is compared with every other
// quotation and a paragraph's with those in its section, which keeps the work
// bounded on a long story.
func dedupeQuotes(quotes []Quote, heading []bool) []Quote {
	norm := make([]string, len(quotes))
	type key struct{ speaker, text string }
	first := map[key]int{} // the kept one of equal quotations
	for i, q := range quotes {
		norm[i] = normalizeQuote(q.Text)
		if q.Speaker == "" || norm[i] == "" {
			continue
		}
		k := key{q.Speaker, norm[i]}
		if j, ok := first[k]; !ok || heading[j] && !heading[i] {
			first[k] = i
		}
	}
	bySpeaker := map[string][]int{}
	bySection := map[key][]int{}
	for i, q := range quotes {
		if q.Speaker != "" {
			bySpeaker[q.Speaker] = append(bySpeaker[q.Speaker], i)
			bySection[key{q.Speaker, q.Section}] = append(bySection[key{q.Speaker, q.Section}], i)
		}
	}
	drop := make([]bool, len(quotes))
	for i, q := range quotes {
		if q.Speaker == "" || norm[i] == "" {
			continue
		}
		if first[key{q.Speaker, norm[i]}] != i {
			drop[i] = true
			continue
		}
		others := bySection[key{q.Speaker, q.Section}]
		if heading[i] {
			others = bySpeaker[q.Speaker]
		}
		for _, j := range others {
			if len(norm[j]) > len(norm[i]) && strings.Contains(norm[j], norm[i]) {
				drop[i] = true
				break
			}
		}
	}
	out := quotes[:0]
	for i, q := range quotes {
		if !drop[i] {
			out = append(out, q)
		}
	}
	return out
}

// normalizeQuote lower-cases a quotation, trims everything but letters and
// digits from its ends and collapses space.
func normalizeQuote(t string) string {
	t = strings.TrimFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.ToLower(strings.Join(strings.Fields(t), " "))
}

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

// FindQuotes returns the quotations of people in s: Story.Quotes without the
// ones that have no speaker (scare quotes, error messages and other quoted
// words nobody says).
//
// A non-empty speaker keeps the quotations whose speaker it names, compared
// case- and umlaut-insensitively: the full name ("Elon Musk"), any part of it
// ("Musk", "elon"), or a possessive of these ("Musks", "Musk's", "Musk’s").
//
// A non-empty topic keeps only the quotations that share a word with it, in
// their text or the sentence (or heading) around them, and ranks them: words
// in the quotation itself count twice, words in its context once; ties stay
// in text order. Words match after the analyzer's folding, stop-word removal
// and stemming (in German and English), or when one is a prefix of the other
// and both have at least four characters ("Rückerstattung" and
// "Rückerstattungsvorwürfe"). No quotation sharing a word with the topic gives
// an empty result, not an unranked list; a topic of stop words only ("the")
// filters nothing. Without a topic the quotations come in text order.
func FindQuotes(s *Story, speaker, topic string) []Quote {
	var out []Quote
	for _, q := range s.Quotes {
		if q.Speaker == "" || speaker != "" && !speakerMatches(q.Speaker, speaker) {
			continue
		}
		out = append(out, q)
	}
	if strings.TrimSpace(topic) == "" {
		return out
	}
	aq := AnalyzeQuestion(topic)
	if aq.Empty() {
		return out
	}
	type rankedQuote struct {
		q     Quote
		score float64
	}
	var ranked []rankedQuote
	for _, q := range out {
		// Words of the quotation weigh twice those of its sentence and
		// heading; the question analysis brings the bridge lexicon and
		// n-grams, so an English topic ranks German quotations.
		score := 2*aq.SentenceScore(q.Text, s.Language) + aq.SentenceScore(q.Context+"\n"+q.Section, s.Language)
		if score > 0 {
			ranked = append(ranked, rankedQuote{q, score})
		}
	}
	sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].score > ranked[j].score })
	out = out[:0]
	for _, r := range ranked {
		out = append(out, r.q)
	}
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

// titles stand before a name without being part of it.
var titles = wordSet(`
herr herrn frau dr dr. prof prof. ceo chef chefin gründer gründerin mitgründer mitgründerin milliardär
milliardärin unternehmer unternehmerin präsident präsidentin kanzler kanzlerin minister ministerin
sprecher sprecherin boss investor investorin experte expertin analyst analystin autor autorin
journalist journalistin moderator moderatorin youtuber youtuberin podcaster mr mr. mrs mrs. ms ms. sir
senator senatorin president founder cofounder billionaire executive chief director direktor direktorin
manager managerin chairman star rapper sänger sängerin schauspieler schauspielerin politiker
politikerin professor professorin doktor kollege kollegin rivale rivalin kritiker kritikerin fan
nutzer user cto cfo coo vp konzernchef firmenchef vorstandschef vorstand tech-milliardär`)

// pronouns stand for a speaker named before; possessives for one whose
// words follow ("Seine Antwort: „…“").
var pronouns = wordSet(`er sie he she sein seine seinen seinem seiner ihre ihren ihrem ihrer his her`)

// capStop are capitalized words that are not names: function words at the
// start of a sentence, months and weekdays.
var capStop = wordSet(`
der die das den dem des ein eine einer einem einen eines er sie es wir ihr ich du und oder aber doch
denn dass als wie wenn ob auch noch nur schon so dann danach dazu damit daher deshalb trotzdem zudem
außerdem jedoch allerdings nun jetzt heute gestern morgen hier dort in im am an auf aus bei beim mit
nach seit von vom vor zu zum zur für über unter gegen ohne um durch laut diese dieser dieses diesen
diesem jene jener sein seine seinen seiner seinem ihre ihren ihrer ihrem mein meine unser unsere alle
alles viele einige kein keine was wer wo warum weshalb welche welcher welches man mehr immer nie
bereits diesmal zwar sogar etwa rund kaum bis während weil obwohl sondern trotz wegen statt
the a an and or but he she it they we you i his her their its in on at for with from by of to as
this that these those when where why how what who which also then however meanwhile yesterday today
tomorrow there here now so yet still after before if while because although since until
januar februar märz april mai juni juli august september oktober november dezember
january february march may june july october december
montag dienstag mittwoch donnerstag freitag samstag sonntag
monday tuesday wednesday thursday friday saturday sunday`)

// conjunctions end the words after a speech verb in which a name is looked
// for.
var conjunctions = wordSet(`und oder aber dass was wie als wenn weil da denn sondern doch
and or but that which who what when because while`)

func isTitle(w string) bool {
	w = strings.ToLower(w)
	if titles[w] {
		return true
	}
	if k := strings.LastIndexAny(w, "-‐"); k >= 0 {
		return titles[strings.TrimLeft(w[k:], "-‐")]
	}
	return false
}

// isNameLike reports a word that may be (part of) a person's name: it
// starts with a capital, has no digits, is not a function word, title,
// month, speech verb or speech noun, and is not a lone letter (the platform
// "X") unless an initial ("J.").
func isNameLike(t qtok) bool {
	if !t.word {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t.s)
	if !unicode.IsUpper(r) {
		return false
	}
	w := strings.ToLower(t.s)
	if capStop[w] || isTitle(w) || speechVerbs[w] || speechNouns[w] || pronouns[w] {
		return false
	}
	n := utf8.RuneCountInString(t.s)
	if n == 1 {
		return false
	}
	if strings.HasSuffix(t.s, ".") && n != 2 {
		return false
	}
	for _, r := range t.s {
		if unicode.IsDigit(r) {
			return false
		}
	}
	// Every part of a hyphenated word starts with a capital ("Hans-Peter").
	for _, part := range strings.FieldsFunc(t.s, func(r rune) bool { return r == '-' || r == '‐' }) {
		if r, _ := utf8.DecodeRuneInString(part); !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// nameRun collects the name-like words from toks[i] on (at most four).
func nameRun(toks []qtok, i int) (string, int) {
	var parts []string
	for i < len(toks) && len(parts) < 4 && isNameLike(toks[i]) {
		parts = append(parts, toks[i].s)
		i++
	}
	return strings.Join(parts, " "), i
}

// nameRunBack collects the name-like words ending at toks[i] (at most four)
// and returns them with the index of the first.
func nameRunBack(toks []qtok, i int) (string, int) {
	j := i
	for j >= 0 && i-j < 4 && isNameLike(toks[j]) {
		j--
	}
	var parts []string
	for k := j + 1; k <= i; k++ {
		parts = append(parts, toks[k].s)
	}
	return strings.Join(parts, " "), j + 1
}

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

// nameIndex knows the names a story uses in full ("Elon Musk"), to resolve a
// surname or a first name to them.
type nameIndex struct {
	full  map[string]string // surname → full name
	first map[string]string // first name → full name ("" when ambiguous)
	words map[string]bool   // every word of the text
}

// newNameIndex finds the two-word names of text: two name-like words
// separated by one space, the first not after an article ("der Unternehmer
// Musk" is no name), not a possessive of another word of the text
// ("Altmans Bericht") and not a word the text also writes in lower case. Each surname takes its most frequent first name.
func newNameIndex(text string) *nameIndex {
	ix := &nameIndex{full: map[string]string{}, first: map[string]string{}, words: map[string]bool{}}
	toks := tokenize(text, 0, len(text), 0)
	for _, t := range toks {
		if t.word {
			ix.words[t.s] = true
		}
	}
	counts := map[string]int{}
	var order []string
	articles := wordSet("der die das den dem des ein eine einer einem einen eines the a an")
	for i, t := range toks {
		if i+1 >= len(toks) {
			continue
		}
		u := toks[i+1]
		if !isNameLike(t) || !isNameLike(u) || text[t.end:u.start] != " " ||
			strings.ContainsAny(t.s+u.s, "-‐'’.") || i > 0 && toks[i-1].word && articles[strings.ToLower(toks[i-1].s)] {
			continue
		}
		if p := strings.TrimSuffix(t.s, "s"); p != t.s && ix.words[p] {
			continue // "Altmans Bericht": a possessive, not a first name
		}
		if ix.words[strings.ToLower(t.s)] {
			continue // "Unvorhersehbare Allianzen": a word the text also writes in lower case
		}
		pair := t.s + " " + u.s
		if counts[pair] == 0 {
			order = append(order, pair)
		}
		counts[pair]++
	}
	best := map[string]int{}
	for _, pair := range order {
		sp := strings.IndexByte(pair, ' ')
		sur := pair[sp+1:]
		if counts[pair] > best[sur] {
			best[sur] = counts[pair]
			ix.full[sur] = pair
		}
	}
	for _, full := range ix.full {
		f := full[:strings.IndexByte(full, ' ')]
		if prev, ok := ix.first[f]; ok && prev != full {
			ix.first[f] = ""
		} else if !ok {
			ix.first[f] = full
		}
	}
	return ix
}

// fullNames returns the two-word names of the text, sorted.
func (ix *nameIndex) fullNames() []string {
	out := make([]string, 0, len(ix.full))
	for _, f := range ix.full {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// resolve returns the full name a one-word name stands for in the story, or
// the name itself.
func (ix *nameIndex) resolve(name string) string {
	if strings.Contains(name, " ") {
		return name
	}
	if f, ok := ix.full[name]; ok {
		return f
	}
	if f := ix.first[name]; f != "" {
		return f
	}
	return name
}

// known reports a name the story uses in full, or a part of one.
func (ix *nameIndex) known(name string) bool {
	if name == "" {
		return false
	}
	if strings.Contains(name, " ") {
		return true
	}
	_, sur := ix.full[name]
	return sur || ix.first[name] != ""
}

// possessive returns the name a possessive word stands for ("Musks",
// "Musk's", "Max'") or "" when t is none.
func (ix *nameIndex) possessive(t qtok) string {
	if !t.word {
		return ""
	}
	w := t.s
	for _, suf := range []string{"'s", "’s", "'", "’"} {
		if strings.HasSuffix(w, suf) {
			w = strings.TrimSuffix(w, suf)
			if isNameLike(qtok{s: w, word: true}) {
				return w
			}
			return ""
		}
	}
	if !isNameLike(t) {
		return ""
	}
	if s := strings.TrimSuffix(w, "s"); s != w && (ix.words[s] || ix.known(s)) {
		return s
	}
	return w
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
