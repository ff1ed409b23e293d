package answer

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/storybot/storybot/knowledge"
)

// The promise, tested as a reader would read the answer: no span a reader
// takes for a quotation reaches the user unless its words stand verbatim in
// the story, however the answer is streamed.

// readerClosers are the quotation marks a reader knows, each with the marks
// that close it; written here apart from the checker's table, and broader
// (“…“ is a quotation too).
var readerClosers = map[rune]string{
	'„': "“”", '“': "”“", '”': "”", '»': "«", '«': "»", '‚': "‘’", '‘': "’", '›': "‹", '‹': "›",
	'"': `"`, '\'': "'",
}

func readerWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// readerElided reports an apostrophe at the start of a word of the few that
// English writes elided: rock 'n' roll, 'til, 'em, the '90s.
func readerElided(after []rune) bool {
	n := 0
	for n < len(after) && readerWord(after[n]) {
		n++
	}
	w := string(after[:n])
	switch w {
	case "n", "em", "til", "cause", "tis", "twas", "bout", "cos":
		return true
	}
	d := strings.TrimSuffix(w, "s")
	if len(d) != 2 || !unicode.IsDigit(rune(d[0])) || !unicode.IsDigit(rune(d[1])) {
		return false
	}
	return d != w || n == len(after) || after[n] != '.' && after[n] != ',' // '45.000 is a number
}

// fakeQuotations returns the spans of text a reader takes for quotations
// whose words are not in the stories: a mark that starts a quotation (and
// did not close one before it), up to the nearest of its closing marks that
// is not an apostrophe between two letters (or up to the end when none
// follows).
func fakeQuotations(text string, stories []string) []string {
	rs := []rune(text)
	at := func(i int) rune {
		if i < 0 || i >= len(rs) {
			return -1
		}
		return rs[i]
	}
	apostrophe := func(i int) bool {
		return strings.ContainsRune("'‘’", rs[i]) && readerWord(at(i-1)) && readerWord(at(i+1))
	}
	var bad []string
	closing := map[int]bool{} // marks that closed a quotation before them
	for i, r := range rs {
		closers, ok := readerClosers[r]
		if !ok || closing[i] || apostrophe(i) || at(i+1) < 0 {
			continue
		}
		next := at(i + 1)
		switch {
		case strings.ContainsRune("'‘", r):
			if readerWord(at(i-1)) || !readerWord(next) || readerElided(rs[i+1:]) {
				continue
			}
		case strings.ContainsRune("«»‹›", r):
			if unicode.IsSpace(next) && readerWord(at(i-1)) {
				continue
			}
		default:
			if unicode.IsSpace(next) {
				continue
			}
		}
		j := i + 1
		for j < len(rs) && !(strings.ContainsRune(closers, rs[j]) && !apostrophe(j)) {
			j++
		}
		closing[j] = true
		inner := string(rs[i+1 : j])
		if !inStory(inner, stories) {
			bad = append(bad, string(rs[i:min(j+1, len(rs))]))
		}
	}
	return bad
}

// inStory reports words found in a story as the engine compares them, or no
// words at all.
func inStory(inner string, stories []string) bool {
	q := strings.ToLower(strings.TrimLeft(knowledge.NormalizeQuotation(inner), "…. "))
	if strings.IndexFunc(q, readerWord) < 0 {
		return true
	}
	for _, s := range stories {
		if strings.Contains(s, q) {
			return true
		}
	}
	return false
}

// checkPromise feeds text to a checker cut at the given byte offsets and
// fails when the user could see a fake quotation: in the answer, or in any
// state of the streamed message. It also wants the same answer however the
// text is cut, and the streamed text to be the answer.
func checkPromise(t *testing.T, text string, cuts []int) checked {
	t.Helper()
	var pieces []string
	last := 0
	for _, c := range cuts {
		if c > last && c < len(text) {
			pieces = append(pieces, text[last:c])
			last = c
		}
	}
	pieces = append(pieces, text[last:])
	got := runChecker(pieces...)
	if bad := fakeQuotations(got.final, defaultStoryTexts); len(bad) > 0 {
		t.Fatalf("the answer shows quotation marks around words not in the story: %q\ntext: %q\ncuts: %v\nanswer: %q", bad, text, cuts, got.final)
	}
	var shown strings.Builder
	for _, d := range got.streamed {
		shown.WriteString(d)
		if bad := fakeQuotations(shown.String(), defaultStoryTexts); len(bad) > 0 {
			t.Fatalf("the streamed message showed quotation marks around words not in the story: %q\ntext: %q\ncuts: %v", bad, text, cuts)
		}
	}
	if tidy(shown.String()) != got.final {
		t.Fatalf("streamed text differs from the answer:\n%q\n%q", shown.String(), got.final)
	}
	if whole := runChecker(text).final; whole != got.final {
		t.Fatalf("the answer depends on how the text was cut (%v):\n%q\n%q", cuts, got.final, whole)
	}
	return got
}

