package knowledge

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names: which capitalized words are (parts of) people's names, and the index
// of the full names a story uses, to resolve "Musk" to "Elon Musk".

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
