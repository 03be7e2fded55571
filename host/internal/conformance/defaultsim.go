package conformance

import (
	"os"
	"strings"

	"github.com/machina-go/machina/abi"

	"github.com/machina-go/machina/host/internal/manifest"
	"github.com/machina-go/machina/host/internal/wasmfile"
)

// DefaultSimulator picks the simulator for a module when none is named: a
// plugin called cmms-<name> (from its embedded manifest) is tested against
// simulator <name> when the kit knows one, anything else against maximo.
// It reads the manifest without executing the module.
func DefaultSimulator(module string) string {
	b, err := os.ReadFile(module)
	if err != nil {
		return "maximo"
	}
	mod, err := wasmfile.Parse(b)
	if err != nil {
		return "maximo"
	}
	m, _, err := manifest.FromModule(mod)
	if err != nil {
		return "maximo"
	}
	if m.Kind == abi.KindMessaging {
		if m.Mail {
			return SimEmail
		}
		return SimTelegram
	}
	if name, ok := strings.CutPrefix(m.Name, "cmms-"); ok {
		if _, known := Simulators()[name]; known {
			return name
		}
	}
	return "maximo"
}
