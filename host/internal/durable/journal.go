package durable

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// maxRecord caps one journal record (a longer line is treated as corrupt).
const maxRecord = 1 << 20

// Journal is an append-only file of JSON records, one per line, each
// synced to disk before Append returns. It is safe for concurrent use.
type Journal struct {
	path string

	mu      sync.Mutex
	f       *os.File
	records int
}

// Recovery is what OpenJournal found in an existing file.
type Recovery struct {
	// Records is the number of complete records read.
	Records int
	// TornBytes is the length of a torn last record (an append cut short
	// by a crash) that was dropped; 0 when the file ended cleanly.
	TornBytes int
	// Corrupt counts complete lines that each refused (skipped).
	Corrupt int
}

// OpenJournal opens (or creates, 0600) the journal at path and calls each
// with every complete record in order; a record each refuses is counted
// as corrupt and skipped. A torn last record — bytes after the last
// newline — is cut off, since its Append never returned.
func OpenJournal(path string, each func(record []byte) error) (*Journal, Recovery, error) {
	var rec Recovery
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, rec, fmt.Errorf("durable: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, rec, fmt.Errorf("durable: %w", err)
	}
	good, err := readRecords(f, each, &rec)
	if err != nil {
		f.Close()
		return nil, rec, fmt.Errorf("durable: reading %s: %w", path, err)
	}
	if rec.TornBytes > 0 {
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, rec, fmt.Errorf("durable: cutting the torn record of %s: %w", path, err)
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, rec, fmt.Errorf("durable: %w", err)
	}
	return &Journal{path: path, f: f, records: rec.Records + rec.Corrupt}, rec, nil
}

// readRecords reads f from the start and returns the offset after the last
// complete line.
func readRecords(f *os.File, each func([]byte) error, rec *Recovery) (int64, error) {
	r := bufio.NewReader(f)
	var good int64
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			rec.TornBytes = len(line)
			return good, nil
		}
		if err != nil {
			return good, err
		}
		good += int64(len(line))
		line = bytes.TrimSuffix(line, []byte{'\n'})
		if len(line) == 0 {
			continue
		}
		if len(line) > maxRecord || each(line) != nil {
			rec.Corrupt++
			continue
		}
		rec.Records++
	}
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Records is the number of records in the file (read and appended).
func (j *Journal) Records() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.records
}

// Append writes v as one JSON line and syncs it.
func (j *Journal) Append(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("durable: encoding a record: %w", err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("durable: %s is closed", j.path)
	}
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("durable: appending to %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("durable: syncing %s: %w", j.path, err)
	}
	j.records++
	return nil
}

// Rewrite replaces the journal with records, atomically (see WriteFile):
// the compaction of a journal whose older records are superseded.
func (j *Journal) Rewrite(records []any) error {
	var buf bytes.Buffer
	for _, r := range records {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("durable: encoding a record: %w", err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("durable: %s is closed", j.path)
	}
	if err := WriteFile(j.path, buf.Bytes()); err != nil {
		return err
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("durable: reopening %s: %w", j.path, err)
	}
	j.f.Close()
	j.f, j.records = f, len(records)
	return nil
}

// Close closes the file; later appends fail.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	if err != nil && !errors.Is(err, fs.ErrClosed) {
		return fmt.Errorf("durable: %w", err)
	}
	return nil
}
