package wasmfile

import (
	"bytes"
	"context"
	"testing"

	"github.com/machina-go/machina/host/internal/wasmbin"
	"github.com/tetratelabs/wazero"
)

// section appends a section with its size.
func section(b []byte, id byte, payload []byte) []byte {
	b = append(b, id)
	b = wasmbin.AppendU32(b, uint32(len(payload)))
	return append(b, payload...)
}

// dataModule assembles a module with one exported memory of one page and
// the given data segments (raw segment encodings), optionally with a data
// count section.
func dataModule(segs [][]byte, dataCount bool) []byte {
	b := append([]byte(nil), magic...)
	b = section(b, 5, []byte{1, 0, 1})                   // memory: min 1 page
	b = section(b, 7, []byte{1, 3, 'm', 'e', 'm', 2, 0}) // export "mem" memory 0
	if dataCount {
		b = section(b, 12, wasmbin.AppendU32(nil, uint32(len(segs))))
	}
	payload := wasmbin.AppendU32(nil, uint32(len(segs)))
	for _, s := range segs {
		payload = append(payload, s...)
	}
	return section(b, 11, payload)
}

// active encodes an active segment at an i32.const offset (signed LEB).
func active(offset int32, data string) []byte {
	s := []byte{0, 0x41}
	for {
		c := byte(offset & 0x7f)
		offset >>= 7
		if (offset == 0 && c&0x40 == 0) || (offset == -1 && c&0x40 != 0) {
			s = append(s, c)
			break
		}
		s = append(s, c|0x80)
	}
	s = append(s, 0x0b)
	s = wasmbin.AppendU32(s, uint32(len(data)))
	return append(s, data...)
}

// memoryAfterInstantiation instantiates b with wazero and returns its
// memory.
func memoryAfterInstantiation(t *testing.T, b []byte) []byte {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	m, err := rt.Instantiate(ctx, b)
	if err != nil {
		t.Fatalf("wazero refuses the module: %v", err)
	}
	mem, _ := m.ExportedMemory("mem").Read(0, 65536)
	return append([]byte(nil), mem...)
}

func TestSplitData(t *testing.T) {
	segs := [][]byte{active(0, "hello"), active(200, "world"), active(202, "RL"), active(70000-6000, "x")}
	for _, dataCount := range []bool{false, true} {
		orig := dataModule(segs, dataCount)
		want := memoryAfterInstantiation(t, orig)
		out, image, err := SplitData(orig)
		if err != nil {
			t.Fatal(err)
		}
		got := memoryAfterInstantiation(t, out)
		if !bytes.Equal(got, make([]byte, 65536)) {
			t.Fatalf("data count %v: the split module still writes its memory", dataCount)
		}
		if len(image) != 64001 || !bytes.Equal(want[:len(image)], image) || !bytes.Equal(image[200:205], []byte("woRLd")) {
			t.Fatalf("data count %v: image differs from the memory the segments write", dataCount)
		}
		if dataCount != bytes.Contains(out, []byte("world")) {
			t.Fatalf("data count %v: passive segments kept = %v", dataCount, !dataCount)
		}
	}
}

func TestSplitDataLeavesOtherShapes(t *testing.T) {
	// global.get offset, a segment beyond the initial memory, no memory.
	globalOffset := []byte{0, 0x23, 0, 0x0b, 1, 'x'}
	for name, b := range map[string][]byte{
		"global offset": dataModule([][]byte{globalOffset}, false),
		"beyond memory": dataModule([][]byte{active(65535, "xy")}, false),
		"no memory":     section(append([]byte(nil), magic...), 11, append([]byte{1}, active(0, "x")...)),
	} {
		out, image, err := SplitData(b)
		if err != nil || image != nil || !bytes.Equal(out, b) {
			t.Errorf("%s: want the module unchanged, got image %v err %v", name, image != nil, err)
		}
	}
}
