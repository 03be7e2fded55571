package secrets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// maxSecretFileBytes caps how much of a secret file is read.
const maxSecretFileBytes = 1 << 20

// Options configures a Registry.
type Options struct {
	// Getenv reads the environment; default os.Getenv.
	Getenv func(string) string
	// CredentialsDir is the systemd credentials directory; default
	// Getenv("CREDENTIALS_DIRECTORY").
	CredentialsDir string
	// Logger receives warnings (names and paths only, never values);
	// default a null logger.
	Logger hclog.Logger
	// Scrubber, when set, is the scrubber the registry feeds; default a new
	// one (see Registry.Scrubber).
	Scrubber *Scrubber
}

// Source kinds of a secret reference.
const (
	SourceEnv        = "env"
	SourceFile       = "file"
	SourceSystemd    = "systemd"
	SourceCredential = "credential"
)

type ref struct {
	name   string // secret name in machina.toml
	scheme string // env, file, systemd, credential
	arg    string // variable name, path or credential name
}

// Registry resolves named secrets from their references. Values are read at
// use (Get), so a rotated secret file or credential is picked up without a
// restart; every value ever read is fed to the Scrubber. A Registry is safe
// for concurrent use.
type Registry struct {
	refs    map[string]ref
	getenv  func(string) string
	credDir string
	log     hclog.Logger
	scrub   *Scrubber

	mu     sync.Mutex
	warned map[string]bool // paths already warned about
}

// Finding is one problem found by Check, for "machina doctor". It never
// contains a secret value.
type Finding struct {
	// Secret is the secret's name ("" for a file not tied to one secret).
	Secret string `json:"name,omitempty"`
	// Path is the file concerned, if any.
	Path string `json:"path,omitempty"`
	// Severity is "warn" or "error".
	Severity string `json:"severity"`
	// Message says what is wrong and how to fix it.
	Message string `json:"message"`
}

