package docstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	chromem "github.com/philippgille/chromem-go"
)

// Embedder turns text into a dense vector. Name identifies the vector
// space: it is recorded in the data directory, and a store reopened with a
// different name drops its vectors and re-ingests (vectors from two models
// are not comparable).
type Embedder interface {
	// Name identifies the model and its configuration, e.g. "local-hash-v1/512".
	Name() string
	// Embed returns the embedding of text. It must be safe for concurrent use.
	Embed(ctx context.Context, text string) ([]float32, error)
}

// LocalDims is the dimension of the built-in local embedding.
const LocalDims = 512

// localEmbedderName is bumped whenever the feature set changes.
const localEmbedderName = "local-hash-v2/512"

// LocalEmbedder is the default, offline embedding: a feature-hashed bag of
// word unigrams, word bigrams, character trigrams and maintenance concepts
// (a small built-in synonym table), with sublinear term frequency and a
// static IDF-like prior, signed-hashed into LocalDims dimensions and L2
// normalised. It needs no model download and no network, is deterministic
// across runs and machines, and does not depend on the corpus (so vectors
// stay valid as documents come and go). See doc.go for the rationale.
type LocalEmbedder struct{}

// NewLocalEmbedder returns the built-in offline embedder.
func NewLocalEmbedder() LocalEmbedder { return LocalEmbedder{} }

// Name implements Embedder.
func (LocalEmbedder) Name() string { return localEmbedderName }

// Embed implements Embedder. It never fails except on a cancelled context.
func (LocalEmbedder) Embed(ctx context.Context, text string) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return localEmbed(text), nil
}

// EmbedQuery embeds a query with corpus-aware term weights: every feature
// derived from a query word is multiplied by idf(word). Document vectors
// stay corpus-independent (Embed); because cosine similarity is a sum of
// per-feature products, weighting only the query side applies IDF to the
// match exactly once, like BM25, without ever re-embedding stored chunks.
// A nil idf is the same as Embed.
func (LocalEmbedder) EmbedQuery(ctx context.Context, text string, idf func(term string) float64) ([]float32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return localEmbedWeighted(text, idf), nil
}

// queryEmbedder is implemented by embedders that can weight query terms by
// corpus statistics.
type queryEmbedder interface {
	EmbedQuery(ctx context.Context, text string, idf func(term string) float64) ([]float32, error)
}

// Feature weights of the local embedding. Unigrams carry most of the
// signal; concepts bridge synonyms; bigrams reward phrase matches;
// character trigrams give robustness to inflection and compounding
// (lubricate/lubrication, overheat/overheating) and are spread so that one
// word's trigrams together weigh about as much as a third of the word.
const (
	wUnigram = 1.0
	wCode    = 1.6 // tokens with digits: part numbers, tags, ratings
	wConcept = 0.9
	wBigram  = 0.6
	wTrigram = 0.35
)

// feature accumulates one hashed feature: how often it occurred and the
// sum of its per-occurrence weights.
type feature struct {
	n, w float64
}

// FNV-1a, inlined so feature keys never have to be built as strings.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvAdd folds s into the running hash h.
func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// fnvByte folds one byte into h.
func fnvByte(h uint64, c byte) uint64 {
	h ^= uint64(c)
	return h * fnvPrime
}

// localEmbed computes the local (document-side) embedding of text.
func localEmbed(text string) []float32 { return localEmbedWeighted(text, nil) }

