package knowledge

import "unicode/utf8"

// German writes compounds as one word (Vorreservierung, Rückerstattungsstreit).
// Retrieval splits a long word where its tail, or its head (with or without
// the linking "s"), is a word of the indexed text itself: no dictionary is
// needed, and a split can only lead to words the stories use. The parts are
// indexed beside the whole word, so "Reservierung" finds "Vorreservierung".

const (
	minCompound = 8 // a shorter word is not split
	minPart     = 4 // nor into parts shorter than this
)

// compoundParts returns the longest tail and the longest head of w that are
// words of vocab ("" when there is none).
func compoundParts(w string, vocab map[string]bool) (head, tail string) {
	if utf8.RuneCountInString(w) < minCompound {
		return "", ""
	}
	// Tails, longest first: from the earliest split point.
	for i := range w {
		if i < 3 {
			continue
		}
		t := w[i:]
		if utf8.RuneCountInString(t) < minPart {
			break
		}
		if vocab[t] {
			tail = t
			break
		}
	}
	// Heads, longest first: from the latest split point.
	for i := len(w) - minPart; i >= minPart; i-- {
		if !utf8.RuneStart(w[i]) {
			continue
		}
		h := w[:i]
		if vocab[h] {
			head = h
			break
		}
		if h[len(h)-1] == 's' && len(h) > minPart && vocab[h[:len(h)-1]] {
			head = h[:len(h)-1]
			break
		}
	}
	return head, tail
}

// decompounder remembers the split of each word, since a text repeats its words.
type decompounder struct {
	vocab map[string]bool
	parts map[string][2]string
}

func newDecompounder(vocab map[string]bool) *decompounder {
	return &decompounder{vocab: vocab, parts: map[string][2]string{}}
}

// each calls fn with the parts of w, if it splits.
func (d *decompounder) each(w string, fn func(part string)) {
	p, ok := d.parts[w]
	if !ok {
		h, t := compoundParts(w, d.vocab)
		p = [2]string{h, t}
		d.parts[w] = p
	}
	for _, x := range p {
		if x != "" && !stopWords[x] {
			fn(x)
		}
	}
}
