package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/machina-go/machina/host/opcua"
)

// runOPCUA dispatches "machina opcua <subcommand>".
func runOPCUA(ctx context.Context, c *cli, args []string) int {
	usage := func() {
		fmt.Fprintln(c.stderr, "Usage: machina opcua <subcommand> [flags]\n\nSubcommands:\n"+
			"  gen-cert   create a self-signed OPC-UA client application certificate and key\n\n"+
			"Run 'machina opcua <subcommand> -h' for its flags.")
	}
	if len(args) == 0 {
		usage()
		return 2
	}
	switch args[0] {
	case "gen-cert":
		return runOPCUAGenCert(ctx, c, args[1:])
	case "-h", "--help", "help":
		usage()
		return 0
	}
	fmt.Fprintf(c.stderr, "machina opcua: unknown subcommand %q\n\n", args[0])
	usage()
	return 2
}

// hostList collects repeated --host values.
type hostList []string

func (h *hostList) String() string { return strings.Join(*h, ",") }

func (h *hostList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*h = append(*h, s)
		}
	}
	return nil
}

func runOPCUAGenCert(_ context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("machina opcua gen-cert", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	out := fs.String("out", "", "`directory` for the certificate and key (created 0700 if missing)")
	name := fs.String("name", "machina", "file name stem: NAME.pem (certificate) and NAME.key (RSA key, mode 0600)")
	var hosts hostList
	fs.Var(&hosts, "host", "DNS name or IP address for the certificate's subject alternative names; repeatable (default: localhost, 127.0.0.1 and this machine's host name)")
	days := fs.Int("days", 365, "validity in days")
	uri := fs.String("uri", "", "OPC-UA application URI (default urn:<first host>:machina:<cn>)")
	cn := fs.String("cn", "machina", "certificate common name")
	bits := fs.Int("bits", 2048, "RSA key size (2048, 3072 or 4096)")
	jsonOut := fs.Bool("json", false, "print the result as JSON")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: machina opcua gen-cert --out DIR [--host NAME]... [--days N] [--uri URI] [--json]\n\n"+
			"Writes a self-signed OPC-UA application instance certificate DIR/NAME.pem and its RSA key\n"+
			"DIR/NAME.key (mode 0600) for [[opcua.endpoint]] cert_file/key_file. The certificate carries the\n"+
			"application URI as URI SAN, the hosts as DNS/IP SANs and the key usages OPC-UA requires.\n"+
			"Existing files are never overwritten. Put the certificate in the OPC-UA server's trusted\n"+
			"client list, and the server's certificate in trust_dir.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	if *days <= 0 || *days > 3650 {
		fmt.Fprintln(c.stderr, "machina opcua gen-cert: --days must be between 1 and 3650")
		return 2
	}
	switch *bits {
	case 2048, 3072, 4096:
	default:
		fmt.Fprintln(c.stderr, "machina opcua gen-cert: --bits must be 2048, 3072 or 4096")
		return 2
	}
	certPath, keyPath, err := opcua.WriteCertificate(*out, *name, opcua.CertOptions{
		Hosts: hosts, ApplicationURI: *uri, CommonName: *cn, Bits: *bits,
		Validity: time.Duration(*days) * 24 * time.Hour,
	})
	if err != nil {
		fmt.Fprintln(c.stderr, "machina opcua gen-cert:", err)
		return 1
	}
	info, err := describeCert(certPath)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina opcua gen-cert:", err)
		return 1
	}
	info["certificate"], info["key"] = certPath, keyPath
	if *jsonOut {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(info)
		return 0
	}
	fmt.Fprintf(c.stdout, "certificate: %s\nkey: %s (mode 0600)\napplication URI: %s\nsubject alternative names: %s\nvalid until: %s\nsha256 thumbprint: %s\n\n"+
		"In machina.toml:\n  cert_file = %q\n  key_file = %q\n",
		certPath, keyPath, info["application_uri"], strings.Join(info["sans"].([]string), ", "), info["not_after"], info["sha256"], certPath, keyPath)
	return 0
}

func describeCert(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: not PEM", path)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(cert.Raw)
	sans := append([]string{}, cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		sans = append(sans, ip.String())
	}
	uri := ""
	if len(cert.URIs) > 0 {
		uri = cert.URIs[0].String()
	}
	return map[string]any{
		"application_uri": uri, "sans": sans, "not_after": cert.NotAfter.UTC().Format(time.RFC3339),
		"sha256": hex.EncodeToString(sum[:]), "subject": cert.Subject.String(),
	}, nil
}