// localEmbedWeighted computes the local embedding; when idf is non-nil,
// every feature derived from a word is multiplied by idf(word) (query
// side, see EmbedQuery). Features are identified by a 64-bit FNV-1a hash
// of their kind and text ("u" word, "c" concept, "b" word pair, "t" word
// trigram); the low bits pick the dimension and the top bit the sign.
func localEmbedWeighted(text string, idf func(term string) float64) []float32 {
	fs := featureSet{feats: make(map[uint64]feature, len(text)/2), order: make([]uint64, 0, len(text)/2)}
	var prev string
	rawTokens(text, func(t string) {
		if isStopword(t) {
			prev = ""
			return
		}
		s := stem(t)
		q := 1.0
		if idf != nil {
			// Query side: the corpus IDF replaces the static prior.
			q = idf(s)
			fs.add(fnvAdd(fnvByte(fnvOffset, 'u'), s), q)
		} else {
			fs.add(fnvAdd(fnvByte(fnvOffset, 'u'), s), prior(s))
		}
		fs.concepts(s, q)
		if prev != "" {
			fs.add(fnvAdd(fnvByte(fnvAdd(fnvByte(fnvOffset, 'b'), prev), ' '), s), q*wBigram)
			if _, ok := phraseStarts[prev]; ok {
				fs.concepts(prev+" "+s, q)
			}
		}
		prev = s
		if !hasDigit(s) && len(s) > 3 && len(s) <= 120 {
			fs.trigrams(s, q)
		}
	})
	return fs.vector()
}

// featureSet accumulates the hashed features of one text.
type featureSet struct {
	feats  map[uint64]feature
	order  []uint64 // first-occurrence order keeps float sums deterministic
	bounds [130]int // rune boundaries of the word being split into trigrams
}

func (fs *featureSet) add(key uint64, w float64) {
	f, ok := fs.feats[key]
	if !ok {
		fs.order = append(fs.order, key)
	}
	f.n++
	f.w += w
	fs.feats[key] = f
}

// concepts adds the concepts of a (stemmed) word or phrase.
func (fs *featureSet) concepts(s string, q float64) {
	for _, c := range conceptOf(s) {
		fs.add(fnvAdd(fnvByte(fnvOffset, 'c'), c.name), q*c.w)
	}
}

// trigrams adds the character trigrams of "<s>", by rune.
func (fs *featureSet) trigrams(s string, q float64) {
	nb := 0
	fs.bounds[nb] = -1 // the '<' sentinel
	nb++
	for i := range s {
		fs.bounds[nb] = i
		nb++
	}
	fs.bounds[nb] = len(s) // the '>' sentinel
	nb++
	per := q * wTrigram / math.Sqrt(float64(nb-2))
	for i := 0; i+3 <= nb; i++ {
		h := fnvByte(fnvOffset, 't')
		lo, hi := fs.bounds[i], fs.bounds[i+2]
		if lo < 0 {
			h = fnvByte(h, '<')
			lo = 0
		}
		end := hi
		if i+3 < nb {
			end = fs.bounds[i+3]
		}
		if end > len(s) {
			end = len(s)
		}
		h = fnvAdd(h, s[lo:end])
		if i+3 == nb {
			h = fnvByte(h, '>')
		}
		fs.add(h, per)
	}
}

// vector folds the features into LocalDims dimensions (the low bits of a
// feature's hash pick the dimension, the top bit its sign) and normalises.
func (fs *featureSet) vector() []float32 {
	vec := make([]float64, LocalDims)
	for _, key := range fs.order {
		f := fs.feats[key]
		sign := 1.0
		if key>>63 == 1 {
			sign = -1
		}
		// Mean weight times sublinear term frequency 1+ln(tf).
		vec[key%LocalDims] += sign * (f.w / f.n) * (1 + math.Log(f.n))
	}
	var norm float64
	for _, v := range vec {
		norm += v * v
	}
	out := make([]float32, LocalDims)
	if norm == 0 {
		// An empty or stop-word-only text gets a fixed unit vector so that
		// chromem-go's normalisation never divides by zero.
		out[0] = 1
		return out
	}
	norm = math.Sqrt(norm)
	for i, v := range vec {
		out[i] = float32(v / norm)
	}
	return out
}

// prior is the static IDF-like weight of a token: codes with digits are the
// rarest and most telling, long words are rarer than short ones, and a
// handful of words that appear in every maintenance text weigh less.
func prior(tok string) float64 {
	if hasDigit(tok) {
		return wCode
	}
	if _, ok := commonWords[tok]; ok {
		return 0.35 * wUnigram
	}
	l := float64(len(tok))
	return wUnigram * math.Min(1.2, 0.5+0.1*l)
}

