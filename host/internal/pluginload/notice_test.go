package pluginload

import (
	"context"
	"testing"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/policy"
	"github.com/machina-go/machina/host/internal/trace"
)

// A notice the policy host passes on becomes a plugin_notice trace entry,
// a child of the plugin call, with the notice in its metadata.
func TestNoticeIsTraced(t *testing.T) {
	tr, err := trace.New(trace.Options{Dir: t.TempDir(), Keep: 10})
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan trace.Entry, 1)
	defer tr.Subscribe(func(e trace.Entry) {
		if e.Action == trace.ActionPluginNotice {
			seen <- e
		}
	})()
	o := TraceObserver{Tracer: tr, Plugin: "cmms-maximo", SHA256: "abc"}
	ctx := trace.WithCall(context.Background(), trace.Call{ParentID: "call-1"})
	o.ObserveNotice(ctx, policy.NoticeEvent{Plugin: "cmms-maximo", Message: `unmapped worktype code "CAL"; used "corrective"`,
		Notice: abi.Notice{Kind: abi.NoticeUnmapped, Field: "worktype", Code: "CAL", Fallback: "corrective"}})
	select {
	case e := <-seen:
		if e.ParentID != "call-1" || e.Operation != "unmapped_code" || e.Metadata["code"] != "CAL" || e.Metadata["field"] != "worktype" ||
			e.Metadata["level"] != "warn" || e.Plugin != "cmms-maximo" || e.OutputSummary == "" {
			t.Fatalf("entry %+v", e)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no plugin_notice entry")
	}
	_ = tr.Close(context.Background())
}
