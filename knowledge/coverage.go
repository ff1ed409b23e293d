package knowledge

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Whether a story speaks of what a question names at all. A story that
// never mentions the "Niedersachsen" or the "Kredit" a question asks about
// cannot answer it, however well the question's other words match: an
// offline answer then says the story does not tell, instead of quoting the
// sentence that shares the rest.

// Vocabulary is a story's words as a question's words are looked up in it.
type Vocabulary struct {
	words map[string]bool // folded words of title, headings and text
	stems map[string]bool // their German and English stems
	long  []string        // the words of minPart letters or more: compounds to look inside
	// grams are the n-grams of the long words (see wordGrams), each with
	// the ones that have it (indexes into long, ascending, once each): a
	// question word is looked for inside the story's compounds, or as a
	// close spelling, through them, not by reading every word of the story.
	grams map[string][]int32
}

// NewVocabulary collects the words of s.
func NewVocabulary(s *Story) *Vocabulary {
	v := &Vocabulary{words: map[string]bool{}, stems: map[string]bool{}}
	add := func(w string) {
		if v.words[w] {
			return
		}
		v.words[w] = true
		v.stems[stem(w, "de")] = true
		v.stems[stem(w, "en")] = true
		if utf8.RuneCountInString(w) >= minPart {
			v.long = append(v.long, w)
		}
	}
	words(s.Title, add)
	for _, p := range s.Passages {
		words(p.Section, add)
	}
	words(s.Text, add)
	v.grams = map[string][]int32{}
	for i, w := range v.long {
		id := int32(i)
		wordGrams(w, func(g string) {
			if ids := v.grams[g]; len(ids) == 0 || ids[len(ids)-1] != id {
				v.grams[g] = append(ids, id)
			}
		})
	}
	return v
}

// questionWord is a content word of a question and the forms a story may
// use for it.
type questionWord struct {
	word string
	// forms are the stems that stand for it: its own (German and English)
	// and those of its translations.
	forms []string
	// name: capitalized inside an English question and unknown to the
	// dictionary (a proper name); known: the dictionary or the lexicon
	// translates it.
	name, known bool
	// capital: capitalized inside the question (in German, a noun or a name)
	capital bool
	// spellings are the word and its translations as written, to look for
	// inside the story's compounds.
	spellings []string
	grams     map[string]bool
}

