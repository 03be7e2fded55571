// Command probe is a test-only plugin. get_asset misbehaves according to
// the asset id, so host tests can prove containment:
//
//	echo:<text>  return an asset named <text> (small JSON echo)
//	panic        panic
//	loop         spin forever
//	spincalls    spin forever calling a function
//	exp          recurse exponentially (2^62 calls)
//	deep         recurse 20 000 frames deep, then exponentially
//	sleep        sleep for an hour
//	cpu:<n>      n iterations of a loop with calls (benchmarks)
//	json:<n>     encode and decode n assets as JSON (benchmarks)
//	oom          allocate until the memory cap is hit
//	big:<MiB>    return a response of that many MiB
//	clock        return time.Now and 16 crypto/rand bytes in metadata
//	exit         os.Exit(3)
//	http:<url>   GET url through the host and return status/body/error
//	remember:<v> keep v in instance memory (a global and a heap block) and
//	             return, as the name, what the previous call left there
//	garbage:<n>  fill n MiB of heap with 0xAB, then report whether a fresh
//	             n MiB allocation is all zero
//	badptr       call http_send with a header pointer outside its memory
//	twice        write its output itself, before the PDK writes it again
package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/testplugin/guest"
	"github.com/machina-go/machina/pdk"
)

//go:embed plugin.toml
var manifest string

func init() { pdk.RegisterCMMS(pdk.MustParseInfo(manifest), &probe{}) }

func main() {}

type probe struct{ guest.Connector }

func (probe) ListAssets(context.Context, abi.ListAssetsRequest) (abi.ListAssetsResponse, error) {
	return abi.ListAssetsResponse{Assets: []abi.Asset{{ID: "P-1", Name: "probe", Type: abi.AssetRotating, Criticality: abi.CriticalityC}}}, nil
}

var (
	remembered string
	heapMemo   *[64]byte
)

var counter int

//go:noinline
func step(x int) int { return x*31 + 7 }

//go:noinline
func exp(n int) int {
	if n == 0 {
		return 1
	}
	return exp(n-1) + exp(n-1)
}

//go:noinline
func deep(n int) int {
	if n == 0 {
		return exp(62)
	}
	return deep(n-1) + 1
}

func (probe) GetAsset(ctx context.Context, req abi.GetAssetRequest) (abi.GetAssetResponse, error) {
	mode, arg, _ := strings.Cut(req.AssetID, ":")
	a := abi.Asset{ID: req.AssetID, Type: abi.AssetRotating, Criticality: abi.CriticalityC}
	switch mode {
	case "echo":
		a.Name = arg
	case "panic":
		panic("probe asked to panic")
	case "loop":
		guest.Spin()
	case "spincalls":
		for {
			counter = step(counter)
		}
	case "exp":
		a.Name = strconv.Itoa(exp(62))
	case "deep":
		a.Name = strconv.Itoa(deep(20_000))
	case "sleep":
		time.Sleep(time.Hour)
	case "cpu":
		n, _ := strconv.Atoi(arg)
		h := uint64(14695981039346656037)
		for i := 0; i < n; i++ {
			h ^= uint64(step(i) & 0xff)
			h *= 1099511628211
		}
		a.Name = strconv.FormatUint(h, 16)
	case "json":
		n, _ := strconv.Atoi(arg)
		list := make([]abi.Asset, n)
		for i := range list {
			list[i] = abi.Asset{ID: "A-" + strconv.Itoa(i), Name: "pump " + strconv.Itoa(i), Type: abi.AssetRotating,
				Criticality: abi.CriticalityB, Metadata: map[string]any{"site": "north", "rating_kw": i}}
		}
		b, _ := json.Marshal(list)
		var back []abi.Asset
		if err := json.Unmarshal(b, &back); err != nil || len(back) != n {
			return abi.GetAssetResponse{}, abi.Internal("json round trip: %v", err)
		}
		a.Name = strconv.Itoa(len(b))
	case "oom":
		guest.ExhaustMemory()
	case "big":
		a.Name = guest.Big(arg)
	case "clock":
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		a.Metadata = map[string]any{"now": time.Now().UTC().Format(time.RFC3339Nano), "rand": hex.EncodeToString(b)}
	case "remember":
		a.Name = remembered
		if heapMemo != nil {
			a.Name += "|" + strings.TrimRight(string(heapMemo[:]), "\x00")
		}
		remembered = arg
		heapMemo = new([64]byte)
		copy(heapMemo[:], arg)
	case "garbage":
		n, _ := strconv.Atoi(arg)
		junk := make([]byte, n<<20)
		for i := range junk {
			junk[i] = 0xAB
		}
		guest.Keep(junk)
		fresh := make([]byte, n<<20)
		zero := true
		for _, c := range fresh {
			zero = zero && c == 0
		}
		a.Name = strconv.FormatBool(zero)
	case "badptr":
		rawHTTPSend(0xFFFFFF00, 4096, 0, 0)
	case "twice":
		rawOutputWrite(0, 0)
	case "exit":
		os.Exit(3)
	case "http":
		a.Metadata = guest.HTTPMeta(ctx, abi.HTTPRequest{Method: "GET", URL: arg})
	default:
		return abi.GetAssetResponse{}, abi.NotFound("asset %q not found", req.AssetID)
	}
	return abi.GetAssetResponse{Asset: a}, nil
}
