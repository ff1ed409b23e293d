package knowledge

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/blevesearch/vellum"
)

// DictionaryEntry is one meaning of a word in a bilingual dictionary, as
// scripts/build-dictionary reads it from Ding: lines with the same Line are
// one dictionary line (one sense: "gründen; begründen :: to found; to
// establish" with its inflections), and English and German hold expressions
// that translate each other, the most usual first.
type DictionaryEntry struct {
	Line int
	// Part is the entry's place in its line: 0 for the word itself, more for
	// its inflections and the phrases made with it. Phrases of several words
	// are keyed where they are the word itself ("fall asleep" :: einschlafen,
	// and its "fell asleep"), not from the examples under another word
	// ("used car", "touring car"), which a question's words find one by one.
	Part    int
	English []string
	German  []string
}

// Limits of the encoded dictionary: queries look up phrases of up to three
// content words, and a word's few likeliest translations carry nearly all
// its weight (the rest are rare senses and noise).
const (
	maxKeyWords        = 3
	maxTranslations    = 8
	minTranslationProb = 0.03
)

// EncodeDictionary turns entries into the embedded dictionary format (see
// dictionary.go). Keys are the English expressions as queries see them:
// folded, stop words dropped, Snowball-stemmed, so "refunded", "refunds" and
// "refund" are one key. Each key's translations are weighed by sense: every
// line the key occurs in counts once, shared among the
// German expressions that line gives for it, earlier synonyms more. So the
// everyday senses of "found" (gründen, and gefunden/fand from "find") carry
// the word, and a line with twenty synonyms does not outweigh one with one.
func EncodeDictionary(entries []DictionaryEntry) ([]byte, error) {
	type lineKey struct {
		key  string
		line int
	}
	// Per key and line: weight per German word.
	dist := map[lineKey]map[string]float64{}
	// Ding has no frequencies; two of its own counts stand in for them. A
	// line with many phrases and inflections is an everyday word (Auto has
	// a dozen, Fahrkorb one), and so is a German word that many lines use.
	parts := map[int]int{}
	deLines := map[string]int{}
	lastLine := map[string]int{}
	// A line whose word is a phrase ("to fall asleep") keeps the phrases of
	// its inflections ("fell asleep"); another line's phrases are examples.
	phraseLine := map[int]bool{}
	for _, e := range entries {
		parts[e.Line]++
		if e.Part == 0 {
			for _, en := range e.English {
				if surface, _ := englishKeys(en); strings.Contains(surface, " ") {
					phraseLine[e.Line] = true
				}
			}
		}
		for _, g := range e.German {
			words(g, func(w string) {
				if !stopWords[w] && lastLine[w] != e.Line+1 {
					lastLine[w] = e.Line + 1
					deLines[w]++
				}
			})
		}
	}
	for _, e := range entries {
		var de []string
		for _, g := range e.German {
			if f := germanForm(g); f != "" && !slices.Contains(de, f) {
				de = append(de, f)
			}
		}
		if len(de) == 0 {
			continue
		}
		for _, en := range e.English {
			surface, stemmed := englishKeys(en)
			phrase := strings.Contains(surface, " ")
			if surface == "" || (phrase && e.Part > 0 && !phraseLine[e.Line]) {
				continue
			}
			keys := []string{surface, stemmed}
			if phrase {
				// A phrase is looked up by its stems only: its words'
				// inflections vary more than a word's, and it halves the keys.
				keys = keys[1:]
			}
			for _, key := range keys {
				lk := lineKey{key, e.Line}
				d := dist[lk]
				if d == nil {
					d = map[string]float64{}
					dist[lk] = d
				}
				for i, f := range de {
					if f != surface { // the same word in both languages adds nothing
						d[f] += 1 / float64(i+1)
					}
				}
			}
		}
	}
	// Per key: the weighted mean of its lines' distributions, times each
	// word's prior; then words that stem alike ("Rückerstattung",
	// "Rückerstattungen") are one translation, stored as its likeliest form.
	// Maps are walked in sorted order so that sums, and so the file, come
	// out the same on every run.
	lks := make([]lineKey, 0, len(dist))
	for lk := range dist {
		lks = append(lks, lk)
	}
	sort.Slice(lks, func(a, b int) bool {
		if lks[a].key != lks[b].key {
			return lks[a].key < lks[b].key
		}
		return lks[a].line < lks[b].line
	})
	probs := map[string]map[string]float64{}
	for _, lk := range lks {
		d := dist[lk]
		fs := sortedKeys(d)
		sum := 0.0
		for _, f := range fs {
			sum += d[f]
		}
		if sum == 0 {
			continue
		}
		p := probs[lk.key]
		if p == nil {
			p = map[string]float64{}
			probs[lk.key] = p
		}
		w := 1 + math.Log(float64(parts[lk.line]))
		for _, f := range fs {
			p[f] += w * d[f] / sum * math.Log(math.E+float64(deLines[f]))
		}
	}
	for k, p := range probs {
		byStem := map[string]float64{}
		best := map[string]string{}
		for _, f := range sortedKeys(p) {
			v := p[f]
			st := germanStems(f)
			byStem[st] += v
			if b, ok := best[st]; !ok || v > p[b] || (v == p[b] && f < b) {
				best[st] = f
			}
		}
		merged := make(map[string]float64, len(byStem))
		for st, v := range byStem {
			merged[best[st]] = v
		}
		probs[k] = merged
	}
	keys := make([]string, 0, len(probs))
	for k := range probs {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	type tr struct {
		form string
		p    float64
	}
	perKey := make([][]tr, len(keys))
	used := map[string]bool{}
	for i, k := range keys {
		var ts []tr
		total := 0.0
		fs := sortedKeys(probs[k])
		for _, f := range fs {
			total += probs[k][f]
		}
		for _, f := range fs {
			if p := probs[k][f] / total; p >= minTranslationProb {
				ts = append(ts, tr{f, p})
			}
		}
		sort.Slice(ts, func(a, b int) bool {
			if ts[a].p != ts[b].p {
				return ts[a].p > ts[b].p
			}
			return ts[a].form < ts[b].form
		})
		if len(ts) > maxTranslations {
			ts = ts[:maxTranslations]
		}
		perKey[i] = ts
	}
	// A stem key whose stem is itself a key with the same translations
	// ("~car" and "car") is left out: lookups fall back to that key.
	index := make(map[string]int, len(keys))
	for i, k := range keys {
		index[k] = i
	}
	for i, k := range keys {
		if st, ok := strings.CutPrefix(k, stemPrefix); ok {
			if j, ok := index[st]; ok && slices.Equal(perKey[i], perKey[j]) {
				perKey[i] = nil
			}
		}
	}
	for _, ts := range perKey {
		for _, t := range ts {
			used[t.form] = true
		}
	}
	strs := make([]string, 0, len(used))
	for s := range used {
		strs = append(strs, s)
	}
	sort.Strings(strs)
	strID := make(map[string]int, len(strs))
	var strBlob bytes.Buffer
	var tmp [binary.MaxVarintLen64]byte
	uvarint := func(b *bytes.Buffer, x int) { b.Write(tmp[:binary.PutUvarint(tmp[:], uint64(x))]) }
	offsets := make([]byte, 4*numBlocks(len(strs)))
	for i, s := range strs {
		strID[s] = i
		shared := 0
		if i%stringBlock == 0 {
			binary.LittleEndian.PutUint32(offsets[4*(i/stringBlock):], uint32(strBlob.Len()))
		} else {
			shared = commonPrefix(strs[i-1], s)
		}
		uvarint(&strBlob, shared)
		uvarint(&strBlob, len(s)-shared)
		strBlob.WriteString(s[shared:])
	}

	var fstBuf, values bytes.Buffer
	b, err := vellum.New(&fstBuf, nil)
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	for i, k := range keys {
		ts := perKey[i]
		if len(ts) == 0 {
			continue
		}
		if err := b.Insert([]byte(k), uint64(values.Len())); err != nil {
			return nil, fmt.Errorf("dictionary key %q: %w", k, err)
		}
		uvarint(&values, len(ts))
		for _, t := range ts {
			values.WriteByte(byte(max(1, math.Round(t.p*255))))
			uvarint(&values, strID[t.form])
		}
	}
	if err := b.Close(); err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}

	var out bytes.Buffer
	out.WriteString(dictMagic)
	for _, n := range []int{fstBuf.Len(), values.Len(), len(strs), strBlob.Len()} {
		var x [4]byte
		binary.LittleEndian.PutUint32(x[:], uint32(n))
		out.Write(x[:])
	}
	out.Write(fstBuf.Bytes())
	out.Write(values.Bytes())
	out.Write(offsets)
	out.Write(strBlob.Bytes())
	return out.Bytes(), nil
}

