package sandbox

import (
	"encoding/json"
	"testing"

	"github.com/machina-go/machina/abi"
)

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestResponsesMatchReference(t *testing.T) {
	cases := []struct {
		got  any
		want string
	}{
		{CreateResponse(abi.TypeCorrective, abi.PriorityHigh, "P-101", "Leak at seal"),
			`{"id":"WO-SANDBOX-0000","type":"corrective","priority":"high","status":"created","asset_id":"P-101","description":"[SANDBOX — no real write performed] Leak at seal","metadata":{"sandbox":true}}`},
		{UpdateResponse("WO-1"), `{"id":"WO-1","description":"[SANDBOX — no real write performed] Update request logged.","metadata":{"sandbox":true}}`},
		{CloseResponse("WO-1"), `{"id":"WO-1","description":"[SANDBOX — no real write performed] Close request logged.","metadata":{"sandbox":true}}`},
		{CancelResponse("WO-1", "dup"), `{"id":"WO-1","description":"[SANDBOX — no real write performed] Cancel request logged. Reason: dup","metadata":{"sandbox":true}}`},
		{SendResponse(), `{"status":"blocked","description":"[SANDBOX — no real message sent]","metadata":{"sandbox":true}}`},
	}
	for _, c := range cases {
		if g := js(t, c.got); g != c.want {
			t.Errorf("got  %s\nwant %s", g, c.want)
		}
	}
}

func TestGate(t *testing.T) {
	var nilGate *Gate
	if nilGate.Enabled() || nilGate.Blocks(abi.OpCreateWorkOrder) {
		t.Fatal("nil gate must be off")
	}
	g := New(true, nil)
	for _, op := range abi.Operations() {
		if g.Blocks(op.Name) != (op.Class == abi.ClassWrite) {
			t.Errorf("%s: Blocks=%v class=%s", op.Name, g.Blocks(op.Name), op.Class)
		}
	}
	if !g.Blocks("made_up") {
		t.Error("unknown operations must count as writes")
	}
	g.Set(false)
	if g.Blocks(abi.OpCreateWorkOrder) {
		t.Error("off gate blocks")
	}
	g.Block(abi.OpSend, "client_id", "x")
}
