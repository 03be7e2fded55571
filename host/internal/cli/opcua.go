package cli

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/machina-go/machina/internal/opcuacert"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/opcua"
)

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

func runOPCUAGenCert(_ context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	out := fs.String("out", "", "`directory` for the certificate and key (created 0700 if missing)")
	name := fs.String("name", "machina", "file name stem: NAME.pem (certificate) and NAME.key (RSA key, mode 0600)")
	var hosts hostList
	fs.Var(&hosts, "host", "DNS name or IP address for the certificate's subject alternative names; repeatable (default: localhost, 127.0.0.1 and this machine's host name)")
	days := fs.Int("days", 365, "validity in days")
	uri := fs.String("uri", "", "OPC-UA application URI (default urn:<first host>:machina:<cn>)")
	cn := fs.String("cn", "machina", "certificate common name")
	bits := fs.Int("bits", 2048, "RSA key size (2048, 3072 or 4096)")
	asJSON := addJSONFlag(fs, "print the result as JSON")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	if *out == "" {
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
	certPath, keyPath, err := opcuacert.WriteCertificate(*out, *name, opcuacert.CertOptions{
		Hosts: hosts, ApplicationURI: *uri, CommonName: *cn, Bits: *bits,
		Validity: time.Duration(*days) * 24 * time.Hour,
	})
	if err != nil {
		return c.fail(fs, err)
	}
	info, err := describeCert(certPath)
	if err != nil {
		return c.fail(fs, err)
	}
	info["certificate"], info["key"] = certPath, keyPath
	if err := asJSON.print(c, info, func(w io.Writer) { printCert(w, info) }); err != nil {
		return c.fail(fs, err)
	}
	return 0
}

// printCert prints what gen-cert wrote for people.
func printCert(w io.Writer, info map[string]any) {
	certPath, keyPath := info["certificate"], info["key"]
	fmt.Fprintf(w, "certificate: %s\nkey: %s (mode 0600)\napplication URI: %s\nsubject alternative names: %s\nvalid until: %s\nsha256 thumbprint: %s\n\n"+
		"In machina.toml:\n  cert_file = %q\n  key_file = %q\n",
		certPath, keyPath, info["application_uri"], strings.Join(info["sans"].([]string), ", "), info["not_after"], info["sha256"], certPath, keyPath)
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

// opcuaCheckConfig is the [opcua] table of cfg, only the endpoint named
// only when set; a non-zero code is the exit status of an unusable one.
func opcuaCheckConfig(c *cli, cfg *config.Config, path, only string) (opcua.Config, int) {
	ocfg, err := app.OPCUAConfig(cfg)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina opcua check:", err)
		return ocfg, 1
	}
	if only != "" {
		var keep []opcua.EndpointConfig
		for _, e := range ocfg.Endpoints {
			if e.Name == only {
				keep = append(keep, e)
			}
		}
		if len(keep) == 0 {
			fmt.Fprintf(c.stderr, "machina opcua check: no endpoint named %q in %s\n", only, path)
			return ocfg, 2
		}
		ocfg.Endpoints = keep
	}
	if len(ocfg.Endpoints) == 0 {
		fmt.Fprintf(c.stderr, "machina opcua check: %s has no [[opcua.endpoint]]\n", path)
		return ocfg, 1
	}
	return ocfg, 0
}

// checkResult is one endpoint in "machina opcua check --json".
type checkResult struct {
	Health   opcua.EndpointHealth `json:"health"`
	Readings []opcua.Reading      `json:"readings,omitempty"`
	Error    string               `json:"error,omitempty"`
}

func runOPCUACheck(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	cfgPath := fs.String("config", "machina.toml", "configuration `file`")
	only := fs.String("endpoint", "", "check only the endpoint with this `name`")
	timeout := fs.Duration("timeout", 15*time.Second, "how long to wait for each session")
	asJSON := addJSONFlag(fs, "print the result as JSON")
	verbose := fs.Bool("v", false, "log connection attempts to stderr")
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	cfg, err := config.Load(*cfgPath, c.getenv)
	if err != nil {
		return c.fail(fs, err)
	}
	ocfg, code := opcuaCheckConfig(c, cfg, *cfgPath, *only)
	if code != 0 {
		return code
	}
	level := "off"
	if *verbose {
		level = "info"
	}
	a, err := app.Build(ctx, cfg, app.OPCUA, app.Options{Stderr: c.stderr, Getenv: c.getenv, Version: version, LogLevel: level, OPCUA: &ocfg})
	if err == nil {
		err = a.Failure("opcua")
		defer a.Close()
	}
	if err != nil {
		return c.fail(fs, err)
	}
	results, code := checkEndpoints(ctx, a.OPCUA, ocfg.Endpoints, *timeout)
	if err := asJSON.print(c, results, func(w io.Writer) { printCheck(w, results) }); err != nil {
		return c.fail(fs, err)
	}
	return code
}

// checkEndpoints waits for each endpoint's session and reads its aliases;
// code is 1 when one is unreachable, unreadable or not Running.
func checkEndpoints(ctx context.Context, m *opcua.Manager, eps []opcua.EndpointConfig, timeout time.Duration) (results []checkResult, code int) {
	for _, e := range eps {
		cl, _ := m.Client(e.Name)
		wctx, cancel := context.WithTimeout(ctx, timeout)
		werr := cl.WaitConnected(wctx)
		cancel()
		r := checkResult{Health: cl.Health(ctx)}
		if werr != nil {
			r.Error = werr.Error()
			code = 1
		} else {
			var names []string
			for _, a := range e.Aliases {
				names = append(names, a.Name)
			}
			if len(names) > 0 {
				rs, err := m.Read(ctx, names...)
				r.Readings = rs
				if err != nil {
					r.Error = err.Error()
					code = 1
				}
			}
			if r.Health.Status != opcua.HealthOK {
				code = 1
			}
		}
		results = append(results, r)
	}
	return results, code
}

func printCheck(w io.Writer, results []checkResult) {
	for _, r := range results {
		h := r.Health
		fmt.Fprintf(w, "%s  %s  %s (%s/%s)  state=%s server=%s\n", h.Name, strings.ToUpper(h.Status), h.URL, h.SecurityPolicy, h.SecurityMode, h.State, h.ServerState)
		if r.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", r.Error)
		}
		for _, rd := range r.Readings {
			v := fmt.Sprint(rd.Value)
			if rd.Quality != "good" {
				v = rd.Quality
			}
			fmt.Fprintf(w, "  %-28s %-26s %s %s\n", rd.Alias, rd.NodeID, v, rd.Unit)
		}
	}
}
