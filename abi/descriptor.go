package abi

import (
	"fmt"
	"regexp"
)

// Descriptor is the output of machina_describe: what the plugin says it is.
// The host checks it against the embedded manifest and the operation table.
type Descriptor struct {
	ABI        string   `json:"abi"`
	Name       string   `json:"name"`
	Version    string   `json:"version"`
	Kind       Kind     `json:"kind"`
	Operations []OpName `json:"operations"`
	// Capabilities is informational: the host derives the capabilities a
	// plugin serves from Operations with CapabilitiesOf.
	Capabilities []Capability `json:"capabilities"`
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// ValidName reports whether s is a valid plugin name: lower case letters,
// digits and dashes, starting with a letter, at most 63 characters.
func ValidName(s string) bool { return nameRE.MatchString(s) }

// Validate checks the descriptor against the ABI: a compatible version, a
// valid name and kind, and only operations of the table defined for that
// kind. health is mandatory.
func (d *Descriptor) Validate() error {
	if err := CheckCompatible(d.ABI); err != nil {
		return err
	}
	if !ValidName(d.Name) {
		return fmt.Errorf("descriptor: invalid plugin name %q", d.Name)
	}
	if !d.Kind.Valid() {
		return fmt.Errorf("descriptor: unknown kind %q", d.Kind)
	}
	seen := map[OpName]bool{}
	for _, n := range d.Operations {
		op, ok := LookupOperation(n)
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
	if !seen[OpHealth] {
		return fmt.Errorf("descriptor: operation %q is mandatory", OpHealth)
	}
	return nil
}

// Has reports whether the descriptor lists the operation.
func (d *Descriptor) Has(n OpName) bool { return oneOf(n, d.Operations) }
