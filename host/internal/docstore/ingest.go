package docstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/machina-go/machina/host/internal/sanitize"
)

// IngestDir ingests every .md, .markdown, .txt and .pdf file under dir
// (recursively, in sorted order; hidden directories and *.meta.* sidecars
// are skipped). Ingestion is incremental: a file whose content hash
// (file bytes + sidecar bytes + chunking) is unchanged is not touched, a
// changed file has its chunks replaced, and files previously ingested from
// dir that no longer exist have their chunks removed. A file that fails to
// read or parse is reported in Summary.Errors and keeps its previous
// chunks. progress, when non-nil, is called from the calling goroutine.
func (s *Store) IngestDir(ctx context.Context, dir string, progress func(Progress)) (Summary, error) {
	start := time.Now()
	abs, err := ingestRoot(dir)
	if err != nil {
		return Summary{}, err
	}
	s.ingestMu.Lock()
	defer s.ingestMu.Unlock()
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return Summary{}, ErrClosed
	}
	in := &ingestion{s: s, root: abs, progress: progress, known: make(map[string]fileEntry, len(s.files)),
		entries: map[string]fileEntry{}, seen: map[string]bool{}}
	for k, v := range s.files {
		in.known[k] = v
	}
	s.mu.RUnlock()

	in.report(Progress{Phase: "scan"})
	paths, err := s.scan(ctx, abs)
	if err != nil {
		return in.sum, err
	}
	in.total = len(paths)
	for i, path := range paths {
		if err := ctx.Err(); err != nil {
			return in.sum, err
		}
		in.file(path)
		rel, _ := filepath.Rel(abs, path)
		in.report(Progress{Phase: "file", File: rel, Done: i + 1, Total: in.total, Bytes: in.sum.Bytes})
	}
	in.dropMissing()
	if err := in.commit(ctx); err != nil {
		return in.sum, err
	}
	sum := in.sum
	sum.Duration = time.Since(start)
	s.log.Info("documents ingested", "added", sum.Added, "updated", sum.Updated, "unchanged", sum.Unchanged,
		"removed", sum.Removed, "failed", sum.Failed, "chunks", sum.ChunksWritten, "flagged", sum.FlaggedChunks,
		"duration", sum.Duration)
	return sum, nil
}

// ingestRoot resolves the documents directory: absolute, with symlinks
// resolved (the walk does not follow links, and an unresolved link would
// look empty and drop the directory's chunks).
func ingestRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("docstore: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("docstore: documents directory: %w", err)
	}
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return "", fmt.Errorf("docstore: documents directory: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("docstore: %s is not a directory", filepath.Base(abs))
	}
	return abs, nil
}

// ingestion is the state of one IngestDir: what the store knew, what this
// run found, and the changes to apply.
type ingestion struct {
	s        *Store
	root     string
	progress func(Progress)
	total    int
	sum      Summary
	known    map[string]fileEntry // the store's files before the run
	seen     map[string]bool      // files found under root
	entries  map[string]fileEntry // new or changed files
	newRecs  []*chunkRecord
	remove   []string // chunk ids to remove
	dropped  []string // files that disappeared from root
}

func (in *ingestion) report(p Progress) {
	if in.progress != nil {
		in.progress(p)
	}
}

func (in *ingestion) fail(rel string, err error) {
	in.sum.Failed++
	in.sum.Errors = append(in.sum.Errors, FileError{File: rel, Error: errText(err)})
}

