package trace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/dirlock"
)

// Defaults for Options.
const (
	DefaultDir          = "traces"
	DefaultMaxFileBytes = 100 << 20
	DefaultBufferSize   = 8192
	DefaultKeep         = 1000
)

// LockPurpose is how a tracer records itself in the lock file of its
// directory (see package dirlock).
const LockPurpose = "trace writer"

// flushBytes is how much the writer buffers before a write(2).
const flushBytes = 256 << 10

// Options configures New.
type Options struct {
	// Dir is the trace directory. Default: $MACHINA_TRACE_DIR (read with
	// Getenv), else ./traces. Created 0750; an existing directory that is
	// group-writable or world-accessible is tightened to at most 0750.
	Dir string
	// Getenv reads the environment; default os.Getenv.
	Getenv func(string) string
	// MaxFileBytes starts a new file (traces-DAY.N.jsonl) when the current
	// one would grow past it. 0 means DefaultMaxFileBytes; < 0 disables
	// size rotation.
	MaxFileBytes int64
	// Retain is how many trace files are kept (oldest deleted first);
	// 0 keeps all.
	Retain int
	// BufferSize bounds the queue between Record and the writer; when it
	// is full, entries are dropped and counted. 0 means DefaultBufferSize.
	BufferSize int
	// Fsync is "never" (default, or ""), "every" (after each write batch)
	// or a Go duration such as "1s" (at most that long between syncs).
	Fsync string
	// HashChain adds seq, prev_hash and hash to every entry (see Verify).
	HashChain bool
	// Scrubber removes known secret values from every string written.
	Scrubber Scrubber
	// Logger receives the tracer's own problems; default a null logger.
	Logger hclog.Logger
	// Clock gives the time for entries without a timestamp; default
	// time.Now. Files are chosen by the entry's UTC day.
	Clock func() time.Time
	// MaxSummaryChars cuts input/output summaries; 0 means 2000.
	MaxSummaryChars int
	// Keep is how many recent entries Recent returns; 0 means
	// DefaultKeep, < 0 keeps none.
	Keep int
}

// Tracer writes trace entries to JSONL files in the background. All methods
// are safe for concurrent use, and all are no-ops on a nil *Tracer, so a
// disabled tracer can simply be nil.
type Tracer struct {
	dir        string
	maxBytes   int64
	retain     int
	fsyncEvery bool
	fsyncIvl   time.Duration
	chain      bool
	red        redactor
	log        hclog.Logger
	clock      func() time.Time

	mu     sync.RWMutex // guards closed and sends on ch
	closed bool
	ch     chan item
	done   chan struct{}
	// lock keeps the directory to this tracer (released by the writer
	// after its last write).
	lock *dirlock.Lock

	dropped atomic.Uint64
	written atomic.Uint64

	// Writer goroutine state.
	w writerState

	bufs sync.Pool // of *[]byte, encoded lines

	recentMu sync.Mutex
	keep     int
	recent   [][]byte // ring of written lines
	next     int
	subs     map[int]func(Entry)
	subID    int
}

type item struct {
	ts   time.Time // the entry's timestamp: chooses the file
	line []byte    // redacted JSON, without seq/prev_hash/hash
	buf  *[]byte   // pooled backing store of line
}

type writerState struct {
	f        *os.File
	cur      traceFile
	size     int64
	buf      []byte
	dirty    bool
	seq      uint64
	prev     string
	reported uint64 // drops already reported in a trace_dropped entry
	lastErr  time.Time
	// lastDropLog rate-limits the drop warning.
	lastDropLog time.Time
}

