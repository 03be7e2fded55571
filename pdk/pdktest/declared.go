package pdktest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/internal/plugintoml"
	"github.com/machina-go/machina/internal/wire"
)

// callKey carries the *call Invoke is running in the context it gives the
// plugin, so host calls know the export and can report refusals to it.
type callKey struct{}

// call is one Invoke: the export it runs and the requests refused during it.
type call struct {
	export   string
	mu       sync.Mutex
	refusals []string
}

func (c *call) refuse(err error) {
	c.mu.Lock()
	c.refusals = append(c.refusals, err.Error())
	c.mu.Unlock()
}

// err is the failure Invoke reports for the refused requests (nil: none).
func (c *call) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.refusals) == 0 {
		return nil
	}
	return fmt.Errorf("pdktest: %s made a request the host would refuse: %s", c.export, strings.Join(c.refusals, "; "))
}

// declared checks req against Manifest the way the host's HTTP gate checks
// it against the manifest (nil when Manifest is empty). The write check
// needs the export, so it applies to requests made under Invoke.
func (h *Host) declared(ctx context.Context, req abi.HTTPRequest) error {
	m, err := h.parsedManifest()
	if m == nil || err != nil {
		return err
	}
	method := strings.ToUpper(strings.TrimSpace(req.Method))
	if method == "" {
		method = "GET"
	}
	write, err := m.CheckDeclared(method, req.URL, req.Headers)
	if err != nil {
		return err
	}
	c, ok := ctx.Value(callKey{}).(*call)
	if write && ok && !wire.WriteExport(c.export) {
		return fmt.Errorf("%s %s is a write: the host lets it through only while it runs a write operation of the plugin (this call runs %q)", method, req.URL, c.export)
	}
	return nil
}

// parsedManifest parses Manifest once (nil, nil when it is empty).
func (h *Host) parsedManifest() (*wire.Manifest, error) {
	if h.Manifest == "" {
		return nil, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.manifest == nil {
		m, err := plugintoml.Parse([]byte(h.Manifest))
		if err != nil {
			return nil, fmt.Errorf("pdktest: Host.Manifest: %w", err)
		}
		h.manifest = &m
	}
	return h.manifest, nil
}
