package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// parseJSON agrees with encoding/json on valid documents and refuses
// invalid ones.
func TestParseJSON(t *testing.T) {
	for _, doc := range []string{
		`{"d":{"results":[{"a":"x","b":1.5,"c":null,"d":true,"e":false,"f":[],"g":{}}],"__next":"http://x/?$skiptoken=2"}}`,
		`{"s":"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \ud800 x"}`,
		`[1, -0, 0.5, 1e3, -2.5E-3, 12345678901234567890]`,
		`  "plain"  `, `null`, `{"k":"\u0000"}`, `{"dup":1,"dup":2}`,
		"{\"bad utf8\":\"\xff\xfe\"}",
	} {
		var want any
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("reference rejects %s: %v", doc, err)
		}
		got, err := parseJSON([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %#v\nwant %#v", doc, got, want)
		}
	}
	for _, doc := range []string{"", "{", `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `01`, `1.`, `-`, `1e`, `tru`, `"x`,
		"\"a\nb\"", `"\x"`, `"\u12"`, `{} {}`, `{a:1}`, strings.Repeat("[", 10001) + strings.Repeat("]", 10001)} {
		if _, err := parseJSON([]byte(doc)); err == nil {
			t.Errorf("%q accepted", doc)
		}
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b",null]}`, `"\ud83d\ude00"`, `-1.5e10`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want any
		werr := json.Unmarshal(b, &want)
		got, gerr := parseJSON(b)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: encoding/json %v, parseJSON %v", b, werr, gerr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %#v want %#v", b, got, want)
		}
	})
}
