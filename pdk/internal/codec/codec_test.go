package codec_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/wire"
	"github.com/machina-go/machina/pdk/internal/codec"
	"github.com/machina-go/machina/pdk/internal/codec/codecgen"
)

// The reference for every expectation here is encoding/json itself: the
// codec must produce and accept exactly what it does.

func TestGeneratedFileIsCurrent(t *testing.T) {
	want, err := codecgen.Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("types_gen.go")
	if err != nil {
		t.Skipf("types_gen.go not readable here: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("types_gen.go is stale: run go generate ./pdk/internal/codec")
	}
}

// checkDecode decodes data with encoding/json and with the codec into
// every decoded type and fails on any difference.
func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	for _, typ := range codecgen.Decoded() {
		want := reflect.New(typ)
		werr := json.Unmarshal(data, want.Interface())
		got := reflect.New(typ)
		handled, gerr := codec.Unmarshal(data, got.Interface())
		if !handled {
			t.Fatalf("%v: not handled by the codec", typ)
		}
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%v: %q: encoding/json error %v, codec error %v", typ, data, werr, gerr)
		}
		if werr == nil && !reflect.DeepEqual(want.Interface(), got.Interface()) {
			t.Fatalf("%v: %q:\nencoding/json %#v\ncodec         %#v", typ, data, want.Elem().Interface(), got.Elem().Interface())
		}
	}
}

// decodeSeeds are documents that exercise the decoder's rules.
func decodeSeeds() []string {
	return []string{
		`{"asset_id":"P-101"}`, `{"Asset_ID":"fold"}`, `{"asset_id":"a","ASSET_ID":"b"}`, `null`, ` {} `, `[]`, `"x"`,
		`{"limit":10}`, `{"limit":1.5}`, `{"limit":1e2}`, `{"limit":-0}`, `{"limit":99999999999999999999}`, `{"limit":null}`,
		`{"limit":"10"}`, `{"limit":01}`, `{"limit":-}`, `{"status":200,"headers":{"Content-Type":"application/json","X":null},"body":"aGVsbG8=","error":null}`,
		`{"status":0,"error":{"code":"unauthorized","message":"no"}}`, `{"body":[104,105,null]}`, `{"body":[256]}`, `{"body":"!!"}`,
		`{"body":"aGVs\r\nbG8="}`, `{"found":true,"value":"AAE="}`, `{"config":{"a":1,"b":[true,null,"x",{"c":-1.5e-7}],"a":2}}`,
		`{"config":{"n":1e400}}`, `{"config":null}`, `{"messages":[{"uid":7,"to":["a@b"],"references":[],"subject":"s\u00e9"}]}`,
		`{"messages":[{"uid":-1}]}`, `{"messages":[null,{}]}`, `{"message_id":"<x@y>","error":null}`,
		`{"chat_id":"\ud83d\ude00 \ud83d \udc00 \u0000 \/ \b\f\n\r\t \\ \""}`, "{\"chat_id\":\"bad \xff\xfe utf8\"}",
		`{"chat_id":"\'"}`, `{"chat_id":"ctl ` + "\x01" + `"}`, `{"text":"a"} x`, `{"text":"a",}`, `{"text" "a"}`, `{"text":tru}`,
		`{"unknown":{"deep":[1,2,{"x":[null,true,false,-0.0e+1]}]},"text":"ok"}`, `{"\u0074ext":"escaped key"}`, `{"ſend":1}`,
		`{"work_order_id":"WO1","status":"in_progress","assigned_to":"","description":null}`, `{"max":-5}`,
		strings.Repeat(`{"x":`, 50) + `1` + strings.Repeat(`}`, 50), strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001),
		``, `   `, `{`, `{"a"`, `{"a":`, `{"a":1`, `"\u12"`, `"\uZZZZ"`, `1`, `true`,
	}
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, s := range decodeSeeds() {
		checkDecode(t, []byte(s))
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range decodeSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkDecode(t, data) })
}

// filler builds values of any encoded type from fuzz bytes.
type filler struct{ b []byte }

func (f *filler) byte() byte {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c
}

func (f *filler) u64() uint64 {
	var v uint64
	for range 8 {
		v = v<<8 | uint64(f.byte())
	}
	return v
}

func (f *filler) str() string {
	n := int(f.byte() % 12)
	if n > len(f.b) {
		n = len(f.b)
	}
	s := string(f.b[:n])
	f.b = f.b[n:]
	return s
}

func (f *filler) any(depth int) any {
	switch f.byte() % 11 {
	case 0:
		return nil
	case 1:
		return f.str()
	case 2:
		return math.Float64frombits(f.u64())
	case 3:
		return float64(int64(f.u64()) >> (f.byte() % 64))
	case 4:
		return f.byte()%2 == 0
	case 5:
		if depth > 3 {
			return nil
		}
		m := map[string]any{}
		for range f.byte() % 4 {
			m[f.str()] = f.any(depth + 1)
		}
		return m
	case 6:
		if depth > 3 {
			return []any(nil)
		}
		var a []any
		for range f.byte() % 4 {
			a = append(a, f.any(depth+1))
		}
		return a
	case 7:
		return int(int64(f.u64()))
	case 8:
		return []string{f.str(), f.str()}
	case 9:
		return map[string]string{f.str(): f.str()}
	default:
		return json.Number("12.5")
	}
}

