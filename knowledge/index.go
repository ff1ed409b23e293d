package knowledge

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
)

// EmbedFunc turns texts into vectors, one per text, in order. It is the seam
// for dense retrieval: the model package provides one over the embeddings
// API, tests pass a deterministic closure.
type EmbedFunc func(ctx context.Context, texts []string) ([][]float32, error)

// IndexOptions tune an Index. The zero value is lexical retrieval with the
// usual BM25 parameters.
type IndexOptions struct {
	// Embed, when set, adds dense retrieval as a third signal. Passages are
	// embedded when the index is built; each question once per search.
	Embed EmbedFunc
	// EmbedQuery, when set, embeds questions instead of Embed (an
	// embedder that does not cache them, say).
	EmbedQuery EmbedFunc
}

// Index finds the passages of one or more stories that answer a question. It
// fuses BM25 over stemmed words, BM25 over character n-grams, BM25 over the
// words of the section heading and the story title, and (optionally) cosine
// similarity of embeddings (see fusion). An Index is immutable after
// NewIndex and safe for concurrent use.
type Index struct {
	passages []*Passage
	lex      field
	gram     field
	head     field       // the section heading and the story title
	vectors  [][]float32 // nil without dense retrieval
	// textWords is every folded word of the indexed text, read-only after
	// NewIndex: compound words are split against it.
	textWords map[string]bool
	embed     EmbedFunc
	fusion    fusion
	// lang is each story's language by story ID: how its sentences are
	// stemmed when the question's words are looked for in them.
	lang map[string]string
	// vocab is each story's Vocabulary by story ID (see addStoryPrior).
	vocab map[string]*Vocabulary
	// sentTerms are each passage's sentences as term ids (see
	// sentenceTerms), docOf each passage's place in passages: what
	// addProximity reads.
	sentTerms [][]int32
	docOf     map[*Passage]int32
	pool      sync.Pool // *scratch
}

// Result is one ranked passage.
type Result struct {
	Passage *Passage
	// Score is the fused score: higher is better; comparable only within
	// one search.
	Score float64
	// The signals behind it (0 where the signal did not find the passage).
	Lexical, Ngram, Heading, Dense float64
}

const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// minPassagesForCommon: below this many passages no n-gram is skipped as
// common; in a short story every signal counts and costs nothing.
const minPassagesForCommon = 50

// field is an inverted index over one kind of term.
type field struct {
	ids      map[string]int32
	postings [][]posting
	idf      []float32
	norm     []float32 // per passage: k1 * (1 - b + b * len/avgLen)
	// common marks terms in more than half the passages, skipped at search
	// time (nil: none skipped). For n-grams such terms are the "_der" and
	// "ung_" of every other word: they cost the most postings and, with an
	// idf under log 2, move a ranking the least.
	common []bool
}

type posting struct {
	doc int32
	tf  float32
}

type fieldBuilder struct {
	ids      map[string]int32
	postings [][]posting
	lens     []int
	// counts is the current passage's count per term id, touched the ids
	// it has: slices, not a map, as the index is built term by term.
	counts  []float32
	touched []int32
}

func newFieldBuilder(n int) *fieldBuilder {
	return &fieldBuilder{ids: map[string]int32{}, lens: make([]int, 0, n)}
}

func (fb *fieldBuilder) add(term string) {
	id, ok := fb.ids[term]
	if !ok {
		id = fb.newTerm(term)
	}
	fb.count(id)
}

// addBytes is add of a term in a reused buffer: the string is only made
// for a term not seen before.
func (fb *fieldBuilder) addBytes(term []byte) {
	id, ok := fb.ids[string(term)]
	if !ok {
		id = fb.newTerm(string(term))
	}
	fb.count(id)
}

func (fb *fieldBuilder) newTerm(term string) int32 {
	id := int32(len(fb.postings))
	fb.ids[term] = id
	fb.postings = append(fb.postings, nil)
	fb.counts = append(fb.counts, 0)
	return id
}

