package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/machina-go/machina/host/internal/app"
	"github.com/machina-go/machina/host/internal/config"
	"github.com/machina-go/machina/host/internal/docstore"
	"github.com/machina-go/machina/host/internal/sanitize"
)

// docsCommon are the flags every docs subcommand shares.
type docsCommon struct {
	fs       *flag.FlagSet
	config   *string
	data     *string
	embedder *string
	embedURL *string
	model    *string
	asJSON   jsonFlag
}

func addDocsCommon(fs *flag.FlagSet, c *cli) docsCommon {
	def := filepath.Join("data", "docstore")
	if d := c.getenv("MACHINA_DATA_DIR"); d != "" {
		def = filepath.Join(d, "docstore")
	}
	return docsCommon{
		fs:       fs,
		config:   fs.String("config", "", "configuration `file` whose [docstore] and [secrets] to use (default: none, the flags alone)"),
		data:     fs.String("data", def, "data directory of the document store (overrides [docstore] dir)"),
		embedder: fs.String("embedder", envOr(c, "MACHINA_EMBEDDER", "local"), "embedding provider: local, openai or ollama"),
		embedURL: fs.String("embed-url", c.getenv("MACHINA_EMBED_URL"), "base URL of the embedding endpoint (openai/ollama)"),
		model:    fs.String("embed-model", c.getenv("MACHINA_EMBED_MODEL"), "embedding model name (openai/ollama)"),
		asJSON:   addJSONFlag(fs, "print machine-readable JSON"),
	}
}

func envOr(c *cli, name, def string) string {
	if v := c.getenv(name); v != "" {
		return v
	}
	return def
}

// embedKeySecret is the secret name under which the no-config openai
// embedder finds its API key in the environment.
const embedKeySecret = "machina_docs_embed_api_key"

// docsStore is the configuration and document store settings of one docs
// command: machina.toml's [docstore] with --config, else the flags and
// their environment defaults; explicitly set flags override either.
func (d docsCommon) docsStore(c *cli) (*config.Config, docstore.Config, error) {
	set := map[string]bool{}
	d.fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var cfg *config.Config
	var dc docstore.Config
	var err error
	if *d.config != "" {
		if cfg, err = config.Load(*d.config, c.getenv); err != nil {
			return nil, dc, err
		}
		if dc, err = app.DocstoreConfig(cfg); err != nil {
			return nil, dc, err
		}
		if dc.Dir == "" {
			dc.Dir = filepath.Join(cfg.DataDir, "docstore")
		}
	} else {
		if cfg, err = config.Parse(nil, c.getenv); err != nil {
			return nil, dc, err
		}
		set = map[string]bool{"data": true, "embedder": true, "embed-url": true, "embed-model": true}
	}
	override := func(flag string, dst *string, v string) {
		if set[flag] {
			*dst = v
		}
	}
	override("data", &dc.Dir, *d.data)
	override("embedder", &dc.Embedder.Provider, *d.embedder)
	override("embed-url", &dc.Embedder.BaseURL, *d.embedURL)
	override("embed-model", &dc.Embedder.Model, *d.model)
	if strings.EqualFold(dc.Embedder.Provider, "openai") && dc.Embedder.APIKeySecret == "" {
		env := "MACHINA_EMBED_API_KEY"
		if c.getenv(env) == "" {
			env = "OPENAI_API_KEY"
		}
		if cfg.Secrets == nil {
			cfg.Secrets = map[string]string{}
		}
		cfg.Secrets[embedKeySecret] = "env:" + env
		dc.Embedder.APIKeySecret = embedKeySecret
	}
	return cfg, dc, nil
}