// fill sets v (addressable) from the fuzz bytes.
func (f *filler) fill(v reflect.Value, depth int) {
	if v.Type() == reflect.TypeOf(time.Time{}) {
		zone := time.FixedZone("z", int(int32(f.u64()%(2*100000)))-100000)
		v.Set(reflect.ValueOf(time.Unix(int64(f.u64()%(1<<40))-(1<<39), int64(f.u64()%1e9)).In(zone)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.str())
	case reflect.Bool:
		v.SetBool(f.byte()%2 == 1)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(f.u64()) >> (f.byte() % 64))
	case reflect.Uint32, reflect.Uint64, reflect.Uint:
		v.SetUint(f.u64() >> (f.byte() % 64))
	case reflect.Float64:
		if f.byte()%3 == 0 {
			v.SetFloat(math.Float64frombits(f.u64()))
		} else {
			v.SetFloat(float64(int64(f.u64())>>(f.byte()%64)) / 1000)
		}
	case reflect.Interface:
		if a := f.any(depth); a != nil {
			v.Set(reflect.ValueOf(a))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth)
			}
		}
	case reflect.Pointer:
		if f.byte()%2 == 1 && depth < 4 {
			v.Set(reflect.New(v.Type().Elem()))
			f.fill(v.Elem(), depth+1)
		}
	case reflect.Slice:
		switch n := int(f.byte() % 4); {
		case n == 3:
			// nil
		default:
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := 0; i < n; i++ {
				f.fill(s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Map:
		if f.byte()%4 == 3 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range f.byte() % 4 {
			k := reflect.New(v.Type().Key()).Elem()
			f.fill(k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	}
}

func checkEncode(t *testing.T, data []byte) {
	t.Helper()
	for _, typ := range codecgen.Encoded() {
		v := reflect.New(typ)
		(&filler{b: data}).fill(v.Elem(), 0)
		want, werr := json.Marshal(v.Interface())
		got, handled, gerr := codec.Marshal([]byte("prefix"), v.Interface())
		if !handled {
			t.Fatalf("%v: not handled by the codec", typ)
		}
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%v %#v: encoding/json error %v, codec error %v", typ, v.Elem().Interface(), werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Fatalf("%v:\nencoding/json %s\ncodec         %s", typ, want, got[len("prefix"):])
		}
	}
}

func encodeSeeds() [][]byte {
	seeds := [][]byte{nil, bytes.Repeat([]byte{0xff}, 300), bytes.Repeat([]byte{1}, 300), bytes.Repeat([]byte{2, 7, 200, 0}, 100)}
	special := []byte("<a&b>\u2028\u2029\xff\x01\t\"\\é日本")
	for i := range 16 {
		s := make([]byte, 0, 600)
		for j := range 600 {
			s = append(s, byte(i*31+j*7)^special[j%len(special)])
		}
		seeds = append(seeds, s)
	}
	return seeds
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	for _, s := range encodeSeeds() {
		checkEncode(t, s)
	}
	// Values that exercise every branch deterministically.
	when := time.Date(2025, 3, 4, 5, 6, 7, 8, time.FixedZone("x", -3*3600-30*60))
	values := []any{
		&abi.ListAssetsResponse{Assets: []abi.Asset{{ID: "P<1>", Name: "Pump & motor", Metadata: map[string]any{
			"z": 1.0, "a": []any{nil, true, 1e21, 1e-7, -0.0, 123456789.0, "x\u2028"}, "m": map[string]any{}, "i": 3, "f32": float32(0.1)}}}},
		&abi.WorkOrderResponse{WorkOrder: abi.WorkOrder{ID: "WO1", CreatedAt: when, UpdatedAt: time.Time{}, SpareParts: []abi.SparePartRequirement{{SKU: "S", Qty: 2}}}},
		&abi.HTTPRequest{Method: "POST", URL: "https://x/?a=1&b=<2>", Headers: map[string]string{"b": "2", "a": "1"}, Body: []byte{0, 1, 2, 250}},
		&wire.LogRecord{Level: abi.LogWarn, Message: "m", Fields: map[string]any{"n": json.Number("1.50")}},
		&abi.Error{Code: abi.CodeNotFound, Message: "asset \"P-9\" not found"},
	}
	for _, v := range values {
		want, _ := json.Marshal(v)
		got, _, err := codec.Marshal(nil, v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%T:\nencoding/json %s\ncodec         %s (%v)", v, want, got, err)
		}
	}
	for _, bad := range []any{
		&abi.WorkOrderResponse{WorkOrder: abi.WorkOrder{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		&abi.ListAssetsResponse{Assets: []abi.Asset{{Metadata: map[string]any{"x": math.NaN()}}}},
		&abi.ListSparePartsResponse{SpareParts: []abi.SparePart{{ReorderPoint: math.Inf(1)}}},
	} {
		if _, werr := json.Marshal(bad); werr == nil {
			t.Fatalf("%T: encoding/json accepts it", bad)
		}
		if _, _, err := codec.Marshal(nil, bad); err == nil {
			t.Errorf("%T: codec accepts what encoding/json refuses", bad)
		}
	}
}

func FuzzEncode(f *testing.F) {
	for _, s := range encodeSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkEncode(t, data) })
}

func TestUnhandledTypesFallBack(t *testing.T) {
	if _, ok, _ := codec.Marshal(nil, struct{ A int }{1}); ok {
		t.Fatal("an unknown type must be left to encoding/json")
	}
	if ok, _ := codec.Unmarshal([]byte(`{}`), &struct{ A int }{}); ok {
		t.Fatal("an unknown type must be left to encoding/json")
	}
}
