package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/machina-go/machina/host/internal/audit"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/policy"
)

func runPluginAudit(_ context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	asJSON := addJSONFlag(fs, "print the report as JSON")
	cfgPath := fs.String("config", "", "machina.toml: also check the sha256 pin, signature, config keys and the grant of the [[plugin]] entry with the module's manifest name")
	file, wasm, code, ok := c.requireFile(fs, args)
	if !ok {
		return code
	}
	opts := audit.Options{File: file}
	var cfgNote string
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath, c.getenv)
		if err != nil {
			return c.fail(fs, err)
		}
		pre, err := audit.Audit(wasm, opts)
		if err != nil {
			return c.fail(fs, err)
		}
		for i := range cfg.Plugins {
			if cfg.Plugins[i].Name == pre.Name {
				opts.Plugin = &cfg.Plugins[i]
			}
		}
		if opts.Plugin == nil {
			cfgNote = fmt.Sprintf("%s has no [[plugin]] entry named %q: nothing is granted", *cfgPath, pre.Name)
			opts.Plugin = &config.Plugin{Name: pre.Name, AllowUnpinned: true}
		}
	}
	rep, err := audit.Audit(wasm, opts)
	if err != nil {
		return c.fail(fs, err)
	}
	if cfgNote != "" {
		rep.Findings = append([]audit.Finding{{Severity: audit.Medium, Code: "not_configured", Message: cfgNote}}, rep.Findings...)
	}
	if err := asJSON.print(c, rep, func(w io.Writer) { printAudit(w, rep) }); err != nil {
		return c.fail(fs, err)
	}
	if rep.Max() == audit.High {
		fmt.Fprintf(c.stderr, "machina plugin audit: %s has high findings; the loader refuses it\n", file)
		return 1
	}
	return 0
}

func printAudit(w io.Writer, r *audit.Report) {
	fmt.Fprintf(w, "file:       %s\n", r.File)
	fmt.Fprintf(w, "plugin:     %s %s (%s, ABI %s)\n", r.Name, r.Version, r.Kind, r.ABI)
	if r.Description != "" {
		fmt.Fprintf(w, "            %s\n", r.Description)
	}
	fmt.Fprintf(w, "sha256:     %s (%d bytes)\n", r.SHA256, r.Size)
	sig := string(r.Signature.Status)
	if r.Signature.KeyID != "" {
		sig += ", key " + r.Signature.KeyID
	}
	if r.Signature.Error != "" {
		sig += ": " + r.Signature.Error
	}
	fmt.Fprintf(w, "signature:  %s\n", sig)
	fmt.Fprintf(w, "\noperations (%s):\n", r.Descriptor.Source)
	for _, op := range r.Descriptor.Operations {
		fmt.Fprintf(w, "  %-22s %s\n", op.Name, op.Class)
	}
	fmt.Fprintln(w, "\nimports:")
	for _, imp := range r.Imports {
		mark := " "
		if imp.Verdict == plugin.VerdictForbidden {
			mark = "!"
		}
		fmt.Fprintf(w, " %s %-45s %s\n", mark, imp.Import.String(), imp.Verdict)
	}
	fmt.Fprintf(w, "\nexports:    %s\n", strings.Join(r.Exports, ", "))
	fmt.Fprintln(w, "\nrequested:")
	if len(r.Requested.HTTP) == 0 && !r.Requested.Mail && r.Requested.KV == nil {
		fmt.Fprintln(w, "  nothing")
	}
	for _, o := range r.Requested.HTTP {
		fmt.Fprintf(w, "  http %s auth=%v", o.Pattern, o.Auth)
		if len(o.Secrets) > 0 {
			fmt.Fprintf(w, " secrets=%v", o.Secrets)
		}
		if o.Purpose != "" {
			fmt.Fprintf(w, " — %s", o.Purpose)
		}
		fmt.Fprintln(w)
		for _, r := range o.Reads {
			fmt.Fprintf(w, "    read  %s\n", r)
		}
		for _, r := range o.Writes {
			fmt.Fprintf(w, "    write %s\n", r)
		}
	}
	if r.Requested.Mail {
		fmt.Fprintln(w, "  mail")
	}
	if r.Requested.KV != nil {
		fmt.Fprintf(w, "  kv %d bytes\n", r.Requested.KV.QuotaBytes)
	}
	if g := r.Granted; g != nil {
		fmt.Fprintln(w, "\ngranted (effective = requested ∩ grant):")
		for _, o := range g.Origins {
			fmt.Fprintf(w, "  http %s auth=%s", o, o.Auth.Profile)
			if o.AllowPrivate {
				fmt.Fprint(w, " allow_private")
			}
			if len(o.Secrets) > 0 {
				fmt.Fprintf(w, " secrets=%v", o.Secrets)
			}
			fmt.Fprintln(w)
			printNarrowed(w, "reads", o.Reads)
			printNarrowed(w, "writes", o.Writes)
		}
		if g.Mail != nil {
			fmt.Fprintln(w, "  mail")
		}
		if g.KVQuota > 0 {
			fmt.Fprintf(w, "  kv %d bytes\n", g.KVQuota)
		}
		rate := "unlimited"
		if g.HTTP.RequestsPerMinute > 0 {
			rate = fmt.Sprintf("%d/min", g.HTTP.RequestsPerMinute)
		}
		fmt.Fprintf(w, "  limits: request %d B, response %d B, timeout %v, requests %s\n",
			g.HTTP.MaxRequestBytes, g.HTTP.MaxResponseBytes, g.HTTP.Timeout, rate)
	}
	fmt.Fprintln(w, "\nfindings:")
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "  [%-6s] %s: %s\n", f.Severity, f.Code, f.Message)
	}
}

// printNarrowed shows a grant's narrowing of an origin's reads or writes.
func printNarrowed(w io.Writer, class string, r policy.Rules) {
	if !r.Narrowed {
		return
	}
	if len(r.Grant) == 0 {
		fmt.Fprintf(w, "    %s: none (the grant allows none)\n", class)
		return
	}
	for _, g := range r.Grant {
		fmt.Fprintf(w, "    %s narrowed to %s\n", class, g)
	}
}
