package knowledge

import (
	"math"
	"sync"
)

// rankConcepts scores passages with BM25 over concepts rather than single
// terms, the way dictionary-based cross-language retrieval does it (Darwish
// and Oard's probabilistic structured queries): a concept's term frequency
// in a passage is the weighted sum of its terms' frequencies, its document
// frequency the weighted sum of theirs. A word with twenty translations is
// then one concept like a word with one, its translations weighed by how
// likely each is; a passage with a rare sense of it gets little.
func (ix *Index) rankConcepts(sc *scratch, f *field, concepts []concept, story string, depth int) []scored {
	sc.touched = sc.touched[:0]
	n := float64(len(ix.passages))
	tfp := tfPool.Get().(*conceptTF)
	defer tfPool.Put(tfp)
	if len(tfp.tf) < len(ix.passages) {
		tfp.tf = make([]float32, len(ix.passages))
	}
	tf := tfp.tf
	for _, c := range concepts {
		df := 0.0
		tfp.ids, tfp.weights = tfp.ids[:0], tfp.weights[:0]
		for _, t := range c {
			if id, ok := f.ids[t.term]; ok {
				tfp.ids = append(tfp.ids, id)
				tfp.weights = append(tfp.weights, t.weight)
				df += float64(t.weight) * float64(len(f.postings[id]))
			}
		}
		if len(tfp.ids) == 0 {
			continue
		}
		df = min(df, n)
		idf := float32(math.Log(1 + (n-df+0.5)/(df+0.5)))
		if len(tfp.ids) == 1 {
			// One term (most concepts: a word's own stem): its weighted
			// frequency per passage is w·tf of its one posting, so the
			// passages are scored straight from the postings, with the
			// same float32 arithmetic as below but one pass fewer.
			w := tfp.weights[0]
			for _, p := range f.postings[tfp.ids[0]] {
				ctf := w * p.tf // 0 + w·tf below, exactly: the product is positive
				if sc.acc[p.doc] == 0 {
					sc.touched = append(sc.touched, p.doc)
				}
				sc.acc[p.doc] += idf * ctf * (bm25K1 + 1) / (ctf + f.norm[p.doc])
			}
			continue
		}
		tfp.docs = tfp.docs[:0]
		for i, id := range tfp.ids {
			w := tfp.weights[i]
			for _, p := range f.postings[id] {
				if tf[p.doc] == 0 {
					tfp.docs = append(tfp.docs, p.doc)
				}
				tf[p.doc] += w * p.tf
			}
		}
		for _, d := range tfp.docs {
			ctf := tf[d]
			tf[d] = 0
			if sc.acc[d] == 0 {
				sc.touched = append(sc.touched, d)
			}
			sc.acc[d] += idf * ctf * (bm25K1 + 1) / (ctf + f.norm[d])
		}
	}
	return ix.topTouched(sc, story, depth)
}

// conceptTF is rankConcepts' working memory: a concept's term frequency per
// passage, reset as it is read, and the concept's terms.
type conceptTF struct {
	tf      []float32
	docs    []int32
	ids     []int32
	weights []float32
}

var tfPool = sync.Pool{New: func() any { return new(conceptTF) }}