// commonWords are frequent in every maintenance manual and therefore weak
// evidence of topic.
var commonWords = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(`use used using check ensure make sure before after during
		then step section manual see note warning caution figure table page procedure
		maintenance equipment unit operation operating normal value values type model
		following required recommended always never one two three first second new old`) {
		m[w] = struct{}{}
	}
	return m
}()

// concept is one maintenance concept a word stands for, with the weight
// of its feature.
type concept struct {
	name string
	w    float64
}

// conceptTable maps words and two-word phrases (already stemmed) to
// maintenance concepts, so "rolling element" and "bearing", or "megger" and
// "insulation resistance", land on a shared feature. A word listed in k
// groups ("winding": insulation and motor; "tighten": torque and tension)
// stands for all k, each with weight wConcept/k, so every word carries the
// same concept mass. Concepts are sorted by name, so the table — and every
// vector — is the same in every process (building it from map iteration
// order made shared words pick a random concept per process).
var conceptTable = func() map[string][]concept {
	groups := map[string]string{
		"bearing":       "bearing bearings rolling-element rolling ball-bearing roller cuscinetto",
		"seal":          "seal gland packing mechanical-seal tenuta o-ring gasket guarnizione",
		"leak":          "leak leakage leaking drip dripping weep weeping seepage perdita",
		"vibration":     "vibration vibrate vibrating oscillation shaking shake vibrazione rms velocity",
		"temperature":   "temperature overheat overheating hot heat thermal warm temperatura caldo surriscaldamento",
		"lubrication":   "lubrication lubricate lubricant grease greasing oil relubrication lubrificazione olio grasso",
		"insulation":    "insulation megger megohm ir polarization polarisation isolamento winding",
		"replace":       "replace replacement renew change swap substitute sostituzione install",
		"inspect":       "inspect inspection check examine verify visual ispezione",
		"alignment":     "alignment misalignment align aligned coupling laser dial-indicator allineamento",
		"pressure":      "pressure bar psi discharge suction head pressione",
		"cavitation":    "cavitation npsh npsha npshr suction-pressure",
		"noise":         "noise noisy rumble knocking grinding squeal squealing rumore",
		"torque":        "torque tighten tightening nm torque-wrench",
		"fault":         "fault failure trip tripped alarm malfunction breakdown guasto troubleshooting",
		"motor":         "motor electric-motor winding stator rotor induction motore avvolgimento",
		"pump":          "pump centrifugal impeller volute pompa",
		"compressor":    "compressor compression screw-compressor compressore",
		"gearbox":       "gearbox gear gears reducer reductor riduttore",
		"valve":         "valve actuator positioner stem trim valvola",
		"belt":          "belt conveyor tracking idler pulley nastro trasportatore",
		"filter":        "filter strainer filtro clogged blocked intasato",
		"exchanger":     "exchanger tube shell fouling scambiatore",
		"clean":         "clean cleaning flush flushing descale descaling pulizia",
		"interval":      "interval frequency every hours schedule periodic intervallo",
		"isolation":     "lockout tagout loto isolate isolation de-energise de-energize",
		"calibration":   "calibration calibrate stroke span zero taratura",
		"tension":       "tension tensioning slack tighten",
		"wear":          "wear worn abrasion erosion usura",
		"startup":       "startup start-up commissioning prime priming",
		"specification": "specification spec rating rated datasheet nameplate",
	}
	names := make([]string, 0, len(groups))
	for name := range groups {
		names = append(names, name)
	}
	sort.Strings(names)
	sets := map[string][]string{}
	for _, name := range names {
		for _, w := range strings.Fields(groups[name]) {
			for _, k := range []string{stem(w), strings.ReplaceAll(w, "-", " ")} {
				if !slices.Contains(sets[k], name) {
					sets[k] = append(sets[k], name)
				}
			}
		}
	}
	m := make(map[string][]concept, len(sets))
	for k, ns := range sets {
		cs := make([]concept, len(ns))
		for i, n := range ns {
			cs[i] = concept{name: n, w: wConcept / float64(len(ns))}
		}
		m[k] = cs
	}
	return m
}()

