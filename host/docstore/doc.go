// Package docstore is Machina's native document store: it ingests
// equipment manuals (.md, .txt, .pdf), chunks them by section, indexes
// them lexically (BM25) and densely (chromem-go vectors), persists both in
// a data directory, and answers hybrid searches with metadata filters.
//
// # What it owns
//
//   - Ingestion: recursive, sorted directory walk; YAML-ish front matter
//     and <file>.meta.toml / <file>.meta.yaml sidecars (sidecar beats front
//     matter beats file-name inference); metadata sanitised (scalars only,
//     control characters removed, 256-character cap, reserved keys source,
//     page, chunk_id, content and score rejected). Re-ingestion is
//     incremental by SHA-256 of file + sidecar + chunking configuration;
//     files that disappeared from the directory lose their chunks.
//   - Chunking: Markdown ATX, numbered ("3.2 Title") and ALL-CAPS headings
//     become the breadcrumb kept at the top of every chunk below them;
//     bodies are windowed to ~1000 characters with ~200 overlap, cut at
//     paragraph, sentence or word boundaries, never inside a word; Markdown
//     tables are atomic chunks (is_table). Chunk ids are the MD5 of
//     source, section title, page and index (deterministic, as in the
//     reference).
//   - Retrieval: BM25 (k1=1.5, b=0.75) over a technical tokenizer that
//     keeps codes such as 6310-2RS, P-101 and WO-2026-0087 whole (and also
//     indexes their parts); cosine similarity over chromem-go; reciprocal
//     rank fusion with k=60; equality filters on any metadata key, with
//     asset_id matching any asset a document covers.
//   - Prompt-injection hygiene: an ingestion-time scanner marks chunks with
//     instruction-like text (flagged + reasons, reported in the Summary;
//     they are kept, not dropped); every Result has its source passed
//     through sanitize.SafeSource and its text through sanitize.SafeText;
//     FormatUntrusted wraps results in explicit UNTRUSTED DOCUMENT markers
//     and neutralises marker look-alikes inside the text.
//   - Persistence: manifest.json plus one generation directory holding the
//     chunk records with the lexical index (gob+gzip) and the chromem-go
//     export of the vectors. Directory 0750, files 0600, atomic renames.
//
// # The default embedding (LocalEmbedder)
//
// Dense retrieval must work offline with no model download. LocalEmbedder
// is a deterministic feature-hashing embedder ("local-hash-v1/512"):
//
//   - features: stemmed word unigrams (weight 1.0, or 1.6 for tokens with
//     digits — part numbers, tags, ratings), adjacent-word bigrams (0.6),
//     character trigrams of each word longer than three letters (0.35 in
//     total per word, so "lubricate" and "lubrication" or "overheat" and
//     "overheating" share most of their mass), and maintenance concepts
//     from a ~30-entry built-in synonym table (0.9), so "rolling element"
//     meets "bearing", "megger" meets "insulation resistance", "weeping"
//     meets "leak";
//   - weighting: sublinear term frequency 1+ln(1+tf) on top of a static
//     IDF-like prior (stop words dropped, ubiquitous maintenance words such
//     as "check" or "procedure" down-weighted, longer words up-weighted);
//   - FNV-1a hashing into 512 dimensions with a sign bit (so collisions
//     cancel rather than accumulate), then L2 normalisation.
//
// Why not LSA or corpus IDF: both make a vector depend on the corpus at
// ingest time, so stored vectors would silently drift as documents are
// added or removed, and incremental ingestion would need periodic full
// re-embedding. The hashing embedder is corpus-independent, costs
// microseconds per chunk, and measurably complements BM25 on paraphrased
// queries (see the evaluation test); it is not a semantic model and will
// not bridge languages or concepts outside its synonym table. Operators who
// want a neural model select the "openai" (any OpenAI-compatible endpoint)
// or "ollama" provider in EmbedderConfig; the embedder name is recorded and
// a change triggers a clean rebuild on the next ingest.
//
// # What it must not do
//
// It must not return raw filesystem paths or unsanitised text to callers
// that show results to clients or LLMs (Result fields are pre-sanitised;
// RawSource is for logs only and never serialised), follow symbolic links
// or hidden directories when ingesting, make network requests with the
// default embedder, or execute anything found in documents. It does not
// register MCP tools (host/mcp does, using SearchManuals and ToolResult).
package docstore
