package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/demo"
	hostopcua "github.com/machina-go/machina/host/internal/opcua"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
)

// securityFlag collects repeated --security POLICY[:MODE] values.
type securityFlag []simopcua.Security

func (s *securityFlag) String() string { return fmt.Sprint(*s) }

func (s *securityFlag) Set(v string) error {
	sec, err := simopcua.ParseSecurity(v)
	if err != nil {
		return err
	}
	*s = append(*s, sec)
	return nil
}

// fileList collects repeated file flags.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

// runSimOPCUA implements "machina sim opcua": it runs the demo plant
// server until ctx ends. Exit codes: 0 ok, 1 failure, 2 usage.
func runSimOPCUA(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	stdout, stderr := c.stdout, c.stderr
	listen := fs.String("listen", "127.0.0.1:4840", "`host:port` to listen on (port 0 picks a free port)")
	seed := fs.Uint64("seed", 1, "simulation seed (the same seed gives the same values)")
	tick := fs.Duration("tick", time.Second, "simulation period; 0 keeps values constant")
	var sec securityFlag
	fs.Var(&sec, "security", "offer a secure endpoint `POLICY[:MODE]` (Basic256Sha256, Aes128_Sha256_RsaOaep, Aes256_Sha256_RsaPss; mode Sign or SignAndEncrypt, default SignAndEncrypt); repeatable")
	noNone := fs.Bool("no-none", false, "do not offer the unsecured None endpoint")
	certFile := fs.String("cert-file", "", "server certificate `file` (PEM/DER); generated in memory when empty and --security is set")
	keyFile := fs.String("key-file", "", "server RSA key `file` for --cert-file")
	var trustClients fileList
	fs.Var(&trustClients, "trust-client", "trust only these client certificate `file`s (PEM/DER) on secure endpoints; repeatable (default: any client certificate)")
	writeCert := fs.String("write-cert", "", "write the server certificate (PEM) to `file` so clients can trust it")
	printConfig := fs.Bool("print-config", false, "print a machina.toml [[opcua.endpoint]] block for this simulator to stdout")
	jsonOut := fs.Bool("json", false, "print the endpoint and its points as JSON to stdout once listening")
	verbose := fs.Bool("v", false, "debug logging")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	level := hclog.Info
	if *verbose {
		level = hclog.Debug
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "machina", Output: stderr, Level: level})
	t := *tick
	if t == 0 {
		t = -1
	}
	var trusted [][]byte
	for _, f := range trustClients {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(stderr, "machina sim opcua:", err)
			return 1
		}
		trusted = append(trusted, b)
	}
	s, err := simopcua.Start(ctx, simopcua.Options{Addr: *listen, Security: sec, DisableNone: *noNone, CertFile: *certFile, KeyFile: *keyFile,
		Seed: *seed, Tick: t, Logger: log, TrustedClients: trusted})
	if err != nil {
		fmt.Fprintln(stderr, "machina sim opcua:", err)
		return 1
	}
	defer s.Close()
	if *writeCert != "" {
		pemBytes := s.CertificatePEM()
		if pemBytes == nil {
			fmt.Fprintln(stderr, "machina sim opcua: --write-cert needs --security (there is no certificate otherwise)")
			return 2
		}
		if err := os.WriteFile(*writeCert, pemBytes, 0o644); err != nil {
			fmt.Fprintln(stderr, "machina sim opcua:", err)
			return 1
		}
	}
	if *printConfig {
		ec := demo.OPCUAEndpoint("demo-plant", s.URL())
		if len(sec) > 0 {
			ec.SecurityPolicy, ec.SecurityMode = sec[0].Policy, sec[0].Mode
			ec.CertFile, ec.KeyFile, ec.TrustDir = "pki/machina.pem", "pki/machina.key", "pki/trusted"
		}
		doc := struct {
			OPCUA hostopcua.Config `toml:"opcua"`
		}{hostopcua.Config{Endpoints: []hostopcua.EndpointConfig{ec}}}
		if err := toml.NewEncoder(stdout).Encode(doc); err != nil {
			fmt.Fprintln(stderr, "machina sim opcua:", err)
			return 1
		}
	}
	if *jsonOut {
		_ = json.NewEncoder(stdout).Encode(map[string]any{"url": s.URL(), "points": s.Points()})
	}
	<-ctx.Done()
	return 0
}
