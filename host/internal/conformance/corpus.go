package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/trace"
	"github.com/machina-go/machina/internal/sim/simcorpus"
)

// corpusChecks runs every corpus scenario through the plugin, as loaded by
// the host: the simulator serves the scenario's recorded payloads, the
// plugin (freshly loaded with the scenario's configuration, so the host's
// once-per-plugin notice memory is fresh) is called twice, and the check
// "corpus/<name>" passes when each response contains what the corpus
// expects, the trace holds exactly the expected notices once each, and no
// request was refused for leaving the granted origin.
func (r *run) corpusChecks(cs CorpusServer) {
	scs, err := cs.Scenarios()
	if err != nil {
		r.record(Check{Name: "corpus", Status: Fail, Expected: "the simulator's corpus scenarios load", Got: err.Error()})
		return
	}
	defer func() { _ = cs.ServeScenario(nil) }()
	for i := range scs {
		sc := scs[i]
		if len(r.opts.Corpus) > 0 && !slices.Contains(r.opts.Corpus, sc.Name) {
			continue
		}
		r.report.Corpus = append(r.report.Corpus, CorpusScenario{Name: sc.Name, Shape: sc.Shape, Source: sc.Source})
		expected := fmt.Sprintf("%s: %s returns what %s expects (SOURCES.md)", sc.Shape, sc.Op, sc.Source)
		if !r.desc.Has(sc.Op) {
			r.record(Check{Name: "corpus/" + sc.Name, Status: Skip, Expected: expected, Got: "not run: the plugin does not declare " + string(sc.Op)})
			continue
		}
		start := time.Now()
		got, ok := r.corpusScenario(cs, &sc)
		st := Pass
		if !ok {
			st = Fail
		}
		r.record(Check{Name: "corpus/" + sc.Name, Status: st, Expected: expected, Got: got, DurationMS: ms(time.Since(start))})
	}
}

// checkCorpusNames returns an error when names (Options.Corpus) asks for a
// scenario sim does not serve.
func checkCorpusNames(sim Simulator, names []string) error {
	if len(names) == 0 {
		return nil
	}
	cs, ok := sim.(CorpusServer)
	if !ok {
		return fmt.Errorf("the %s simulator serves no corpus scenarios", sim.Name())
	}
	scs, err := cs.Scenarios()
	if err != nil {
		return err
	}
	known := make([]string, len(scs))
	for i, sc := range scs {
		known[i] = sc.Name
	}
	for _, n := range names {
		if !slices.Contains(known, n) {
			return fmt.Errorf("unknown corpus scenario %q (known: %s)", n, strings.Join(known, ", "))
		}
	}
	return nil
}

// traceTap collects the plugin_notice and refused plugin_http entries the
// tracer writes while it is subscribed; sync waits until everything
// recorded before it has been written.
type traceTap struct {
	mu      sync.Mutex
	notices []abi.Notice
	refused []string
	marker  string
	synced  chan struct{}
}

// sync records a marker entry and waits until the tracer has written it
// (entries are written in order).
func (t *traceTap) sync(tr *trace.Tracer) bool {
	t.mu.Lock()
	t.marker, t.synced = trace.NewID(), make(chan struct{})
	done := t.synced
	t.mu.Unlock()
	tr.Record(trace.Entry{ID: t.marker, Action: "conformance_sync", Success: true})
	select {
	case <-done:
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

func (t *traceTap) observe(e trace.Entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.ID == t.marker && t.synced != nil {
		close(t.synced)
		t.synced = nil
		return
	}
	switch e.Action {
	case trace.ActionPluginNotice:
		n := abi.Notice{Kind: abi.NoticeKind(e.Operation)}
		n.Field, _ = e.Metadata["field"].(string)
		n.Code, _ = e.Metadata["code"].(string)
		t.notices = append(t.notices, n)
	case trace.ActionPluginHTTP:
		if e.Metadata["refused"] == true {
			t.refused = append(t.refused, e.HTTPOrigin+e.HTTPPath+": "+e.Error)
		}
	}
}

func (r *run) corpusScenario(cs CorpusServer, sc *simcorpus.Scenario) (string, bool) {
	if err := cs.ServeScenario(sc); err != nil {
		return "serving the scenario: " + err.Error(), false
	}
	prof, secrets, _ := r.sim.Auth()
	_, l, err := r.load(r.ctx, r.name, prof, secrets, sc.Config)
	if err != nil {
		return "loading the plugin with the scenario's configuration: " + err.Error(), false
	}
	defer l.Close(context.Background())
	tap := &traceTap{}
	unsubscribe := r.tracer.Subscribe(tap.observe)
	var diffs []string
	for call := 1; call <= 2 && len(diffs) == 0; call++ {
		var resp any
		if err := r.callDirect(l, sc.Op, sc.RequestValue(), &resp); err != nil {
			unsubscribe()
			return fmt.Sprintf("call %d: %s", call, errText(err)), false
		}
		d, err := sc.MatchResponse(resp)
		if err != nil {
			unsubscribe()
			return err.Error(), false
		}
		for _, x := range d {
			diffs = append(diffs, fmt.Sprintf("call %d: %s", call, x))
		}
	}
	synced := tap.sync(r.tracer)
	unsubscribe()
	if !synced {
		diffs = append(diffs, "the trace did not catch up within 10 s")
	}
	tap.mu.Lock()
	diffs = append(diffs, sc.CheckNotices(tap.notices)...)
	for _, x := range tap.refused {
		diffs = append(diffs, "request refused off the granted origin: "+x)
	}
	n := len(tap.notices)
	tap.mu.Unlock()
	if len(diffs) > 0 {
		return strings.Join(diffs, "; "), false
	}
	b, _ := json.Marshal(sc.Expect)
	return fmt.Sprintf("matches (%d bytes of expectations), %d notices traced once each", len(b), n), true
}
