package cli

import (
	"io"
	"os"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// demoLogs is where the demo's host logs go: every entry to a log file in
// the demo's state, and errors also to the terminal until Quiet — after
// "ready" the terminal shows the demo's own output alone. Warnings (an
// alarm of the simulated plant, say) are the file's: the demo reports what
// failed to start itself. With always set (stdio: stderr is the client's
// log) the terminal receives warnings and errors throughout.
type demoLogs struct {
	path   string
	f      *os.File
	term   io.Writer
	always bool

	mu    sync.Mutex
	quiet bool
}

// openDemoLogs creates (truncates) the log file, 0600.
func openDemoLogs(path string, term io.Writer, always bool) (*demoLogs, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &demoLogs{path: path, f: f, term: term, always: always}, nil
}

// Path is the log file.
func (l *demoLogs) Path() string { return l.path }

// Quiet stops copying warnings and errors to the terminal.
func (l *demoLogs) Quiet() {
	l.mu.Lock()
	l.quiet = !l.always
	l.mu.Unlock()
}

// Write implements io.Writer (entries without a level: file only).
func (l *demoLogs) Write(p []byte) (int, error) { return l.LevelWrite(hclog.NoLevel, p) }

// LevelWrite implements hclog.LevelWriter.
func (l *demoLogs) LevelWrite(level hclog.Level, p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	min := hclog.Error
	if l.always {
		min = hclog.Warn
	}
	if level >= min && level != hclog.Off && !l.quiet {
		_, _ = l.term.Write(p)
	}
	return l.f.Write(p)
}

// Close closes the file.
func (l *demoLogs) Close() error { return l.f.Close() }