// NewRegistry parses refs (secret name → reference). A reference is one of
//
//	env:NAME          the environment variable NAME
//	file:PATH         the file PATH, trailing newline trimmed, re-read at use
//	systemd:NAME      $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=)
//	credential:NAME   same as systemd:NAME
//
// Literal values are refused. A malformed reference is an error naming the
// secret (never showing the reference's value). NewRegistry then reads each
// secret once to prime the Scrubber; a secret that cannot be read yet is
// only logged, and Get or Check report it.
func NewRegistry(refs map[string]string, opts Options) (*Registry, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.CredentialsDir == "" {
		opts.CredentialsDir = opts.Getenv("CREDENTIALS_DIRECTORY")
	}
	if opts.Scrubber == nil {
		opts.Scrubber = NewScrubber()
	}
	r := &Registry{
		refs:    make(map[string]ref, len(refs)),
		getenv:  opts.Getenv,
		credDir: opts.CredentialsDir,
		log:     opts.Logger,
		scrub:   opts.Scrubber,
		warned:  map[string]bool{},
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(refs)) {
		rf, err := parseRef(name, refs[name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r.refs[name] = rf
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, name := range r.Names() {
		if _, err := r.load(r.refs[name]); err != nil {
			r.log.Warn("secret not available yet", "name", name, "error", err)
		}
	}
	return r, nil
}

func parseRef(name, s string) (ref, error) {
	if name == "" {
		return ref{}, errors.New("secrets: empty secret name")
	}
	scheme, arg, ok := strings.Cut(s, ":")
	if !ok {
		return ref{}, fmt.Errorf("secret %q: reference must be env:NAME, file:PATH or systemd:NAME (literal values are not allowed)", name)
	}
	switch scheme {
	case SourceEnv:
		if arg == "" || strings.ContainsAny(arg, "= \t\n") {
			return ref{}, fmt.Errorf("secret %q: env: needs a variable name", name)
		}
	case SourceFile:
		if arg == "" {
			return ref{}, fmt.Errorf("secret %q: file: needs a path", name)
		}
	case SourceSystemd, SourceCredential:
		if arg == "" || strings.ContainsAny(arg, `/\`) || arg == "." || arg == ".." {
			return ref{}, fmt.Errorf("secret %q: %s: needs a credential name (no path separators)", name, scheme)
		}
	case "literal":
		return ref{}, fmt.Errorf("secret %q: literal: values are not allowed; use env:NAME, file:PATH or systemd:NAME", name)
	default:
		// The text before ':' is not echoed: it may be part of a pasted value.
		return ref{}, fmt.Errorf("secret %q: unknown source (want env:NAME, file:PATH, systemd:NAME or credential:NAME; vault and similar stores go through a wrapper that exports env vars)", name)
	}
	return ref{name: name, scheme: scheme, arg: arg}, nil
}

// Names returns the defined secret names, sorted.
func (r *Registry) Names() []string {
	if r == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(r.refs))
}

// Has reports whether a secret with this name is defined.
func (r *Registry) Has(name string) bool {
	if r == nil {
		return false
	}
	_, ok := r.refs[name]
	return ok
}

// Scrubber returns the scrubber that knows every value this registry has
// read. Share it with the logger, the tracer and the HTTP gate.
func (r *Registry) Scrubber() *Scrubber {
	if r == nil {
		return nil
	}
	return r.scrub
}

// Get reads the named secret now (files and credentials are re-read, so
// rotation works) and teaches the Scrubber its value. Errors name the
// secret and its source, never the value.
func (r *Registry) Get(ctx context.Context, name string) (Value, error) {
	if err := ctx.Err(); err != nil {
		return Value{}, err
	}
	if r == nil {
		return Value{}, fmt.Errorf("secret %q is not defined (no [secrets] configured)", name)
	}
	rf, ok := r.refs[name]
	if !ok {
		return Value{}, fmt.Errorf("secret %q is not defined in [secrets]", name)
	}
	return r.load(rf)
}

func (r *Registry) load(rf ref) (Value, error) {
	var v string
	switch rf.scheme {
	case SourceEnv:
		v = r.getenv(rf.arg)
		if v == "" {
			return Value{}, fmt.Errorf("secret %q: environment variable %s is not set or empty", rf.name, rf.arg)
		}
	case SourceFile:
		s, err := r.readFile(rf.name, rf.arg)
		if err != nil {
			return Value{}, err
		}
		v = s
	case SourceSystemd, SourceCredential:
		if r.credDir == "" {
			return Value{}, fmt.Errorf("secret %q: CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the systemd unit)", rf.name)
		}
		s, err := r.readFile(rf.name, filepath.Join(r.credDir, rf.arg))
		if err != nil {
			return Value{}, err
		}
		v = s
	default:
		return Value{}, fmt.Errorf("secret %q: unknown source %q", rf.name, rf.scheme)
	}
	if len(v) < MinScrubLen {
		r.warnOnce("short:"+rf.name, "secret is too short to be scrubbed from logs and traces", "name", rf.name, "min_bytes", MinScrubLen)
	}
	r.scrub.Add(v)
	return NewValue(v), nil
}

func (r *Registry) readFile(name, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("secret %q: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("secret %q: %w", name, err)
	}
	if st.IsDir() {
		return "", fmt.Errorf("secret %q: %s is a directory", name, path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		r.warnOnce(path, "secret file is readable by group or others; chmod 600 it", "name", name, "path", path, "mode", fmt.Sprintf("%04o", st.Mode().Perm()))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("secret %q: reading %s: %w", name, path, err)
	}
	if len(b) > maxSecretFileBytes {
		return "", fmt.Errorf("secret %q: %s is larger than %d bytes", name, path, maxSecretFileBytes)
	}
	s := trimNewline(string(b))
	if s == "" {
		return "", fmt.Errorf("secret %q: %s is empty", name, path)
	}
	return s, nil
}

func (r *Registry) warnOnce(key, msg string, args ...any) {
	r.mu.Lock()
	seen := r.warned[key]
	r.warned[key] = true
	r.mu.Unlock()
	if !seen {
		r.log.Warn(msg, args...)
	}
}

// trimNewline removes one trailing "\n" or "\r\n".
func trimNewline(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}

// Check reads every secret and reports problems for "machina doctor":
// secrets that cannot be read (error) and secret files readable by group
// or others (warn).
func (r *Registry) Check() []Finding {
	if r == nil {
		return nil
	}
	var out []Finding
	for _, name := range r.Names() {
		rf := r.refs[name]
		path := ""
		switch rf.scheme {
		case SourceFile:
			path = rf.arg
		case SourceSystemd, SourceCredential:
			if r.credDir != "" {
				path = filepath.Join(r.credDir, rf.arg)
			}
		}
		if path != "" {
			if f, ok := CheckFileMode(path); ok {
				f.Secret = name
				out = append(out, f)
			}
		}
		if _, err := r.load(rf); err != nil {
			out = append(out, Finding{Secret: name, Path: path, Severity: "error", Message: err.Error()})
		}
	}
	return out
}

// CheckFileMode reports a finding when path (a secret file or an env file)
// is readable or writable by group or others. It returns false when the
// file is fine or does not exist.
func CheckFileMode(path string) (Finding, bool) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Finding{}, false
		}
		return Finding{Path: path, Severity: "error", Message: err.Error()}, true
	}
	if m := st.Mode().Perm(); m&0o077 != 0 {
		return Finding{Path: path, Severity: "warn",
			Message: fmt.Sprintf("%s has mode %04o: readable by group or others; run chmod 600 %s", path, m, path)}, true
	}
	return Finding{}, false
}
