// Package pdk is the plugin development kit for Machina plugins.
//
// A plugin author writes ordinary Go: implement CMMS (plus any of the
// optional operation interfaces such as AssetReader or WorkOrderCreator) or
// Messaging, and register it from init with the name and version of the
// plugin's plugin.toml:
//
//	//go:embed plugin.toml
//	var manifest string
//
//	func init() { pdk.RegisterCMMS(pdk.MustParseInfo(manifest), &acme{}) }
//	func main() {}
//
//	// The operations it serves: a misspelled method fails the build here
//	// instead of silently dropping an operation.
//	var (
//		_ pdk.CMMS        = (*acme)(nil)
//		_ pdk.AssetReader = (*acme)(nil)
//	)
//
// Map every non-2xx upstream answer with StatusError, so each status means
// the same ABI error code in every plugin, and send requests with
// HTTPWithRetry for the reference's retry policy.
//
// Build with `machina plugin build DIR`. The PDK owns every wasm export
// (machina_describe, machina_init and one per operation), JSON encoding of
// requests and responses, mapping of Go errors to ABI error objects, and
// typed host calls: HTTP, Log, KVGet/KVSet, MailSend/MailFetch. The operations a
// plugin serves are derived from the interfaces its value implements, and the
// host derives capabilities from those operations with the fixed ABI table.
//
// Modules speak ABI 1.3's direct convention (abi/README.md §1): the host
// reads and writes the module's memory once per direction, HTTP bodies and
// key-value values travel raw, and the ABI types are encoded and decoded by
// generated code (internal/codec) instead of encoding/json's reflection,
// which inside wasm runs many times slower. ParseJSON gives plugins the same
// fast decoding for the vendor payloads they read.
//
// The same code runs natively under `go test`: host calls then go to the
// NativeHost found in the context (see package pdk/pdktest), so connector
// logic is unit-tested without wasm through the very same encoding.
//
// The PDK must not reach the outside world by any other path than the host
// functions of ABI v1, and must not hold any credential: the host attaches
// them after its policy check.
//
// The only package-level state is the write-once registration slot filled by
// RegisterCMMS or RegisterMessaging from the plugin's init, which the wasm
// exports need because exports are package-level functions.
package pdk
