package config

import (
	"reflect"
	"sort"
	"strings"
)

// Keys returns every dotted key machina.toml accepts for the sections this
// package decodes ("plugin.grant.http.auth.profile", …), for documentation
// checks. Sections decoded by other packages (opcua, docstore, agent) and
// free-form tables (secrets, plugin.config) appear as their table name.
func Keys() []string { return KeysOf("", Config{}) }

// KeysOf returns the dotted keys of the toml tags of v's struct type (a
// struct value or pointer), each prefixed with prefix and a dot when prefix
// is set: the keys of a section another package decodes, e.g.
// KeysOf("opcua", opcua.Config{}).
func KeysOf(prefix string, v any) []string {
	var out []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("toml"), ",")[0]
			if tag == "" || tag == "-" || !f.IsExported() {
				continue
			}
			key := tag
			if prefix != "" {
				key = prefix + "." + tag
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(Duration{}) && ft.Name() != "Primitive" {
				walk(key, ft)
				continue
			}
			out = append(out, key)
		}
	}
	walk(prefix, reflect.TypeOf(v))
	sort.Strings(out)
	return out
}