// englishKeys are the dictionary keys of an English expression: its folded
// words, and "~" and their stems (so an inflection the dictionary does not
// list still finds the word). Words before it that leave its meaning alone
// (leadIn) are dropped, and a particle after a phrase (below); any other stop
// word ("through car", "all-weather", "find out") makes it a phrase the
// dictionary does not key, since dropping the word would file the phrase
// under a word it does not mean. "" when it has no content word or too many.
func englishKeys(s string) (surface, stemmed string) {
	var ws []string
	words(s, func(w string) { ws = append(ws, w) })
	return englishKeysOf(ws)
}

// englishKeysOf is englishKeys of words already folded.
func englishKeysOf(ws []string) (surface, stemmed string) {
	for len(ws) > 0 && leadIn[ws[0]] {
		ws = ws[1:]
	}
	// A particle after a phrase of two or more words ("take part in") is
	// left off; after one word it makes another verb ("find out").
	for len(ws) > 2 && stopWords[ws[len(ws)-1]] && !stopWords[ws[len(ws)-2]] {
		ws = ws[:len(ws)-1]
	}
	if len(ws) == 0 || len(ws) > maxKeyWords {
		return "", ""
	}
	st := make([]string, len(ws))
	for i, w := range ws {
		if stopWords[w] {
			return "", ""
		}
		st[i] = stem(w, "en")
	}
	return strings.Join(ws, " "), stemPrefix + strings.Join(st, " ")
}