// Frame words say what kind of answer a question wants or how it asks,
// not what it is about: "Which year", "Wie heißt", "How exactly". A story
// that answers need not use them. These are general lists of German and
// English generic verbs, frame nouns and hedges, folded; not words of any
// one story.
var frameWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{
		// German generic verbs (inflected forms the stemmer does not join)
		"machen", "macht", "machte", "gemacht", "tun", "tut", "tat", "getan", "geben", "gab", "gegeben",
		"gehen", "ging", "gegangen", "kommen", "kommt", "kam", "gekommen", "stehen", "steht", "stand",
		"liegen", "liegt", "lag", "lassen", "laesst", "liess", "sagen", "sagt", "sagte", "gesagt",
		"heissen", "heisst", "hiess", "nennen", "nennt", "nannte", "genannt", "bekommen", "bekommt",
		"bekam", "halten", "haelt", "hielt", "bringen", "bringt", "brachte", "nehmen", "nimmt", "nahm",
		"sehen", "sieht", "sah", "finden", "findet", "fand", "gelten", "gilt", "galt", "bleiben",
		"bleibt", "blieb", "passieren", "passiert", "geschehen", "geschieht", "geschah", "brauchen",
		"braucht", "gehoeren", "gehoert", "duerfen", "darf", "durfte", "muessen", "mussten", "sollen",
		"sollten", "moegen", "mag", "moechte", "koennen", "konnte", "konnten", "koennte", "wuerde",
		"worden", "gibt", "gab", "ist", "sind", "war", "waren", "sei", "seien", "gewesen", "hatte",
		"hatten", "habe", "hat", "haben", "wird", "werden", "wurde", "wurden", "erfolgt", "erfolgte",
		// German frame nouns and hedges
		"jahr", "jahre", "jahren", "jahres", "datum", "zeit", "zeitpunkt", "tag", "art", "weise", "grund",
		"gruende", "name", "namen", "anzahl", "zahl", "menge", "summe", "hoehe", "welch", "wieso",
		"genau", "ungefaehr", "etwa", "insgesamt", "eigentlich", "damals", "heute", "derzeit",
		"aktuell", "bisher", "jeweils", "ueberhaupt", "denn", "alles", "lange", "lang", "alt", "hoch",
		"gross", "weit", "schnell", "teuer", "tief", "schwer",
		// German function words the stop words leave
		"seit", "beim", "pro", "mal", "einmal", "statt", "anstatt", "ab", "solange", "woran", "womit",
		"wofuer", "worauf", "wovon", "wodurch", "wozu", "worin", "woraus", "erst", "zuerst", "zuletzt",
		"bereits", "schon", "immer", "wohl", "vermutlich", "je", "bislang", "inzwischen", "sowie",
		// English generic verbs
		"be", "is", "are", "was", "were", "been", "have", "has", "had", "do", "does", "did", "done",
		"make", "makes", "made", "get", "gets", "got", "give", "gives", "gave", "given", "go", "goes",
		"went", "come", "comes", "came", "take", "takes", "took", "taken", "say", "says", "said",
		"call", "called", "name", "named", "happen", "happens", "happened", "use", "uses", "used",
		"need", "needs", "needed", "put", "keep", "kept", "become", "became", "let", "mean", "means",
		"meant", "may", "might", "must", "can", "could", "shall", "should", "will", "would", "there",
		// English frame nouns and hedges
		"year", "years", "date", "time", "day", "kind", "sort", "type", "way", "reason", "reasons",
		"number", "amount", "sum", "exactly", "roughly", "approximately", "about", "around", "total",
		"altogether", "actually", "currently", "today", "long", "old", "high", "big", "large", "far",
		"fast", "tall", "deep", "heavy", "much", "many", "often", "also",
		// English function words the stop words leave
		"per", "ago", "since", "first", "last", "again", "still", "ever", "yet", "twice", "probably",
		"likely", "mid", "within", "among", "along", "across", "upon", "whether", "else", "even",
	} {
		m[w] = true
	}
	return m
}()

