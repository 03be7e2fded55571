package sensor

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// SourceCheck is one configured connection (an MQTT broker, an OPC-UA
// endpoint) as ValidateSources sees it.
type SourceCheck struct {
	// Name is the source's configured name ("" when unnamed).
	Name string
	// Err is the result of the source's own validation.
	Err error
	// Aliases are the reading names the source defines.
	Aliases []string
}

// ValidateSources reports, all at once, each source's own problem and the
// names that clash across sources: a source name used twice, or an alias
// (compared case-insensitively) defined on two sources. kind labels a
// source in messages ("mqtt.broker"), noun names one ("broker").
func ValidateSources(kind, noun string, srcs []SourceCheck) error {
	var errs []error
	names := map[string]bool{}
	aliases := map[string]string{}
	for i, s := range srcs {
		label := fmt.Sprintf("%s[%d]", kind, i)
		if s.Name != "" {
			label = fmt.Sprintf("%s %q", kind, s.Name)
		}
		if s.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", label, s.Err))
		}
		if s.Name != "" {
			if names[s.Name] {
				errs = append(errs, fmt.Errorf("%s: duplicate %s name", label, noun))
			}
			names[s.Name] = true
		}
		for _, a := range s.Aliases {
			k := strings.ToLower(a)
			if other, dup := aliases[k]; dup && other != s.Name {
				errs = append(errs, fmt.Errorf("%s: alias %q is also defined on %s %q", label, a, noun, other))
			}
			aliases[k] = s.Name
		}
	}
	return errors.Join(errs...)
}

// ResolvePaths makes each non-empty relative path in paths relative to dir
// (the directory of machina.toml).
func ResolvePaths(dir string, paths ...*string) {
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}
