package docstore

import (
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// Metadata keys with a fixed meaning.
const (
	KeyAssetID      = "asset_id"
	KeyDocType      = "doc_type"
	KeyManufacturer = "manufacturer"
	KeySectionTitle = "section_title"
	KeyTitle        = "title"
)

// MaxMetaValueLen caps a metadata value, in characters.
const MaxMetaValueLen = 256

// reservedKeys may not be set by documents: they are result fields and
// would let a document spoof its own provenance.
var reservedKeys = map[string]bool{
	"source": true, "page": true, "chunk_id": true, "content": true, "score": true,
	// Also set by the store itself.
	KeySectionTitle: true, "is_table": true, "flagged": true, "flag_reasons": true,
}

// keyAliases folds common spellings onto the canonical keys.
var keyAliases = map[string]string{
	"asset": KeyAssetID, "assets": KeyAssetID, "asset_ids": KeyAssetID, "asset-id": KeyAssetID,
	"assetid": KeyAssetID, "equipment": KeyAssetID, "tag": KeyAssetID, "tags": KeyAssetID,
	"type": KeyDocType, "doctype": KeyDocType, "document_type": KeyDocType, "doc-type": KeyDocType,
	"vendor": KeyManufacturer, "make": KeyManufacturer, "oem": KeyManufacturer, "produttore": KeyManufacturer,
}

// keyRE is the syntax of an accepted metadata key (after lower-casing).
var keyRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// assetFilterPrefix marks the per-asset filter keys stored next to the
// metadata ("asset:P-101" = "1"), so that equality on one asset works for
// documents that cover several.
const assetFilterPrefix = "asset:"

// rawMeta is metadata before sanitisation: string, number, bool, time or
// (for lists) []string / []any values.
type rawMeta map[string]any

// sanitizeMeta turns raw metadata into the store's string map. It keeps
// scalars only (lists are accepted for asset ids), removes control
// characters, caps values at MaxMetaValueLen characters and rejects
// reserved and malformed keys. Every rejection is returned as a warning.
func sanitizeMeta(in rawMeta) (map[string]string, []string) {
	out := map[string]string{}
	var warns []string
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k0 := range keys {
		v := in[k0]
		k := canonicalKey(k0)
		switch {
		case reservedKeys[k]:
			warns = append(warns, fmt.Sprintf("metadata key %q is reserved and was ignored", cleanValue(k0)))
			continue
		case strings.HasPrefix(k, assetFilterPrefix) || !keyRE.MatchString(k):
			warns = append(warns, fmt.Sprintf("metadata key %q is not a valid key and was ignored", cleanValue(k0)))
			continue
		}
		if k == KeyAssetID {
			ids, ok := assetList(v)
			if !ok {
				warns = append(warns, "metadata asset_id must be a string or a list of strings; ignored")
				continue
			}
			if len(ids) > 0 {
				out[k] = cleanValue(strings.Join(ids, ","))
			}
			continue
		}
		s, ok := scalarString(v)
		if !ok {
			warns = append(warns, fmt.Sprintf("metadata key %q has a non-scalar value and was ignored", k))
			continue
		}
		s = cleanValue(s)
		if k == KeyDocType {
			s = strings.ToLower(s)
		}
		if s != "" {
			out[k] = s
		}
	}
	return out, warns
}

// canonicalKey lower-cases a key and folds aliases onto canonical keys.
func canonicalKey(k string) string {
	k = strings.ToLower(strings.TrimSpace(k))
	if a, ok := keyAliases[k]; ok {
		return a
	}
	return k
}

// scalarString renders a scalar metadata value.
func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case time.Time:
		return x.Format(time.RFC3339), true
	}
	return "", false
}

// assetList normalises one or several asset ids.
func assetList(v any) ([]string, bool) {
	var parts []string
	switch x := v.(type) {
	case string:
		parts = strings.Split(x, ",")
	case []string:
		parts = x
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			parts = append(parts, s)
		}
	default:
		return nil, false
	}
	var ids []string
	seen := map[string]bool{}
	for _, p := range parts {
		id := normalizeAssetID(p)
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, true
}

// normalizeAssetID upper-cases an asset id and strips spaces and controls.
func normalizeAssetID(s string) string {
	s = cleanValue(s)
	s = strings.Trim(strings.ToUpper(strings.Join(strings.Fields(s), "")), `"'`)
	if utf8.RuneCountInString(s) > 64 {
		return ""
	}
	return s
}

// cleanValue removes control characters, trims, and caps the length.
func cleanValue(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > MaxMetaValueLen {
		s = string([]rune(s)[:MaxMetaValueLen])
	}
	return s
}

