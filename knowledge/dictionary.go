package knowledge

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/vellum"
)

// The English–German dictionary that lets an English question reach a German
// passage. It is Ding's (see NOTICE), converted by scripts/build-dictionary
// and embedded. The format, all integers little-endian:
//
//	"SBDICT1\n"
//	uint32 ×4   length of the FST, of the values, number of strings, length of the string bytes
//	FST         vellum: English key (folded words, or "~" and their stems; space-separated) → offset in values
//	values      per key: uvarint n, then n × (byte weight 1..255, uvarint string id), likeliest first
//	offsets     uint32 per block of 16 strings: where the block starts in the string bytes
//	strings     German translations (one folded word each), sorted, front-coded in blocks:
//	            per string uvarint bytes shared with the one before (0 first in a block),
//	            uvarint length of the rest, the rest
//
// The file is embedded as it is, not compressed: the linker puts it in the
// binary's data, which the kernel maps from the file and reads in on demand,
// so a lookup touches only the pages it reads, a process that only ever sees
// German questions reads none, and no copy is made on the heap. (It used to
// be embedded gzip-compressed, 4.2 MB, to keep the Docker image under 30 MB;
// since the binary lost its unused methods the image has room, and the first
// English question no longer pays some 50 ms and 6 MB of heap to unpack it,
// nor a peak of about 34 MB RSS: README "Binary size".)

//go:embed dictionary/en-de.dict
var dictionaryData []byte // read in place, never written

const dictMagic = "SBDICT1\n"

// dictionary is a loaded dictionary.
type dictionary struct {
	fst     *vellum.FST
	values  []byte
	offsets []byte
	strs    []byte
	n       int
}

// Translation is a German rendering of an English word or phrase and how
// likely it is among the word's translations (0..1).
type Translation struct {
	German string
	Weight float32
	// either marks a translation of the curated lexicon, which works both
	// ways: it may be an English word as well as a German one.
	either bool
}

var (
	dictOnce sync.Once
	dict     *dictionary
	dictErr  error
)

// embeddedDictionary loads the embedded dictionary on first use.
func embeddedDictionary() (*dictionary, error) {
	dictOnce.Do(func() {
		dict, dictErr = loadDictionary(dictionaryData)
	})
	return dict, dictErr
}

// loadDictionary reads the format above, in place.
func loadDictionary(data []byte) (*dictionary, error) {
	if len(data) < len(dictMagic)+16 || string(data[:len(dictMagic)]) != dictMagic {
		return nil, errors.New("dictionary: not a storybot dictionary")
	}
	h := data[len(dictMagic):]
	fstLen, valLen := int(binary.LittleEndian.Uint32(h)), int(binary.LittleEndian.Uint32(h[4:]))
	n, strLen := int(binary.LittleEndian.Uint32(h[8:])), int(binary.LittleEndian.Uint32(h[12:]))
	body := h[16:]
	offLen := 4 * numBlocks(n)
	if fstLen+valLen+offLen+strLen != len(body) {
		return nil, fmt.Errorf("dictionary: sections add up to %d bytes, have %d", fstLen+valLen+offLen+strLen, len(body))
	}
	fst, err := vellum.Load(body[:fstLen])
	if err != nil {
		return nil, fmt.Errorf("dictionary: %w", err)
	}
	d := &dictionary{fst: fst, n: n}
	body = body[fstLen:]
	d.values, body = body[:valLen], body[valLen:]
	d.offsets, d.strs = body[:offLen], body[offLen:]
	return d, nil
}