// open builds the host with the document store alone and returns it.
func (d docsCommon) open(ctx context.Context, c *cli, cfg *config.Config, dc docstore.Config) (*app.App, error) {
	dc.Manuals = "" // the command ingests explicitly
	a, err := app.Build(ctx, cfg, app.Docstore, app.Options{Stderr: c.stderr, Getenv: c.getenv, Version: version,
		LogLevel: envOr(c, "MACHINA_LOG_LEVEL", "warn"), Docstore: &dc})
	if err != nil {
		return nil, err
	}
	if err := a.Failure("docstore"); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// openExisting is open for commands that read: the store must exist.
func (d docsCommon) openExisting(ctx context.Context, c *cli) (*app.App, error) {
	cfg, dc, err := d.docsStore(c)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dc.Dir); err != nil {
		return nil, fmt.Errorf("no document store at %s (run 'machina docs ingest' first)", dc.Dir)
	}
	return d.open(ctx, c, cfg, dc)
}

func runDocsIngest(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	common := addDocsCommon(fs, c)
	progress := fs.Bool("progress", false, "draw a progress bar on stderr (default when stderr is a terminal)")
	dir, code, ok := parseArg(fs, args)
	if !ok {
		return code
	}
	cfg, dc, err := common.docsStore(c)
	if err != nil {
		return c.fail(fs, err)
	}
	if dir == "" {
		dir = dc.Manuals
	}
	if dir == "" {
		fs.Usage()
		return 2
	}
	a, err := common.open(ctx, c, cfg, dc)
	if err != nil {
		return c.fail(fs, err)
	}
	defer a.Close()
	store := a.Docs

	var bar *progressBar
	if *progress || isTerminal(c.stderr) {
		bar = &progressBar{w: c.stderr}
	}
	sum, err := store.IngestDir(ctx, dir, bar.update)
	bar.finish()
	if err != nil {
		return c.fail(fs, err)
	}
	report := struct {
		docstore.Summary
		DurationMS float64 `json:"duration_ms"`
	}{sum, float64(sum.Duration.Microseconds()) / 1000}
	if err := common.asJSON.print(c, report, func(w io.Writer) { printSummary(w, sum) }); err != nil {
		return c.fail(fs, err)
	}
	if sum.Failed > 0 {
		fmt.Fprintf(c.stderr, "machina docs ingest: %d file(s) could not be ingested\n", sum.Failed)
		return 1
	}
	return 0
}

func printSummary(w io.Writer, s docstore.Summary) {
	fmt.Fprintf(w, "files:   %d added, %d updated, %d unchanged, %d removed, %d failed\n",
		s.Added, s.Updated, s.Unchanged, s.Removed, s.Failed)
	fmt.Fprintf(w, "chunks:  %d written, %d removed, %d in store\n", s.ChunksWritten, s.ChunksRemoved, s.TotalChunks)
	fmt.Fprintf(w, "flagged: %d new chunk(s) with instruction-like text (kept, marked untrusted); %d in store\n",
		s.FlaggedChunks, s.FlaggedTotal)
	for _, f := range s.Flagged {
		fmt.Fprintf(w, "  ! %s § %s: %s\n", f.Source, f.SectionTitle, strings.Join(f.Reasons, ", "))
	}
	for _, e := range s.Errors {
		fmt.Fprintf(w, "error:   %s: %s\n", e.File, e.Error)
	}
	for _, warn := range s.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	fmt.Fprintf(w, "read %.2f MB in %v (%.2f MB/s)\n", float64(s.Bytes)/1e6, s.Duration.Round(time.Millisecond),
		float64(s.Bytes)/1e6/max(s.Duration.Seconds(), 1e-9))
}

// progressBar draws ingestion progress on one terminal line.
type progressBar struct {
	w     io.Writer
	drawn bool
}

func (p *progressBar) update(pr docstore.Progress) {
	if p == nil {
		return
	}
	const width = 30
	switch pr.Phase {
	case "scan":
		fmt.Fprint(p.w, "\rscanning…")
	case "file", "save":
		filled := 0
		if pr.Total > 0 {
			filled = width * pr.Done / pr.Total
		}
		name := pr.File
		if pr.Phase == "save" {
			name = "embedding and saving…"
		}
		if r := []rune(name); len(r) > 32 {
			name = "…" + string(r[len(r)-31:])
		}
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d files %6.2f MB  %-32s", strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
			pr.Done, pr.Total, float64(pr.Bytes)/1e6, name)
	}
	p.drawn = true
}

