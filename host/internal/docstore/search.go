package docstore

import (
	"context"
	"errors"
	"fmt"
	"github.com/machina-go/machina/host/internal/progress"
	"slices"
	"sort"
	"strings"

	"github.com/machina-go/machina/host/internal/sanitize"
)

// Mode selects the retrieval method.
type Mode int

const (
	// Hybrid fuses lexical and dense rankings with reciprocal rank fusion.
	Hybrid Mode = iota
	// Lexical ranks by BM25 only.
	Lexical
	// Dense ranks by embedding cosine similarity only.
	Dense
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case Hybrid:
		return "hybrid"
	case Lexical:
		return "lexical"
	case Dense:
		return "dense"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode parses "hybrid", "lexical" or "dense".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "", "hybrid":
		return Hybrid, nil
	case "lexical", "bm25":
		return Lexical, nil
	case "dense", "vector":
		return Dense, nil
	}
	return Hybrid, fmt.Errorf("unknown search mode %q (want hybrid, lexical or dense)", s)
}

// RRFK is the reciprocal-rank-fusion constant.
const RRFK = 60

// DefaultTopK is the number of results when Query.TopK is zero.
const DefaultTopK = 5

// MaxTopK caps Query.TopK.
const MaxTopK = 100

// Query is a search request.
type Query struct {
	// Text is the query.
	Text string
	// TopK is the number of results (default 5, at most 100).
	TopK int
	// Filters are equality conditions on metadata: asset_id (matches any
	// of a document's assets, case-insensitive), doc_type, manufacturer,
	// section_title or any other metadata key. Empty values are ignored.
	Filters map[string]string
	// Mode selects hybrid (default), lexical or dense retrieval.
	Mode Mode
}