// lookup returns the translations of a key (see EncodeDictionary),
// likeliest first; nil when the dictionary does not have it. A corrupt entry
// ends the list where it breaks.
func (d *dictionary) lookup(key string) (out []Translation) {
	// vellum trusts its bytes and panics on damaged ones; the embedded file
	// is checked whole by the tests, and a damaged one must still not take
	// a search down with it.
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	off, ok, err := d.fst.Get([]byte(key))
	if err != nil || !ok || off >= uint64(len(d.values)) {
		return nil
	}
	v := d.values[off:]
	cnt, k := binary.Uvarint(v)
	if k <= 0 || cnt > maxTranslations {
		return nil
	}
	v = v[k:]
	out = make([]Translation, 0, cnt)
	for range cnt {
		if len(v) < 2 {
			break
		}
		w := v[0]
		id, k := binary.Uvarint(v[1:])
		if k <= 0 || id >= uint64(d.n) {
			break
		}
		v = v[1+k:]
		out = append(out, Translation{German: d.str(int(id)), Weight: float32(w) / 255})
	}
	return out
}

// str decodes string id: from the start of its block, each string's
// shared prefix and rest, up to it. "" when the bytes are corrupt.
func (d *dictionary) str(id int) string {
	pos := int(binary.LittleEndian.Uint32(d.offsets[4*(id/stringBlock):]))
	var buf []byte
	for range id%stringBlock + 1 {
		if pos > len(d.strs) {
			return ""
		}
		shared, k1 := binary.Uvarint(d.strs[pos:])
		if k1 <= 0 {
			return ""
		}
		rest, k2 := binary.Uvarint(d.strs[pos+k1:])
		start := pos + k1 + k2
		if k2 <= 0 || shared > uint64(len(buf)) || rest > uint64(len(d.strs)-start) {
			return ""
		}
		buf = append(buf[:shared], d.strs[start:start+int(rest)]...)
		pos = start + int(rest)
	}
	return string(buf)
}

// stringBlock is how many strings share a front-coding block: a lookup
// decodes at most this many, and the offsets cost 4 bytes per block.
const stringBlock = 16

func numBlocks(n int) int { return (n + stringBlock - 1) / stringBlock }

// Translate returns the dictionary's German translations of an English word
// or phrase of up to three words ("refunded", "fall asleep"), likeliest
// first: a word as written if the dictionary has it, else by its stem; a
// phrase by its stems.
func Translate(english string) []Translation {
	var ws []string
	words(english, func(w string) { ws = append(ws, w) })
	if len(ws) == 0 {
		return nil
	}
	return slices.Clone(translateWords(ws))
}

// translateWords is Translate of words already folded. Results are cached,
// like stems: questions repeat their words, and a lookup decodes strings.
// The cache stops growing at translationCacheMax entries.
func translateWords(ws []string) []Translation {
	key := ws[0]
	if len(ws) > 1 {
		key = strings.Join(ws, " ")
	}
	return translateKey(ws, key)
}

// translateKey is translateWords with the cache key (ws space-separated)
// already made.
func translateKey(ws []string, key string) []Translation {
	if ts, ok := translationCache.Load(key); ok {
		return ts.([]Translation)
	}
	ts := lookupWords(ws)
	if translationCacheSize.Load() < translationCacheMax {
		if _, loaded := translationCache.LoadOrStore(key, ts); !loaded {
			translationCacheSize.Add(1)
		}
	}
	return ts
}

const translationCacheMax = 20_000

var (
	translationCache     sync.Map // folded words, space-separated → []Translation (shared: read only)
	translationCacheSize atomic.Int64
)

func lookupWords(ws []string) []Translation {
	d, err := embeddedDictionary()
	if err != nil {
		return nil
	}
	surface, stemmed := englishKeysOf(ws)
	if surface == "" {
		return nil
	}
	if strings.Contains(surface, " ") {
		return d.lookup(stemmed) // phrases are keyed by stems only
	}
	if ts := d.lookup(surface); ts != nil {
		return ts
	}
	if ts := d.lookup(stemmed); ts != nil {
		return ts
	}
	// A stem key the same as the word key its stem spells is stored once.
	return d.lookup(strings.TrimPrefix(stemmed, stemPrefix))
}