func (fb *fieldBuilder) count(id int32) {
	if fb.counts[id] == 0 {
		fb.touched = append(fb.touched, id)
	}
	fb.counts[id]++
}

// endDoc closes the current passage's terms as document doc.
func (fb *fieldBuilder) endDoc(doc int32) {
	n := 0
	for _, id := range fb.touched {
		c := fb.counts[id]
		fb.postings[id] = append(fb.postings[id], posting{doc, c})
		n += int(c)
		fb.counts[id] = 0
	}
	fb.touched = fb.touched[:0]
	fb.lens = append(fb.lens, n)
}

func (fb *fieldBuilder) build() field {
	n := len(fb.lens)
	total := 0
	for _, l := range fb.lens {
		total += l
	}
	avg := 1.0
	if n > 0 && total > 0 {
		avg = float64(total) / float64(n)
	}
	f := field{ids: fb.ids, postings: fb.postings, idf: make([]float32, len(fb.postings)), norm: make([]float32, n)}
	for i, l := range fb.lens {
		f.norm[i] = float32(bm25K1 * (1 - bm25B + bm25B*float64(l)/avg))
	}
	for id, p := range fb.postings {
		// Postings are appended passage by passage, so this finds them in
		// order; it keeps scoring visiting memory in order and ties breaking
		// the same way every run should endDoc ever be called out of order.
		slices.SortFunc(p, func(a, b posting) int { return cmp.Compare(a.doc, b.doc) })
		df := float64(len(p))
		f.idf[id] = float32(math.Log(1 + (float64(n)-df+0.5)/(df+0.5)))
	}
	return f
}

// NewIndex indexes every passage of stories. With opts.Embed set it embeds
// the passages first, so a failing embeddings API fails here, not per search.
func NewIndex(ctx context.Context, stories []*Story, opts IndexOptions) (*Index, error) {
	var ps []*Passage
	for _, s := range stories {
		for i := range s.Passages {
			ps = append(ps, &s.Passages[i])
		}
	}
	byID := map[string]*Story{}
	lang := map[string]string{}
	vocab := map[string]*Vocabulary{}
	for _, s := range stories {
		byID[s.ID] = s
		lang[s.ID] = s.Language
		vocab[s.ID] = NewVocabulary(s)
	}
	ix := &Index{passages: ps, embed: opts.Embed, textWords: map[string]bool{}, fusion: defaultFusion, lang: lang, vocab: vocab}
	if opts.EmbedQuery != nil {
		ix.embed = opts.EmbedQuery
	}
	for _, p := range ps {
		words(p.Section+"\n"+p.Text, func(w string) { ix.textWords[w] = true })
	}
	split := newDecompounder(ix.textWords) // caches the split of each word while indexing
	lex, gram, head := newFieldBuilder(len(ps)), newFieldBuilder(len(ps)), newFieldBuilder(len(ps))
	var pad []byte // a word padded for its n-grams (see wordGrams), reused
	for i, p := range ps {
		s := byID[p.Story]
		addStems := func(fb *fieldBuilder, text string) {
			words(text, func(w string) {
				if stopWords[w] {
					return
				}
				fb.add(stem(w, s.Language))
				split.each(w, func(part string) { fb.add(stem(part, s.Language)) })
			})
		}
		// The heading is part of what a passage is about ("Musks
		// Entgegnung"), and so is the title of its story: in an archive
		// the title often names the subject the paragraphs only refer to.
		text := p.Section + "\n" + p.Text
		addStems(lex, text)
		addStems(head, p.Section+"\n"+s.Title)
		// The n-grams of each folded non-stop word (see wordGrams).
		words(text, func(w string) {
			if !stopWords[w] {
				pad = append(append(append(pad[:0], '_'), w...), '_')
				paddedGrams(pad, gram.addBytes)
			}
		})
		lex.endDoc(int32(i))
		gram.endDoc(int32(i))
		head.endDoc(int32(i))
	}
	ix.lex, ix.gram, ix.head = lex.build(), gram.build(), head.build()
	ix.sentTerms, ix.docOf = make([][]int32, len(ps)), make(map[*Passage]int32, len(ps))
	var st []int32
	for i, p := range ps {
		st = sentenceTerms(p, byID[p.Story].Language, &ix.lex, st[:0])
		ix.sentTerms[i] = slices.Clone(st)
		ix.docOf[p] = int32(i)
	}
	if len(ps) >= minPassagesForCommon {
		ix.gram.common = make([]bool, len(ix.gram.postings))
		for id, p := range ix.gram.postings {
			ix.gram.common[id] = len(p) > len(ps)/2
		}
	}
	if opts.Embed != nil && len(ps) > 0 {
		texts := make([]string, len(ps))
		for i, p := range ps {
			texts[i] = p.Section + "\n" + p.Text
		}
		vecs, err := opts.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("embed passages: %w", err)
		}
		if len(vecs) != len(ps) {
			return nil, fmt.Errorf("embed passages: got %d vectors for %d passages", len(vecs), len(ps))
		}
		for i := range vecs {
			vecs[i] = normalize(vecs[i])
		}
		ix.vectors = vecs
	}
	ix.pool.New = func() any { return &scratch{acc: make([]float32, len(ps))} }
	return ix, nil
}