// answerGen builds model answers from the story's sentences, invented
// sentences, every kind of quotation mark, apostrophes and line breaks.
type answerGen struct {
	rnd       *rand.Rand
	sentences []string // story sentences without quotation marks
}

var inventedSentences = []string{
	"Ich habe Altman nie etwas zurückerstattet",
	"I never promised anyone a refund",
	"But that is in your nature",
	"Der Roadster kommt nächste Woche ganz sicher",
	"OpenAI hat mich betrogen und ich vergesse das nicht",
	"We are close, the demo will be unforgettable",
	"Sam hat das Formular nie ausgefüllt",
}

var plainPieces = []string{
	"Altman made a pre-reservation of $45,000 in July 2018 [§2].", "Musk replied on X.", "He didn't refund it [§3].",
	"Musk's answer and Altman’s complaint", "rock 'n' roll", "the '90s", "Altmans' complaints", "rock ‘n’ roll from the ‘90s",
	"Altman‘s Roadster", "a 5\" screen", "[sic]", "[§99]", "(see §4)", "— and —", "it's 'til now",
}

// markPairs are an opening mark and a closing mark a model may write with it.
var markPairs = [][2]string{
	{"„", "“"}, {"„", "”"}, {"“", "”"}, {"”", "”"}, {"»", "«"}, {"«", "»"}, {"‚", "‘"}, {"‘", "’"}, {"›", "‹"}, {"‹", "›"},
	{"\"", "\""}, {"'", "'"},
}

func newAnswerGen(seed uint64) *answerGen {
	g := &answerGen{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	st := defaultStory
	for _, p := range st.Passages {
		for _, sp := range p.Sentences {
			s := st.Text[sp.Start:sp.End]
			if !strings.ContainsFunc(s, isMark) {
				g.sentences = append(g.sentences, s)
			}
		}
	}
	return g
}

// verbatim is a run of whole words from a story sentence, maybe with a line
// break for one space.
func (g *answerGen) verbatim() string {
	w := strings.Fields(g.sentences[g.rnd.IntN(len(g.sentences))])
	a := g.rnd.IntN(len(w))
	b := min(len(w), a+2+g.rnd.IntN(10))
	if b-a < 2 && a > 0 {
		a--
	}
	for a < b-1 && !readerWord([]rune(w[a])[0]) { // ' and ‘ open before a letter or digit only
		a++
	}
	s := strings.TrimRight(strings.Join(w[a:b], " "), ",;:")
	if g.rnd.IntN(4) == 0 {
		s = strings.Replace(s, " ", "\n", 1)
	}
	return s
}

func (g *answerGen) invented() string {
	s := inventedSentences[g.rnd.IntN(len(inventedSentences))]
	switch g.rnd.IntN(6) {
	case 0: // long, past the hold limit
		var b strings.Builder
		for b.Len() < maxHeldQuote+g.rnd.IntN(3000) {
			b.WriteString(inventedSentences[g.rnd.IntN(len(inventedSentences))] + ". ")
		}
		s = strings.TrimSpace(b.String())
	case 1:
		s = strings.Replace(s, " ", "\n", 1+g.rnd.IntN(2))
	}
	return s
}

func (g *answerGen) pair() (string, string) {
	p := markPairs[g.rnd.IntN(len(markPairs))]
	return p[0], p[1]
}

// canonical is the closing mark the checker writes for a verified quotation.
func canonical(open string) string {
	r, _ := utf8.DecodeRuneInString(open)
	c, _ := utf8.DecodeRuneInString(closingMarks(r))
	return string(c)
}

// generated is an answer with the verbatim quotations that must keep their
// marks, as they must appear, and how many invented quotations it has.
type generated struct {
	text     string
	kept     []string
	invented int
}

func (g *answerGen) answer() generated {
	var out generated
	var b strings.Builder
	n := 1 + g.rnd.IntN(8)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString([]string{" ", " ", "\n", "\n\n", ", "}[g.rnd.IntN(5)])
		}
		switch g.rnd.IntN(6) {
		case 0, 1:
			b.WriteString(plainPieces[g.rnd.IntN(len(plainPieces))])
		case 2: // a verbatim quotation, maybe with its translation
			o, c := g.pair()
			v := g.verbatim()
			b.WriteString("Musk wrote " + o + v + c)
			out.kept = append(out.kept, o+v+canonical(o))
			if g.rnd.IntN(2) == 0 {
				o2, c2 := g.pair()
				b.WriteString([]string{" (", " [§3] (", " (English: "}[g.rnd.IntN(3)] + o2 + inventedSentences[g.rnd.IntN(len(inventedSentences))] + c2 + ")")
			}
		case 3: // an invented quotation
			o, c := g.pair()
			b.WriteString("he said " + o + g.invented() + c + " [§3]")
			out.invented++
		case 4: // a verbatim quotation inside an invented one, with marks that cannot be confused
			o, c := g.pair()
			var o2, c2 string
			for {
				o2, c2 = g.pair()
				if !strings.ContainsAny(o2+c2, closersOf(o)) && !strings.ContainsAny(c, o2+c2) && o != o2 {
					break
				}
			}
			v := g.verbatim()
			b.WriteString(o + "Er schrieb " + o2 + v + c2 + " und mehr" + c)
			out.kept = append(out.kept, o2+v+canonical(o2))
			out.invented++
		case 5: // text in brackets
			o, c := g.pair()
			b.WriteString("[" + o + inventedSentences[g.rnd.IntN(len(inventedSentences))] + c + "]")
			out.invented++
		}
	}
	if g.rnd.IntN(4) == 0 { // an unclosed mark at the end
		o, _ := g.pair()
		b.WriteString(" and " + o + g.invented())
	}
	out.text = b.String()
	return out
}

