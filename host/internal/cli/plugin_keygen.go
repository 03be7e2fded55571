package cli

import (
	"context"
	"fmt"

	"github.com/machina-go/machina/host/internal/pluginsig"
)

func runPluginKeygen(_ context.Context, c *cli, args []string) int {
	fs := c.flagSet("machina plugin keygen", "Usage: machina plugin keygen --out DIR [--name NAME]\n\n"+
		"Writes a new ed25519 signing key pair: DIR/NAME.key (PKCS#8 PEM, mode 0600)\n"+
		"and DIR/NAME.pub, and prints the public key to put in machina.toml as\n"+
		"public_key. Existing files are never overwritten.")
	out := fs.String("out", "", "directory for the key pair (created 0700 if missing)")
	name := fs.String("name", "machina-plugin", "file name stem: NAME.key (private, 0600) and NAME.pub")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	if *out == "" {
		fs.Usage()
		return 2
	}
	pub, keyPath, pubPath, err := pluginsig.GenerateKey(*out, *name)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina plugin keygen:", err)
		return 1
	}
	fmt.Fprintf(c.stdout, "private key: %s (keep it secret; mode 0600)\npublic key file: %s\nkey id: %s\npublic_key = %q\n",
		keyPath, pubPath, pluginsig.KeyID(pub), pluginsig.EncodePublicKey(pub))
	return 0
}
