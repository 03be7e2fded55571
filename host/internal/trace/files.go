package trace

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
)

// fileRE matches trace file names: traces-YYYY-MM-DD.jsonl and the size
// rotations traces-YYYY-MM-DD.N.jsonl.
var fileRE = regexp.MustCompile(`^traces-(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$`)

// traceFile is one trace file name, parsed.
type traceFile struct {
	name string // base name
	day  string // YYYY-MM-DD
	idx  int    // 0 for the day's first file
}

func fileName(day string, idx int) string {
	if idx == 0 {
		return "traces-" + day + ".jsonl"
	}
	return "traces-" + day + "." + strconv.Itoa(idx) + ".jsonl"
}

// listFiles returns dir's trace files in write order (day, then index).
func listFiles(dir string) ([]traceFile, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []traceFile
	for _, de := range des {
		if !de.Type().IsRegular() {
			continue
		}
		m := fileRE.FindStringSubmatch(de.Name())
		if m == nil {
			continue
		}
		idx := 0
		if m[2] != "" {
			idx, err = strconv.Atoi(m[2])
			if err != nil {
				continue
			}
		}
		out = append(out, traceFile{name: de.Name(), day: m[1], idx: idx})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].day != out[j].day {
			return out[i].day < out[j].day
		}
		return out[i].idx < out[j].idx
	})
	return out, nil
}

// ensureDir creates dir (0750) or tightens an existing one to at most 0750.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("trace dir: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("trace dir: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("trace dir: %s is not a directory", dir)
	}
	if m := st.Mode().Perm(); m&0o027 != 0 {
		if err := os.Chmod(dir, m&^0o027); err != nil {
			return fmt.Errorf("trace dir: tightening %s to %04o: %w", dir, m&^0o027, err)
		}
	}
	return nil
}

// openAppend opens (creating) a trace file for appending at mode 0600,
// tightening an existing file. It returns the file's size, and makes sure a
// partial last line (a crash mid-write) is terminated.
func openAppend(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			f.Close()
			return nil, 0, err
		}
	}
	size := st.Size()
	if size > 0 {
		last, err := lastByte(path, size)
		if err == nil && last != '\n' {
			n, err := f.Write([]byte{'\n'})
			size += int64(n)
			if err != nil {
				f.Close()
				return nil, 0, err
			}
		}
	}
	return f, size, nil
}

func lastByte(path string, size int64) (byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], size-1); err != nil {
		return 0, err
	}
	return b[0], nil
}

// lastLine returns the last complete (newline-terminated) line of path, or
// nil if there is none. A partial line left by a crash is ignored.
func lastLine(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	const maxTail = 8 << 20
	size := st.Size()
	off := size - maxTail
	if off < 0 {
		off = 0
	}
	buf := make([]byte, size-off)
	if _, err := f.ReadAt(buf, off); err != nil && err != io.EOF {
		return nil, err
	}
	end := bytes.LastIndexByte(buf, '\n')
	if end < 0 {
		return nil, nil
	}
	buf = buf[:end]
	start := bytes.LastIndexByte(buf, '\n')
	if start < 0 && off > 0 {
		return nil, fmt.Errorf("%s: last line longer than %d bytes", path, maxTail)
	}
	return buf[start+1:], nil
}

func join(dir, name string) string { return filepath.Join(dir, name) }
