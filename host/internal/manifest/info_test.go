package manifest_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/machina-go/machina/host/internal/manifest"
	"github.com/machina-go/machina/host/internal/testplugin"
	"github.com/machina-go/machina/pdk"
)

// Plugins register with the name and version pdk.ParseInfo reads from their
// embedded plugin.toml; the host reads the same file with the TOML decoder.
// Both must agree on every manifest in the repository.
func TestPDKParseInfoAgreesWithTheHost(t *testing.T) {
	n := 0
	err := filepath.WalkDir(testplugin.Root(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.Name() != "plugin.toml" {
			return nil
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		m, err := manifest.Parse(text)
		if err != nil {
			return nil // deliberately broken test manifests
		}
		info, err := pdk.ParseInfo(string(text))
		if err != nil || info.Name != m.Name || info.Version != m.Version {
			t.Errorf("%s: pdk reads %+v (%v), the host %s %s", path, info, err, m.Name, m.Version)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Fatalf("only %d manifests found", n)
	}
}
