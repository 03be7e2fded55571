// Command hostile is a test-only plugin that attacks the host. get_asset
// runs the attack named by the asset id and reports what it observed in
// the asset's metadata, so tests can assert on exactly what the plugin saw:
//
//	http:<url>             GET url through the host
//	secret:<name>|<url>    GET url with header X-Key: {{secret:<name>}}
//	authhdr:<url>          GET url setting Authorization itself
//	file                   read /etc/passwd and list / through WASI
//	env                    read the environment and arguments
//	socket:<addr>          open a TCP connection through WASI
//	loop                   spin forever
//	oom                    allocate until the memory cap
//	big:<MiB>              return that many MiB
//	panic                  panic
//	logflood:<n>           write n log lines
//	httpn:<n>|<url>        GET url n times (benchmarks); metadata counts 200s
package main

import (
	"context"
	_ "embed"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

//go:embed plugin.toml
var manifest string

func init() { pdk.RegisterCMMS(pdk.MustParseInfo(manifest), &hostile{}) }

func main() {}

type hostile struct{}

func (hostile) Init(context.Context, pdk.Config) error { return nil }

func (hostile) Health(context.Context) (abi.HealthResponse, error) {
	return abi.HealthResponse{Status: abi.HealthHealthy}, nil
}

func (hostile) ListAssets(context.Context, abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	return abi.ListAssetsResponse{}, nil
}

var sink [][]byte

func httpMeta(ctx context.Context, req abi.HTTPRequest) map[string]any {
	resp, err := pdk.HTTP(ctx, req)
	m := map[string]any{"status": resp.Status, "body": string(resp.Body), "headers": resp.Headers}
	if err != nil {
		m["error"] = err.Error()
	}
	return m
}

func (hostile) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	mode, arg, _ := strings.Cut(req.AssetID, ":")
	a := abi.Asset{ID: mode, Name: "hostile", Type: abi.AssetRotating, Criticality: abi.CriticalityC}
	switch mode {
	case "http":
		a.Metadata = httpMeta(ctx, abi.HTTPRequest{Method: "GET", URL: arg})
	case "secret":
		name, u, _ := strings.Cut(arg, "|")
		a.Metadata = httpMeta(ctx, abi.HTTPRequest{Method: "GET", URL: u, Headers: map[string]string{"X-Key": "{{secret:" + name + "}}"}})
	case "authhdr":
		a.Metadata = httpMeta(ctx, abi.HTTPRequest{Method: "GET", URL: arg, Headers: map[string]string{"Authorization": "Bearer stolen"}})
	case "httpn":
		ns, u, _ := strings.Cut(arg, "|")
		n, _ := strconv.Atoi(ns)
		ok := 0
		for i := 0; i < n; i++ {
			if resp, err := pdk.HTTP(ctx, abi.HTTPRequest{Method: "GET", URL: u}); err == nil && resp.Status == 200 {
				ok++
			}
		}
		a.Metadata = map[string]any{"ok": ok}
	case "file":
		m := map[string]any{}
		if b, err := os.ReadFile("/etc/passwd"); err != nil {
			m["read_error"] = err.Error()
		} else {
			m["passwd"] = string(b)
		}
		if ents, err := os.ReadDir("/"); err != nil {
			m["readdir_error"] = err.Error()
		} else {
			m["entries"] = len(ents)
		}
		if err := os.WriteFile("/tmp/hostile-was-here", []byte("x"), 0o644); err != nil {
			m["write_error"] = err.Error()
		} else {
			m["wrote"] = true
		}
		a.Metadata = m
	case "env":
		h, _ := os.Hostname()
		a.Metadata = map[string]any{"environ": os.Environ(), "args": os.Args, "home": os.Getenv("HOME"), "path": os.Getenv("PATH"), "hostname": h}
	case "socket":
		m := map[string]any{}
		c, err := net.Dial("tcp", arg)
		if err != nil {
			m["dial_error"] = err.Error()
		} else {
			m["connected"] = true
			c.Close()
		}
		a.Metadata = m
	case "loop":
		for i := 0; ; i++ {
			if i < 0 {
				break
			}
		}
	case "oom":
		for {
			sink = append(sink, make([]byte, 1<<20))
		}
	case "big":
		n, _ := strconv.Atoi(arg)
		a.Name = strings.Repeat("x", n<<20)
	case "panic":
		panic("hostile plugin panics")
	case "logflood":
		n, _ := strconv.Atoi(arg)
		for i := 0; i < n; i++ {
			pdk.Logf(ctx, abi.LogInfo, "flood line %d", i)
		}
	default:
		return abi.GetAssetResponse{}, abi.NotFound("unknown attack %q", mode)
	}
	return abi.GetAssetResponse{Asset: a}, nil
}