// leadIn are words that may stand before an expression without changing
// what it means: the infinitive's "to", articles, and the pronouns and auxiliaries of Ding's
// conjugations ("I/he/she fell asleep", "he/she has/had found").
var leadIn = map[string]bool{"to": true, "a": true, "an": true, "the": true, "i": true, "he": true, "she": true, "it": true,
	"we": true, "you": true, "they": true, "has": true, "had": true, "have": true, "is": true, "was": true,
	"were": true, "will": true, "would": true}

// stemPrefix marks the keys made of stems apart from those made of words.
const stemPrefix = "~"

// germanForm is a German expression as the dictionary stores it: its one
// content word, folded; "" for a longer expression (an explanation rather
// than a translation, or a phrase whose words a text would scatter).
func germanForm(s string) string {
	var ws []string
	words(s, func(w string) {
		if !stopWords[w] {
			ws = append(ws, w)
		}
	})
	if len(ws) != 1 {
		return ""
	}
	return ws[0]
}

// germanStems identifies a stored German form by its stems, so inflections
// that stem alike ("Rückerstattung", "Rückerstattungen") are one translation.
func germanStems(form string) string {
	return strings.Join(Analyze(form, "de"), " ")
}

// commonPrefix is the length in bytes of the prefix a and b share.
func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func sortedKeys(m map[string]float64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
