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
	var sum Summary
	report := func(p Progress) {
		if progress != nil {
			progress(p)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return sum, fmt.Errorf("docstore: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return sum, fmt.Errorf("docstore: documents directory: %w", err)
	}
	// Resolve a symlinked directory: the walk does not follow links, and
	// an unresolved link would look empty and drop the directory's chunks.
	if abs, err = filepath.EvalSymlinks(abs); err != nil {
		return sum, fmt.Errorf("docstore: documents directory: %w", err)
	}
	if !fi.IsDir() {
		return sum, fmt.Errorf("docstore: %s is not a directory", filepath.Base(abs))
	}

	s.ingestMu.Lock()
	defer s.ingestMu.Unlock()
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return sum, ErrClosed
	}
	known := make(map[string]fileEntry, len(s.files))
	for k, v := range s.files {
		known[k] = v
	}
	s.mu.RUnlock()

	report(Progress{Phase: "scan"})
	paths, err := s.scan(ctx, abs)
	if err != nil {
		return sum, err
	}

	var (
		remove  []string
		newRecs []*chunkRecord
		entries = map[string]fileEntry{}
		dropped []string
		seen    = map[string]bool{}
	)
	for i, path := range paths {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		rel, _ := filepath.Rel(abs, path)
		seen[path] = true
		data, readErr := readLimited(path)
		var side rawMeta
		var sideBytes []byte
		if readErr == nil {
			side, sideBytes, readErr = sidecarMeta(path, readLimited)
		}
		if readErr != nil {
			sum.Failed++
			sum.Errors = append(sum.Errors, FileError{File: rel, Error: errText(readErr)})
			report(Progress{Phase: "file", File: rel, Done: i + 1, Total: len(paths), Bytes: sum.Bytes})
			continue
		}
		sum.Bytes += int64(len(data))
		hash := contentHash(data, sideBytes, s.chunkingID())
		old, had := known[path]
		if had && old.Hash == hash {
			sum.Unchanged++
			report(Progress{Phase: "file", File: rel, Done: i + 1, Total: len(paths), Bytes: sum.Bytes})
			continue
		}
		doc, perr := parseDocument(path, data, side)
		if perr != nil {
			sum.Failed++
			sum.Errors = append(sum.Errors, FileError{File: rel, Error: errText(perr)})
			report(Progress{Phase: "file", File: rel, Done: i + 1, Total: len(paths), Bytes: sum.Bytes})
			continue
		}
		for _, w := range doc.Warns {
			sum.Warnings = append(sum.Warnings, rel+": "+w)
		}
		recs := s.buildChunks(path, doc)
		ent := fileEntry{Hash: hash, Size: int64(len(data))}
		for _, r := range recs {
			ent.Chunks = append(ent.Chunks, r.ID)
			if len(r.FlagReasons) > 0 {
				ent.Flagged++
				sum.FlaggedChunks++
				sum.Flagged = append(sum.Flagged, FlaggedChunk{
					Source: sanitize.SafeSource(r.Source), Page: r.Page,
					SectionTitle: sanitize.SafeText(r.SectionTitle), ChunkID: r.ID, Reasons: r.FlagReasons,
				})
			}
		}
		if had {
			sum.Updated++
			remove = append(remove, old.Chunks...)
		} else {
			sum.Added++
		}
		entries[path] = ent
		newRecs = append(newRecs, recs...)
		report(Progress{Phase: "file", File: rel, Done: i + 1, Total: len(paths), Bytes: sum.Bytes})
	}
	prefix := strings.TrimSuffix(abs, string(filepath.Separator)) + string(filepath.Separator)
	for path, ent := range known {
		if !seen[path] && strings.HasPrefix(path, prefix) {
			dropped = append(dropped, path)
			remove = append(remove, ent.Chunks...)
			sum.Removed++
		}
	}
	sum.ChunksWritten = len(newRecs)
	sum.ChunksRemoved = len(remove)

	if len(entries) > 0 || len(dropped) > 0 {
		docs, err := s.embedAll(ctx, newRecs)
		if err != nil {
			return sum, err
		}
		report(Progress{Phase: "save", Done: len(paths), Total: len(paths), Bytes: sum.Bytes})
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return sum, ErrClosed
		}
		if err := s.apply(ctx, remove, newRecs, docs); err != nil {
			s.mu.Unlock()
			return sum, err
		}
		for _, p := range dropped {
			delete(s.files, p)
		}
		for p, e := range entries {
			s.files[p] = e
		}
		err = s.save()
		sum.TotalChunks, sum.FlaggedTotal = len(s.chunks), s.flaggedLocked()
		s.mu.Unlock()
		if err != nil {
			return sum, err
		}
	} else {
		s.mu.RLock()
		sum.TotalChunks, sum.FlaggedTotal = len(s.chunks), s.flaggedLocked()
		s.mu.RUnlock()
	}
	sum.Duration = time.Since(start)
	s.log.Info("documents ingested", "added", sum.Added, "updated", sum.Updated, "unchanged", sum.Unchanged,
		"removed", sum.Removed, "failed", sum.Failed, "chunks", sum.ChunksWritten, "flagged", sum.FlaggedChunks,
		"duration", sum.Duration)
	return sum, nil
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