// Len is the number of indexed passages.
func (ix *Index) Len() int { return len(ix.passages) }

// Dense reports whether the index uses embeddings.
func (ix *Index) Dense() bool { return ix.vectors != nil }

// SearchOptions narrow a search.
type SearchOptions struct {
	K     int    // how many results; 0 means 5
	Story string // only this story's passages; "" for all
	// LexicalOnly leaves out the dense signal (when the embeddings API
	// fails, a caller can still answer from the words).
	LexicalOnly bool
	// only, when set, keeps only these signals: the evaluation measures
	// each signal alone against the fusion.
	only *[numSignals]bool
}

// scratch is per-search working memory, pooled: a score per passage and the
// list of passages touched, so resetting costs what the search touched.
type scratch struct {
	acc     []float32
	touched []int32
	ranked  []scored
	ids     []int32 // rank's query term ids
	// fusedAt is, per passage, 1 + its place in fused (0: not yet there),
	// reset after each search: SearchAll's fused results without a map.
	fusedAt  []int32
	fused    []Result
	fusedDoc []int32 // the passage of each of fused
	// prox are the phrasings of the search as addProximity reads them,
	// their ids in proxIDs.
	prox    []proximityQuery
	proxIDs []int32
	// measures are what each phrasing asks for a number in (see addMeasure).
	measures []Measure
}

type scored struct {
	doc   int32
	score float32
}

// Search ranks passages for question. Only passages that some signal finds
// are returned, so an unrelated question can get no result at all.
func (ix *Index) Search(ctx context.Context, question string, opts SearchOptions) ([]Result, error) {
	return ix.SearchAll(ctx, []string{question}, opts)
}

// SearchAll ranks passages for several phrasings of one question (the
// question and its translation into the story's language, say): each
// phrasing is ranked on its own and the rankings are fused, so a passage
// that either phrasing finds well comes first.
func (ix *Index) SearchAll(ctx context.Context, queries []string, opts SearchOptions) ([]Result, error) {
	k := opts.K
	if k <= 0 {
		k = 5
	}
	if len(ix.passages) == 0 || len(queries) == 0 {
		return nil, nil
	}
	depth := max(k*10, 100)
	sc := ix.pool.Get().(*scratch)
	defer ix.pool.Put(sc)

	if len(sc.fusedAt) < len(ix.passages) {
		sc.fusedAt = make([]int32, len(ix.passages))
	}
	sc.fused, sc.fusedDoc = sc.fused[:0], sc.fusedDoc[:0]
	sc.prox, sc.proxIDs = sc.prox[:0], slices.Grow(sc.proxIDs[:0], 16*len(queries))
	sc.measures = sc.measures[:0]
	for _, q := range queries {
		lists, known, err := ix.signals(ctx, sc, q, opts, depth)
		if err != nil {
			ix.resetFused(sc)
			return nil, err
		}
		ix.fusion.add(sc, ix.passages, lists, known, 1/float64(len(queries)))
	}

	out := slices.Clone(sc.fused)
	ix.resetFused(sc)
	sortResults(out)
	if opts.only == nil {
		ix.addStoryPrior(queries, out)
		ix.addProximity(sc.prox, out)
		ix.addMeasure(sc.measures, out)
	}
	if len(out) > k {
		out = out[:k]
	}
	return out, nil
}

