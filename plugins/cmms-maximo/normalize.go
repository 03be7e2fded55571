package main

import (
	"sort"
	"strings"

	"github.com/machina-go/machina/pdk"
)

// normalize rewrites a decoded OSLC JSON value in place so that lean and
// non-lean payloads read the same, at every nesting level (child objects
// such as spi:sparepart[].spi:itemnum included):
//
//   - a namespace prefix is stripped from every key: spi:, rdf:, rdfs:,
//     oslc:, spi_wm: and any other "name:" (IBM's OSLC resources use more
//     namespaces than the four of the collection envelope);
//   - rdf:about (the resource's URI) and rdf:resource (a link) become href;
//   - *_collectionref keys, links to child collections rather than data,
//     are dropped.
//
// When a prefixed key and an unprefixed one share a name, the unprefixed
// one is kept.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		var prefixed []string
		for k, e := range x {
			normalize(e)
			switch {
			case strings.HasSuffix(k, "_collectionref"):
				delete(x, k)
			case namespaced(k):
				prefixed = append(prefixed, k)
			}
		}
		sort.Strings(prefixed) // rdf:about before rdf:resource
		for _, k := range prefixed {
			e := x[k]
			delete(x, k)
			name := k[strings.IndexByte(k, ':')+1:]
			if k == "rdf:about" || k == "rdf:resource" {
				name = "href"
			}
			if _, taken := x[name]; !taken && name != "" {
				x[name] = e
			}
		}
	case []any:
		for _, e := range x {
			normalize(e)
		}
	}
	return v
}

// namespaced reports whether k is "prefix:name" with a namespace-like
// prefix (letters, digits, _ and -).
func namespaced(k string) bool {
	i := strings.IndexByte(k, ':')
	if i <= 0 {
		return false
	}
	for _, r := range k[:i] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// objects returns a relation that may arrive as an array of objects ("rel"
// notation, object-structure children) or as one object (dot notation) as a
// slice of objects; anything else gives nil.
func objects(v any) []map[string]any {
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}
	case []any:
		out := make([]map[string]any, 0, len(x))
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// scalar renders a scalar attribute (pdk.Scalar).
func scalar(v any) string { return pdk.Scalar(v) }

// codeOf reads the code of attribute name of m, however Maximo sent it: the
// aliased attribute "$alias_this_attr$name" (when a relation of the same
// name is selected), the attribute itself, or the attribute of the same
// name inside that relation (location.location, failurecode.failurecode).
func codeOf(m map[string]any, name string) string {
	if s := scalar(m["$alias_this_attr$"+name]); s != "" {
		return s
	}
	if s := scalar(m[name]); s != "" {
		return s
	}
	for _, o := range objects(m[name]) {
		if s := scalar(o[name]); s != "" {
			return s
		}
	}
	return ""
}

// descriptionOf reads the description of relation name of m ("" when
// absent).
func descriptionOf(m map[string]any, name string) string {
	for _, o := range objects(m[name]) {
		if s := scalar(o["description"]); s != "" {
			return s
		}
	}
	return ""
}
