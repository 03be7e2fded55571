package docstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	chromem "github.com/philippgille/chromem-go"
)

// Persistence layout inside Options.Dir (directory 0750, files 0600):
//
//	manifest.json          file → content hash and chunk ids; names the generation
//	gen-<N>/chunks.gob.gz  chunk records and the lexical index (vocabulary + term lists)
//	gen-<N>/vectors.gob    chromem-go export of the vector collection
//
// A save writes a new generation directory, then atomically replaces
// manifest.json, then removes older generations, so a crash leaves either
// the old or the new state, never a mix.
const (
	manifestName   = "manifest.json"
	chunksName     = "chunks.gob.gz"
	vectorsName    = "vectors.gob"
	collectionName = "machina_docs_v1"
	formatVersion  = 1
	dirPerm        = 0o750
	filePerm       = 0o600
)

// Options configures a Store.
type Options struct {
	// Dir is the data directory; it is created (0750) when missing.
	Dir string
	// Embedder computes dense vectors; nil uses the offline LocalEmbedder.
	Embedder Embedder
	// Logger receives diagnostics; nil discards them.
	Logger hclog.Logger
	// ChunkSize and ChunkOverlap in characters; zero uses 1000 and 200.
	ChunkSize, ChunkOverlap int
	// Concurrency is the number of embedding workers; zero uses 2.
	Concurrency int
}

// Store is a persistent document store with hybrid retrieval. Its methods
// are safe for concurrent use; ingests are serialised. One process should
// own a data directory at a time.
type Store struct {
	dir     string
	log     hclog.Logger
	emb     Embedder
	size    int
	overlap int
	workers int

	ingestMu sync.Mutex // serialises IngestDir

	mu      sync.RWMutex
	closed  bool
	db      *chromem.DB
	col     *chromem.Collection
	chunks  map[string]*chunkRecord
	slots   []*chunkRecord // sorted by source and index; index = lexical slot
	slotOf  map[string]int // chunk id → slot
	lexDocs []*lexDoc
	lex     *lexIndex
	files   map[string]fileEntry
	gen     uint64
}

// chunkRecord is one stored chunk. Meta holds the filterable metadata as
// also given to chromem-go (including the per-asset "asset:<ID>" keys).
type chunkRecord struct {
	ID           string
	Source       string
	Page         int
	SectionTitle string
	Content      string
	Index        int // ordinal of the chunk within its file
	IsTable      bool
	Meta         map[string]string
	FlagReasons  []string
	Lex          lexDoc
}

// fileEntry is the manifest record of one ingested file.
type fileEntry struct {
	Hash    string   `json:"sha256"`
	Size    int64    `json:"size"`
	Chunks  []string `json:"chunks"`
	Flagged int      `json:"flagged_chunks,omitempty"`
}

// manifest is manifest.json.
type manifest struct {
	Version    int                  `json:"version"`
	Generation uint64               `json:"generation"`
	Embedder   string               `json:"embedder"`
	Chunking   string               `json:"chunking"`
	Files      map[string]fileEntry `json:"files"`
}

// persistedChunks is gen-N/chunks.gob.gz.
type persistedChunks struct {
	Version    int
	Generation uint64
	Terms      []string
	Chunks     []*chunkRecord
}