// New creates the trace directory, restores the hash chain from the newest
// file, applies retention and starts the writer. Close it to flush.
func New(opts Options) (*Tracer, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Dir == "" {
		opts.Dir = opts.Getenv("MACHINA_TRACE_DIR")
	}
	if opts.Dir == "" {
		opts.Dir = DefaultDir
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.MaxFileBytes == 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = DefaultBufferSize
	}
	if opts.MaxSummaryChars <= 0 {
		opts.MaxSummaryChars = DefaultMaxSummaryChars
	}
	if opts.Keep == 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Retain < 0 {
		return nil, fmt.Errorf("trace: retain %d: want 0 (keep all) or a positive file count", opts.Retain)
	}
	t := &Tracer{
		dir:      opts.Dir,
		maxBytes: opts.MaxFileBytes,
		retain:   opts.Retain,
		chain:    opts.HashChain,
		red:      redactor{s: opts.Scrubber, maxSummary: opts.MaxSummaryChars},
		log:      opts.Logger,
		clock:    opts.Clock,
		ch:       make(chan item, opts.BufferSize),
		done:     make(chan struct{}),
		keep:     max(opts.Keep, 0),
		subs:     map[int]func(Entry){},
	}
	switch f := strings.TrimSpace(opts.Fsync); f {
	case "", "never":
	case "every", "always":
		t.fsyncEvery = true
	default:
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("trace: fsync %q: want never, every or a positive duration such as 1s", f)
		}
		t.fsyncIvl = d
	}
	if err := ensureDir(t.dir); err != nil {
		return nil, err
	}
	lock, err := dirlock.Acquire(t.dir, LockPurpose)
	if err != nil {
		if errors.Is(err, dirlock.ErrHeld) {
			return nil, fmt.Errorf("trace: %w: one writer per trace directory keeps the hash chain verifiable; "+
				"give this process its own directory ([trace] dir or MACHINA_TRACE_DIR) or stop the other one", err)
		}
		return nil, fmt.Errorf("trace dir: %w", err)
	}
	t.lock = lock
	files, err := listFiles(t.dir)
	if err != nil {
		lock.Release()
		return nil, fmt.Errorf("trace dir: %w", err)
	}
	var torn *Truncation
	if len(files) > 0 {
		t.w.cur = files[len(files)-1]
		if torn, err = tornTail(t.dir, t.w.cur.name); err != nil {
			t.log.Warn("trace: cannot check the last entry", "file", t.w.cur.name, "error", err)
		}
		if t.chain {
			t.restoreChain(join(t.dir, t.w.cur.name))
		}
	}
	t.applyRetention()
	go t.run()
	if torn != nil {
		t.resume(*torn)
	}
	return t, nil
}

