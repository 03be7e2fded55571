package main

import (
	"testing"

	"github.com/machina-go/machina/internal/plugintest"
)

// Acceptance: `machina plugin test cmms-rest.wasm --preset upkeep` and
// `--preset maintainx` pass against the simulator speaking each vendor's
// documented API. Checks of operations a preset does not configure are
// skipped (UpKeep has no closed or cancelled status; neither preset has
// maintenance plans), never failed.
func TestConformanceKitPassesForEachPreset(t *testing.T) {
	for _, preset := range []string{"upkeep", "maintainx"} {
		t.Run(preset, func(t *testing.T) {
			rep := plugintest.Conforms(t, "plugins/cmms-rest", "rest", "--preset", preset)
			if rep.Passed < 24 {
				t.Fatalf("only %d checks passed", rep.Passed)
			}
		})
	}
}
