package pdk_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/machina-go/machina/pdk"
)

// The reference is encoding/json: ParseJSON must accept, reject and
// produce exactly what json.Unmarshal into an any does.
func checkParseJSON(t *testing.T, b []byte) {
	t.Helper()
	var want any
	werr := json.Unmarshal(b, &want)
	got, gerr := pdk.ParseJSON(b)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: encoding/json error %v, ParseJSON error %v", b, werr, gerr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", b, got, want)
	}
}

func parseSeeds() []string {
	return []string{
		`{"d":{"results":[{"a":"x","b":1.5,"c":null,"d":true,"e":false,"f":[],"g":{}},{"a":"x","b":2}],"__next":"http://x/?$skiptoken=2"}}`,
		`{"s":"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \ud800 x"}`, `[1, -0, 0.5, 1e3, -2.5E-3, 12345678901234567890, 1e400]`,
		`  "plain"  `, `null`, `{"k":"\u0000"}`, `{"dup":1,"dup":2}`, "{\"bad utf8\":\"\xff\xfe\"}",
		`{"member":[{"assetnum":"P-101","siteid":"BEDFORD"},{"assetnum":"P-102","siteid":"BEDFORD"}]}`,
		"", "{", `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `01`, `1.`, `-`, `1e`, `tru`, `"x`, "\"a\nb\"", `"\x"`, `"\u12"`,
		`{} {}`, `{a:1}`, strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	}
}

func TestParseJSON(t *testing.T) {
	for _, s := range parseSeeds() {
		checkParseJSON(t, []byte(s))
	}
	// Keys and short values are shared between rows; each row must still
	// be its own map.
	v, err := pdk.ParseJSON([]byte(`[{"k":"v"},{"k":"v"}]`))
	if err != nil {
		t.Fatal(err)
	}
	rows := v.([]any)
	rows[0].(map[string]any)["k"] = "changed"
	if rows[1].(map[string]any)["k"] != "v" {
		t.Fatal("rows share state")
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range parseSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkParseJSON(t, b) })
}