// restoreChain continues seq and prev_hash from the newest file's last line.
func (t *Tracer) restoreChain(path string) {
	line, err := lastLine(path)
	if err != nil {
		t.log.Warn("trace: cannot read the last entry; starting a new hash chain", "path", path, "error", err)
		return
	}
	if len(line) == 0 {
		return
	}
	var h struct {
		Seq  uint64 `json:"seq"`
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(line, &h); err != nil || h.Hash == "" {
		t.log.Warn("trace: last entry carries no hash; starting a new hash chain", "path", path)
		return
	}
	t.w.seq, t.w.prev = h.Seq, h.Hash
}

// Dir returns the trace directory.
func (t *Tracer) Dir() string {
	if t == nil {
		return ""
	}
	return t.dir
}

// Dropped returns how many entries were dropped because the buffer was
// full, the tracer was closed, or a write failed.
func (t *Tracer) Dropped() uint64 {
	if t == nil {
		return 0
	}
	return t.dropped.Load()
}

// Written returns how many entries reached a file (buffered writes count
// once they are handed to the operating system).
func (t *Tracer) Written() uint64 {
	if t == nil {
		return 0
	}
	return t.written.Load()
}

// Record redacts and encodes e on the caller's goroutine, then hands it to
// the writer without blocking: if the buffer is full the entry is dropped
// and counted (a later trace_dropped entry reports the count). Record keeps
// no reference to e or its Metadata. Missing ID and Timestamp are filled in.
func (t *Tracer) Record(e Entry) {
	t.record(e, false)
}

// record is Record; with block it waits for room in the buffer instead of
// dropping (benchmarks use it to measure sustained throughput).
func (t *Tracer) record(e Entry, block bool) {
	if t == nil {
		return
	}
	if e.Timestamp.IsZero() {
		e.Timestamp = t.clock()
	}
	if e.ID == "" {
		e.ID = NewID()
	}
	it, err := t.encode(e)
	if err != nil {
		t.log.Error("trace: cannot encode entry", "action", e.Action, "error", err)
		t.dropped.Add(1)
		return
	}
	t.mu.RLock()
	if t.closed {
		t.mu.RUnlock()
		t.dropped.Add(1)
		t.release(it)
		return
	}
	if block {
		t.ch <- it
	} else {
		select {
		case t.ch <- it:
		default:
			t.dropped.Add(1)
			t.release(it)
		}
	}
	t.mu.RUnlock()
}

// RecordContext is Record with the Call carried by ctx applied to e's empty
// ClientID, ConversationID and ParentID.
func (t *Tracer) RecordContext(ctx context.Context, e Entry) {
	if t == nil {
		return
	}
	if c, ok := CallFrom(ctx); ok {
		c.Apply(&e)
	}
	t.Record(e)
}

func (t *Tracer) encode(e Entry) (item, error) {
	r := t.red.entry(e)
	bp, _ := t.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	*bp = t.red.appendEntry((*bp)[:0], &r)
	return item{ts: r.Timestamp, line: *bp, buf: bp}, nil
}

// release returns an item's buffer to the pool.
func (t *Tracer) release(it item) {
	if it.buf != nil && cap(*it.buf) <= 64<<10 {
		t.bufs.Put(it.buf)
	}
}

// Close stops accepting entries, writes everything buffered, syncs and
// closes the file. It returns ctx's error if ctx ends first (the writer then
// finishes in the background).
func (t *Tracer) Close(ctx context.Context) error {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	if !t.closed {
		t.closed = true
		close(t.ch)
	}
	t.mu.Unlock()
	select {
	case <-t.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("trace: close: %w", ctx.Err())
	}
}

// Subscribe calls fn with every redacted entry after it is written, on the
// writer goroutine: fn must be quick. A panicking subscriber is logged as
// trace_subscriber_failed and never affects the tracer. The returned
// function unsubscribes.
func (t *Tracer) Subscribe(fn func(Entry)) (unsubscribe func()) {
	if t == nil || fn == nil {
		return func() {}
	}
	t.recentMu.Lock()
	t.subID++
	id := t.subID
	t.subs[id] = fn
	t.recentMu.Unlock()
	return func() {
		t.recentMu.Lock()
		delete(t.subs, id)
		t.recentMu.Unlock()
	}
}

// Recent returns up to n of the most recently written entries (redacted),
// oldest first; n <= 0 returns all that are kept (Options.Keep).
func (t *Tracer) Recent(n int) []Entry {
	if t == nil {
		return nil
	}
	t.recentMu.Lock()
	ordered := make([][]byte, 0, len(t.recent))
	if len(t.recent) == t.keep && t.keep > 0 {
		ordered = append(ordered, t.recent[t.next:]...)
		ordered = append(ordered, t.recent[:t.next]...)
	} else {
		ordered = append(ordered, t.recent...)
	}
	if n > 0 && n < len(ordered) {
		ordered = ordered[len(ordered)-n:]
	}
	// Slots are reused by the writer: copy under the lock.
	lines := make([][]byte, len(ordered))
	for i, l := range ordered {
		lines[i] = append([]byte(nil), l...)
	}
	t.recentMu.Unlock()
	out := make([]Entry, 0, len(lines))
	for _, l := range lines {
		var e Entry
		if json.Unmarshal(l, &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

// run is the writer goroutine.
func (t *Tracer) run() {
	defer close(t.done)
	var tick <-chan time.Time
	if t.fsyncIvl > 0 {
		tk := time.NewTicker(t.fsyncIvl)
		defer tk.Stop()
		tick = tk.C
	}
	for {
		select {
		case it, ok := <-t.ch:
			if !ok {
				t.reportDrops()
				t.flush()
				t.sync()
				if t.w.f != nil {
					if err := t.w.f.Close(); err != nil {
						t.writeError(err)
					}
					t.w.f = nil
				}
				_ = t.lock.Release()
				return
			}
			t.write(it)
			// Drain what is already queued before one write(2).
		drain:
			for len(t.w.buf) < flushBytes {
				select {
				case it, ok := <-t.ch:
					if !ok {
						break drain
					}
					t.write(it)
				default:
					break drain
				}
			}
			t.reportDrops()
			t.flush()
			if t.fsyncEvery {
				t.sync()
			}
		case <-tick:
			t.sync()
		}
	}
}

// reportDrops writes a trace_dropped entry when drops happened since the
// last report.
func (t *Tracer) reportDrops() {
	d := t.dropped.Load()
	if d == t.w.reported {
		return
	}
	n := d - t.w.reported
	t.w.reported = d
	if now := time.Now(); now.Sub(t.w.lastDropLog) >= 10*time.Second {
		t.w.lastDropLog = now
		t.log.Warn("trace: entries dropped (buffer full or write failure)", "count", n, "total", d)
	}
	it, err := t.encode(Entry{
		ID:        NewID(),
		Timestamp: t.clock(),
		Action:    ActionTraceDropped,
		Success:   false,
		Error:     fmt.Sprintf("%d trace entries dropped", n),
		Metadata:  map[string]any{"dropped": n, "dropped_total": d},
	})
	if err == nil {
		t.write(it)
	}
}

// write appends one entry to the buffer, rotating files as needed.
func (t *Tracer) write(it item) {
	defer t.release(it)
	ts := it.ts
	if now := t.clock(); ts.After(now.Add(time.Minute)) {
		ts = now // a bogus future timestamp must not pin a future file
	}
	day := ts.UTC().Format(time.DateOnly)
	if day < t.w.cur.day {
		day = t.w.cur.day // never go back to an older file
	}
	need := int64(len(it.line) + 1)
	if t.chain {
		need += chainOverhead(t.w.seq+1, t.w.prev)
	}
	if err := t.ensureFile(day, need); err != nil {
		t.writeError(err)
		t.dropped.Add(1)
		return
	}
	start := len(t.w.buf)
	if t.chain {
		t.w.buf = t.appendChained(t.w.buf, it.line)
	} else {
		t.w.buf = append(t.w.buf, it.line...)
	}
	t.remember(t.w.buf[start:])
	t.w.buf = append(t.w.buf, '\n')
	t.w.size += need
	t.written.Add(1)
}

// chainOverhead is how many bytes appendChained adds to a line.
func chainOverhead(seq uint64, prev string) int64 {
	return int64(len(`"seq":,`) + len(strconv.FormatUint(seq, 10)) +
		len(`,"prev_hash":""`) + len(prev) + len(`,"hash":""`) + sha256.Size*2)
}

// appendChained appends the entry with seq, prev_hash and hash spliced in:
// {"seq":N,<fields>,"prev_hash":"P","hash":"H"} where H is the hex SHA-256
// of everything before ,"hash".
func (t *Tracer) appendChained(dst []byte, body []byte) []byte {
	t.w.seq++
	// body is {"id":...}
	start := len(dst)
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, t.w.seq, 10)
	dst = append(dst, ',')
	dst = append(dst, body[1:len(body)-1]...)
	dst = append(dst, `,"prev_hash":"`...)
	dst = append(dst, t.w.prev...)
	dst = append(dst, '"')
	sum := sha256.Sum256(dst[start:])
	h := hex.EncodeToString(sum[:])
	dst = append(dst, `,"hash":"`...)
	dst = append(dst, h...)
	dst = append(dst, `"}`...)
	t.w.prev = h
	return dst
}

// ensureFile makes sure the open file is the right one for day and has
// room for need more bytes.
func (t *Tracer) ensureFile(day string, need int64) error {
	if t.w.f != nil && t.w.cur.day == day &&
		(t.maxBytes < 0 || t.w.size == 0 || t.w.size+need <= t.maxBytes) {
		return nil
	}
	next := t.w.cur
	switch {
	case next.day != day:
		next = traceFile{day: day}
	case t.w.f != nil:
		next.idx++
	}
	for {
		next.name = fileName(next.day, next.idx)
		if err := t.open(next); err != nil {
			return err
		}
		if t.maxBytes < 0 || t.w.size == 0 || t.w.size+need <= t.maxBytes {
			return nil
		}
		next.idx++ // an existing file that is already full
	}
}

func (t *Tracer) open(tf traceFile) error {
	t.flush()
	if t.w.f != nil {
		t.sync()
		if err := t.w.f.Close(); err != nil {
			t.writeError(err)
		}
		t.w.f = nil
	}
	if err := ensureDir(t.dir); err != nil {
		return err
	}
	f, size, err := openAppend(join(t.dir, tf.name))
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	rotated := t.w.cur.name != tf.name
	t.w.f, t.w.size, t.w.cur = f, size, tf
	if rotated {
		t.applyRetention()
	}
	return nil
}

func (t *Tracer) flush() {
	if len(t.w.buf) == 0 || t.w.f == nil {
		return
	}
	if _, err := t.w.f.Write(t.w.buf); err != nil {
		t.writeError(err)
	}
	t.w.buf = t.w.buf[:0]
	t.w.dirty = true
}

func (t *Tracer) sync() {
	if t.w.f == nil || !t.w.dirty {
		return
	}
	if err := t.w.f.Sync(); err != nil {
		t.writeError(err)
	}
	t.w.dirty = false
}

// writeError logs a write problem at most every 10 seconds.
func (t *Tracer) writeError(err error) {
	now := time.Now()
	if now.Sub(t.w.lastErr) < 10*time.Second {
		return
	}
	t.w.lastErr = now
	t.log.Error("trace: write failed", "dir", t.dir, "error", err)
}

// applyRetention deletes the oldest trace files beyond Retain, never the
// current one.
func (t *Tracer) applyRetention() {
	if t.retain <= 0 {
		return
	}
	files, err := listFiles(t.dir)
	if err != nil {
		t.writeError(err)
		return
	}
	excess := len(files) - t.retain
	for _, f := range files {
		if excess <= 0 {
			break
		}
		if f.name == t.w.cur.name && t.w.f != nil {
			continue
		}
		if err := os.Remove(join(t.dir, f.name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.writeError(err)
			continue
		}
		excess--
	}
}

// remember keeps a copy of the written line in the ring and hands the
// decoded entry to subscribers.
func (t *Tracer) remember(line []byte) {
	t.recentMu.Lock()
	if t.keep > 0 {
		if len(t.recent) < t.keep {
			t.recent = append(t.recent, append([]byte(nil), line...))
		} else {
			// Reuse the slot's buffer: no allocation once the ring is full.
			t.recent[t.next] = append(t.recent[t.next][:0], line...)
			t.next = (t.next + 1) % t.keep
		}
	}
	var subs []func(Entry)
	if len(t.subs) > 0 {
		subs = make([]func(Entry), 0, len(t.subs))
		for _, fn := range t.subs {
			subs = append(subs, fn)
		}
	}
	t.recentMu.Unlock()
	if len(subs) == 0 {
		return
	}
	var e Entry
	if err := json.Unmarshal(line, &e); err != nil {
		t.log.Error("trace: cannot decode entry for subscribers", "error", err)
		return
	}
	for _, fn := range subs {
		t.callSub(fn, e)
	}
}

func (t *Tracer) callSub(fn func(Entry), e Entry) {
	defer func() {
		if r := recover(); r != nil {
			t.log.Error("trace_subscriber_failed", "panic", fmt.Sprint(r))
		}
	}()
	fn(e)
}
