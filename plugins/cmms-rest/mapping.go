package main

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/pdk"
)

// field is a compiled Field.
type field struct {
	paths []path
	each  path
	// table maps vendor codes for enum fields (nil otherwise); write is
	// its domain → vendor table.
	table *pdk.CodeTable[string]
	write map[string]any
	scale float64
}

// fields are the compiled fields of one entity, by domain name.
type fields map[string]*field

// compileFields compiles e's fields against schema (validated already).
func compileFields(cfg map[string]Field, schema map[string]fieldSpec) fields {
	out := fields{}
	for name, f := range cfg {
		c := &field{scale: f.Scale, each: mustPath(f.Each)}
		for _, p := range f.Path {
			c.paths = append(c.paths, mustPath(p))
		}
		if spec := schema[name]; spec.kind == kEnum {
			codes := map[string]string{}
			for _, v := range spec.enum {
				codes[v] = v // a vendor that already speaks the domain's words
			}
			for k, v := range f.Map {
				codes[k] = v
			}
			fallback := f.Fallback
			if fallback == "" {
				fallback = spec.fallback
			}
			vendor := name
			if len(f.Path) > 0 {
				vendor = f.Path[0]
			}
			t := pdk.NewCodeTable(vendor, codes, fallback)
			c.table = &t
			c.write, _ = writeTable(f)
		}
		out[name] = c
	}
	return out
}

// raw returns the first present value of the field in rec.
func (fs fields) raw(rec any, name string) (any, bool) {
	f := fs[name]
	if f == nil {
		return nil, false
	}
	for _, p := range f.paths {
		if v, ok := p.get(rec); ok && text(v) != "" || ok && !isScalar(v) {
			return v, true
		}
	}
	return nil, false
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

// str reads a text field.
func (fs fields) str(rec any, name string) string {
	v, _ := fs.raw(rec, name)
	return strings.TrimSpace(text(v))
}

// code reads an enum field through its table: an unknown code gives the
// fallback, is kept in u and reported once (pdk.CodeTable.Map).
func (fs fields) code(ctx context.Context, rec any, name string, u pdk.Unmapped) string {
	f := fs[name]
	if f == nil || f.table == nil {
		return ""
	}
	return f.table.Map(ctx, fs.str(rec, name), u)
}

// num reads a number (or a numeric string), scaled; nil when absent.
func (fs fields) num(rec any, name string) *float64 {
	v, ok := fs.raw(rec, name)
	if !ok {
		return nil
	}
	var n float64
	switch x := v.(type) {
	case float64:
		n = x
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return nil
		}
		n = f
	default:
		return nil
	}
	if s := fs[name].scale; s != 0 {
		n *= s
	}
	return &n
}

// when reads a time: RFC 3339, a date, or epoch milliseconds.
func (fs fields) when(rec any, name string) time.Time {
	v, ok := fs.raw(rec, name)
	if !ok {
		return time.Time{}
	}
	if ms, isNum := v.(float64); isNum {
		return time.UnixMilli(int64(ms)).UTC()
	}
	s := strings.TrimSpace(text(v))
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// list reads a list of texts (each element through Each).
func (fs fields) list(rec any, name string) []string {
	v, ok := fs.raw(rec, name)
	if !ok {
		return nil
	}
	arr, isArr := v.([]any)
	if !isArr {
		arr = []any{v}
	}
	var out []string
	for _, e := range arr {
		if x, ok := fs[name].each.get(e); ok && text(x) != "" {
			out = append(out, text(x))
		}
	}
	return out
}

// writeValue maps a domain value of an enum field to the vendor's; ok is
// false for a field without a write table.
func (fs fields) writeValue(name, domain string) (any, bool) {
	f := fs[name]
	if f == nil || f.table == nil {
		return nil, false
	}
	v, ok := f.write[domain]
	return v, ok
}

// has reports whether the field is configured.
func (fs fields) has(name string) bool { return fs[name] != nil }
