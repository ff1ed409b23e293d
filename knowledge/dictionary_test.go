package knowledge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"testing"
)

// The committed dictionary is the one the binary embeds: these tests hold its
// format, its size and a few entries to what the README and NOTICE say.
func TestEmbeddedDictionary(t *testing.T) {
	d, err := loadDictionary(dictionaryData)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("is compact", func(t *testing.T) {
		// Big enough to be the whole of Ding, small enough to keep the image
		// well under its 30 MB target (scripts/docker-ci checks the image).
		if n := len(dictionaryData); n < 3<<20 || n > 10<<20 {
			t.Errorf("dictionary is %d bytes, want 3–10 MiB", n)
		}
		if keys := d.fst.Len(); keys < 150_000 {
			t.Errorf("dictionary has %d keys, want at least 150,000", keys)
		}
	})
	t.Run("every entry decodes, weights in order and summing to at most one", func(t *testing.T) {
		it, err := d.fst.Iterator(nil, nil)
		n := 0
		for err == nil {
			k, _ := it.Current()
			ts := d.lookup(string(k))
			if len(ts) == 0 {
				t.Fatalf("key %q has no translations", k)
			}
			sum := float32(0)
			for i, tr := range ts {
				if tr.German == "" || strings.ContainsAny(tr.German, " ÄÖÜäöüß") || tr.German != Fold(tr.German) {
					t.Fatalf("key %q: translation %q is not one folded word", k, tr.German)
				}
				if i > 0 && tr.Weight > ts[i-1].Weight {
					t.Fatalf("key %q: translations not likeliest first: %v", k, ts)
				}
				sum += tr.Weight
			}
			if sum > 1.02 {
				t.Fatalf("key %q: weights sum to %.3f", k, sum)
			}
			n++
			err = it.Next()
		}
		if n != d.fst.Len() {
			t.Errorf("walked %d keys of %d", n, d.fst.Len())
		}
	})
	cases := []struct {
		english string
		want    []string // each must be among the translations
		first   string   // the likeliest, when set
	}{
		{"refund", []string{"rueckerstattung", "erstattung"}, "rueckerstattung"},
		{"refunded", []string{"rueckerstattet", "erstattet"}, "rueckerstattet"},
		{"car", []string{"auto", "wagen"}, "auto"},
		{"fall asleep", []string{"einschlafen"}, "einschlafen"},
		{"fell asleep", []string{"schlief"}, ""},
		{"fossils", []string{"fossilien"}, ""},
		// Both everyday senses of "found": gründen, and the past of "find".
		{"found", []string{"gruenden", "gefunden", "fand"}, ""},
		// An inflection Ding does not list, through its Snowball stem.
		{"reimbursing", []string{"rueckerstattung", "erstattung"}, ""},
	}
	for _, c := range cases {
		t.Run(c.english, func(t *testing.T) {
			ts := Translate(c.english)
			var got []string
			for _, tr := range ts {
				got = append(got, tr.German)
			}
			for _, w := range c.want {
				// Words that stem alike are one translation, stored as one
				// of their forms ("Erstattung", "erstatten").
				if !slices.ContainsFunc(got, func(g string) bool { return stem(g, "de") == stem(w, "de") }) {
					t.Errorf("Translate(%q) = %v, want %q among them", c.english, got, w)
				}
			}
			if c.first != "" && (len(got) == 0 || got[0] != c.first) {
				t.Errorf("Translate(%q) = %v, want %q first", c.english, got, c.first)
			}
		})
	}
}