func closersOf(open string) string {
	r, _ := utf8.DecodeRuneInString(open)
	return closingMarks(r)
}

// cuts returns random byte offsets, with some inside runes and right after
// quotation marks.
func (g *answerGen) cuts(text string) []int {
	var cuts []int
	for i := 0; i < len(text); i++ {
		if g.rnd.IntN(12) == 0 || (text[i]&0xC0 == 0x80 && g.rnd.IntN(3) == 0) {
			cuts = append(cuts, i)
		}
	}
	return cuts
}

// steps turns cut offsets into the distances between them, as the fuzz
// target takes them.
func steps(cuts []int) []byte {
	var out []byte
	last := 0
	for _, c := range cuts {
		out = append(out, byte(min(c-last, 255)))
		last = c
	}
	return out
}

func TestCheckNeverShowsAFakeQuotation(t *testing.T) {
	g := newAnswerGen(9)
	runs := 800
	if testing.Short() {
		runs = 100
	}
	for i := 0; i < runs; i++ {
		a := g.answer()
		got := checkPromise(t, a.text, g.cuts(a.text))
		for _, k := range a.kept {
			if !strings.Contains(got.final, tidy(k)) {
				t.Fatalf("a verbatim quotation lost its marks: %q\ntext: %q\nanswer: %q", k, a.text, got.final)
			}
		}
		if got.verified < len(a.kept) || got.unverified < a.invented {
			t.Fatalf("%d verified and %d unverified, want at least %d and %d\ntext: %q\nanswer: %q",
				got.verified, got.unverified, len(a.kept), a.invented, a.text, got.final)
		}
	}
}

// FuzzCheckQuotations feeds any text, cut anywhere, to the checker and wants
// no fake quotation in what the user sees.
func FuzzCheckQuotations(f *testing.F) {
	g := newAnswerGen(1)
	for i := 0; i < 24; i++ {
		a := g.answer()
		if len(a.text) < 3000 {
			f.Add(a.text, steps(g.cuts(a.text)))
		}
	}
	for _, s := range []string{
		"“Ich habe nie\neine Rückerstattung versprochen”", "‚Ich habe nie‘ 'I never did'", "“unclosed at the end",
		"rock 'n' roll, the '90s, Altmans' cars, don't", "„Aber das liegt in deiner Natur“ (“But that is in your nature”)",
		"[“invented”] «x» ‹y› »z«", `"a "b" c"`, "'''", "“”“”", "« Aber das liegt »",
		// Found by fuzzing: a mark dropped, or a space tidied away, next to
		// a mark written as plain text made that one open a quotation.
		"'\"0A", "''0A", "\"0 0 0 «", "\xe2\x80\" !0",
		"'000'\"0", // a verified quotation's closing mark became an apostrophe
		"'00\"00", "'Natur'[§99]zqx", "'til[§99]ab",
		"\"'000'\"0",
	} {
		f.Add(s, []byte{1, 2, 3, 5, 8, 13})
	}
	f.Fuzz(func(t *testing.T, text string, cutBytes []byte) {
		if len(text) > 8000 {
			return
		}
		var cuts []int
		pos := 0
		for _, b := range cutBytes {
			pos += int(b)
			cuts = append(cuts, pos)
		}
		slices.Sort(cuts)
		checkPromise(t, text, cuts)
	})
}
