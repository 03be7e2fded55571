package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/docstore"
	"github.com/machina-go/machina/host/internal/registry"
)

// DocstoreConfig decodes the [docstore] table of cfg with its paths
// resolved: Dir defaults to <data_dir>/docstore, and relative Dir and
// Manuals start from the configuration's directory.
func DocstoreConfig(cfg *config.Config) (docstore.Config, error) {
	var dc docstore.Config
	if err := cfg.Decode(cfg.Docstore, &dc); err != nil {
		return dc, fmt.Errorf("[docstore]: %w", err)
	}
	rel := func(p string) string {
		if p != "" && !filepath.IsAbs(p) && cfg.Dir() != "" {
			return filepath.Join(cfg.Dir(), p)
		}
		return p
	}
	configured := dc.Dir != "" || dc.Manuals != ""
	dc.Dir, dc.Manuals = rel(dc.Dir), rel(dc.Manuals)
	if dc.Dir == "" {
		dc.Dir = filepath.Join(cfg.DataDir, "docstore")
	}
	if !configured {
		// Nothing configured: a store is opened only if one exists.
		if _, err := os.Stat(dc.Dir); err != nil {
			dc.Dir = ""
		}
	}
	return dc, nil
}

// docSearcher adapts *docstore.Store to registry.DocumentSearcher.
type docSearcher struct{ s *docstore.Store }

func (d docSearcher) SearchManuals(ctx context.Context, q string, k int, asset string, f map[string]string) (any, error) {
	return d.s.SearchManuals(ctx, q, k, asset, f)
}

// startDocstore opens the document store (Options.Docstore, else the
// [docstore] table when configured or when <data_dir>/docstore exists) and
// ingests its manuals in the background (Ingested reports completion).
func (a *App) startDocstore(ctx context.Context) {
	dc, err := a.docstoreConfig()
	if err != nil || dc.Dir == "" {
		if err != nil {
			a.Registry.Fail("docstore", registry.KindDocuments, err)
		}
		close(a.ingested)
		return
	}
	log := a.Logger.Named("docstore")
	opts, err := dc.Options(a.Config.DataDir, log, func(name string) (string, error) { return a.secretString(ctx, name) })
	var st *docstore.Store
	if err == nil {
		st, err = docstore.Open(ctx, opts)
	}
	if err != nil {
		a.Registry.Fail("docstore", registry.KindDocuments, err)
		close(a.ingested)
		return
	}
	a.Docs = st
	a.closers = append(a.closers, func() { _ = st.Close() })
	if _, err := a.Registry.AddDocuments("docstore", docSearcher{st}, func(context.Context) abi.HealthResponse {
		s := st.Stats()
		return abi.HealthResponse{Status: abi.HealthHealthy, Message: fmt.Sprintf("%d files, %d chunks", s.Files, s.Chunks)}
	}); err != nil {
		a.Registry.Fail("docstore", registry.KindDocuments, err)
	}
	if dc.Manuals == "" {
		close(a.ingested)
		return
	}
	go func() {
		defer close(a.ingested)
		sum, err := st.IngestDir(ctx, dc.Manuals, nil)
		if err != nil {
			log.Error("ingesting manuals failed", "error", err)
			return
		}
		log.Info("manuals ingested", "files_added", sum.Added, "files_updated", sum.Updated,
			"files_unchanged", sum.Unchanged, "chunks", sum.TotalChunks, "flagged", sum.FlaggedTotal)
	}()
}

func (a *App) docstoreConfig() (docstore.Config, error) {
	if a.opts.Docstore != nil {
		return *a.opts.Docstore, nil
	}
	return DocstoreConfig(a.Config)
}

// Ingested is closed when the startup ingestion of manuals has finished
// (at once when there is none).
func (a *App) Ingested() <-chan struct{} { return a.ingested }
