package rest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// EnvToken is the environment variable `machina sim rest` reads the
// credential it accepts from (UpKeep Session-Token, MaintainX bearer token).
const EnvToken = "MACHINA_REST_SIM_TOKEN"

// GenerateToken returns a random credential.
func GenerateToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating a token: %w", err)
	}
	return "tok-" + hex.EncodeToString(b[:]), nil
}

// BaseURL is the base_url of the cmms-rest preset of d for a simulator at
// origin: the UpKeep preset's paths carry /api/v2, MaintainX's are under
// /v1.
func BaseURL(origin string, d Dialect) string {
	if d == MaintainX {
		return origin + "/v1"
	}
	return origin
}

// ConfigSnippet is a machina.toml excerpt that serves cmms-rest with the
// preset of d against a simulator at origin, with the credential from
// $EnvToken, in each vendor's documented header; paging is the simulator's
// paging override ("" for the vendor's own).
func ConfigSnippet(origin string, d Dialect, paging string) string {
	auth := "profile = \"bearer\"\ntoken_secret = \"cmms_token\"\n"
	if d == UpKeep {
		auth = "profile = \"header\"\nheader = \"Session-Token\"\ntoken_secret = \"cmms_token\"\n"
	}
	var pages string
	switch paging {
	case "page":
		pages = "[plugin.config.pagination]\nstyle = \"page\"\npage_param = \"page\"\nsize_param = \"limit\"\nfirst_page = 1\n"
	case "link":
		pages = "[plugin.config.pagination]\nstyle = \"link\"\nsize_param = \"limit\"\n"
	}
	return fmt.Sprintf(`
# machina.toml (excerpt)
[secrets]
cmms_token = "env:%s"
[[plugin]]
name = "cmms-rest"
path = "dist/plugins/cmms-rest.wasm"
sha256 = "<sha256 of the module>"
[plugin.config]
preset = %q
base_url = %q
%s[[plugin.grant.http]]
origin = %q
allow_private = true
[plugin.grant.http.auth]
%s`, EnvToken, string(d), BaseURL(origin, d), pages, origin, auth)
}