// parseKeyValues reads "key: value" lines (YAML-ish front matter or a
// .meta.yaml sidecar). It understands quoted values, inline lists
// ("[a, b]"), block lists ("- a" lines under a key) and # comments; nested
// maps are reported as non-scalar.
func parseKeyValues(text string) rawMeta {
	m := rawMeta{}
	var listKey string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasPrefix(trimmed, "- ") && listKey != "" {
			l, _ := m[listKey].([]any)
			m[listKey] = append(l, unquote(strings.TrimSpace(trimmed[2:])))
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if listKey != "" {
				m[listKey] = map[string]any{} // nested mapping: not a scalar
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		v = strings.TrimSpace(v)
		listKey = ""
		switch {
		case v == "":
			listKey = k
			m[k] = []any{}
		case strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]"):
			var l []any
			for _, e := range strings.Split(v[1:len(v)-1], ",") {
				if e = unquote(strings.TrimSpace(e)); e != "" {
					l = append(l, e)
				}
			}
			m[k] = l
		case strings.HasPrefix(v, "{"):
			m[k] = map[string]any{}
		default:
			if i := strings.Index(v, " #"); i >= 0 && v[0] != '"' && v[0] != '\'' {
				v = strings.TrimSpace(v[:i])
			}
			m[k] = unquote(v)
		}
	}
	// An empty block list is no value at all.
	for k, v := range m {
		if l, ok := v.([]any); ok && len(l) == 0 {
			delete(m, k)
		}
	}
	return m
}

// unquote strips one level of matching quotes.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// splitFrontMatter separates a leading "---" front-matter block from text.
func splitFrontMatter(text string) (front, body string, ok bool) {
	t := strings.TrimPrefix(text, "\ufeff")
	if !strings.HasPrefix(t, "---\n") && !strings.HasPrefix(t, "---\r\n") {
		return "", text, false
	}
	rest := t[strings.Index(t, "\n")+1:]
	for off := 0; off < len(rest); {
		end := strings.IndexByte(rest[off:], '\n')
		var line string
		if end < 0 {
			line = rest[off:]
			end = len(rest) - off
		} else {
			line = rest[off : off+end]
		}
		if l := strings.TrimSpace(line); l == "---" || l == "..." {
			next := off + end + 1
			if next > len(rest) {
				next = len(rest)
			}
			return rest[:off], rest[next:], true
		}
		off += end + 1
	}
	return "", text, false
}

// sidecarMeta reads <file>.meta.toml or <file>.meta.yaml when present.
// It returns the raw metadata, the sidecar bytes (part of the file's
// content hash) and an error for a malformed sidecar.
func sidecarMeta(path string, read func(string) ([]byte, error)) (rawMeta, []byte, error) {
	if b, err := read(path + ".meta.toml"); err == nil {
		var m map[string]any
		if _, err := toml.Decode(string(b), &m); err != nil {
			return nil, nil, fmt.Errorf("sidecar %s.meta.toml: %w", filepath.Base(path), err)
		}
		return rawMeta(m), b, nil
	}
	for _, ext := range []string{".meta.yaml", ".meta.yml"} {
		if b, err := read(path + ext); err == nil {
			return parseKeyValues(string(b)), b, nil
		}
	}
	return nil, nil, nil
}

// assetInNameRE finds an asset tag in a file name: "pump_p101", "P-101",
// "c201". One to three letters, optional hyphen, two to five digits.
var assetInNameRE = regexp.MustCompile(`(?i)(?:^|[_\-\s.])([a-z]{1,3})-?(\d{2,5})(?:$|[_\-\s.])`)

// docTypeWords infers the document type from file-name words (EN and IT).
var docTypeWords = []struct{ word, typ string }{
	{"troubleshooting", "troubleshooting"}, {"guasti", "troubleshooting"}, {"fault", "troubleshooting"},
	{"procedure", "procedure"}, {"procedura", "procedure"}, {"sop", "procedure"}, {"instruction", "procedure"},
	{"datasheet", "datasheet"}, {"scheda", "datasheet"}, {"spec", "datasheet"},
	{"manual", "manual"}, {"manuale", "manual"}, {"handbook", "manual"}, {"guide", "manual"},
}

// inferMeta guesses asset id and doc type from a file name.
func inferMeta(path string) rawMeta {
	base := strings.ToLower(filepath.Base(path))
	base = strings.TrimSuffix(base, filepath.Ext(base))
	m := rawMeta{}
	if sm := assetInNameRE.FindStringSubmatch(base); sm != nil {
		m[KeyAssetID] = strings.ToUpper(sm[1]) + "-" + sm[2]
	}
	for _, d := range docTypeWords {
		if strings.Contains(base, d.word) {
			m[KeyDocType] = d.typ
			break
		}
	}
	return m
}

// mergeMeta overlays higher-priority metadata onto lower: sidecar beats
// front matter beats file-name inference.
func mergeMeta(layers ...rawMeta) rawMeta {
	out := rawMeta{}
	for i := len(layers) - 1; i >= 0; i-- {
		for k, v := range layers[i] {
			out[canonicalKey(k)] = v
		}
	}
	return out
}
