package docstore

import (
	"container/heap"
	"math"
	"sort"
)

// BM25 parameters (Okapi, as rank_bm25's defaults).
const (
	bm25K1 = 1.5
	bm25B  = 0.75
)

// lexDoc is one chunk in the lexical index: its term ids with their
// frequencies and its length in tokens. It is what is persisted.
type lexDoc struct {
	Terms []uint32
	TFs   []uint16
	Len   int
}

// lexIndex is an Okapi BM25 index over chunk slots. Postings are derived
// data, rebuilt from the per-chunk term lists when the set of chunks
// changes (after an ingest and on open), which keeps deletion trivial.
type lexIndex struct {
	vocab    map[string]uint32
	terms    []string
	postings [][]posting
	avgLen   float64
	n        int
}

// posting is one (slot, term frequency) entry.
type posting struct {
	slot int32
	tf   uint16
}

// newLexIndex returns an empty index.
func newLexIndex() *lexIndex { return &lexIndex{vocab: map[string]uint32{}} }

// termID interns a term.
func (x *lexIndex) termID(t string) uint32 {
	if id, ok := x.vocab[t]; ok {
		return id
	}
	id := uint32(len(x.terms))
	x.vocab[t] = id
	x.terms = append(x.terms, t)
	return id
}

// analyze tokenizes text into a lexDoc, interning its terms.
func (x *lexIndex) analyze(text string) lexDoc {
	toks := Tokenize(text)
	counts := map[uint32]int{}
	order := make([]uint32, 0, len(toks))
	for _, t := range toks {
		id := x.termID(t)
		if counts[id] == 0 {
			order = append(order, id)
		}
		counts[id]++
	}
	d := lexDoc{Terms: order, TFs: make([]uint16, len(order)), Len: len(toks)}
	for i, id := range order {
		d.TFs[i] = uint16(min(counts[id], math.MaxUint16))
	}
	return d
}

// rebuild recomputes postings for docs, where docs[i] is slot i.
func (x *lexIndex) rebuild(docs []*lexDoc) {
	x.postings = make([][]posting, len(x.terms))
	total := 0
	for slot, d := range docs {
		total += d.Len
		for i, id := range d.Terms {
			x.postings[id] = append(x.postings[id], posting{int32(slot), d.TFs[i]})
		}
	}
	x.n = len(docs)
	if x.n > 0 {
		x.avgLen = float64(total) / float64(x.n)
	}
}

// scored is a slot with its score.
type scored struct {
	slot  int
	score float64
}

// search returns up to n slots ranked by BM25 for the query text, among
// slots for which keep returns true (nil keeps all).
func (x *lexIndex) search(query string, n int, docs []*lexDoc, keep func(slot int) bool) []scored {
	if x.n == 0 || n <= 0 {
		return nil
	}
	seen := map[uint32]bool{}
	// A dense score array is much cheaper than a map once common terms
	// touch a large share of the corpus.
	scores := make([]float64, x.n)
	var touched []int32
	for _, t := range tokenizeQuery(query) {
		id, ok := x.vocab[t]
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		ps := x.postings[id]
		if len(ps) == 0 {
			continue
		}
		df := float64(len(ps))
		idf := math.Log(1 + (float64(x.n)-df+0.5)/(df+0.5))
		for _, p := range ps {
			tf := float64(p.tf)
			dl := float64(docs[p.slot].Len)
			if scores[p.slot] == 0 {
				touched = append(touched, p.slot)
			}
			scores[p.slot] += idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*dl/x.avgLen))
		}
	}
	// Keep the n best in a min-heap (root = worst kept), then sort them.
	h := make(scoredHeap, 0, n+1)
	for _, slot := range touched {
		if keep != nil && !keep(int(slot)) {
			continue
		}
		c := scored{int(slot), scores[slot]}
		if len(h) < n {
			heap.Push(&h, c)
		} else if better(c, h[0]) {
			h[0] = c
			heap.Fix(&h, 0)
		}
	}
	out := []scored(h)
	sort.Slice(out, func(i, j int) bool { return better(out[i], out[j]) })
	return out
}

// better orders by score, then by slot (lower first) for stable ties.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.slot < b.slot
}

// scoredHeap is a min-heap by better: the root is the worst element.
type scoredHeap []scored

func (h scoredHeap) Len() int           { return len(h) }
func (h scoredHeap) Less(i, j int) bool { return better(h[j], h[i]) }
func (h scoredHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *scoredHeap) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *scoredHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// idf returns the BM25 inverse document frequency of a (tokenized) term;
// a term absent from the corpus gets the maximum, as it is the rarest.
func (x *lexIndex) idf(term string) float64 {
	df := 0.0
	if id, ok := x.vocab[term]; ok && int(id) < len(x.postings) {
		df = float64(len(x.postings[id]))
	}
	return math.Log(1 + (float64(x.n)-df+0.5)/(df+0.5))
}
