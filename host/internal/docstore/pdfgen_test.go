package docstore

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// makePDF renders lines of ASCII text as a minimal, valid PDF 1.4 file
// (Helvetica, WinAnsiEncoding, linesPerPage lines per page). Every line is
// shown with Tj followed by T*, so text extraction yields one line per
// line, including blank lines.
func makePDF(lines []string, linesPerPage int) []byte {
	var pages [][]string
	for len(lines) > 0 {
		n := min(linesPerPage, len(lines))
		pages = append(pages, lines[:n])
		lines = lines[n:]
	}
	var buf bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, buf.Len())
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	esc := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	for i, pg := range pages {
		var cs strings.Builder
		cs.WriteString("BT\n/F1 10 Tf\n12 TL\n50 800 Td\n")
		for _, l := range pg {
			fmt.Fprintf(&cs, "(%s) Tj T*\n", esc.Replace(l))
		}
		cs.WriteString("ET")
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", cs.Len(), cs.String()))
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return buf.Bytes()
}

// samplePDF is the committed sample PDF and its source text.
const (
	samplePDFPath = "../../../samples/manuals/conveyor_cv701_manual.pdf"
	samplePDFSrc  = "testdata/conveyor_cv701_manual.src.txt"
)

// renderSamplePDF builds the sample PDF from its source text.
func renderSamplePDF(t testing.TB) []byte {
	t.Helper()
	src, err := os.ReadFile(samplePDFSrc)
	if err != nil {
		t.Fatal(err)
	}
	return makePDF(strings.Split(strings.TrimRight(string(src), "\n"), "\n"), 40)
}

// TestSamplePDFUpToDate checks that the committed sample PDF is what the
// generator makes from testdata; MACHINA_UPDATE_SAMPLES=1 rewrites it.
func TestSamplePDFUpToDate(t *testing.T) {
	want := renderSamplePDF(t)
	if os.Getenv("MACHINA_UPDATE_SAMPLES") == "1" {
		if err := os.WriteFile(filepath.Clean(samplePDFPath), want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(samplePDFPath)
	if err != nil {
		t.Fatalf("%v (run with MACHINA_UPDATE_SAMPLES=1 to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("samples/manuals/conveyor_cv701_manual.pdf is stale; run with MACHINA_UPDATE_SAMPLES=1")
	}
	pages, err := pdfPages(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 || pages[0].Page != 1 || pages[1].Page != 2 {
		t.Fatalf("pages = %+v", pages)
	}
	if !strings.Contains(pages[0].Text, "2 Belt Tracking") || !strings.Contains(pages[1].Text, "scraper blade") {
		t.Fatalf("unexpected PDF text:\n%s\n---\n%s", pages[0].Text, pages[1].Text)
	}
}
