package cli

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/machina-go/machina/host/internal/pluginsig"
)

func runPluginSign(_ context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	keyFile := fs.String("key", "", "path of the ed25519 private key file (from `machina plugin keygen`; mode 0600)")
	out := fs.String("o", "", "write the signed module here (default: sign FILE in place)")
	file, code, ok := parseArg(fs, args)
	if !ok {
		return code
	}
	if file == "" || *keyFile == "" {
		fs.Usage()
		return 2
	}
	key, err := pluginsig.LoadPrivateKey(*keyFile)
	if err != nil {
		return c.fail(fs, err)
	}
	wasm, err := os.ReadFile(file)
	if err != nil {
		return c.fail(fs, err)
	}
	signed, err := pluginsig.Sign(wasm, key)
	if err != nil {
		return c.fail(fs, err)
	}
	dst := *out
	if dst == "" {
		dst = file
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(file); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".sign-*.wasm")
	if err != nil {
		return c.fail(fs, err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(signed)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		fmt.Fprintln(c.stderr, "machina plugin sign: writing:", werr, cerr)
		return 1
	}
	_ = os.Chmod(tmp.Name(), mode)
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return c.fail(fs, err)
	}
	sum := sha256.Sum256(signed)
	pub, _ := key.Public().(ed25519.PublicKey)
	fmt.Fprintf(c.stdout, "signed %s with key %s\nsha256 %s\n", dst, pluginsig.KeyID(pub), hex.EncodeToString(sum[:]))
	return 0
}
