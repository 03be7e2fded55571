package sap

import (
	"fmt"

	"github.com/machina-go/machina/internal/sim/simhttp"
)

// Environment variables that hold the simulator's credentials.
const (
	EnvUser         = "SAP_SIM_USER"
	EnvPassword     = "SAP_SIM_PASSWORD"
	EnvClientID     = "SAP_SIM_CLIENT_ID"
	EnvClientSecret = "SAP_SIM_CLIENT_SECRET"
)

// CredentialEnv lists the environment variables a mode reads.
func CredentialEnv(mode AuthMode) []string { return simhttp.Envs((&Auth{Mode: mode}).credentials()) }

// AuthFromEnv reads the credentials of mode from the environment; ok is
// false when any is unset.
func AuthFromEnv(mode AuthMode, getenv func(string) string) (Auth, bool) {
	a := Auth{Mode: mode}
	simhttp.FromEnv(a.credentials(), getenv)
	return a, a.validate() == nil
}

// EnvVars are a's credentials as the environment variables the simulator
// reads, for an env file (values included: never print them).
func (a Auth) EnvVars() [][2]string { return simhttp.EnvVars(a.credentials()) }

// ConfigSnippet returns a machina.toml block that points cmms-sap at a
// simulator on base; secrets are referenced by environment variable name
// only (the OAuth2 client id is not a secret and is written as is).
func ConfigSnippet(base string, mode AuthMode, version, client, clientID string) string {
	var auth, secrets string
	switch mode {
	case AuthBasic:
		auth = "[plugin.grant.http.auth]\nprofile = \"basic\"\nusername_secret = \"sap_user\"\npassword_secret = \"sap_password\"\n"
		secrets = "sap_user = \"env:" + EnvUser + "\"\nsap_password = \"env:" + EnvPassword + "\"\n"
	case AuthOAuth2:
		auth = fmt.Sprintf("[plugin.grant.http.auth]\nprofile = \"oauth2_client_credentials\"\ntoken_url = %q\nclient_id = %q\nclient_secret_secret = \"sap_client_secret\"\n", base+TokenPath, clientID)
		secrets = "sap_client_secret = \"env:" + EnvClientSecret + "\"\n"
	}
	return fmt.Sprintf(`
# machina.toml (excerpt)
[secrets]
%s
[[plugin]]
name = "cmms-sap"
path = "dist/plugins/cmms-sap.wasm"
sha256 = "<sha256 of the module>"
[plugin.config]
base_url = %q
odata_version = %q
sap_client = %q
bom_equipment_field = "Equipment"
[[plugin.grant.http]]
origin = %q
allow_private = true
%s`, secrets, base+BasePath, version, client, base, auth)
}
