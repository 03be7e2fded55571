package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Crash consistency. A crash (kill -9, power loss) in the middle of an
// append leaves a torn last line: a prefix of an entry, without its
// newline. The next Tracer on the directory finds it, ends it with a
// newline (openAppend) and writes a trace_resumed entry first, naming the
// torn line; with the hash chain on, that entry continues seq and
// prev_hash from the last complete line, so the chain goes on in a new,
// linked segment. Verify reports such a line as truncated by a crash —
// distinct from a break — when it is the very last line, or when the entry
// after it is the trace_resumed entry naming it. Any other unreadable line
// is still a break.

// Truncation is a line a crash cut short.
type Truncation struct {
	File string `json:"file"`
	Line int    `json:"line"`
	// Bytes is the torn line's length.
	Bytes int `json:"bytes"`
	// Resumed is set when a writer started a new linked segment after it
	// (false: the crash was the last thing that happened to the directory).
	Resumed bool `json:"resumed"`
}

// String is the verdict, e.g. "traces-2026-12-05.jsonl: truncated at line
// 42 (crash)".
func (t Truncation) String() string {
	s := fmt.Sprintf("%s: truncated at line %d (crash)", t.File, t.Line)
	if t.Resumed {
		s += "; writing resumed on a new linked segment after it"
	}
	return s
}

// tornTail returns the torn last line of a trace file, or nil when the
// file ends with a newline (or is empty).
func tornTail(dir, name string) (*Truncation, error) {
	path := join(dir, name)
	st, err := os.Stat(path)
	if err != nil || st.Size() == 0 {
		return nil, err
	}
	if last, err := lastByte(path, st.Size()); err != nil || last == '\n' {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines, tail := 0, int64(0)
	r := bufio.NewReaderSize(f, 256<<10)
	for {
		b, err := r.ReadSlice('\n')
		switch {
		case err == nil:
			lines++
			tail = 0
			continue
		case errors.Is(err, bufio.ErrBufferFull):
			tail += int64(len(b))
			continue
		case errors.Is(err, io.EOF):
			tail += int64(len(b))
			return &Truncation{File: name, Line: lines + 1, Bytes: int(tail)}, nil
		}
		return nil, err
	}
}

// resume records the trace_resumed entry that opens the new segment; New
// calls it before anything else can record.
func (t *Tracer) resume(torn Truncation) {
	t.log.Warn("trace: the last entry was cut short by a crash; resuming on a new linked segment",
		"file", torn.File, "line", torn.Line, "bytes", torn.Bytes)
	t.record(Entry{Action: ActionTraceResumed, Success: true,
		OutputSummary: fmt.Sprintf("line %d of %s was cut short by a crash (%d bytes)", torn.Line, torn.File, torn.Bytes),
		Metadata:      map[string]any{"torn_file": torn.File, "torn_line": torn.Line, "torn_bytes": torn.Bytes}}, true)
}

// tornCandidate reports whether a line that does not parse may be torn
// by a crash: a prefix of an entry (they all start with `{"`).
func tornCandidate(line []byte) bool { return bytes.HasPrefix(line, []byte(`{"`)) }

// resumes reports whether line is the trace_resumed entry naming torn.
func resumes(line []byte, torn Truncation) bool {
	var e struct {
		Action   string `json:"action"`
		Metadata struct {
			File  string `json:"torn_file"`
			Line  int    `json:"torn_line"`
			Bytes int    `json:"torn_bytes"`
		} `json:"metadata"`
	}
	if json.Unmarshal(line, &e) != nil || e.Action != ActionTraceResumed {
		return false
	}
	m := e.Metadata
	return m.File == torn.File && m.Line == torn.Line && m.Bytes == torn.Bytes
}