// Result is one retrieved chunk. Source, Content, SectionTitle and
// Metadata are already sanitised (SafeSource / SafeText) and safe to show
// to a client or an LLM; RawSource is the stored path for logs and other
// non-LLM consumers and is never serialised.
type Result struct {
	ChunkID      string            `json:"chunk_id"`
	Source       string            `json:"source"`
	RawSource    string            `json:"-"`
	Page         int               `json:"page"`
	SectionTitle string            `json:"section_title"`
	Content      string            `json:"content"`
	Score        float64           `json:"score"`
	IsTable      bool              `json:"is_table"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	Flagged      bool              `json:"flagged,omitempty"`
	FlagReasons  []string          `json:"flag_reasons,omitempty"`
}

// ErrEmptyQuery is returned for a blank query text.
var ErrEmptyQuery = errors.New("docstore: empty query")

// Search retrieves the chunks best matching q. Each method over-fetches
// min(corpus, max(6·top_k, top_k+50)) candidates after filtering; hybrid
// fuses the two rankings with RRF (k=60), breaking exact RRF ties by the
// summed min-max normalised method scores (see fuseRRF). Scores are BM25
// (lexical), cosine similarity (dense) or the RRF sum (hybrid).
func (s *Store) Search(ctx context.Context, q Query) ([]Result, error) {
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return nil, ErrEmptyQuery
	}
	if len(text) > 4096 {
		return nil, errors.New("docstore: query longer than 4096 bytes")
	}
	topK := q.TopK
	if topK <= 0 {
		topK = DefaultTopK
	}
	topK = min(topK, MaxTopK)
	if q.Mode < Hybrid || q.Mode > Dense {
		return nil, fmt.Errorf("docstore: unknown mode %d", int(q.Mode))
	}
	where := translateFilters(q.Filters)

	// Embed outside the lock: a remote embedder may be slow. The local
	// embedder weights query terms by the corpus IDF, under the lock.
	var qv []float32
	qe, weighted := s.emb.(queryEmbedder)
	if q.Mode != Lexical && !weighted {
		var err error
		if qv, err = s.emb.Embed(ctx, text); err != nil {
			return nil, fmt.Errorf("docstore: embed query: %w", err)
		}
	}

	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	if q.Mode != Lexical && weighted {
		var err error
		if qv, err = qe.EmbedQuery(ctx, text, s.lex.idf); err != nil {
			return nil, fmt.Errorf("docstore: embed query: %w", err)
		}
	}
	total := len(s.slots)
	if total == 0 {
		return nil, nil
	}
	fetch := min(total, max(topK*6, topK+50))

	var lex, dense []ranked
	if q.Mode != Dense {
		var keep func(int) bool
		if len(where) > 0 {
			keep = func(slot int) bool { return matches(s.slots[slot].Meta, where) }
		}
		for _, h := range s.lex.search(text, fetch, s.lexDocs, keep) {
			lex = append(lex, ranked{id: s.slots[h.slot].ID, slot: h.slot, score: h.score})
		}
		progress.Report(ctx, fmt.Sprintf("lexical search: %d candidate chunks of %d", len(lex), total))
	}
	if q.Mode != Lexical {
		n := min(fetch, s.col.Count())
		if n > 0 {
			res, err := s.col.QueryEmbedding(ctx, qv, n, where, nil)
			if err != nil {
				return nil, fmt.Errorf("docstore: dense query: %w", err)
			}
			for _, r := range res {
				dense = append(dense, ranked{id: r.ID, slot: s.slotOf[r.ID], score: float64(r.Similarity)})
			}
			progress.Report(ctx, fmt.Sprintf("vector search: %d candidate chunks of %d", len(dense), total))
			// chromem-go breaks similarity ties arbitrarily; make them stable.
			sort.SliceStable(dense, func(i, j int) bool {
				if dense[i].score != dense[j].score {
					return dense[i].score > dense[j].score
				}
				return dense[i].slot < dense[j].slot
			})
		}
	}

	var final []ranked
	switch q.Mode {
	case Lexical:
		final = lex
	case Dense:
		final = dense
	default:
		final = fuseRRF(lex, dense)
	}
	if len(final) > topK {
		final = final[:topK]
	}
	out := make([]Result, 0, len(final))
	for _, r := range final {
		c := s.chunks[r.id]
		if c == nil {
			continue
		}
		out = append(out, c.result(r.score))
	}
	return out, nil
}

// ranked is a chunk id with a method score, best first.
type ranked struct {
	id    string
	slot  int
	score float64
}

// fuseRRF merges rankings by reciprocal rank fusion:
// score(d) = Σ 1/(RRFK + rank), rank 1-based, over the lists holding d.
//
// Each chunk's contributions are summed from its best rank down, so two
// chunks with the same multiset of ranks (rank i in one list and j in the
// other, against j and i) get bitwise-equal scores: an exact RRF tie.
// Such ties are common — with two lists every swapped pair of ranks
// produces one — and RRF alone says nothing about them. They are broken by
// the evidence RRF discards: the sum, over the lists holding the chunk, of
// its min-max normalised method score ((score-min)/(max-min) over that
// list's candidates; 1 when all candidates score alike; 0 for a list that
// does not hold the chunk). The chunk the methods score more decisively,
// relative to each method's own spread, goes first. Remaining ties break
// by slot order. Fused scores are the RRF sums and never reordered, so
// Result scores stay non-increasing; the procedure has no tunable
// constant besides k.
func fuseRRF(lists ...[]ranked) []ranked {
	n, total := len(lists), 0
	for _, l := range lists {
		total += len(l)
	}
	idx := make(map[string]int, total)
	out := make([]ranked, 0, total)
	norm := make([]float64, 0, total) // per fused chunk: Σ normalised method scores
	ranks := make([]int, 0, n*total)  // per fused chunk: n 1-based ranks, 0 when absent
	for li, l := range lists {
		lo, hi := scoreRange(l)
		for i, r := range l {
			j, ok := idx[r.id]
			if !ok {
				j = len(out)
				idx[r.id] = j
				out = append(out, ranked{id: r.id, slot: r.slot})
				norm = append(norm, 0)
				for range n {
					ranks = append(ranks, 0)
				}
			}
			ranks[j*n+li] = i + 1
			if hi > lo {
				norm[j] += (r.score - lo) / (hi - lo)
			} else {
				norm[j]++
			}
		}
	}
	for j := range out {
		rs := ranks[j*n : (j+1)*n]
		slices.Sort(rs)
		for _, rk := range rs {
			if rk > 0 {
				out[j].score += 1 / float64(RRFK+rk)
			}
		}
	}
	order := make([]int, len(out))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		x, y := order[a], order[b]
		if out[x].score != out[y].score {
			return out[x].score > out[y].score
		}
		if norm[x] != norm[y] {
			return norm[x] > norm[y]
		}
		return out[x].slot < out[y].slot
	})
	fused := make([]ranked, len(out))
	for i, j := range order {
		fused[i] = out[j]
	}
	return fused
}

// scoreRange returns the lowest and highest score in l (0, 0 when empty).
func scoreRange(l []ranked) (lo, hi float64) {
	for i, r := range l {
		if i == 0 || r.score < lo {
			lo = r.score
		}
		if i == 0 || r.score > hi {
			hi = r.score
		}
	}
	return lo, hi
}

// translateFilters maps user filters onto stored metadata keys: keys are
// canonicalised (aliases such as "asset" or "type" fold onto asset_id and
// doc_type), asset_id becomes the per-asset key, doc_type is lower-cased.
// Empty values are dropped.
func translateFilters(f map[string]string) map[string]string {
	if len(f) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, v := range f {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		switch k = canonicalKey(k); k {
		case KeyAssetID:
			out[assetFilterPrefix+normalizeAssetID(v)] = "1"
		case KeyDocType:
			out[k] = strings.ToLower(v)
		default:
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// matches reports whether meta satisfies every equality in where.
func matches(meta, where map[string]string) bool {
	for k, v := range where {
		if meta[k] != v {
			return false
		}
	}
	return true
}

// result renders a stored chunk as a sanitised Result.
func (c *chunkRecord) result(score float64) Result {
	md := make(map[string]string, len(c.Meta))
	for k, v := range c.Meta {
		if strings.HasPrefix(k, assetFilterPrefix) {
			continue
		}
		md[k] = sanitize.SafeText(v)
	}
	return Result{
		ChunkID:      c.ID,
		Source:       sanitize.SafeSource(c.Source),
		RawSource:    c.Source,
		Page:         c.Page,
		SectionTitle: sanitize.SafeText(c.SectionTitle),
		Content:      sanitize.SafeText(c.Content),
		Score:        score,
		IsTable:      c.IsTable,
		Metadata:     md,
		Flagged:      len(c.FlagReasons) > 0,
		FlagReasons:  append([]string(nil), c.FlagReasons...),
	}
}
