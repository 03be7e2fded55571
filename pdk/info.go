package pdk

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseInfo reads the plugin's name and version from the text of its
// plugin.toml, the one place they are written: embed the file in the
// plugin's package and register with what it says.
//
//	//go:embed plugin.toml
//	var manifest string
//
//	func init() { pdk.RegisterCMMS(pdk.MustParseInfo(manifest), &acme{}) }
//
// It reads the top-level keys name and version (basic or literal TOML
// strings) before the first table; `machina plugin build` validates the
// whole manifest.
func ParseInfo(manifest string) (Info, error) {
	var info Info
	for _, line := range strings.Split(manifest, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			break // the top-level keys end at the first table
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		var dst *string
		switch strings.Trim(strings.TrimSpace(key), `"'`) {
		case "name":
			dst = &info.Name
		case "version":
			dst = &info.Version
		default:
			continue
		}
		s, err := tomlString(strings.TrimSpace(val))
		if err != nil {
			return Info{}, fmt.Errorf("plugin.toml %s: %w", strings.TrimSpace(key), err)
		}
		*dst = s
	}
	if info.Name == "" || info.Version == "" {
		return Info{}, errors.New("plugin.toml: name and version are required top-level keys")
	}
	return info, nil
}

// MustParseInfo is ParseInfo for a manifest embedded at build time: it
// panics when the manifest has no name or version (a plugin that
// `machina plugin build` would refuse), as regexp.MustCompile does.
func MustParseInfo(manifest string) Info {
	info, err := ParseInfo(manifest)
	if err != nil {
		panic(err)
	}
	return info
}

// tomlString decodes a TOML basic ("…") or literal ('…') string followed
// by nothing but an optional comment.
func tomlString(v string) (string, error) {
	if v == "" {
		return "", errors.New("want a string")
	}
	var s, rest string
	switch v[0] {
	case '\'':
		end := strings.IndexByte(v[1:], '\'')
		if end < 0 {
			return "", errors.New("unterminated string")
		}
		s, rest = v[1:1+end], v[2+end:]
	case '"':
		end := 1
		for ; end < len(v) && v[end] != '"'; end++ {
			if v[end] == '\\' {
				end++
			}
		}
		if end >= len(v) {
			return "", errors.New("unterminated string")
		}
		var err error
		if s, err = strconv.Unquote(v[:end+1]); err != nil {
			return "", fmt.Errorf("bad string %s: %w", v[:end+1], err)
		}
		rest = v[end+1:]
	default:
		return "", errors.New("want a string")
	}
	if rest = strings.TrimSpace(rest); rest != "" && !strings.HasPrefix(rest, "#") {
		return "", fmt.Errorf("unexpected %q after the string", rest)
	}
	return s, nil
}