// resetFused clears what SearchAll left in sc.fusedAt.
func (ix *Index) resetFused(sc *scratch) {
	for _, d := range sc.fusedDoc {
		sc.fusedAt[d] = 0
	}
	sc.fused, sc.fusedDoc = sc.fused[:0], sc.fusedDoc[:0]
}

// signals ranks the passages for one query by each signal on its own: the
// best depth of each, best first (nil for a signal that is off), and the
// share of the query's words the stems know (see fusion).
func (ix *Index) signals(ctx context.Context, sc *scratch, question string, opts SearchOptions, depth int) ([numSignals][]scored, float64, error) {
	var lists [numSignals][]scored
	on := func(s signal) bool { return opts.only == nil || opts.only[s] }
	a := analyzerPool.Get().(*queryAnalyzer)
	defer analyzerPool.Put(a)
	a.analyze(question, ix.splitCompound)
	qa := &a.qa
	if opts.only == nil {
		var pq proximityQuery
		sc.proxIDs, pq = proximityQueryOf(qa, &ix.lex, sc.proxIDs)
		sc.prox = append(sc.prox, pq)
		sc.measures = append(sc.measures, rankMeasureOf(a.ws))
	}
	if on(sigLexical) {
		lists[sigLexical] = ix.rankConcepts(sc, &ix.lex, qa.concepts, opts.Story, depth)
	}
	if on(sigNgram) {
		lists[sigNgram] = ix.rank(sc, &ix.gram, qa.grams, opts.Story, depth)
	}
	if on(sigHeading) {
		lists[sigHeading] = ix.rank(sc, &ix.head, qa.terms, opts.Story, depth)
	}
	if ix.vectors != nil && !opts.LexicalOnly && on(sigDense) {
		vecs, err := ix.embed(ctx, []string{question})
		if err != nil {
			return lists, 0, fmt.Errorf("embed question: %w", err)
		}
		if len(vecs) == 1 {
			lists[sigDense] = ix.rankDense(sc, normalize(vecs[0]), opts.Story, depth)
		}
	}
	known := 1.0
	if opts.only == nil {
		known = ix.knownShare(qa, &ix.lex, &ix.head)
	}
	return lists, known, nil
}

// rank scores every passage containing a query term with BM25 and returns
// the best depth of them, best first.
func (ix *Index) rank(sc *scratch, f *field, terms []string, story string, depth int) []scored {
	sc.touched = sc.touched[:0]
	// The query's term ids, sorted so that repeats are adjacent: a term
	// asked twice weighs twice, as in BM25's query-term frequency. A
	// scratch slice rather than a map: no allocation per search.
	sc.ids = sc.ids[:0]
	for _, t := range terms {
		if id, ok := f.ids[t]; ok {
			sc.ids = append(sc.ids, id)
		}
	}
	slices.Sort(sc.ids)
	for i := 0; i < len(sc.ids); {
		id := sc.ids[i]
		j := i + 1
		for j < len(sc.ids) && sc.ids[j] == id {
			j++
		}
		qtf := float32(j - i)
		i = j
		if f.common != nil && f.common[id] {
			continue
		}
		idf := f.idf[id] * qtf
		for _, p := range f.postings[id] {
			if sc.acc[p.doc] == 0 {
				sc.touched = append(sc.touched, p.doc)
			}
			sc.acc[p.doc] += idf * p.tf * (bm25K1 + 1) / (p.tf + f.norm[p.doc])
		}
	}
	return ix.topTouched(sc, story, depth)
}