// file ingests one file unless its content hash is unchanged; a file that
// fails to read or parse keeps its previous chunks.
func (in *ingestion) file(path string) {
	rel, _ := filepath.Rel(in.root, path)
	in.seen[path] = true
	data, err := readLimited(path)
	var side rawMeta
	var sideBytes []byte
	if err == nil {
		side, sideBytes, err = sidecarMeta(path, readLimited)
	}
	if err != nil {
		in.fail(rel, err)
		return
	}
	in.sum.Bytes += int64(len(data))
	hash := contentHash(data, sideBytes, in.s.chunkingID())
	old, had := in.known[path]
	if had && old.Hash == hash {
		in.sum.Unchanged++
		return
	}
	doc, err := parseDocument(path, data, side)
	if err != nil {
		in.fail(rel, err)
		return
	}
	for _, w := range doc.Warns {
		in.sum.Warnings = append(in.sum.Warnings, rel+": "+w)
	}
	recs := in.s.buildChunks(path, doc)
	ent := fileEntry{Hash: hash, Size: int64(len(data))}
	for _, r := range recs {
		ent.Chunks = append(ent.Chunks, r.ID)
		if len(r.FlagReasons) > 0 {
			ent.Flagged++
			in.sum.FlaggedChunks++
			in.sum.Flagged = append(in.sum.Flagged, FlaggedChunk{
				Source: sanitize.SafeSource(r.Source), Page: r.Page,
				SectionTitle: sanitize.SafeText(r.SectionTitle), ChunkID: r.ID, Reasons: r.FlagReasons,
			})
		}
	}
	if had {
		in.sum.Updated++
		in.remove = append(in.remove, old.Chunks...)
	} else {
		in.sum.Added++
	}
	in.entries[path] = ent
	in.newRecs = append(in.newRecs, recs...)
}

// dropMissing removes the chunks of files previously ingested from root
// that no longer exist.
func (in *ingestion) dropMissing() {
	prefix := strings.TrimSuffix(in.root, string(filepath.Separator)) + string(filepath.Separator)
	for path, ent := range in.known {
		if !in.seen[path] && strings.HasPrefix(path, prefix) {
			in.dropped = append(in.dropped, path)
			in.remove = append(in.remove, ent.Chunks...)
			in.sum.Removed++
		}
	}
	in.sum.ChunksWritten = len(in.newRecs)
	in.sum.ChunksRemoved = len(in.remove)
}

// commit embeds the new chunks and applies every change to the store and
// its files, or only reads the totals when nothing changed.
func (in *ingestion) commit(ctx context.Context) error {
	s := in.s
	if len(in.entries) == 0 && len(in.dropped) == 0 {
		s.mu.RLock()
		in.sum.TotalChunks, in.sum.FlaggedTotal = len(s.chunks), s.flaggedLocked()
		s.mu.RUnlock()
		return nil
	}
	docs, err := s.embedAll(ctx, in.newRecs)
	if err != nil {
		return err
	}
	in.report(Progress{Phase: "save", Done: in.total, Total: in.total, Bytes: in.sum.Bytes})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.apply(ctx, in.remove, in.newRecs, docs); err != nil {
		return err
	}
	for _, p := range in.dropped {
		delete(s.files, p)
	}
	for p, e := range in.entries {
		s.files[p] = e
	}
	err = s.save()
	in.sum.TotalChunks, in.sum.FlaggedTotal = len(s.chunks), s.flaggedLocked()
	return err
}

// scan lists the ingestible files under abs, sorted.
func (s *Store) scan(ctx context.Context, abs string) ([]string, error) {
	var paths []string
	dataDir, _ := filepath.Abs(s.dir)
	if r, err := filepath.EvalSymlinks(dataDir); err == nil {
		dataDir = r
	}
	err := filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == abs {
				return err
			}
			s.log.Warn("skipping unreadable entry", "file", sanitize.SafeSource(path), "error", err)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != abs && (strings.HasPrefix(name, ".") || (s.dir != "" && path == dataDir)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.Contains(name, ".meta.") {
			return nil
		}
		if supportedExt(name) {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("docstore: scan documents: %w", err)
	}
	sort.Strings(paths)
	return paths, nil
}

// errTooLarge is returned for files above MaxFileSize.
var errTooLarge = errors.New("file larger than the 64 MiB limit")

// readLimited reads a regular file of at most MaxFileSize bytes.
func readLimited(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Size() > MaxFileSize {
		return nil, errTooLarge
	}
	return os.ReadFile(path)
}

// errText renders a per-file error without the file's directory: a path
// error keeps only its operation and cause.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return sanitize.SafeText(err.Error())
}
