package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The plugin is built as a third party would build it: its own code
// imports only the standard library, abi and pdk, and nothing it depends on
// is under host/.
func TestImportsOnlyTheVendorContract(t *testing.T) {
	run := func(args ...string) []string {
		cmd := exec.Command("go", append([]string{"list"}, args...)...)
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		out, err := cmd.Output()
		if err != nil {
			t.Skipf("go list unavailable: %v", err)
		}
		return strings.Fields(string(out))
	}
	const mod = "github.com/machina-go/machina/"
	for _, imp := range run("-f", `{{join .Imports " "}}`, ".") {
		if strings.Contains(imp, ".") && imp != mod+"abi" && imp != mod+"pdk" {
			t.Errorf("cmms-rest imports %s; a plugin may import only abi and pdk from this module", imp)
		}
	}
	for _, dep := range run("-deps", ".") {
		if strings.HasPrefix(dep, mod+"host") {
			t.Errorf("cmms-rest depends on %s", dep)
		}
	}
}