// Open opens (or creates) the store in opts.Dir and loads its state. A
// store whose recorded embedder or chunking differs from opts starts empty
// (with a warning) so the next ingest rebuilds it consistently.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("docstore: no data directory")
	}
	s, err := newStore(opts)
	if err != nil {
		return nil, err
	}
	s.dir = filepath.Clean(opts.Dir)
	if err := os.MkdirAll(s.dir, dirPerm); err != nil {
		return nil, fmt.Errorf("docstore: create data directory: %w", err)
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// newStore builds an empty in-memory store (no Dir: nothing is persisted).
func newStore(opts Options) (*Store, error) {
	s := &Store{
		log:     opts.Logger,
		emb:     opts.Embedder,
		size:    opts.ChunkSize,
		overlap: opts.ChunkOverlap,
		workers: opts.Concurrency,
	}
	if s.log == nil {
		s.log = hclog.NewNullLogger()
	}
	if s.emb == nil {
		s.emb = NewLocalEmbedder()
	}
	if s.size <= 0 {
		s.size = DefaultChunkSize
	}
	if s.overlap <= 0 || s.overlap >= s.size {
		s.overlap = min(DefaultChunkOverlap, s.size/5)
	}
	if s.workers <= 0 {
		s.workers = 2
	}
	if err := s.reset(); err != nil {
		return nil, err
	}
	return s, nil
}

// reset empties the in-memory state.
func (s *Store) reset() error {
	s.db = chromem.NewDB()
	col, err := s.db.CreateCollection(collectionName, nil, s.embedFunc())
	if err != nil {
		return fmt.Errorf("docstore: create collection: %w", err)
	}
	s.col = col
	s.chunks = map[string]*chunkRecord{}
	s.files = map[string]fileEntry{}
	s.lex = newLexIndex()
	s.slots, s.lexDocs, s.slotOf = nil, nil, map[string]int{}
	return nil
}

// embedFunc adapts the store's Embedder to chromem-go.
func (s *Store) embedFunc() chromem.EmbeddingFunc {
	return s.emb.Embed
}

// chunkingID identifies the chunker configuration (part of content hashes).
func (s *Store) chunkingID() string {
	return fmt.Sprintf("section-v1/%d/%d", s.size, s.overlap)
}

// genDir is the directory of generation g.
func (s *Store) genDir(g uint64) string {
	return filepath.Join(s.dir, "gen-"+strconv.FormatUint(g, 10))
}

// load reads the persisted state.
func (s *Store) load(ctx context.Context) error {
	b, err := os.ReadFile(filepath.Join(s.dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("docstore: read manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		s.log.Warn("document store manifest is corrupt; starting empty", "error", err)
		return nil
	}
	switch {
	case m.Version != formatVersion:
		s.log.Warn("document store format changed; starting empty, re-ingest to rebuild", "found", m.Version, "want", formatVersion)
		return nil
	case m.Embedder != s.emb.Name():
		s.log.Warn("embedder changed; starting empty, re-ingest to rebuild", "stored", m.Embedder, "configured", s.emb.Name())
		return nil
	case m.Chunking != s.chunkingID():
		s.log.Warn("chunking changed; starting empty, re-ingest to rebuild", "stored", m.Chunking, "configured", s.chunkingID())
		return nil
	}
	gdir := s.genDir(m.Generation)
	var pc persistedChunks
	if err := readGob(filepath.Join(gdir, chunksName), &pc); err != nil {
		s.log.Warn("document store chunks unreadable; starting empty", "error", err)
		return nil
	}
	if pc.Generation != m.Generation {
		s.log.Warn("document store generation mismatch; starting empty", "manifest", m.Generation, "chunks", pc.Generation)
		return nil
	}
	vb, err := os.ReadFile(filepath.Join(gdir, vectorsName))
	if err != nil {
		s.log.Warn("document store vectors unreadable; starting empty", "error", err)
		return nil
	}
	db := chromem.NewDB()
	if err := db.ImportFromReader(bytes.NewReader(vb), "", collectionName); err != nil {
		s.log.Warn("document store vectors corrupt; starting empty", "error", err)
		return nil
	}
	col := db.GetCollection(collectionName, s.embedFunc())
	if col == nil || col.Count() != len(pc.Chunks) {
		s.log.Warn("document store vectors and chunks disagree; starting empty")
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.db, s.col, s.gen, s.files = db, col, m.Generation, m.Files
	if s.files == nil {
		s.files = map[string]fileEntry{}
	}
	s.lex = newLexIndex()
	s.lex.terms = pc.Terms
	for i, t := range pc.Terms {
		s.lex.vocab[t] = uint32(i)
	}
	for _, c := range pc.Chunks {
		s.chunks[c.ID] = c
	}
	s.reindex()
	s.log.Debug("document store loaded", "files", len(s.files), "chunks", len(s.chunks), "generation", s.gen)
	return nil
}

// reindex rebuilds the slot order and the lexical postings.
func (s *Store) reindex() {
	s.slots = s.slots[:0]
	for _, c := range s.chunks {
		s.slots = append(s.slots, c)
	}
	// A deterministic order that does not depend on where the documents
	// live, so ties rank the same way on every machine.
	sort.Slice(s.slots, func(i, j int) bool {
		a, b := s.slots[i], s.slots[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Index < b.Index
	})
	s.lexDocs = make([]*lexDoc, len(s.slots))
	s.slotOf = make(map[string]int, len(s.slots))
	for i, c := range s.slots {
		s.lexDocs[i] = &c.Lex
		s.slotOf[c.ID] = i
	}
	s.lex.rebuild(s.lexDocs)
}

// save persists the current state as a new generation. Caller holds mu.
func (s *Store) save() error {
	if s.dir == "" {
		return nil
	}
	next := s.gen + 1
	gdir := s.genDir(next)
	if err := os.RemoveAll(gdir); err != nil {
		return fmt.Errorf("docstore: clear %s: %w", filepath.Base(gdir), err)
	}
	if err := os.Mkdir(gdir, dirPerm); err != nil {
		return fmt.Errorf("docstore: create generation: %w", err)
	}
	pc := persistedChunks{Version: formatVersion, Generation: next, Terms: s.lex.terms, Chunks: s.slots}
	if err := writeFileAtomic(filepath.Join(gdir, chunksName), func(w io.Writer) error {
		zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
		if err != nil {
			return err
		}
		if err := gob.NewEncoder(zw).Encode(&pc); err != nil {
			return err
		}
		return zw.Close()
	}); err != nil {
		return fmt.Errorf("docstore: save chunks: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(gdir, vectorsName), func(w io.Writer) error {
		// Uncompressed: float vectors barely compress and gzip would
		// dominate save time.
		return s.db.ExportToWriter(w, false, "", collectionName)
	}); err != nil {
		return fmt.Errorf("docstore: save vectors: %w", err)
	}
	m := manifest{Version: formatVersion, Generation: next, Embedder: s.emb.Name(), Chunking: s.chunkingID(), Files: s.files}
	mb, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return fmt.Errorf("docstore: encode manifest: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(s.dir, manifestName), func(w io.Writer) error {
		_, err := w.Write(mb)
		return err
	}); err != nil {
		return fmt.Errorf("docstore: save manifest: %w", err)
	}
	s.gen = next
	// Older generations are garbage now.
	entries, _ := os.ReadDir(s.dir)
	for _, e := range entries {
		if g, ok := strings.CutPrefix(e.Name(), "gen-"); ok && e.IsDir() && g != strconv.FormatUint(next, 10) {
			if err := os.RemoveAll(filepath.Join(s.dir, e.Name())); err != nil {
				s.log.Warn("could not remove old generation", "dir", e.Name(), "error", err)
			}
		}
	}
	return nil
}

// writeFileAtomic writes path (mode 0600) through a temporary file, fsyncs
// it and renames it into place.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(filePerm); err != nil {
		return err
	}
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(filepath.Dir(path)); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// readGob decodes a gzip'd gob file.
func readGob(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	return gob.NewDecoder(zr).Decode(v)
}

// Close releases the store. It does not need to flush: every ingest is
// persisted before IngestDir returns.
func (s *Store) Close() error {
	s.ingestMu.Lock()
	defer s.ingestMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.db, s.col, s.chunks, s.slots, s.lexDocs = nil, nil, nil, nil, nil
	return nil
}

// ErrClosed is returned by methods of a closed Store.
var ErrClosed = errors.New("docstore: store is closed")

// Stats describes the store's contents.
type Stats struct {
	Files         int    `json:"files"`
	Chunks        int    `json:"chunks"`
	FlaggedChunks int    `json:"flagged_chunks"`
	Embedder      string `json:"embedder"`
	Dir           string `json:"-"`
}

// Stats returns counts of files, chunks and flagged chunks.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Stats{Files: len(s.files), Chunks: len(s.chunks), FlaggedChunks: s.flaggedLocked(), Embedder: s.emb.Name(), Dir: s.dir}
}

// flaggedLocked counts flagged chunks. Caller holds mu.
func (s *Store) flaggedLocked() int {
	n := 0
	for _, c := range s.chunks {
		if len(c.FlagReasons) > 0 {
			n++
		}
	}
	return n
}

// chunkID is the deterministic id of a chunk: the MD5 (an identifier, not a
// security measure) of source, section title, page and index, NUL-separated,
// as in the reference.
func chunkID(source, section string, page, index int) string {
	h := md5.Sum([]byte(source + "\x00" + section + "\x00" + strconv.Itoa(page) + "\x00" + strconv.Itoa(index)))
	return hex.EncodeToString(h[:])
}

// buildChunks chunks a parsed document into records (without vectors).
func (s *Store) buildChunks(source string, d parsedDoc) []*chunkRecord {
	var out []*chunkRecord
	index := 0
	// The front-matter title is used as the root of the breadcrumb only
	// when the document has no headings of its own.
	root := ""
	if !hasHeadings(d.Pages) {
		root = d.Meta[KeyTitle]
	}
	var stack []headingLevel
	for _, pg := range d.Pages {
		for _, p := range splitSections(pg.Text, s.size, s.overlap, root, &stack) {
			title := p.sectionTitle()
			meta := make(map[string]string, len(d.Meta)+4)
			for k, v := range d.Meta {
				meta[k] = v
			}
			if ids := d.Meta[KeyAssetID]; ids != "" {
				for _, id := range strings.Split(ids, ",") {
					meta[assetFilterPrefix+id] = "1"
				}
			}
			if title != "" {
				meta[KeySectionTitle] = cleanValue(title)
			}
			content := p.content()
			rec := &chunkRecord{
				ID:           chunkID(source, title, pg.Page, index),
				Source:       source,
				Page:         pg.Page,
				SectionTitle: title,
				Content:      content,
				Index:        index,
				IsTable:      p.IsTable,
				Meta:         meta,
				FlagReasons:  scanInjection(content),
			}
			out = append(out, rec)
			index++
		}
	}
	return out
}

// embedAll computes vectors for recs with the store's workers.
func (s *Store) embedAll(ctx context.Context, recs []*chunkRecord) ([]chromem.Document, error) {
	docs := make([]chromem.Document, len(recs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg   sync.WaitGroup
		once sync.Once
		ferr error
	)
	next := make(chan int)
	for w := 0; w < s.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				v, err := s.emb.Embed(ctx, recs[i].Content)
				if err == nil && len(v) == 0 {
					err = errors.New("embedder returned an empty vector")
				}
				if err != nil {
					once.Do(func() {
						ferr = fmt.Errorf("docstore: embed chunk of %s: %w", filepath.Base(recs[i].Source), err)
						cancel()
					})
					continue
				}
				docs[i] = chromem.Document{ID: recs[i].ID, Metadata: recs[i].Meta, Embedding: v}
			}
		}()
	}
feed:
	for i := range recs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if ferr != nil {
		return nil, ferr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return docs, nil
}

// apply replaces the chunks of the given files: old ids are removed, new
// records and vectors are added, the lexical index is rebuilt and the
// state persisted. Caller holds mu.
func (s *Store) apply(ctx context.Context, remove []string, recs []*chunkRecord, docs []chromem.Document) error {
	if len(remove) > 0 {
		if err := s.col.Delete(ctx, nil, nil, remove...); err != nil {
			return fmt.Errorf("docstore: delete vectors: %w", err)
		}
		for _, id := range remove {
			delete(s.chunks, id)
		}
	}
	for _, r := range recs {
		r.Lex = s.lex.analyze(r.Content)
		s.chunks[r.ID] = r
	}
	if len(docs) > 0 {
		if err := s.col.AddDocuments(ctx, docs, s.workers); err != nil {
			return fmt.Errorf("docstore: add vectors: %w", err)
		}
	}
	s.reindex()
	return nil
}

// Progress reports ingestion progress.
type Progress struct {
	// Phase is "scan", "file" or "save".
	Phase string
	// File is the path of the current file relative to the ingested directory.
	File string
	// Done and Total count files.
	Done, Total int
	// Bytes processed so far.
	Bytes int64
}

// FlaggedChunk describes a chunk the injection scanner marked.
type FlaggedChunk struct {
	Source       string   `json:"source"`
	Page         int      `json:"page"`
	SectionTitle string   `json:"section_title"`
	ChunkID      string   `json:"chunk_id"`
	Reasons      []string `json:"reasons"`
}

// FileError is a file that could not be ingested; its previous state, if
// any, is kept.
type FileError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

// Summary is the outcome of IngestDir. File names are relative to the
// ingested directory; sources are passed through SafeSource.
type Summary struct {
	Added         int            `json:"files_added"`
	Updated       int            `json:"files_updated"`
	Unchanged     int            `json:"files_unchanged"`
	Removed       int            `json:"files_removed"`
	Failed        int            `json:"files_failed"`
	ChunksWritten int            `json:"chunks_written"`
	ChunksRemoved int            `json:"chunks_removed"`
	TotalChunks   int            `json:"total_chunks"`
	FlaggedChunks int            `json:"flagged_chunks"`
	FlaggedTotal  int            `json:"flagged_chunks_in_store"`
	Flagged       []FlaggedChunk `json:"flagged,omitempty"`
	Warnings      []string       `json:"warnings,omitempty"`
	Errors        []FileError    `json:"errors,omitempty"`
	Bytes         int64          `json:"bytes"`
	Duration      time.Duration  `json:"duration_ns"`
}
