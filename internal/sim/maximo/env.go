package maximo

import (
	"fmt"

	"github.com/machina-go/machina/internal/sim/simhttp"
)

// Environment variables that hold the simulator's credentials.
const (
	EnvAPIKey   = "MAXIMO_SIM_APIKEY"
	EnvUser     = "MAXIMO_SIM_USER"
	EnvPassword = "MAXIMO_SIM_PASSWORD"
	EnvToken    = "MAXIMO_SIM_TOKEN"
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

// ConfigSnippet returns a machina.toml block that points cmms-maximo at a
// simulator on base with the given auth mode; secrets are referenced by
// environment variable name only.
func ConfigSnippet(base string, mode AuthMode) string {
	var auth string
	switch mode {
	case AuthAPIKey:
		auth = "[plugin.grant.http.auth]\nprofile = \"header\"\nheader = \"apikey\"\ntoken_secret = \"maximo_apikey\"\n"
	case AuthBasic:
		auth = "[plugin.grant.http.auth]\nprofile = \"basic\"\nusername_secret = \"maximo_user\"\npassword_secret = \"maximo_password\"\n"
	case AuthBearer:
		auth = "[plugin.grant.http.auth]\nprofile = \"bearer\"\ntoken_secret = \"maximo_token\"\n"
	}
	secrets := map[AuthMode]string{
		AuthAPIKey: "maximo_apikey = \"env:" + EnvAPIKey + "\"\n",
		AuthBasic:  "maximo_user = \"env:" + EnvUser + "\"\nmaximo_password = \"env:" + EnvPassword + "\"\n",
		AuthBearer: "maximo_token = \"env:" + EnvToken + "\"\n",
	}[mode]
	return fmt.Sprintf(`
# machina.toml (excerpt)
[secrets]
%s
[[plugin]]
name = "cmms-maximo"
path = "dist/plugins/cmms-maximo.wasm"
sha256 = "<sha256 of the module>"
[plugin.config]
base_url = %q
page_size = 100
[[plugin.grant.http]]
origin = %q
allow_private = true
%s`, secrets, base, base, auth)
}
