// Package wire holds what travels between the Machina host and a plugin
// below the vendor contract: the export envelope, the descriptor and init
// payloads, the manifest (plugin.toml) with its origin patterns and auth
// profiles, the host-function payloads that wrap the abi types (log
// records, key-value and mail requests), and the names of exports, host
// functions, import module and custom section.
//
// Only the host and the pdk use it; plugin authors see the abi types and
// the pdk functions. Like abi, it must stay dependency-free (standard
// library and abi only) and compile for GOOS=wasip1 GOARCH=wasm.
package wire
