// Package testcache provides the wazero compilation cache directory that
// the test processes of this user share, so that a plugin module compiled
// by one test (or test package) is not compiled again by the next: under
// the race detector compiling a plugin costs tens of seconds.
//
// Test support only; it has no dependencies so that both host/internal
// test helpers and internal/plugintest can use it.
package testcache

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Dir returns the shared cache directory, created with mode 0700 (the host
// refuses a compilation cache that others can write: it holds native code).
func Dir(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), "machina-test-wazero-cache-"+strconv.Itoa(os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// Share makes the compilation cache of a host whose data directory is
// dataDir (<data_dir>/cache/wazero) a link to Dir, so that the host does not
// compile again what another test already compiled.
func Share(tb testing.TB, dataDir string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Join(dataDir, "cache"), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.Symlink(Dir(tb), filepath.Join(dataDir, "cache", "wazero")); err != nil {
		tb.Fatal(err)
	}
}
