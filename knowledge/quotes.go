package knowledge

import (
	"sort"
	"strings"
	"unicode"
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
