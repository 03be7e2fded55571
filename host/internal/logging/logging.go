package logging

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/machina-go/machina/host/internal/secrets"
)

// Scrubber removes known secret values from text; *secrets.Scrubber
// implements it.
type Scrubber interface {
	ScrubString(string) string
}

// Options configures New.
type Options struct {
	// Name is the root logger's name, e.g. "machina".
	Name string
	// Level is trace, debug, info (default), warn, error or off, e.g. from
	// machina.toml [log] level or MACHINA_LOG_LEVEL. An unknown level falls
	// back to info with a warning.
	Level string
	// JSON selects hclog's JSON format instead of text.
	JSON bool
	// Output is where lines go; default os.Stderr. Never os.Stdout when
	// serving MCP over stdio.
	Output io.Writer
	// Scrubber, when set, removes known secret values from every line.
	Scrubber Scrubber
	// IncludeLocation adds file:line to every entry (debugging).
	IncludeLocation bool
}

// New returns a redacting hclog.Logger. Values of fields whose key looks
// like a secret (secrets.LooksSecretKey) are replaced with "[REDACTED]";
// the message and every string, error and Stringer argument are scrubbed
// by Options.Scrubber; and the fully formatted line is scrubbed again on
// its way to Output, which covers values hclog formats itself (%v of
// structs, hclog.Fmt, implied With args). Loggers derived with Named,
// ResetNamed and With keep all of this.
func New(opts Options) hclog.Logger {
	out := opts.Output
	if out == nil {
		out = os.Stderr
	}
	lvl := hclog.Info
	badLevel := false
	if s := strings.TrimSpace(opts.Level); s != "" {
		if l := hclog.LevelFromString(s); l != hclog.NoLevel {
			lvl = l
		} else {
			badLevel = true
		}
	}
	var w io.Writer = out
	if opts.Scrubber != nil {
		w = &scrubWriter{w: out, s: opts.Scrubber}
	}
	inner := hclog.New(&hclog.LoggerOptions{
		Name:            opts.Name,
		Level:           lvl,
		JSONFormat:      opts.JSON,
		Output:          w,
		Color:           hclog.ColorOff,
		IncludeLocation: opts.IncludeLocation,
		// hclog's own location offset must skip our two wrapper frames
		// (the level method and emit).
		AdditionalLocationOffset: 2,
		Mutex:                    &sync.Mutex{},
	})
	l := &redactLogger{Logger: inner, s: opts.Scrubber}
	if badLevel {
		l.Warn("unknown log level, using info", "level", opts.Level)
	}
	return l
}

// ParseLevel converts a level name to an hclog.Level, with an error for an
// unknown name (for configuration validation).
func ParseLevel(s string) (hclog.Level, error) {
	if l := hclog.LevelFromString(s); l != hclog.NoLevel {
		return l, nil
	}
	return hclog.NoLevel, fmt.Errorf("unknown log level %q (want trace, debug, info, warn, error or off)", s)
}

// scrubWriter scrubs each formatted line. hclog hands one complete entry to
// a single Write call, so a secret is never split across writes.
type scrubWriter struct {
	w io.Writer
	s Scrubber
}

// Write scrubs p and writes it; it reports len(p) on success.
func (sw *scrubWriter) Write(p []byte) (int, error) {
	in := string(p)
	out := sw.s.ScrubString(in)
	if _, err := io.WriteString(sw.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// LevelWrite implements hclog.LevelWriter: it scrubs p and hands it on
// with its level when the output routes by level (see hclog.LevelWriter).
func (sw *scrubWriter) LevelWrite(level hclog.Level, p []byte) (int, error) {
	lw, ok := sw.w.(hclog.LevelWriter)
	if !ok {
		return sw.Write(p)
	}
	if _, err := lw.LevelWrite(level, []byte(sw.s.ScrubString(string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redactLogger rewrites arguments before hclog formats them.
type redactLogger struct {
	hclog.Logger
	s Scrubber
}

func (l *redactLogger) wrap(in hclog.Logger) hclog.Logger {
	return &redactLogger{Logger: in, s: l.s}
}

func (l *redactLogger) scrub(s string) string {
	if l.s == nil {
		return s
	}
	return l.s.ScrubString(s)
}

// args returns a redacted copy of key/value pairs.
func (l *redactLogger) args(args []any) []any {
	if len(args) == 0 {
		return args
	}
	out := make([]any, len(args))
	copy(out, args)
	for i := 0; i < len(out); i += 2 {
		if i+1 >= len(out) {
			// A dangling value: hclog prints it as EXTRA_VALUE_AT_END.
			out[i] = l.value(out[i])
			break
		}
		k, ok := out[i].(string)
		if ok && secrets.LooksSecretKey(k) {
			out[i+1] = secrets.Redacted
			continue
		}
		out[i+1] = l.value(out[i+1])
	}
	return out
}

func (l *redactLogger) value(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return l.scrub(x)
	case []byte:
		return l.scrub(string(x))
	case secrets.Value:
		return secrets.Redacted
	case error:
		return l.scrub(x.Error())
	case hclog.Format:
		if len(x) > 0 {
			if f, ok := x[0].(string); ok {
				return l.scrub(fmt.Sprintf(f, x[1:]...))
			}
		}
		return l.scrub(fmt.Sprint(x...))
	case fmt.Stringer:
		return l.scrub(x.String())
	}
	switch reflect.Indirect(reflect.ValueOf(v)).Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array, reflect.Interface:
		// Walk composite values so that nested keys named like secrets
		// (struct fields, map keys) are redacted too.
		return secrets.Redact(v, l.s)
	}
	return v
}

// Log implements hclog.Logger.
func (l *redactLogger) Log(level hclog.Level, msg string, args ...any) { l.emit(level, msg, args) }

// Trace implements hclog.Logger.
func (l *redactLogger) Trace(msg string, args ...any) { l.emit(hclog.Trace, msg, args) }

// Debug implements hclog.Logger.
func (l *redactLogger) Debug(msg string, args ...any) { l.emit(hclog.Debug, msg, args) }

// Info implements hclog.Logger.
func (l *redactLogger) Info(msg string, args ...any) { l.emit(hclog.Info, msg, args) }

// Warn implements hclog.Logger.
func (l *redactLogger) Warn(msg string, args ...any) { l.emit(hclog.Warn, msg, args) }

// Error implements hclog.Logger.
func (l *redactLogger) Error(msg string, args ...any) { l.emit(hclog.Error, msg, args) }

// emit scrubs msg and args and logs them at level, unless the logger drops
// that level anyway: then nothing is scrubbed. Every logging method calls
// it directly, so hclog's location offset counts two wrapper frames.
func (l *redactLogger) emit(level hclog.Level, msg string, args []any) {
	if l.Logger.GetLevel() <= level {
		l.Logger.Log(level, l.scrub(msg), l.args(args)...)
	}
}

// With implements hclog.Logger; the implied args are redacted once here.
func (l *redactLogger) With(args ...any) hclog.Logger {
	return l.wrap(l.Logger.With(l.args(args)...))
}

// Named implements hclog.Logger and keeps the redaction.
func (l *redactLogger) Named(name string) hclog.Logger { return l.wrap(l.Logger.Named(name)) }

// ResetNamed implements hclog.Logger and keeps the redaction.
func (l *redactLogger) ResetNamed(name string) hclog.Logger {
	return l.wrap(l.Logger.ResetNamed(name))
}
