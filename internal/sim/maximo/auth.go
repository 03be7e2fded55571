package maximo

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/machina-go/machina/internal/sim/simhttp"
)

// AuthMode is how clients authenticate to the simulator.
type AuthMode string

// Authentication modes, as offered by Maximo.
const (
	// AuthNone accepts every request (demos only).
	AuthNone AuthMode = "none"
	// AuthAPIKey expects the API key in the "apikey" header.
	AuthAPIKey AuthMode = "apikey"
	// AuthBasic expects HTTP Basic credentials.
	AuthBasic AuthMode = "basic"
	// AuthBearer expects "Authorization: Bearer <token>".
	AuthBearer AuthMode = "bearer"
)

// ParseAuthMode validates a mode name.
func ParseAuthMode(s string) (AuthMode, error) {
	return simhttp.ParseMode(s, AuthNone, AuthAPIKey, AuthBasic, AuthBearer)
}

// Auth holds the credentials the simulator accepts. Only the fields of
// Mode are used.
type Auth struct {
	Mode     AuthMode
	APIKey   string // AuthAPIKey
	Username string // AuthBasic
	Password string // AuthBasic
	Token    string // AuthBearer
}

// Secret returns the one secret value of the mode (API key, password or
// token), or "" for AuthNone.
func (a Auth) Secret() string { return simhttp.Secret(a.credentials()) }

// credentials are the credentials a's mode needs, pointing into a.
func (a *Auth) credentials() []simhttp.Credential {
	switch a.Mode {
	case AuthAPIKey:
		return []simhttp.Credential{{Env: EnvAPIKey, Value: &a.APIKey, Secret: true}}
	case AuthBasic:
		return []simhttp.Credential{{Env: EnvUser, Value: &a.Username}, {Env: EnvPassword, Value: &a.Password, Secret: true}}
	case AuthBearer:
		return []simhttp.Credential{{Env: EnvToken, Value: &a.Token, Secret: true}}
	}
	return nil
}

// String describes the mode without revealing any credential.
func (a Auth) String() string {
	if a.Mode == AuthBasic {
		return fmt.Sprintf("basic (user %s)", a.Username)
	}
	return string(a.Mode)
}

// GenerateAuth returns fresh random credentials for mode.
func GenerateAuth(mode AuthMode) (Auth, error) {
	if _, err := ParseAuthMode(string(mode)); err != nil {
		return Auth{}, err
	}
	v, err := simhttp.RandomString(24)
	if err != nil {
		return Auth{}, fmt.Errorf("generating credentials: %w", err)
	}
	a := Auth{Mode: mode}
	switch mode {
	case AuthAPIKey:
		a.APIKey = "mxk-" + v
	case AuthBasic:
		a.Username, a.Password = "MXINTADM", "mxp-"+v
	case AuthBearer:
		a.Token = "mxt-" + v
	}
	return a, nil
}

func (a Auth) validate() error {
	m, err := ParseAuthMode(string(a.Mode))
	if err != nil {
		return err
	}
	if !simhttp.Complete(a.credentials()) {
		return fmt.Errorf("auth mode %s needs its credential", m)
	}
	return nil
}

// check reports whether r carries the expected credentials, and the user id.
func (a Auth) check(r *http.Request) (string, bool) {
	switch a.Mode {
	case AuthNone, "":
		return "MAXADMIN", true
	case AuthAPIKey:
		k := r.Header.Get("apikey")
		return "MXAPIUSER", k != "" && simhttp.Equal(k, a.APIKey)
	case AuthBasic:
		u, p, ok := r.BasicAuth()
		return u, ok && simhttp.Equal(u, a.Username) && simhttp.Equal(p, a.Password)
	case AuthBearer:
		h := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(h, "Bearer ")
		return "MXOAUTHUSER", ok && tok != "" && simhttp.Equal(tok, a.Token)
	}
	return "", false
}