// topTouched is the best depth of the passages a BM25 pass scored (of
// story only, when one is named), and leaves the scratch scores at zero
// for the next pass. sc.touched is reset by the pass that fills it.
func (ix *Index) topTouched(sc *scratch, story string, depth int) []scored {
	sc.ranked = sc.ranked[:0]
	for _, d := range sc.touched {
		if story == "" || ix.passages[d].Story == story {
			sc.ranked = append(sc.ranked, scored{d, sc.acc[d]})
		}
		sc.acc[d] = 0
	}
	return topScored(sc.ranked, depth)
}

func (ix *Index) rankDense(sc *scratch, q []float32, story string, depth int) []scored {
	sc.ranked = sc.ranked[:0]
	for i, v := range ix.vectors {
		if story != "" && ix.passages[i].Story != story {
			continue
		}
		if s := dot(q, v); s > 0 {
			sc.ranked = append(sc.ranked, scored{int32(i), s})
		}
	}
	return topScored(sc.ranked, depth)
}

// topScored returns the best n of list, best first (ties by passage order).
// It selects with a bounded min-heap, O(len·log n), since list may hold every
// passage of a large archive while n is small. It returns a new slice: list
// is reused scratch space.
func topScored(list []scored, n int) []scored {
	if n <= 0 || len(list) == 0 {
		return nil
	}
	better := func(a, b scored) bool {
		if a.score != b.score {
			return a.score > b.score
		}
		return a.doc < b.doc
	}
	h := make([]scored, 0, min(n, len(list)))
	// h is a min-heap by "better": h[0] is the worst of the kept.
	down := func(i int) {
		for {
			l, w := 2*i+1, i
			if l < len(h) && better(h[w], h[l]) {
				w = l
			}
			if r := l + 1; r < len(h) && better(h[w], h[r]) {
				w = r
			}
			if w == i {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for _, x := range list {
		if len(h) < n {
			h = append(h, x)
			for i := len(h) - 1; i > 0; {
				p := (i - 1) / 2
				if !better(h[p], h[i]) {
					break
				}
				h[i], h[p] = h[p], h[i]
				i = p
			}
			continue
		}
		if better(x, h[0]) {
			h[0] = x
			down(0)
		}
	}
	slices.SortFunc(h, func(a, b scored) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return h
}

func normalize(v []float32) []float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(s))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x * inv
	}
	return out
}

func dot(a, b []float32) float32 {
	n := min(len(a), len(b))
	var s float32
	for i := 0; i < n; i++ {
		s += a[i] * b[i]
	}
	return s
}

// EstimateTokens approximates how many model tokens text costs: about four
// bytes of Latin text a token, which errs on the safe side for German.
func EstimateTokens(text string) int {
	return (len(text) + 3) / 4
}

// SelectContext takes results in rank order while their passages fit in
// budget tokens, so a short story is given whole (ranked) and a long archive
// only its best passages. The first result is always taken.
func SelectContext(results []Result, budget int) []Result {
	var out []Result
	used := 0
	for i, r := range results {
		t := EstimateTokens(r.Passage.Text) + 8 // the id and heading line
		if i > 0 && used+t > budget {
			continue // a shorter passage further down may still fit
		}
		used += t
		out = append(out, r)
	}
	return out
}

// splitCompound calls fn with the parts of a question word that are words of
// the indexed text. Uncached, so searches share no mutable state: a question
// has few words.
func (ix *Index) splitCompound(w string, fn func(part string)) {
	head, tail := compoundParts(w, ix.textWords)
	for _, x := range [2]string{head, tail} {
		if x != "" && !stopWords[x] {
			fn(x)
		}
	}
}

func sortResults(out []Result) {
	// A total order (passages differ in story or start), so the result does
	// not depend on the order fused was filled in.
	slices.SortFunc(out, func(a, b Result) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		if a.Lexical != b.Lexical {
			return cmp.Compare(b.Lexical, a.Lexical)
		}
		pa, pb := a.Passage, b.Passage
		if pa.Story != pb.Story {
			return strings.Compare(pa.Story, pb.Story)
		}
		return cmp.Compare(pa.Span.Start, pb.Span.Start)
	})
}
