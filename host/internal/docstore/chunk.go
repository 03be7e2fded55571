package docstore

import (
	"regexp"
	"strings"
	"unicode"
)

// Default chunking parameters, in characters (bytes of UTF-8 text).
const (
	DefaultChunkSize    = 1000
	DefaultChunkOverlap = 200
)

// piece is one chunk produced by the splitter, before ids and metadata.
type piece struct {
	// Breadcrumb is the heading path, outermost first ("3 Maintenance > 3.2 Seal").
	Breadcrumb []string
	// Text is the chunk body without the breadcrumb.
	Text string
	// IsTable marks an atomic Markdown table block.
	IsTable bool
}

// sectionTitle is the innermost heading of the piece.
func (p piece) sectionTitle() string {
	if len(p.Breadcrumb) == 0 {
		return ""
	}
	return p.Breadcrumb[len(p.Breadcrumb)-1]
}

// content is the text stored and returned for the piece: the heading path
// as a context line, a blank line, then the body.
func (p piece) content() string {
	if len(p.Breadcrumb) == 0 {
		return p.Text
	}
	return strings.Join(p.Breadcrumb, " > ") + "\n\n" + p.Text
}

var (
	atxRE      = regexp.MustCompile(`^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$`)
	numberedRE = regexp.MustCompile(`^(\d{1,2}(?:\.\d{1,2}){0,4})\.?[ \t]+(\p{Lu}.*)$`)
	fenceRE    = regexp.MustCompile("^[ \t]{0,3}(```|~~~)")
)

// heading reports whether lines[i] is a heading and returns its level and
// title. Recognised are Markdown ATX headings (outside code fences),
// numbered headings ("2.1 Title", capitalised, blank line before and after,
// no trailing full stop) and ALL-CAPS lines of at least two words with
// blank lines around them.
func heading(lines []string, i int) (level int, title string, ok bool) {
	line := strings.TrimSpace(lines[i])
	if line == "" || len(line) > 120 {
		return 0, "", false
	}
	if m := atxRE.FindStringSubmatch(line); m != nil {
		return len(m[1]), strings.TrimSpace(m[2]), true
	}
	blankBefore := i == 0 || strings.TrimSpace(lines[i-1]) == ""
	blankAfter := i == len(lines)-1 || strings.TrimSpace(lines[i+1]) == ""
	if !blankBefore || !blankAfter {
		return 0, "", false
	}
	if m := numberedRE.FindStringSubmatch(line); m != nil && len(line) <= 100 &&
		!strings.HasSuffix(line, ".") && !strings.HasSuffix(line, ":") {
		// Numbered headings nest below a document title (level 1).
		return strings.Count(m[1], ".") + 2, line, true
	}
	if isAllCapsHeading(line) {
		return 1, line, true
	}
	return 0, "", false
}

// isAllCapsHeading reports an ALL-CAPS line of two or more words.
func isAllCapsHeading(line string) bool {
	words := strings.Fields(line)
	if len(words) < 2 {
		return false
	}
	letters := 0
	for _, r := range line {
		if unicode.IsLetter(r) {
			if !unicode.IsUpper(r) {
				return false
			}
			letters++
		}
	}
	return letters >= 4
}

// isTableLine reports a Markdown table row.
func isTableLine(line string) bool {
	t := strings.TrimSpace(line)
	return len(t) > 1 && t[0] == '|'
}

// headingLevel is one entry of the heading path.
type headingLevel struct {
	n     int
	title string
}

// splitSections chunks one page of text. Headings become the breadcrumb of
// the chunks below them (they are context, not content); each section body
// is windowed to about size characters with overlap characters of overlap,
// breaking at paragraph, sentence or word boundaries and never inside a
// word. Markdown tables are kept whole as atomic table chunks (windowed by
// rows only when larger than 4×size).
//
// stack carries the heading path across calls, so a PDF section that
// continues on the next page keeps its breadcrumb; nil starts fresh.
func splitSections(text string, size, overlap int, rootTitle string, stack *[]headingLevel) []piece {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	lines := strings.Split(text, "\n")
	if stack == nil {
		stack = new([]headingLevel)
	}
	crumbs := func() []string {
		var c []string
		if rootTitle != "" {
			c = append(c, rootTitle)
		}
		for _, l := range *stack {
			c = append(c, l.title)
		}
		return c
	}
	var out []piece
	var body []string
	inFence := false
	emit := func() {
		out = append(out, splitBody(body, crumbs(), size, overlap)...)
		body = body[:0]
	}
	for i, line := range lines {
		if fenceRE.MatchString(line) {
			inFence = !inFence
			body = append(body, line)
			continue
		}
		if !inFence {
			if n, title, ok := heading(lines, i); ok {
				emit()
				st := *stack
				for len(st) > 0 && st[len(st)-1].n >= n {
					st = st[:len(st)-1]
				}
				*stack = append(st, headingLevel{n, title})
				continue
			}
		}
		body = append(body, line)
	}
	emit()
	return out
}

