package messaging_test

import (
	"context"
	"testing"
)

// BenchmarkTelegramSendWasm sends one message through the router, the wasm
// plugin, the policy host (url_path token insertion, scrubbing) and the Bot
// API simulator on loopback.
func BenchmarkTelegramSendWasm(b *testing.B) {
	w := newWorld(b, "telegram")
	r := w.router(b, nil)
	ctx := context.Background()
	for b.Loop() {
		if _, err := r.SendTo(ctx, "telegram", "4242", "Work order WO-1 created."); err != nil {
			b.Fatal(err)
		}
	}
}