func TestLoadDictionaryRefusesCorruptData(t *testing.T) {
	good, err := EncodeDictionary([]DictionaryEntry{{Line: 1, English: []string{"refund"}, German: []string{"Rückerstattung"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadDictionary(good); err != nil {
		t.Fatalf("a good dictionary is refused: %v", err)
	}
	for name, data := range map[string][]byte{
		"empty":          nil,
		"wrong magic":    append([]byte("SBDICT9\n"), good[len(dictMagic):]...),
		"truncated":      good[:len(good)-3],
		"trailing bytes": append(slices.Clone(good), 0),
	} {
		if _, err := loadDictionary(data); err == nil {
			t.Errorf("%s: loaded without error", name)
		}
	}
}

func TestEncodeDictionary(t *testing.T) {
	entries := []DictionaryEntry{
		// One line, one sense: the word, its inflections, a phrase under it.
		{Line: 1, Part: 0, English: []string{"to found"}, German: []string{"gründen"}},
		{Line: 1, Part: 1, English: []string{"founded"}, German: []string{"gegründet"}},
		{Line: 1, Part: 2, English: []string{"found your own firm"}, German: []string{"Firmengründung"}},
		// Another sense of "found" with many synonyms.
		{Line: 2, English: []string{"found"}, German: []string{"Fund", "Fundstück", "Entdeckung", "Ausgrabung", "Ausbeute"}},
		// A phrase that is the entry itself, and its inflection.
		{Line: 3, Part: 0, English: []string{"to fall asleep"}, German: []string{"einschlafen"}},
		{Line: 3, Part: 1, English: []string{"I/he/she fell asleep"}, German: []string{"ich/er/sie schlief ein"}},
		// Stop words inside: not a key of "car".
		{Line: 4, English: []string{"through car", "all-weather"}, German: []string{"Kurswagen"}},
	}
	data, err := EncodeDictionary(entries)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := EncodeDictionary(entries)
	if !bytes.Equal(data, again) {
		t.Error("two encodings of the same entries differ")
	}
	d, err := loadDictionary(data)
	if err != nil {
		t.Fatal(err)
	}
	look := func(key string) map[string]float32 {
		m := map[string]float32{}
		for _, tr := range d.lookup(key) {
			m[tr.German] = tr.Weight
		}
		return m
	}
	t.Run("a line with five synonyms does not outweigh a line with one", func(t *testing.T) {
		found := look("found")
		if len(found) < 4 {
			t.Fatalf("found → %v, want gründen and the other line's likelier synonyms", found)
		}
		for w, x := range found {
			if w != "gruenden" && x >= found["gruenden"] {
				t.Errorf("found → %v: %s weighs as much as gründen", found, w)
			}
		}
	})
	t.Run("inflections are keyed as written and by stem", func(t *testing.T) {
		if _, ok := look("founded")["gegruendet"]; !ok {
			t.Errorf("founded → %v", look("founded"))
		}
		if _, ok := look("~found")["gruenden"]; !ok {
			t.Errorf("~found → %v", look("~found"))
		}
	})
	t.Run("phrases are keyed where they are the entry", func(t *testing.T) {
		if _, ok := look("~fall asleep")["einschlafen"]; !ok {
			t.Errorf("fall asleep → %v", look("~fall asleep"))
		}
		if _, ok := look("~fell asleep")["schlief"]; !ok {
			t.Errorf("fell asleep → %v", look("~fell asleep"))
		}
		if got := d.lookup("~found own firm"); got != nil {
			t.Errorf("an example phrase under another word is keyed: %v", got)
		}
	})
	t.Run("an expression with a stop word inside is not keyed", func(t *testing.T) {
		// A question's phrases are runs of content words, so such a key
		// could never be asked for; dropping the stop word instead would file
		// Kurswagen under "car".
		for _, k := range []string{"car", "weather", "through car", "~through car", "all weather", "~all weather"} {
			if got := d.lookup(k); got != nil {
				t.Errorf("%s → %v", k, got)
			}
		}
	})
}

// The reason for concepts: a word with many translations must not outweigh a
// word with one. A passage holding all five translations of one word must not
// beat a passage holding the one translation of another.
func TestConceptScoringWeighsTranslationsAsOneWord(t *testing.T) {
	s, err := Parse("t", "t", []byte("Titel\n\nDas Fundstück, der Fund, die Entdeckung, die Ausgrabung, die Ausbeute.\n\nDie Gründung der Firma.\n\nEin Satz ohne Bezug.\n\nNoch ein Satz ohne Bezug."))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := NewIndex(context.Background(), []*Story{s}, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	many := concept{}
	for _, w := range []string{"fundstueck", "fund", "entdeckung", "ausgrabung", "ausbeute"} {
		many.add(stem(w, "de"), 0.2)
	}
	one := concept{{stem("gruendung", "de"), 1}}
	sc := ix.pool.Get().(*scratch)
	defer ix.pool.Put(sc)
	ranked := ix.rankConcepts(sc, &ix.lex, []concept{many, one}, "", 10)
	score := map[string]float32{}
	for _, r := range ranked {
		score[ix.passages[r.doc].ID] = r.score
	}
	if score["§1"] == 0 || score["§2"] == 0 {
		t.Fatalf("scores %v: both passages should match", score)
	}
	if score["§1"] > score["§2"]*1.01 {
		t.Errorf("five translations at 0.2 score %.3f, one translation at 1 scores %.3f: want no more", score["§1"], score["§2"])
	}
}

func TestQueryTranslation(t *testing.T) {
	story := func(t *testing.T, text string) *Index {
		t.Helper()
		s, err := Parse("t", "t", []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		ix, err := NewIndex(context.Background(), []*Story{s}, IndexOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
	top := func(t *testing.T, ix *Index, q string) string {
		t.Helper()
		res, err := ix.Search(context.Background(), q, SearchOptions{K: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) == 0 {
			t.Fatalf("%q: no result", q)
		}
		return res[0].Passage.ID
	}
	t.Run("found takes the finding sense beside fossils, not only the founding one", func(t *testing.T) {
		ix := story(t, "Titel\n\nIm Steinbruch haben Forscher Fossilien gefunden.\n\nDie Firma wurde 1998 gegründet.\n\nDer Verein hat viele Mitglieder.")
		if got := top(t, ix, "Where were the fossils found?"); got != "§1" {
			t.Errorf("got %s, want §1 (the fossils)", got)
		}
		if got := top(t, ix, "When was the company founded?"); got != "§2" {
			t.Errorf("got %s, want §2 (the founding)", got)
		}
	})
	t.Run("the curated lexicon leaves words with two everyday senses to the dictionary", func(t *testing.T) {
		// Its entries count as certain: "order" as Bestellung only would
		// send a how-to's "in which order" to an order, "book" as buchen
		// a question about a book to a booking.
		ix := story(t, "Titel\n\nDie Bestellung der Zutaten kam am Montag.\n\nDie Reihenfolge der Schritte ist wichtig: erst kneten, dann backen.\n\nDer Hund bellt laut.")
		if got := top(t, ix, "In which order should the steps be done?"); got != "§2" {
			t.Errorf("got %s, want §2 (the order of the steps)", got)
		}
		ix = story(t, "Titel\n\nSie hat ein Zimmer im Hotel gebucht.\n\nIhr erstes Buch erschien 1990 bei einem kleinen Verlag.\n\nDer Hund bellt laut.")
		if got := top(t, ix, "When did her first book come out?"); got != "§2" {
			t.Errorf("got %s, want §2 (the book)", got)
		}
		for _, w := range []string{"order", "book", "second", "left", "fan", "issue", "post"} {
			if ts := lexiconTranslations[w]; ts != nil {
				t.Errorf("the lexicon translates %q for certain as %v", w, ts)
			}
		}
		for w, wrong := range map[string]string{"source": "zeitung", "owner": "kunde", "newspaper": "angegeben"} {
			for _, tr := range lexiconTranslations[w] {
				if tr.German == wrong {
					t.Errorf("the lexicon translates %q as %q", w, wrong)
				}
			}
		}
	})
	t.Run("an inflected English word reaches its German translation", func(t *testing.T) {
		ix := story(t, "Titel\n\nDas Auto parkt vor dem Haus.\n\nDie Kundin bekam eine Rückerstattung.\n\nDer Hund bellt laut.")
		if got := top(t, ix, "Who got reimbursed?"); got != "§2" {
			t.Errorf("got %s, want §2", got)
		}
	})
	t.Run("a phrase the dictionary knows translates as one", func(t *testing.T) {
		qa := analyzeQuery("When did the driver fall asleep?", nil)
		if !hasTerm(qa, stem("einschlafen", "de")) {
			t.Errorf("fall asleep: no einschlaf in %v", qa.concepts)
		}
	})
	t.Run("a translation meets a story's compound through its parts", func(t *testing.T) {
		ix := story(t, "Titel\n\nDer Rückerstattungsstreit dauerte Wochen. Eine Rückerstattung ist selten.\n\nDas Wetter war schön.\n\nDer Hund bellt laut.")
		if got := top(t, ix, "How long did the dispute last?"); got != "§1" {
			t.Errorf("got %s, want §1", got)
		}
	})
	t.Run("a name in an English question is not translated as a word", func(t *testing.T) {
		if qa := analyzeQuery("What did Musk say about the refund?", nil); hasTerm(qa, stem("moschus", "de")) {
			t.Errorf("Musk translated as musk: %v", qa.concepts)
		}
		if qa := analyzeQuery("Which perfume smells of musk?", nil); !hasTerm(qa, stem("moschus", "de")) {
			t.Errorf("musk (the scent) not translated: %v", qa.concepts)
		}
		if qa := analyzeQuery("Refund: when was it paid?", nil); !hasTerm(qa, stem("rueckerstattung", "de")) {
			t.Errorf("a capitalized first word is not a name: %v", qa.concepts)
		}
	})
	t.Run("the curated lexicon knows hyphenated phrases", func(t *testing.T) {
		if qa := analyzeQuery("When did Musk co-found OpenAI?", nil); !hasTerm(qa, stem("mitbegruendete", "de")) {
			t.Errorf("co-found: %v", qa.concepts)
		}
	})
	t.Run("a German question is not looked up in the English dictionary", func(t *testing.T) {
		// "Rat" is English for Ratte; in German it means council.
		qa := analyzeQuery("Was hat der Rat beschlossen?", nil)
		if hasTerm(qa, stem("ratte", "de")) {
			t.Errorf("German question translated as English: %v", qa.concepts)
		}
		qa = analyzeQuery("What did the rat eat?", nil)
		if !hasTerm(qa, stem("ratte", "de")) {
			t.Errorf("English question not translated: %v", qa.concepts)
		}
	})
}

func hasTerm(qa queryAnalysis, term string) bool {
	for _, c := range qa.concepts {
		for _, t := range c {
			if t.term == term {
				return true
			}
		}
	}
	return false
}

// FuzzLoadDictionary: damaged dictionary bytes give an error or lookups that
// return what they can, never a panic.
func FuzzLoadDictionary(f *testing.F) {
	good, err := EncodeDictionary([]DictionaryEntry{
		{Line: 1, English: []string{"refund", "repayment"}, German: []string{"Rückerstattung", "Erstattung"}},
		{Line: 2, English: []string{"to fall asleep"}, German: []string{"einschlafen"}},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := loadDictionary(data)
		if err != nil {
			return
		}
		for _, k := range []string{"refund", "repayment", "~fall asleep", "x"} {
			d.lookup(k)
		}
	})
}

// NOTICE records the checksum of the dictionary it describes: rebuilding the
// file without updating NOTICE (version, checksum) fails here.
func TestNoticeDescribesTheEmbeddedDictionary(t *testing.T) {
	notice, err := os.ReadFile("../NOTICE")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(dictionaryData)
	want := hex.EncodeToString(sum[:]) + "  en-de.dict"
	if !strings.Contains(string(notice), want) {
		t.Errorf("NOTICE does not give the embedded dictionary's checksum %q: update it (scripts/build-dictionary prints it)", want)
	}
}
