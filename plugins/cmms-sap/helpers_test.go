package main

import (
	"encoding/json"
	"strings"
	"testing"

	sapsim "github.com/machina-go/machina/internal/sim/sap"
)

// defaultAuth gives opts fresh credentials of mode unless it has some.
func defaultAuth(t testing.TB, opts *sapsim.Options, mode sapsim.AuthMode) {
	t.Helper()
	if opts.Auth.Mode != "" {
		return
	}
	a, err := sapsim.GenerateAuth(mode)
	if err != nil {
		t.Fatal(err)
	}
	opts.Auth = a
}

// outputs collects what leaves the plugin (results, errors, logs) to check
// that no secret is among them.
type outputs []string

// record adds a result and its error.
func (o *outputs) record(v any, err error) {
	b, _ := json.Marshal(v)
	*o = append(*o, string(b))
	if err != nil {
		*o = append(*o, err.Error())
	}
}

// checkNoSecrets fails if any of secrets (a CSRF token, an access token and
// the client secret at least) is in the outputs, or if nothing shows the
// plugin's redaction of the reflected headers.
func (o outputs) checkNoSecrets(t *testing.T, secrets []string) {
	t.Helper()
	if len(secrets) < 3 {
		t.Fatalf("expected a CSRF token, an access token and the client secret, got %d", len(secrets))
	}
	all := strings.Join(o, "\n")
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Fatalf("a secret leaked into plugin output or logs: %.100s", strings.ReplaceAll(all, s, "<SECRET>"))
		}
	}
	if !strings.Contains(all, "[REDACTED]") {
		t.Fatalf("reflected credentials were not redacted: %.300s", all)
	}
}