// phraseStarts are the first words of the two-word phrases in conceptTable.
var phraseStarts = func() map[string]struct{} {
	m := map[string]struct{}{}
	for k := range conceptTable {
		if first, _, ok := strings.Cut(k, " "); ok {
			m[first] = struct{}{}
		}
	}
	return m
}()

// conceptOf returns the concepts of a stemmed word or "word word" phrase,
// also trying the word without an -ed or -ing ending (renewed → renew,
// leaking → leak, tightening → tighten, lubricated → lubricate).
func conceptOf(s string) []concept {
	if c, ok := conceptTable[s]; ok {
		return c
	}
	if strings.Contains(s, " ") || len(s) < 5 {
		return nil
	}
	for _, suf := range []string{"ing", "ed"} {
		if base, ok := strings.CutSuffix(s, suf); ok {
			for _, cand := range []string{base, base + "e"} {
				if c, ok := conceptTable[cand]; ok {
					return c
				}
			}
		}
	}
	return nil
}

// EmbedderConfig selects an embedding provider. The zero value is the local
// offline embedder. It decodes from the [docstore.embedder] table of
// machina.toml; the API key is resolved by the caller from the secrets
// registry and never read from the configuration file.
type EmbedderConfig struct {
	// Provider is "local" (default), "openai" (any OpenAI-compatible
	// /embeddings endpoint) or "ollama".
	Provider string `toml:"provider" json:"provider"`
	// BaseURL of the endpoint, e.g. "https://api.openai.com/v1" or
	// "http://127.0.0.1:11434/api". Empty uses the provider's default.
	BaseURL string `toml:"base_url" json:"base_url"`
	// Model name, e.g. "text-embedding-3-small" or "nomic-embed-text".
	Model string `toml:"model" json:"model"`
	// APIKey for the openai provider; filled from a secret at runtime.
	APIKey string `toml:"-" json:"-"`
}

// NewEmbedder builds the Embedder selected by cfg. Remote providers use
// chromem-go's HTTP helpers; no request is made until the first Embed.
func NewEmbedder(cfg EmbedderConfig) (Embedder, error) {
	switch strings.ToLower(cfg.Provider) {
	case "", "local":
		return NewLocalEmbedder(), nil
	case "openai", "openai-compatible":
		if cfg.Model == "" {
			return nil, errors.New("docstore: embedder provider openai needs a model")
		}
		base := cfg.BaseURL
		if base == "" {
			base = chromem.BaseURLOpenAI
		}
		return funcEmbedder{
			name: "openai:" + redactURL(base) + "#" + cfg.Model,
			fn:   chromem.NewEmbeddingFuncOpenAICompat(base, cfg.APIKey, cfg.Model, nil),
		}, nil
	case "ollama":
		if cfg.Model == "" {
			return nil, errors.New("docstore: embedder provider ollama needs a model")
		}
		return funcEmbedder{
			name: "ollama:" + redactURL(cfg.BaseURL) + "#" + cfg.Model,
			fn:   chromem.NewEmbeddingFuncOllama(cfg.Model, cfg.BaseURL),
		}, nil
	default:
		return nil, fmt.Errorf("docstore: unknown embedder provider %q (want local, openai or ollama)", cfg.Provider)
	}
}

// redactURL drops user info and query from an endpoint URL so the
// embedder name (logged, and stored in the manifest) never carries a
// credential.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "invalid-url"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// funcEmbedder adapts a chromem-go EmbeddingFunc.
type funcEmbedder struct {
	name string
	fn   chromem.EmbeddingFunc
}

// Name implements Embedder.
func (f funcEmbedder) Name() string { return f.name }

// remoteTimeout bounds one remote embedding request when the caller's
// context has no deadline (chromem-go's HTTP client has no timeout).
const remoteTimeout = 60 * time.Second

// Embed implements Embedder.
func (f funcEmbedder) Embed(ctx context.Context, text string) ([]float32, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, remoteTimeout)
		defer cancel()
	}
	return f.fn(ctx, text)
}
