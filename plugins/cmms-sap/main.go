// Command cmms-sap is Machina's SAP PM CMMS plugin: every CMMS operation of
// ABI v1 over the SAP S/4HANA OData APIs API_EQUIPMENT, API_MAINTENANCEORDER,
// API_MAINTENANCEPLAN, API_MAINTNOTIFICATION (health) and a configurable
// bill-of-material service for spare parts, in OData v2 or v4.
//
// The plugin never holds a credential: the host attaches the operator's
// auth profile (basic, or oauth2_client_credentials — the host fetches and
// caches the token) for the granted origin, and keeps the session cookies
// in its per-plugin cookie jar. Writes follow SAP's CSRF protocol: a token
// fetched with "X-CSRF-Token: Fetch" in the same cookie session, retried
// exactly once when SAP answers 403 "x-csrf-token: Required". The token is
// never logged and is redacted from any error text.
//
// Order statuses come from SystemStatusText (the reference precedence over
// SAP's life-cycle codes), customer codes through site maps with unmapped
// codes kept and reported, failure data from the linked notification; the
// vendor corpus in testdata/corpus is the oracle of its tests.
//
// The connector logic lives in plain Go files of this package (config.go,
// client.go, odata.go, json.go, csrf.go, codes.go, mapping.go, failure.go,
// sap.go; see README.md) and is unit-tested
// natively with pdk/pdktest against the simulator in sim/sap, and as wasm
// through the real host (host/plugin + host/policy).
package main

import (
	_ "embed"

	"github.com/machina-go/machina/pdk"
)

// manifest is plugin.toml, the one place the plugin's name and version
// are written.
//
//go:embed plugin.toml
var manifest string

// info is the plugin's name and version, read from the manifest.
func info() pdk.Info { return pdk.MustParseInfo(manifest) }

func init() { pdk.RegisterCMMS(info(), &sapPM{}) }

// The operations it serves: a misspelled or mistyped method fails the
// build here instead of silently dropping an operation.
var (
	_ pdk.CompleteCMMS        = (*sapPM)(nil)
	_ pdk.NotificationCreator = (*sapPM)(nil)
)

// main never runs: the module is a reactor whose exports the PDK owns.
func main() {}
