package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/mail"
	"github.com/machina-go/machina/host/internal/messaging"
	"github.com/machina-go/machina/host/internal/plugin"
	"github.com/machina-go/machina/host/internal/pluginload"
	"github.com/machina-go/machina/host/internal/registry"
)

// loadPlugins loads every enabled [[plugin]], registers it and returns the
// messaging plugins as channels. A plugin that fails is recorded in the
// registry; only a missing plugin engine fails the host.
func (a *App) loadPlugins(ctx context.Context) ([]messaging.Channel, error) {
	cfg := a.Config
	if len(cfg.Plugins) == 0 {
		return nil, nil
	}
	eng := a.opts.Engine
	if eng == nil {
		var err error
		eng, err = plugin.NewEngine(plugin.EngineOptions{CacheDir: filepath.Join(cfg.DataDir, "cache", "wazero"), Logger: a.Logger})
		if err != nil {
			return nil, fmt.Errorf("plugin engine: %w", err)
		}
		a.closers = append(a.closers, func() { _ = eng.Close(context.Background()) })
	}
	mailer := mail.New(mail.Options{Secrets: a.Secrets, Scrubber: a.Scrubber, Logger: a.Logger.Named("mail"), Sandbox: a.Gate.Enabled})
	loaded, failed := pluginload.LoadAll(ctx, cfg, pluginload.Deps{Engine: eng, Secrets: a.Secrets, Scrubber: a.Scrubber,
		Logger: a.Logger, Tracer: a.Tracer, Sandbox: a.Gate.Enabled, Mailer: mailer, MapOrigin: a.opts.MapOrigin,
		Observer: a.Metrics, PluginObserver: a.Metrics})
	var channels []messaging.Channel
	for _, l := range loaded {
		a.Plugins = append(a.Plugins, l)
		a.Metrics.Plugin(l.Name)
		a.closers = append(a.closers, func() { _ = l.Close(context.Background()) })
		if _, err := a.Registry.AddPlugin(l.Name, l.Plugin, l.Config.Primary); err != nil {
			a.Registry.Fail(l.Name, registry.Kind(l.Plugin.Descriptor().Kind), err)
			continue
		}
		if l.Plugin.Descriptor().Kind == abi.KindMessaging {
			// A plugin that speaks mail takes addresses; the others (Telegram)
			// take chat ids: that routes a bare machina_send_message target.
			addr := messaging.AddressChat
			if l.Plugin.Manifest().Mail {
				addr = messaging.AddressEmail
			}
			channels = append(channels, messaging.Channel{Name: l.Name, Plugin: l.Plugin, Address: addr})
		}
	}
	for _, f := range failed {
		a.Registry.Fail(f.Name, "plugin", f.Err)
	}
	return channels, nil
}

// Plugin returns the loaded plugin with that name.
func (a *App) Plugin(name string) (*pluginload.Loaded, bool) {
	for _, l := range a.Plugins {
		if l.Name == name {
			return l, true
		}
	}
	return nil, false
}

// Failure returns why the named component did not start (nil if it did,
// or was not configured).
func (a *App) Failure(name string) error {
	for _, f := range a.Registry.Failures() {
		if f.Name == name {
			return f.Err
		}
	}
	return nil
}
