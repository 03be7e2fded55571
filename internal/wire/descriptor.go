package wire

import (
	"fmt"
	"slices"

	"github.com/machina-go/machina/abi"
)

// Descriptor is the output of machina_describe: what the plugin says it is.
// The host checks it against the embedded manifest and the operation table.
type Descriptor struct {
	ABI        string       `json:"abi"`
	Name       string       `json:"name"`
	Version    string       `json:"version"`
	Kind       abi.Kind     `json:"kind"`
	Operations []abi.OpName `json:"operations"`
	// Capabilities is informational: the host derives the capabilities a
	// plugin serves from Operations with CapabilitiesOf.
	Capabilities []abi.Capability `json:"capabilities"`
}

// ValidName reports whether s is a valid plugin name: lower case letters,
// digits and dashes, starting with a letter, at most 63 characters
// (^[a-z][a-z0-9-]{0,62}$). It is written out rather than a regexp: the
// PDK links this package into every plugin, and a regexp there keeps the
// unicode tables' maps alive, whose initialisation costs every new wasm
// instance milliseconds.
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Validate checks the descriptor against the ABI: a compatible version, a
// valid name and kind, and only operations of the table defined for that
// kind. health is mandatory.
func (d *Descriptor) Validate() error {
	if err := abi.CheckCompatible(d.ABI); err != nil {
		return err
	}
	if !ValidName(d.Name) {
		return fmt.Errorf("descriptor: invalid plugin name %q", d.Name)
	}
	if !d.Kind.Valid() {
		return fmt.Errorf("descriptor: unknown kind %q", d.Kind)
	}
	seen := map[abi.OpName]bool{}
	for _, n := range d.Operations {
		op, ok := abi.LookupOperation(n)
		if !ok {
			return fmt.Errorf("descriptor: unknown operation %q", n)
		}
		if !op.ForKind(d.Kind) {
			return fmt.Errorf("descriptor: operation %q is not defined for %s plugins", n, d.Kind)
		}
		if seen[n] {
			return fmt.Errorf("descriptor: operation %q listed twice", n)
		}
		seen[n] = true
	}
	if !seen[abi.OpHealth] {
		return fmt.Errorf("descriptor: operation %q is mandatory", abi.OpHealth)
	}
	return nil
}

// Has reports whether the descriptor lists the operation.
func (d *Descriptor) Has(n abi.OpName) bool { return slices.Contains(d.Operations, n) }
