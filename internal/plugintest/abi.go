package plugintest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/machina-go/machina/abi"
)

// WantCode fails the test unless err is an *abi.Error with code, and
// returns it.
func WantCode(tb testing.TB, err error, code abi.Code) *abi.Error {
	tb.Helper()
	var ae *abi.Error
	if !errors.As(err, &ae) || ae.Code != code {
		tb.Fatalf("want %s error, got %v", code, err)
	}
	return ae
}

// ServesKind fails the test for each operation the fixed ABI table defines
// for kind that ops (a runner's Operations) lacks, except the listed ones.
func ServesKind(tb testing.TB, ops []abi.OpName, kind abi.Kind, except ...abi.OpName) {
	tb.Helper()
	for _, op := range abi.Operations() {
		if op.ForKind(kind) && !slices.Contains(except, op.Name) && !slices.Contains(ops, op.Name) {
			tb.Errorf("descriptor lacks %s", op.Name)
		}
	}
}

// RejectsConfigs fails the test for each configuration init accepts.
func RejectsConfigs(tb testing.TB, init func(cfg map[string]any) error, cfgs []map[string]any) {
	tb.Helper()
	for _, cfg := range cfgs {
		if err := init(cfg); err == nil {
			tb.Errorf("config %v accepted", cfg)
		}
	}
}

// Poller polls a messaging plugin as the host does after handling each
// batch: with the previous batch's cursor as the acknowledgement.
type Poller struct {
	// Call runs an operation of the plugin (natively or through a host).
	Call func(ctx context.Context, op abi.OpName, req, resp any) error
	ack  string
}

// Poll polls, acknowledging the previous batch.
func (p *Poller) Poll(tb testing.TB) abi.PollResponse {
	tb.Helper()
	resp := p.PollAck(tb, p.ack)
	p.ack = resp.Cursor
	return resp
}

// PollAck polls with the given acknowledgement ("" acknowledges nothing).
func (p *Poller) PollAck(tb testing.TB, ack string) abi.PollResponse {
	tb.Helper()
	var resp abi.PollResponse
	if err := p.Call(context.Background(), abi.OpPoll, abi.PollRequest{Ack: ack}, &resp); err != nil {
		tb.Fatal(err)
	}
	return resp
}
