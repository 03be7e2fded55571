package trace

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/machina-go/machina/host/internal/dirlock"
)

// Report is the result of Verify.
type Report struct {
	// OK is true when every chained line verifies.
	OK bool `json:"ok"`
	// Files and Entries count what was read.
	Files   int `json:"files"`
	Entries int `json:"entries"`
	// Unchained counts lines before the chain starts (written with the
	// chain off).
	Unchained int `json:"unchained"`
	// FirstSeq and LastSeq bound the verified chain; LastHash is the head.
	// Record LastSeq/LastHash elsewhere to detect deletion at the tail.
	FirstSeq uint64 `json:"first_seq,omitempty"`
	LastSeq  uint64 `json:"last_seq,omitempty"`
	LastHash string `json:"last_hash,omitempty"`
	// Anchor is the prev_hash of the first chained line when it is not the
	// chain's genesis (older files were removed by retention).
	Anchor string `json:"anchor,omitempty"`
	// Writer is the process writing the directory while it was verified
	// (nil when none held its lock).
	Writer *dirlock.Holder `json:"writer,omitempty"`
	// Pending is set when the newest file ended in a line the writer had
	// not finished: it is not part of the verified chain (and no break).
	Pending bool `json:"pending,omitempty"`
	// Truncated lists the lines a crash cut short (see Truncation): they
	// are not entries and not breaks. Segments counts the chain's pieces
	// (1 + the truncations a writer resumed after).
	Truncated []Truncation `json:"truncated,omitempty"`
	Segments  int          `json:"segments,omitempty"`
	// File, Line and Reason locate the first break when !OK.
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// hashSuffixLen is len(`,"hash":"` + 64 hex + `"}`).
const hashSuffixLen = len(`,"hash":"`) + 64 + len(`"}`)

// Verify checks the hash chain of the trace files in dir, in write order,
// and reports the first broken file:line: an edited line (its hash does not
// match its content), a deleted, inserted or reordered line (prev_hash or
// seq does not follow), a truncated or unparsable line. Lines written
// before the chain was turned on are counted as Unchained. The error is for
// I/O problems only.
//
// Verify may run while a tracer writes dir: a last line the writer has not
// finished (no newline yet) is skipped and reported as Pending, never as a
// break. A line a crash cut short is reported in Truncated, not as a break,
// when it is the very last line or the entry after it is the
// trace_resumed entry naming it (see crash.go).
//
// What a chain inside the files cannot show: removal of the newest lines or
// of whole oldest files. Compare LastSeq/LastHash with a copy kept
// elsewhere for that.
func Verify(dir string) (Report, error) {
	var rep Report
	files, err := listFiles(dir)
	if err != nil {
		return rep, fmt.Errorf("trace verify: %w", err)
	}
	if h, held, err := dirlock.Probe(dir); err == nil && held {
		rep.Writer = &h
	}
	v := verifier{rep: &rep}
	for i, f := range files {
		rep.Files++
		v.live = rep.Writer != nil && i == len(files)-1
		broken, err := v.file(dir, f.name)
		if err != nil {
			return rep, err
		}
		if broken {
			return rep, nil
		}
	}
	if v.torn != nil { // the very last line: the crash was the last event
		rep.Truncated = append(rep.Truncated, *v.torn)
	}
	if v.started {
		rep.Segments = 1
		for _, t := range rep.Truncated {
			if t.Resumed {
				rep.Segments++
			}
		}
	}
	rep.OK = true
	return rep, nil
}

type verifier struct {
	rep     *Report
	started bool
	prev    string
	seq     uint64
	// live is set for the file a live writer appends to.
	live bool
	// torn is a line that may have been cut short by a crash, and why it
	// would break the chain otherwise: the next line decides.
	torn       *Truncation
	tornReason string
}

func (v *verifier) file(dir, name string) (broken bool, err error) {
	f, err := os.Open(join(dir, name))
	if err != nil {
		return false, fmt.Errorf("trace verify: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 256<<10)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return false, fmt.Errorf("trace verify: %s: %w", name, err)
		}
		fail := func(reason string) (bool, error) {
			v.rep.File, v.rep.Line, v.rep.Reason = name, n, reason
			return true, nil
		}
		if v.torn != nil {
			if !resumes(bytes.TrimSuffix(line, []byte{'\n'}), *v.torn) {
				v.rep.File, v.rep.Line, v.rep.Reason = v.torn.File, v.torn.Line, v.tornReason
				return true, nil
			}
			v.torn.Resumed = true
			v.rep.Truncated = append(v.rep.Truncated, *v.torn)
			v.torn = nil
		}
		if line[len(line)-1] != '\n' {
			if v.live {
				v.rep.Pending = true
				return false, nil
			}
			v.suspect(name, n, line, "truncated last line (no newline)")
			continue
		}
		line = line[:len(line)-1]
		if !json.Valid(line) && tornCandidate(line) {
			v.suspect(name, n, line, "not a JSON object (a line cut short, and the next entry does not say a crash did it)")
			continue
		}
		v.rep.Entries++
		if reason := v.line(line); reason != "" {
			return fail(reason)
		}
	}
}

// suspect holds a line that may have been torn by a crash until the next
// line (or the end) decides.
func (v *verifier) suspect(file string, n int, line []byte, reason string) {
	v.torn = &Truncation{File: file, Line: n, Bytes: len(line)}
	v.tornReason = reason
}

// line checks one line and returns why it breaks the chain, or "".
func (v *verifier) line(line []byte) string {
	var h struct {
		Seq      uint64  `json:"seq"`
		PrevHash *string `json:"prev_hash"`
		Hash     string  `json:"hash"`
	}
	if err := json.Unmarshal(line, &h); err != nil {
		return "not a JSON object: " + err.Error()
	}
	if h.Hash == "" {
		if v.started {
			return "entry without hash inside the hash chain"
		}
		v.rep.Unchained++
		return ""
	}
	if len(line) < hashSuffixLen || !bytes.HasPrefix(line[len(line)-hashSuffixLen:], []byte(`,"hash":"`)) ||
		!bytes.HasSuffix(line, []byte(`"}`)) || h.PrevHash == nil {
		return "hash is not the last field or prev_hash is missing (line was rewritten)"
	}
	body := line[:len(line)-hashSuffixLen]
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != string(line[len(line)-hashSuffixLen+len(`,"hash":"`):len(line)-2]) {
		return "hash does not match the line's content (line was edited)"
	}
	if !v.started {
		v.started = true
		v.rep.FirstSeq = h.Seq
		if *h.PrevHash != "" {
			v.rep.Anchor = *h.PrevHash
		}
	} else {
		if *h.PrevHash != v.prev {
			return "prev_hash does not match the previous line's hash (a line was deleted, inserted or reordered before this one)"
		}
		if h.Seq != v.seq+1 {
			return fmt.Sprintf("seq %d follows seq %d (lines missing or reordered)", h.Seq, v.seq)
		}
	}
	v.prev, v.seq = h.Hash, h.Seq
	v.rep.LastSeq, v.rep.LastHash = h.Seq, h.Hash
	return ""
}
