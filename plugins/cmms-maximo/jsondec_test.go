package main

import (
	"encoding/json"
	"reflect"
	"testing"
)

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,2.5e3,-0.1,true,false,null,"x\"y\\u00e9\ud83d\ude00"]}`, `"\ud800"`, `"\ud800\u0041"`, "\"\xff\"", `{"a":1,}`, `[1`, `01`, `1.`, `-`, `{"a" 1}`, ` {"member":[{"assetnum":"P-101"}]} `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var want any
		werr := json.Unmarshal(b, &want)
		got, gerr := decodeJSON(b)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: encoding/json err %v, decodeJSON err %v", b, werr, gerr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: got %#v, want %#v", b, got, want)
		}
	})
}

func TestDecodeJSONMatchesEncodingJSON(t *testing.T) {
	f := newFixture(t, nil)
	for _, os := range []string{"mxasset", "mxwo", "mxinventory", "mxpm"} {
		recs := f.sim.Records(os)
		b, _ := json.Marshal(map[string]any{"member": recs, "responseInfo": map[string]any{"nextPage": map[string]any{"href": "http://x/?a=1&b=\u00e9"}}})
		var want any
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		got, err := decodeJSON(b)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %v", os, err)
		}
		if _, err := decodeJSON(b[:len(b)/2]); err == nil {
			t.Fatalf("%s: truncated document accepted", os)
		}
	}
}
