package docstore

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
)

// Config is the [docstore] table of machina.toml, e.g.
//
//	[docstore]
//	dir = "data/docstore"          # default <data_dir>/docstore
//	manuals = "manuals"            # directory ingested at start-up (optional)
//	[docstore.embedder]
//	provider = "openai"            # local (default), openai or ollama
//	base_url = "https://api.openai.com/v1"
//	model = "text-embedding-3-small"
//	api_key_secret = "openai"      # name in [secrets]; never the key itself
type Config struct {
	Dir          string         `toml:"dir"`
	Manuals      string         `toml:"manuals"`
	ChunkSize    int            `toml:"chunk_size"`
	ChunkOverlap int            `toml:"chunk_overlap"`
	Embedder     EmbedderSecret `toml:"embedder"`
}

// EmbedderSecret is EmbedderConfig plus the name of the secret holding the
// API key.
type EmbedderSecret struct {
	EmbedderConfig
	APIKeySecret string `toml:"api_key_secret"`
}

// Options turns the configuration into store options. dataDir is the
// installation's data_dir (used when Dir is empty); secret resolves a
// secret name from [secrets] and is only called when api_key_secret is set.
func (c Config) Options(dataDir string, logger hclog.Logger, secret func(name string) (string, error)) (Options, error) {
	dir := c.Dir
	if dir == "" {
		dir = filepath.Join(dataDir, "docstore")
	}
	ec := c.Embedder.EmbedderConfig
	if c.Embedder.APIKeySecret != "" {
		if secret == nil {
			return Options{}, errors.New("docstore: embedder api_key_secret set but no secret resolver")
		}
		key, err := secret(c.Embedder.APIKeySecret)
		if err != nil {
			// The error names the secret, never its value.
			return Options{}, fmt.Errorf("docstore: embedder secret %q: %w", c.Embedder.APIKeySecret, err)
		}
		ec.APIKey = key
	}
	emb, err := NewEmbedder(ec)
	if err != nil {
		return Options{}, err
	}
	if c.ChunkSize < 0 || c.ChunkOverlap < 0 || (c.ChunkSize > 0 && c.ChunkOverlap >= c.ChunkSize) {
		return Options{}, fmt.Errorf("docstore: chunk_size %d / chunk_overlap %d: want 0 <= overlap < size", c.ChunkSize, c.ChunkOverlap)
	}
	return Options{Dir: dir, Embedder: emb, Logger: logger, ChunkSize: c.ChunkSize, ChunkOverlap: c.ChunkOverlap}, nil
}
