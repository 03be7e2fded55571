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
//	kvset:<key>|<value>    kv_set key (an empty value deletes)
//	kvget:<key>            kv_get key
//	mail:<to>[,<to>…]      mail_send to those recipients
//	scan:<url>|<hex>,…     GET url with header X-Key: {{secret:apikey}}, keep
//	                       the response, then scan the whole linear memory for
//	                       each needle (given as hex of its bytes XOR 0x5A, so
//	                       the needle itself is never in memory); metadata
//	                       "found" lists one boolean per needle
//
// create_work_order runs the attack named by the description, as a write
// operation, so tests can tell what the host allows only during writes.
package main

import (
	"context"
	_ "embed"
	"encoding/hex"
	"net"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/testplugin/guest"
	"github.com/machina-go/machina/pdk"
)

//go:embed plugin.toml
var manifest string

func init() { pdk.RegisterCMMS(pdk.MustParseInfo(manifest), &hostile{}) }

func main() {}

type hostile struct{ guest.Connector }

func (hostile) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	a := abi.Asset{Name: "hostile", Type: abi.AssetRotating, Criticality: abi.CriticalityC}
	if err := attack(ctx, req.AssetID, &a); err != nil {
		return abi.GetAssetResponse{}, err
	}
	return abi.GetAssetResponse{Asset: a}, nil
}

func (hostile) CreateWorkOrder(ctx context.Context, req abi.CreateWorkOrderRequest) (abi.WorkOrderResponse, error) {
	var a abi.Asset
	if err := attack(ctx, req.Description, &a); err != nil {
		return abi.WorkOrderResponse{}, err
	}
	return abi.WorkOrderResponse{WorkOrder: abi.WorkOrder{ID: "WO-HOSTILE", Metadata: a.Metadata}}, nil
}

// attack runs one mode and records what it observed in a.
func attack(ctx context.Context, spec string, a *abi.Asset) error {
	mode, arg, _ := strings.Cut(spec, ":")
	a.ID = mode
	switch mode {
	case "http":
		a.Metadata = guest.HTTPMeta(ctx, abi.HTTPRequest{Method: "GET", URL: arg})
	case "secret":
		name, u, _ := strings.Cut(arg, "|")
		a.Metadata = guest.HTTPMeta(ctx, abi.HTTPRequest{Method: "GET", URL: u, Headers: map[string]string{"X-Key": "{{secret:" + name + "}}"}})
	case "authhdr":
		a.Metadata = guest.HTTPMeta(ctx, abi.HTTPRequest{Method: "GET", URL: arg, Headers: map[string]string{"Authorization": "Bearer stolen"}})
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
		a.Metadata = fileMeta()
	case "env":
		h, _ := os.Hostname()
		a.Metadata = map[string]any{"environ": os.Environ(), "args": os.Args, "home": os.Getenv("HOME"), "path": os.Getenv("PATH"), "hostname": h}
	case "socket":
		a.Metadata = socketMeta(arg)
	case "loop":
		guest.Spin()
	case "oom":
		guest.ExhaustMemory()
	case "big":
		a.Name = guest.Big(arg)
	case "panic":
		panic("hostile plugin panics")
	case "logflood":
		n, _ := strconv.Atoi(arg)
		for i := 0; i < n; i++ {
			pdk.Logf(ctx, abi.LogInfo, "flood line %d", i)
		}
	case "kvset":
		a.Metadata = kvSetMeta(ctx, arg)
	case "kvget":
		a.Metadata = kvGetMeta(ctx, arg)
	case "mail":
		a.Metadata = mailMeta(ctx, arg)
	case "scan":
		a.Metadata = scanMeta(ctx, arg)
	default:
		return abi.NotFound("unknown attack %q", mode)
	}
	return nil
}

// fileMeta is the metadata of the "file" attack.
func fileMeta() map[string]any {
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
	return m
}

// socketMeta is the metadata of the "socket" attack.
func socketMeta(arg string) map[string]any {
	m := map[string]any{}
	c, err := net.Dial("tcp", arg)
	if err != nil {
		m["dial_error"] = err.Error()
	} else {
		m["connected"] = true
		c.Close()
	}
	return m
}

// kvSetMeta is the metadata of the "kvset" attack.
func kvSetMeta(ctx context.Context, arg string) map[string]any {
	k, v, _ := strings.Cut(arg, "|")
	var val []byte
	if v != "" {
		val = []byte(v)
	}
	m := map[string]any{}
	if err := pdk.KVSet(ctx, k, val); err != nil {
		m["error"] = err.Error()
	}
	return m
}

// kvGetMeta is the metadata of the "kvget" attack.
func kvGetMeta(ctx context.Context, arg string) map[string]any {
	v, found, err := pdk.KVGet(ctx, arg)
	m := map[string]any{"found": found, "value": string(v)}
	if err != nil {
		m["error"] = err.Error()
	}
	return m
}

// mailMeta is the metadata of the "mail" attack.
func mailMeta(ctx context.Context, arg string) map[string]any {
	id, err := pdk.MailSend(ctx, abi.MailMessage{To: strings.Split(arg, ","), Subject: "hostile", Text: "exfiltration"})
	m := map[string]any{"message_id": id}
	if err != nil {
		m["error"] = err.Error()
	}
	return m
}

// scanMeta is the metadata of the "scan" attack.
func scanMeta(ctx context.Context, arg string) map[string]any {
	u, hexes, _ := strings.Cut(arg, "|")
	resp, err := pdk.HTTP(ctx, abi.HTTPRequest{Method: "GET", URL: u, Headers: map[string]string{"X-Key": "{{secret:apikey}}"}})
	m := map[string]any{"status": resp.Status, "body_bytes": len(resp.Body)}
	if err != nil {
		m["error"] = err.Error()
	}
	var encs [][]byte
	for _, h := range strings.Split(hexes, ",") {
		enc, _ := hex.DecodeString(h)
		encs = append(encs, enc)
	}
	m["found"], m["scanned_bytes"] = scanMemory(encs), int(currentMemory())<<16
	keep = resp
	return m
}

// keep holds the last scanned response so it stays in memory during the
// scan.
var keep abi.HTTPResponse

// currentMemory is wasm's memory.size, in 64 KiB pages (mem_wasm.s).
func currentMemory() int32

// scanMemory reports, for each needle (given XOR 0x5A), whether it occurs
// anywhere in linear memory, address 1 up to the current memory size, in
// one pass.
func scanMemory(encs [][]byte) []bool {
	found := make([]bool, len(encs))
	size := int(currentMemory()) << 16
	if size < 2 {
		return found
	}
	var byFirst [256][]int
	for n, enc := range encs {
		if len(enc) > 0 {
			byFirst[enc[0]^0x5A] = append(byFirst[enc[0]^0x5A], n)
		}
	}
	mem := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(1))), size-1)
	for i, c := range mem {
		for _, n := range byFirst[c] {
			enc := encs[n]
			if found[n] || i+len(enc) > len(mem) {
				continue
			}
			j := 1
			for j < len(enc) && mem[i+j]^0x5A == enc[j] {
				j++
			}
			found[n] = j == len(enc)
		}
	}
	return found
}
