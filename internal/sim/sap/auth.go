package sap

import (
	"fmt"
	"net/http"

	"github.com/machina-go/machina/internal/sim/simhttp"
)

// AuthMode is how clients authenticate to the simulator.
type AuthMode string

// Authentication modes, as offered by SAP gateways.
const (
	// AuthNone accepts every request (demos only).
	AuthNone AuthMode = "none"
	// AuthBasic expects HTTP Basic credentials.
	AuthBasic AuthMode = "basic"
	// AuthOAuth2 expects a bearer token issued by /oauth/token for the
	// client credentials.
	AuthOAuth2 AuthMode = "oauth2"
)

// ParseAuthMode validates a mode name.
func ParseAuthMode(s string) (AuthMode, error) {
	return simhttp.ParseMode(s, AuthNone, AuthBasic, AuthOAuth2)
}

// Auth holds the credentials the simulator accepts. Only the fields of Mode
// are used.
type Auth struct {
	Mode         AuthMode
	Username     string // AuthBasic
	Password     string // AuthBasic
	ClientID     string // AuthOAuth2
	ClientSecret string // AuthOAuth2
}

// Secret returns the mode's secret (password or client secret), or "".
func (a Auth) Secret() string { return simhttp.Secret(a.credentials()) }

// credentials are the credentials a's mode needs, pointing into a.
func (a *Auth) credentials() []simhttp.Credential {
	switch a.Mode {
	case AuthBasic:
		return []simhttp.Credential{{Env: EnvUser, Value: &a.Username}, {Env: EnvPassword, Value: &a.Password, Secret: true}}
	case AuthOAuth2:
		return []simhttp.Credential{{Env: EnvClientID, Value: &a.ClientID}, {Env: EnvClientSecret, Value: &a.ClientSecret, Secret: true}}
	}
	return nil
}

// String describes the mode without revealing any credential.
func (a Auth) String() string {
	switch a.Mode {
	case AuthBasic:
		return fmt.Sprintf("basic (user %s)", a.Username)
	case AuthOAuth2:
		return fmt.Sprintf("oauth2 (client %s)", a.ClientID)
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
		return Auth{}, err
	}
	a := Auth{Mode: mode}
	switch mode {
	case AuthBasic:
		a.Username, a.Password = "MACHINA_RFC", "sapp-"+v
	case AuthOAuth2:
		a.ClientID, a.ClientSecret = "sb-machina-pm", "sapcs-"+v
	}
	return a, nil
}

func (a Auth) validate() error {
	m, err := ParseAuthMode(string(a.Mode))
	if err != nil {
		return err
	}
	if !simhttp.Complete(a.credentials()) {
		return fmt.Errorf("auth mode %s needs its credentials", m)
	}
	return nil
}

// checkClient reports whether the OAuth2 client credentials of a token
// request are right: client_secret_basic (RFC 6749 §2.3.1, form-encoded
// id and secret) or client_secret_post.
func (a Auth) checkClient(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, secret = formUnescape(id), formUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id != "" && simhttp.Equal(id, a.ClientID) && simhttp.Equal(secret, a.ClientSecret)
}
