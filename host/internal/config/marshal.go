package config

import (
	"bytes"
	"encoding"
	"fmt"
	"reflect"
	"strings"

	"github.com/BurntSushi/toml"
)

// Marshal encodes v — a struct (or pointer to one) with toml tags, such as
// the tables of machina.toml — as TOML, leaving out every field that holds
// its zero value and is not a pointer: decoding the text gives v back,
// without the noise of empty settings. A non-nil pointer is written even
// when it points to a zero value (confirmations = false stays). Values
// with a MarshalText method (Duration) are written as their text; an
// embedded struct without a tag contributes its fields to the table.
func Marshal(v any) ([]byte, error) {
	m, err := tableOf(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var textMarshaler = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()

// tableOf turns a struct into the map the encoder writes.
func tableOf(rv reflect.Value) (map[string]any, error) {
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return map[string]any{}, nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, fmt.Errorf("config: marshal: want a struct, got %s", rv.Type())
	}
	out := map[string]any{}
	t := rv.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), rv.Field(i)
		name := strings.Split(f.Tag.Get("toml"), ",")[0]
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && name == "" && fv.Kind() == reflect.Struct {
			inner, err := tableOf(fv)
			if err != nil {
				return nil, err
			}
			for k, v := range inner {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		if fv.Kind() != reflect.Pointer && fv.IsZero() {
			continue
		}
		val, keep, err := valueOf(fv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if keep {
			out[name] = val
		}
	}
	return out, nil
}

// valueOf converts one field's value; keep is false for nil pointers and
// empty containers.
func valueOf(fv reflect.Value) (v any, keep bool, err error) {
	if fv.Kind() == reflect.Pointer {
		if fv.IsNil() {
			return nil, false, nil
		}
		fv = fv.Elem()
	}
	if fv.Type().Implements(textMarshaler) {
		b, err := fv.Interface().(encoding.TextMarshaler).MarshalText()
		return string(b), err == nil, err
	}
	switch fv.Kind() {
	case reflect.Struct:
		m, err := tableOf(fv)
		return m, err == nil && len(m) > 0, err
	case reflect.Slice, reflect.Array:
		if fv.Type().Elem().Kind() == reflect.Struct || (fv.Type().Elem().Kind() == reflect.Pointer && fv.Type().Elem().Elem().Kind() == reflect.Struct) {
			list := make([]map[string]any, 0, fv.Len())
			for i := range fv.Len() {
				m, err := tableOf(fv.Index(i))
				if err != nil {
					return nil, false, err
				}
				list = append(list, m)
			}
			return list, len(list) > 0, nil
		}
		return fv.Interface(), fv.Len() > 0, nil
	case reflect.Map:
		return fv.Interface(), fv.Len() > 0, nil
	}
	return fv.Interface(), true, nil
}
