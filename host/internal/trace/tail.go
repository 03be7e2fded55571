package trace

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// TailOptions configures Tail.
type TailOptions struct {
	// Lines is how many existing entries to print first; 0 prints none
	// (useful with Follow), < 0 prints all.
	Lines int
	// Follow keeps printing new entries (across rotation) until ctx ends.
	Follow bool
	// JSON prints the raw JSONL lines instead of one summary per line.
	JSON bool
	// Poll is how often Follow looks for new data; 0 means 250ms.
	Poll time.Duration
}

// Tail prints the last entries of the trace files in dir to w and, with
// Follow, keeps printing new ones until ctx is done (then it returns nil).
func Tail(ctx context.Context, dir string, w io.Writer, opts TailOptions) error {
	if opts.Poll <= 0 {
		opts.Poll = 250 * time.Millisecond
	}
	files, err := listFiles(dir)
	if err != nil {
		return fmt.Errorf("trace tail: %w", err)
	}
	// Remember where each file ends (complete lines only) before printing,
	// so that following starts exactly after what was printed.
	offsets := map[string]int64{}
	var newest traceFile
	var newestLines [][]byte
	for i, f := range files {
		if i == len(files)-1 {
			lines, end, err := readLines(join(dir, f.name), 0, opts.Lines)
			if err != nil {
				return fmt.Errorf("trace tail: %w", err)
			}
			offsets[f.name], newest, newestLines = end, f, lines
		} else if st, err := os.Stat(join(dir, f.name)); err == nil {
			offsets[f.name] = st.Size()
		}
	}
	// Collect the last Lines complete lines, newest files first.
	var last [][]byte
	for i := len(files) - 1; i >= 0 && opts.Lines != 0 && (opts.Lines < 0 || len(last) < opts.Lines); i-- {
		lines := newestLines
		if i != len(files)-1 {
			var err error
			if lines, _, err = readLines(join(dir, files[i].name), 0, opts.Lines-len(last)); err != nil {
				return fmt.Errorf("trace tail: %w", err)
			}
		}
		if opts.Lines > 0 && len(lines) > opts.Lines-len(last) {
			lines = lines[len(lines)-(opts.Lines-len(last)):]
		}
		last = append(append([][]byte(nil), lines...), last...)
	}
	for _, l := range last {
		if err := printLine(w, l, opts.JSON); err != nil {
			return err
		}
	}
	if !opts.Follow {
		return nil
	}
	tk := time.NewTicker(opts.Poll)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tk.C:
		}
		files, err := listFiles(dir)
		if err != nil {
			return fmt.Errorf("trace tail: %w", err)
		}
		for _, f := range files {
			off, known := offsets[f.name]
			if !known && newest.name != "" && before(f, newest) {
				continue // an old file we never tailed
			}
			if !known || before(newest, f) {
				newest = f
			}
			lines, end, err := readLines(join(dir, f.name), off, -1)
			if err != nil {
				if errors.Is(err, os.ErrNotExist) {
					continue
				}
				return err
			}
			offsets[f.name] = end
			for _, l := range lines {
				if err := printLine(w, l, opts.JSON); err != nil {
					return err
				}
			}
		}
	}
}

// before reports whether a was written before b.
func before(a, b traceFile) bool {
	if a.day != b.day {
		return a.day < b.day
	}
	return a.idx < b.idx
}

// readLines returns the last keep (< 0: all) complete lines of path from
// offset off, and the offset after the last complete line.
func readLines(path string, off int64, keep int) ([][]byte, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, off, err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, off, err
	}
	r := bufio.NewReaderSize(f, 64<<10)
	var out [][]byte
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			off += int64(len(line))
			if l := bytes.TrimSpace(line); len(l) > 0 && keep != 0 {
				out = append(out, l)
				if keep > 0 && len(out) > 2*keep {
					out = append(out[:0], out[len(out)-keep:]...)
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if keep > 0 && len(out) > keep {
					out = out[len(out)-keep:]
				}
				return out, off, nil
			}
			return out, off, err
		}
	}
}

func printLine(w io.Writer, line []byte, raw bool) error {
	if raw {
		_, err := fmt.Fprintf(w, "%s\n", line)
		return err
	}
	var e Entry
	if err := json.Unmarshal(line, &e); err != nil {
		_, err := fmt.Fprintf(w, "? unparsable line: %.120s\n", line)
		return err
	}
	_, err := fmt.Fprintln(w, FormatText(e))
	return err
}

// FormatText renders an entry as one human-readable line.
func FormatText(e Entry) string {
	var b strings.Builder
	b.WriteString(e.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z"))
	status := "ok"
	if !e.Success {
		status = "FAIL"
	}
	fmt.Fprintf(&b, " %-4s %-15s", status, e.Action)
	target := e.Operation
	if e.Connector != "" {
		target = e.Connector + "." + e.Operation
	}
	if target != "" {
		b.WriteString(" " + target)
	}
	if e.HTTPMethod != "" {
		fmt.Fprintf(&b, " %s %s%s -> %d (%d bytes)", e.HTTPMethod, e.HTTPOrigin, e.HTTPPath, e.HTTPStatus, e.HTTPBytes)
	}
	fmt.Fprintf(&b, " %.2fms", e.DurationMS)
	for _, kv := range [][2]string{
		{"asset", e.AssetID}, {"client", e.ClientID}, {"conv", e.ConversationID},
		{"plugin", e.Plugin}, {"model", e.Model},
	} {
		if kv[1] != "" {
			fmt.Fprintf(&b, " %s=%s", kv[0], kv[1])
		}
	}
	if e.TotalTokens > 0 {
		fmt.Fprintf(&b, " tokens=%d", e.TotalTokens)
	}
	if e.USDCost > 0 {
		fmt.Fprintf(&b, " usd=%.4f", e.USDCost)
	}
	if e.Error != "" {
		fmt.Fprintf(&b, " error=%q", e.Error)
	}
	if e.Seq > 0 {
		fmt.Fprintf(&b, " seq=%d", e.Seq)
	}
	return b.String()
}
