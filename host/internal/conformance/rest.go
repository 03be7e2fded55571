package conformance

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/internal/sim/rest"
	"github.com/machina-go/machina/internal/wire"
)

// restSim adapts sim/rest (a REST CMMS in one vendor's dialect) to the kit,
// for the generic cmms-rest plugin and its presets.
type restSim struct {
	srv *rest.Server
	listener
	dialect rest.Dialect
	token   string
}

// restPageSize is small so that every list spans several pages.
const restPageSize = 5

// Presets lists the presets the rest simulator serves (--preset).
func Presets() []string {
	var out []string
	for _, d := range rest.Dialects() {
		out = append(out, string(d))
	}
	return out
}

// StartREST starts the REST CMMS simulator in the dialect of opts.Preset on
// a free loopback port with a generated credential.
func StartREST(_ context.Context, opts SimOptions) (Simulator, error) {
	if opts.Preset == "" {
		return nil, fmt.Errorf("the rest simulator needs --preset (%s)", strings.Join(Presets(), ", "))
	}
	token, err := rest.GenerateToken()
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	srv, err := rest.NewServer(rest.Options{Dialect: rest.Dialect(opts.Preset), Token: token, Seed: 1, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	l, err := serve("rest", srv)
	if err != nil {
		return nil, err
	}
	return &restSim{srv: srv, listener: l, dialect: rest.Dialect(opts.Preset), token: token}, nil
}

func (s *restSim) Name() string    { return "rest" }
func (s *restSim) BaseURL() string { return s.base }

// PluginConfig is the preset with the simulator's address: what an
// operator writes, plus a small page size.
func (s *restSim) PluginConfig() map[string]any {
	return map[string]any{"preset": string(s.dialect), "base_url": rest.BaseURL(s.base, s.dialect), "page_size": restPageSize, "retry_base_ms": 50}
}

// Auth is each vendor's documented credential: UpKeep's Session-Token
// header, MaintainX's bearer token.
func (s *restSim) Auth() (config.Auth, map[string]string, map[string]string) {
	wrong := map[string]string{"cmms_token": "wrong-" + strings.Repeat("x", 20)}
	if s.dialect == rest.UpKeep {
		return config.Auth{Profile: wire.AuthHeader, Header: "Session-Token", TokenSecret: "cmms_token"}, map[string]string{"cmms_token": s.token}, wrong
	}
	return config.Auth{Profile: wire.AuthBearer, TokenSecret: "cmms_token"}, map[string]string{"cmms_token": s.token}, wrong
}

func (s *restSim) SetFault(f Fault) {
	s.srv.SetFaults(faultFor(f, rest.Faults{Unavailable: -1}, rest.Faults{RateLimit: 1, RetryAfter: 1}))
}

func (s *restSim) Writes() int64   { return s.srv.Stats().Writes }
func (s *restSim) Requests() int64 { return s.srv.Stats().Requests }
