package docstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// MaxFileSize is the largest document the store ingests; larger files are
// skipped with a warning.
const MaxFileSize = 64 << 20

// pageText is the text of one page: page 0 for .md/.txt (one record, as in
// the reference), 1-based pages for PDF.
type pageText struct {
	Page int
	Text string
}

// parsedDoc is a document ready for chunking.
type parsedDoc struct {
	Pages []pageText
	Meta  map[string]string
	Warns []string
	Hash  string
}

// supportedExt reports whether the store ingests files with this name.
func supportedExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".md", ".markdown", ".txt", ".pdf":
		return true
	}
	return false
}

// contentHash is the incremental-ingest key of a file: its bytes, its
// sidecar's bytes and the chunker configuration.
func contentHash(data, sidecar []byte, cfg string) string {
	h := sha256.New()
	h.Write([]byte(cfg))
	h.Write([]byte{0})
	h.Write(data)
	h.Write([]byte{0})
	h.Write(sidecar)
	return hex.EncodeToString(h.Sum(nil))
}

// parseDocument extracts pages and metadata from a file's bytes.
func parseDocument(path string, data []byte, sidecar rawMeta) (parsedDoc, error) {
	var d parsedDoc
	var front rawMeta
	switch strings.ToLower(filepath.Ext(path)) {
	case ".pdf":
		pages, err := pdfPages(data)
		if err != nil {
			return d, err
		}
		d.Pages = pages
	default:
		if !utf8.Valid(data) {
			data = bytes.ToValidUTF8(data, []byte("\uFFFD"))
		}
		text := string(data)
		if fm, body, ok := splitFrontMatter(text); ok {
			front = parseKeyValues(fm)
			text = body
		}
		d.Pages = []pageText{{Page: 0, Text: text}}
	}
	meta, warns := sanitizeMeta(mergeMeta(sidecar, front, inferMeta(path)))
	d.Meta = meta
	d.Warns = warns
	return d, nil
}

// pdfPages extracts the plain text of every page. The PDF parser panics on
// some malformed input, so it is contained here.
func pdfPages(data []byte) (pages []pageText, err error) {
	defer func() {
		if r := recover(); r != nil {
			pages, err = nil, fmt.Errorf("malformed PDF: %v", r)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("malformed PDF: %w", err)
	}
	for i := 1; i <= r.NumPage(); i++ {
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		text, err := p.GetPlainText(nil)
		if err != nil {
			return nil, fmt.Errorf("PDF page %d: %w", i, err)
		}
		text = strings.TrimLeft(text, "\n")
		if strings.TrimSpace(text) == "" {
			continue
		}
		pages = append(pages, pageText{Page: i, Text: text})
	}
	return pages, nil
}