// splitBody turns one section's lines into pieces: table blocks atomic,
// prose windowed.
func splitBody(lines []string, crumbs []string, size, overlap int) []piece {
	var out []piece
	var prose []string
	flushProse := func() {
		for _, w := range window(strings.Join(prose, "\n"), size, overlap) {
			out = append(out, piece{Breadcrumb: crumbs, Text: w})
		}
		prose = prose[:0]
	}
	for i := 0; i < len(lines); {
		if !isTableLine(lines[i]) {
			prose = append(prose, lines[i])
			i++
			continue
		}
		j := i
		for j < len(lines) && isTableLine(lines[j]) {
			j++
		}
		flushProse()
		out = append(out, tablePieces(lines[i:j], crumbs, size)...)
		i = j
	}
	flushProse()
	return out
}

// tablePieces keeps a table whole, or splits a very large one by rows,
// repeating the header rows in every part.
func tablePieces(rows []string, crumbs []string, size int) []piece {
	table := strings.Join(rows, "\n")
	if len(table) <= 4*size || len(rows) < 4 {
		return []piece{{Breadcrumb: crumbs, Text: strings.TrimSpace(table), IsTable: true}}
	}
	header := rows[:2]
	var out []piece
	cur := append([]string(nil), header...)
	curLen := len(strings.Join(header, "\n"))
	for _, r := range rows[2:] {
		if curLen+len(r) > 2*size && len(cur) > 2 {
			out = append(out, piece{Breadcrumb: crumbs, Text: strings.Join(cur, "\n"), IsTable: true})
			cur = append([]string(nil), header...)
			curLen = len(strings.Join(header, "\n"))
		}
		cur = append(cur, r)
		curLen += len(r) + 1
	}
	return append(out, piece{Breadcrumb: crumbs, Text: strings.Join(cur, "\n"), IsTable: true})
}

// window splits text into pieces of about size bytes overlapping by about
// overlap bytes. Cuts happen at whitespace only, preferring a paragraph
// break, then a sentence end, in the last half of the window; a single
// word longer than size is never cut.
func window(text string, size, overlap int) []string {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	if len(text) <= size {
		return []string{text}
	}
	var out []string
	start := 0
	for start < len(text) {
		if len(text)-start <= size {
			out = append(out, strings.TrimSpace(text[start:]))
			break
		}
		end := cutPoint(text, start, start+size)
		out = append(out, strings.TrimSpace(text[start:end]))
		if end >= len(text) {
			break
		}
		next := end - overlap
		if next <= start {
			next = end
		}
		// Move to the start of the next whole word.
		for next < end && !isSpaceByte(text[next-1]) {
			next++
		}
		for next < len(text) && isSpaceByte(text[next]) {
			next++
		}
		start = next
	}
	return out
}

// cutPoint picks where a window starting at start and ideally ending at
// limit should end: a whitespace position, never inside a word.
func cutPoint(text string, start, limit int) int {
	lo := start + (limit-start)/2
	seg := text[lo:limit]
	if i := strings.LastIndex(seg, "\n\n"); i >= 0 {
		return lo + i
	}
	for _, sep := range []string{".\n", ". ", "!\n", "! ", "?\n", "? ", ";\n", "; ", ":\n", "\n"} {
		if i := strings.LastIndex(seg, sep); i >= 0 {
			return lo + i + 1
		}
	}
	for i := limit; i > start; i-- {
		if isSpaceByte(text[i]) {
			return i
		}
	}
	// One word longer than the window: extend to its end.
	for i := limit; i < len(text); i++ {
		if isSpaceByte(text[i]) {
			return i
		}
	}
	return len(text)
}

// isSpaceByte reports ASCII whitespace.
func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'
}

// hasHeadings reports whether any page has a heading.
func hasHeadings(pages []pageText) bool {
	for _, pg := range pages {
		lines := strings.Split(strings.ReplaceAll(pg.Text, "\r\n", "\n"), "\n")
		inFence := false
		for i, l := range lines {
			if fenceRE.MatchString(l) {
				inFence = !inFence
				continue
			}
			if _, _, ok := heading(lines, i); ok && !inFence {
				return true
			}
		}
	}
	return false
}