// contentWords returns the words of q a story must speak of to answer it:
// neither stop words, question words nor frame words.
func contentWords(q string) []questionWord {
	english := DetectLanguage(q) == "en"
	var out []questionWord
	seen := map[string]bool{}
	prev := "" // the word before, folded
	eachToken(q, func(tok string, capital bool) {
		words(tok, func(w string) {
			after := prev
			prev = w
			// The noun after "welche"/"which" that names the kind of answer
			// ("In welchen Monaten", "What size") need not be in the story:
			// it answers with "von Mai bis September".
			if _, ok := headNounKinds[w]; ok && whichWords[after] {
				return
			}
			if stopWords[w] || frameWords[w] || cueWords[w] || seen[w] {
				return
			}
			seen[w] = true
			qw := questionWord{word: w, grams: gramSet(w), capital: capital, spellings: []string{w}}
			add := func(t string) {
				for _, lang := range [2]string{"de", "en"} {
					if st := stem(t, lang); !containsString(qw.forms, st) {
						qw.forms = append(qw.forms, st)
					}
				}
			}
			add(w)
			for _, tr := range translationsOf([]string{w}, english) {
				qw.known = true
				words(tr.German, func(t string) {
					if !stopWords[t] {
						add(t)
						qw.spellings = append(qw.spellings, t)
					}
				})
			}
			qw.name = english && capital && !qw.known
			out = append(out, qw)
		})
	})
	return out
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Unmentioned is a content word of a question a story does not speak of,
// with how much its absence says the story cannot answer the question.
type Unmentioned struct {
	Word   string
	Weight float64
}

// How much a missing word weighs. A German word (the story's language) or a
// number is missing for sure; an English word the dictionary does not know
// may only be missing from the dictionary, unless it is a name; a compound
// whose part the story has is missing only in part.
var (
	missingFull      = 1.0
	missingLowerDE   = 0.4
	missingKnownEN   = 0.5
	missingUnknownEN = 0.25
	missingPartShare = 0.5
)

// Unmentioned returns the content words of the question that v has in no
// form: not as a stem, not inside a compound, not through a translation,
// not as a close spelling (most of the word's n-grams).
func (q *Question) Unmentioned(v *Vocabulary) []Unmentioned {
	var out []Unmentioned
	for _, qw := range q.content {
		if v.mentions(qw) {
			continue
		}
		w := q.weight(qw)
		for _, sp := range qw.spellings {
			if h, t := compoundParts(sp, v.words); h != "" || t != "" {
				w *= missingPartShare
				break
			}
		}
		out = append(out, Unmentioned{qw.word, w})
	}
	return out
}

// UnmentionedWeight is how much of the question v leaves unmentioned: the
// weights of Unmentioned, summed.
func (q *Question) UnmentionedWeight(v *Vocabulary) float64 {
	sum := 0.0
	for _, m := range q.Unmentioned(v) {
		sum += m.Weight
	}
	return sum
}

// mentions reports whether v has qw in one of its forms.
func (v *Vocabulary) mentions(qw questionWord) bool {
	if v.words[qw.word] {
		return true
	}
	for _, f := range qw.forms {
		if v.stems[f] {
			return true
		}
	}
	// Inside a compound of the story ("Becken" in "Sportbecken").
	for _, f := range append(qw.spellings, qw.forms...) {
		if utf8.RuneCountInString(f) >= minPart && v.inside(f) {
			return true
		}
	}
	// A spelling the stemmer does not join: most of the word's n-grams in
	// one word of the story.
	return len(qw.grams) >= minFormGrams && v.closeSpelling(qw.grams)
}

// inside reports whether f stands inside a long word of the story. Such a
// word has every n-gram of f that is not at f's edges, so only the words
// with the rarest of them are read.
func (v *Vocabulary) inside(f string) bool {
	var fewest []int32
	found := true
	paddedGrams(f, func(g string) {
		ids, ok := v.grams[g]
		if !ok {
			found = false
		} else if fewest == nil || len(ids) < len(fewest) {
			fewest = ids
		}
	})
	if !found {
		return false
	}
	for _, id := range fewest {
		if strings.Contains(v.long[id], f) {
			return true
		}
	}
	return false
}

// closeSpelling reports whether one long word of the story has at least
// half of grams (a question word's n-grams, as wordGrams gives them). A
// word with need of the L grams has one of any L-need+1 of them, so only the
// words with one of the L-need+1 rarest are read: a common gram ("_ge",
// "en_") does not make every word of the story a candidate.
func (v *Vocabulary) closeSpelling(grams map[string]bool) bool {
	need := (len(grams) + 1) / 2
	lists := make([][]int32, 0, len(grams))
	for g := range grams {
		lists = append(lists, v.grams[g])
	}
	slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
	seen := map[int32]bool{}
	for _, ids := range lists[:len(lists)-need+1] {
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			n := 0
			wordGrams(v.long[id], func(g string) {
				if grams[g] {
					n++
				}
			})
			if n >= need {
				return true
			}
		}
	}
	return false
}

// ContentWeight is how many content words the question has, counted as
// Unmentioned would weigh each if it were missing.
func (q *Question) ContentWeight() float64 {
	sum := 0.0
	for _, qw := range q.content {
		sum += q.weight(qw)
	}
	return sum
}

// weight is how much the absence of qw from a story says: a number or a
// name for sure; in German, a noun (capitalized) more than a verb or an
// adjective, which a story may say in other words; in English, a word the
// dictionary translates more than one it does not know, which may only be
// missing from the dictionary.
func (q *Question) weight(qw questionWord) float64 {
	switch {
	case isDigits(qw.word) || qw.name:
		return missingFull
	case !q.english && qw.capital:
		return missingFull
	case !q.english:
		return missingLowerDE
	case qw.known:
		return missingKnownEN
	}
	return missingUnknownEN
}
