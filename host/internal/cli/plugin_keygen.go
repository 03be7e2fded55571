package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/machina-go/machina/host/internal/pluginsig"
)

func runPluginKeygen(_ context.Context, c *cli, fs *flag.FlagSet, args []string) int {
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
		return c.fail(fs, err)
	}
	fmt.Fprintf(c.stdout, "private key: %s (keep it secret; mode 0600)\npublic key file: %s\nkey id: %s\npublic_key = %q\n",
		keyPath, pubPath, pluginsig.KeyID(pub), pluginsig.EncodePublicKey(pub))
	return 0
}
