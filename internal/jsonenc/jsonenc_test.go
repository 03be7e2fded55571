package jsonenc_test

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/machina-go/machina/internal/jsonenc"
)

// FuzzAppendString holds AppendString to encoding/json, the reference,
// with HTML escaping on (Marshal) and off (an Encoder).
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\"b\\c", "<tag>&amp;", "\x00\x1f\t\n\r\b\f", "\u2028\u2029", "bad \xff utf-8", "é€😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := jsonenc.AppendString(nil, s, true); !bytes.Equal(got, want) {
			t.Fatalf("html: %q, want %q", got, want)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		if got := jsonenc.AppendString(nil, s, false); !bytes.Equal(got, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))) {
			t.Fatalf("no html: %q, want %q", got, buf.Bytes())
		}
	})
}

func TestAppendFloat(t *testing.T) {
	for _, f := range []float64{0, 1, -1.5, 1e-7, 1e21, 123456789, 3.14159, 1e-6, 1e30} {
		want, _ := json.Marshal(f)
		if got, err := jsonenc.AppendFloat(nil, f, 64); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%v: %q %v, want %q", f, got, err, want)
		}
		want32, _ := json.Marshal(float32(f))
		if got, err := jsonenc.AppendFloat(nil, float64(float32(f)), 32); err != nil || !bytes.Equal(got, want32) {
			t.Errorf("float32 %v: %q %v, want %q", f, got, err, want32)
		}
	}
	if _, err := jsonenc.AppendFloat(nil, math.NaN(), 64); err != jsonenc.ErrUnsupportedFloat {
		t.Errorf("NaN: %v", err)
	}
}
