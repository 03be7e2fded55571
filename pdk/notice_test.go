package pdk_test

import (
	"context"
	"testing"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

// typer maps a made-up vendor's work types with pdk.CodeTable.
type typer struct {
	types pdk.CodeTable[abi.WorkOrderType]
}

func (t *typer) Init(context.Context, pdk.Config) error {
	t.types = pdk.NewCodeTable("worktype", map[string]abi.WorkOrderType{"cm": abi.TypeCorrective}, abi.TypeCorrective).
		With(map[string]abi.WorkOrderType{"PDM": abi.TypePredictive})
	return nil
}
func (*typer) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}
func (t *typer) ListWorkOrders(ctx context.Context, _ abi.ListWorkOrdersRequest) (abi.ListWorkOrdersResponse, error) {
	var out abi.ListWorkOrdersResponse
	for i, code := range []string{"CM", "CAL", "pdm", "CAL", "", "EV"} {
		u := pdk.Unmapped{}
		w := abi.WorkOrder{ID: string(rune('A' + i)), Type: t.types.Map(ctx, code, u)}
		w.Metadata = u.Attach(w.Metadata)
		out.WorkOrders = append(out.WorkOrders, w)
	}
	return out, nil
}

func TestCodeTableKeepsUnmappedCodesAndNotifiesOncePerCall(t *testing.T) {
	h := &pdktest.Host{}
	r := pdk.NewCMMS(pdk.Info{Name: "typer", Version: "1"}, &typer{})
	if err := pdktest.Init(context.Background(), h, r, nil); err != nil {
		t.Fatal(err)
	}
	for call := 1; call <= 2; call++ {
		var resp abi.ListWorkOrdersResponse
		if err := pdktest.Invoke(context.Background(), h, r, string(abi.OpListWorkOrders), abi.ListWorkOrdersRequest{}, &resp); err != nil {
			t.Fatal(err)
		}
		want := []abi.WorkOrderType{abi.TypeCorrective, abi.TypeCorrective, abi.TypePredictive, abi.TypeCorrective, abi.TypeCorrective, abi.TypeCorrective}
		for i, w := range resp.WorkOrders {
			if w.Type != want[i] {
				t.Errorf("%s: type %s, want %s", w.ID, w.Type, want[i])
			}
		}
		if u := resp.WorkOrders[1].Metadata["unmapped"].(map[string]any); u["worktype"] != "CAL" {
			t.Errorf("raw code lost: %v", resp.WorkOrders[1].Metadata)
		}
		for _, i := range []int{0, 2, 4} { // known codes and an empty code carry no unmapped entry
			if _, ok := resp.WorkOrders[i].Metadata["unmapped"]; ok {
				t.Errorf("%s: unexpected unmapped entry %v", resp.WorkOrders[i].ID, resp.WorkOrders[i].Metadata)
			}
		}
		// one notice per distinct code and call: CAL and EV.
		var got []abi.Notice
		for _, l := range h.Logs() {
			if n, ok := abi.NoticeFromFields(l.Fields); ok {
				if l.Level != abi.LogWarn || l.Message == "" {
					t.Errorf("notice logged as %s %q", l.Level, l.Message)
				}
				got = append(got, n)
			}
		}
		if len(got) != 2*call || got[2*call-2].Code != "CAL" || got[2*call-1].Code != "EV" || got[0].Field != "worktype" || got[0].Fallback != "corrective" {
			t.Fatalf("call %d: notices %+v", call, got)
		}
	}
}

func TestNoticeFieldsRoundTrip(t *testing.T) {
	for _, n := range []abi.Notice{
		{Kind: abi.NoticeUnmapped, Field: "status", Code: "ONHOLD", Fallback: "created"},
		{Kind: abi.NoticeRebased, Field: "nextPage", Code: "http://localhost", Fallback: "https://m.example"},
		{Kind: abi.NoticeSkipped, Field: "assetnum", Code: "mxapioperloc", Count: 3},
	} {
		f := n.Fields()
		// through JSON, numbers come back as float64.
		if c, ok := f["count"].(int); ok {
			f["count"] = float64(c)
		}
		back, ok := abi.NoticeFromFields(f)
		if !ok || back != n || n.Message() == "" {
			t.Errorf("%+v → %v → %+v", n, f, back)
		}
	}
	if _, ok := abi.NoticeFromFields(map[string]any{"x": 1}); ok {
		t.Error("plain fields read as a notice")
	}
}