func (p *progressBar) finish() {
	if p != nil && p.drawn {
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports whether w is a character device.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// filterFlags collects repeated --filter key=value flags.
type filterFlags map[string]string

func (f filterFlags) String() string {
	keys := make([]string, 0, len(f))
	for k, v := range f {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func (f filterFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	f[strings.TrimSpace(k)] = v
	return nil
}

func runDocsSearch(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	common := addDocsCommon(fs, c)
	asset := fs.String("asset", "", "only documents about this asset id (e.g. P-101)")
	topK := fs.Int("top-k", docstore.DefaultTopK, "number of results (max 100)")
	mode := fs.String("mode", "hybrid", "retrieval: hybrid, lexical or dense")
	llm := fs.Bool("llm", false, "print the results exactly as an LLM would see them (untrusted-data blocks)")
	filters := filterFlags{}
	fs.Var(filters, "filter", "metadata equality filter key=value (repeatable): doc_type, manufacturer, section_title, …")
	query, code, ok := parseArg(fs, args)
	if !ok {
		return code
	}
	if strings.TrimSpace(query) == "" {
		fs.Usage()
		return 2
	}
	m, err := docstore.ParseMode(*mode)
	if err != nil {
		fmt.Fprintln(c.stderr, "machina docs search:", err)
		return 2
	}
	if *topK < 1 || *topK > docstore.MaxTopK {
		fmt.Fprintf(c.stderr, "machina docs search: --top-k must be between 1 and %d\n", docstore.MaxTopK)
		return 2
	}
	if *asset != "" {
		filters[docstore.KeyAssetID] = *asset
	}
	a, err := common.openExisting(ctx, c)
	if err != nil {
		return c.fail(fs, err)
	}
	defer a.Close()
	rs, err := a.Docs.Search(ctx, docstore.Query{Text: query, TopK: *topK, Filters: filters, Mode: m})
	if err != nil {
		return c.fail(fs, err)
	}
	switch {
	case *common.asJSON.on:
		_ = c.printJSON(docstore.ToolResults(rs))
	case *llm:
		fmt.Fprint(c.stdout, docstore.FormatUntrusted(rs))
	default:
		if len(rs) == 0 {
			fmt.Fprintln(c.stdout, "no results")
		}
		for i, r := range rs {
			tags := ""
			if r.IsTable {
				tags += " [TABLE]"
			}
			if r.Flagged {
				tags += " [FLAGGED: " + strings.Join(r.FlagReasons, ", ") + "]"
			}
			fmt.Fprintf(c.stdout, "%d. %s (p. %d) § %s  score %.4f%s\n", i+1, sanitize.SafeSource(r.Source), r.Page,
				r.SectionTitle, r.Score, tags)
			fmt.Fprintf(c.stdout, "   %s\n", snippet(sanitize.SafeText(r.Content), 240))
		}
	}
	return 0
}

// snippet collapses whitespace and truncates to n runes.
func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func runDocsStats(ctx context.Context, c *cli, fs *flag.FlagSet, args []string) int {
	common := addDocsCommon(fs, c)
	if code, ok := parseFlags(fs, args, 0); !ok {
		return code
	}
	a, err := common.openExisting(ctx, c)
	if err != nil {
		return c.fail(fs, err)
	}
	defer a.Close()
	st := a.Docs.Stats()
	if *common.asJSON.on {
		_ = json.NewEncoder(c.stdout).Encode(st)
		return 0
	}
	fmt.Fprintf(c.stdout, "files %d, chunks %d, flagged chunks %d, embedder %s\n", st.Files, st.Chunks, st.FlaggedChunks, st.Embedder)
	return 0
}
