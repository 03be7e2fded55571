package simhttp_test

import (
	"reflect"
	"testing"

	"github.com/machina-go/machina/internal/sim/simhttp"
)

func TestCredentials(t *testing.T) {
	var user, pass string
	cs := []simhttp.Credential{{Env: "U", Value: &user}, {Env: "P", Value: &pass, Secret: true}}
	if got := simhttp.Envs(cs); !reflect.DeepEqual(got, []string{"U", "P"}) {
		t.Errorf("Envs = %v", got)
	}
	simhttp.FromEnv(cs, env{"U": "ann"}.get)
	if user != "ann" || simhttp.Complete(cs) {
		t.Errorf("after a partial environment: user %q, complete %v", user, simhttp.Complete(cs))
	}
	simhttp.FromEnv(cs, env{"U": "ann", "P": "pw"}.get)
	if !simhttp.Complete(cs) || simhttp.Secret(cs) != "pw" {
		t.Errorf("complete %v, secret %q", simhttp.Complete(cs), simhttp.Secret(cs))
	}
	if got := simhttp.EnvVars(cs); !reflect.DeepEqual(got, [][2]string{{"U", "ann"}, {"P", "pw"}}) {
		t.Errorf("EnvVars = %v", got)
	}
	if simhttp.Secret(nil) != "" || !simhttp.Complete(nil) {
		t.Error("a mode without credentials (none) has no secret and needs nothing")
	}
}

type env map[string]string

func (e env) get(k string) string { return e[k] }
