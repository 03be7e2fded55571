package secrets

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// LoadDotEnv reads a development .env file and calls setenv for each
// assignment. The syntax is the common one:
//
//	# comment
//	KEY=value            # trailing comment (unquoted values only)
//	export KEY=value
//	KEY="double quoted, with \n \t \" \\ escapes"
//	KEY='single quoted, literal'
//
// Keys must match [A-Za-z_][A-Za-z0-9_.]*. A syntax error names the file
// and line, never the value, and stops before any setenv call (the
// environment is left untouched). A file readable by group or others is
// loaded with a warning. setenv decides whether existing variables are
// overridden.
func LoadDotEnv(path string, setenv func(k, v string) error, log hclog.Logger) error {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("env file: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().Perm()&0o077 != 0 {
		log.Warn("env file is readable by group or others; chmod 600 it", "path", path, "mode", fmt.Sprintf("%04o", st.Mode().Perm()))
	}
	type kv struct{ k, v string }
	var pairs []kv
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), maxSecretFileBytes)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "export "); ok {
			line = strings.TrimSpace(rest)
		}
		k, raw, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || !validEnvKey(k) {
			return fmt.Errorf("env file %s:%d: want KEY=VALUE", path, n)
		}
		v, err := parseEnvValue(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("env file %s:%d: %s: %w", path, n, k, err)
		}
		pairs = append(pairs, kv{k, v})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("env file %s: %w", path, err)
	}
	for _, p := range pairs {
		if err := setenv(p.k, p.v); err != nil {
			return fmt.Errorf("env file %s: setting %s: %w", path, p.k, err)
		}
	}
	return nil
}

func validEnvKey(k string) bool {
	if k == "" {
		return false
	}
	for i, c := range k {
		switch {
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func parseEnvValue(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	switch raw[0] {
	case '\'':
		end := strings.IndexByte(raw[1:], '\'')
		if end < 0 {
			return "", fmt.Errorf("unterminated single quote")
		}
		if err := onlyComment(raw[end+2:]); err != nil {
			return "", err
		}
		return raw[1 : end+1], nil
	case '"':
		var b strings.Builder
		for i := 1; i < len(raw); i++ {
			c := raw[i]
			switch c {
			case '"':
				if err := onlyComment(raw[i+1:]); err != nil {
					return "", err
				}
				return b.String(), nil
			case '\\':
				if i+1 >= len(raw) {
					return "", fmt.Errorf("unterminated double quote")
				}
				i++
				switch raw[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				default:
					b.WriteByte(raw[i])
				}
			default:
				b.WriteByte(c)
			}
		}
		return "", fmt.Errorf("unterminated double quote")
	}
	// Unquoted: a " #" starts a comment.
	if i := strings.Index(raw, " #"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.Index(raw, "\t#"); i >= 0 {
		raw = raw[:i]
	}
	return strings.TrimSpace(raw), nil
}

func onlyComment(rest string) error {
	rest = strings.TrimSpace(rest)
	if rest == "" || strings.HasPrefix(rest, "#") {
		return nil
	}
	return fmt.Errorf("unexpected text after closing quote")
}
