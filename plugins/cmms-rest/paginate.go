package main

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/machina-go/machina/abi"
	"github.com/machina-go/machina/pdk"
)

// page is the state of a paginated listing.
type page struct {
	p       Pagination
	size    int
	n       int    // pages fetched
	offset  int    // style offset: records requested so far
	cursor  string // style cursor
	nextURL string // styles link and next_url
	last    string // the URL of the last request (relative links resolve against it)
}

// fetchAll lists the records of r across pages until the upstream has no
// more, limit records are read (limit ≤ 0: max_rows) or max_rows is
// reached; truncated reports an early stop. keep filters records (nil:
// all) before they count towards the limit.
func (p *plugin) fetchAll(ctx context.Context, r *Request, vs values, limit int, keep func(any) bool) ([]any, bool, error) {
	cap := p.cfg.MaxRows
	if limit > 0 && limit < cap {
		cap = limit
	}
	pg := &page{p: p.cfg.pagination(r), size: p.cfg.PageSize}
	items := mustPath(r.Items)
	var out []any
	seen := map[string]bool{}
	for {
		rep, err := p.fetchPage(ctx, r, vs, pg)
		if err != nil {
			return nil, false, err
		}
		v, _ := items.get(rep.body)
		rows, ok := v.([]any)
		if !ok && v != nil {
			return nil, false, abi.Upstream("%s: %s is not a list in the response", redact(rep.url), orDoc(r.Items))
		}
		for _, row := range rows {
			if keep == nil || keep(row) {
				if len(out) == cap {
					return out, true, nil
				}
				out = append(out, row)
			}
		}
		more, err := pg.advance(rep, len(rows))
		if err != nil || !more {
			return out, false, err
		}
		key := pg.cursor + "\x00" + pg.nextURL + "\x00" + strconv.Itoa(pg.offset) + "\x00" + strconv.Itoa(pg.n)
		if seen[key] || pg.n > p.cfg.MaxRows/max(pg.size, 1)+10 {
			return nil, false, abi.Upstream("%s: pagination does not end (the same page was offered twice)", redact(rep.url))
		}
		seen[key] = true
	}
}

func orDoc(p string) string {
	if p == "" {
		return "the document"
	}
	return p
}

// fetchPage requests the current page.
func (p *plugin) fetchPage(ctx context.Context, r *Request, vs values, pg *page) (reply, error) {
	if pg.nextURL != "" {
		next, rebased, err := pdk.ResolveLink(pg.last, pg.nextURL)
		if err != nil {
			return reply{}, abi.Upstream("next page link: %v", err)
		}
		if rebased {
			pdk.Notify(ctx, abi.Notice{Kind: abi.NoticeRebased, Field: "next", Code: pdk.Origin(pg.nextURL), Fallback: pdk.Origin(p.cfg.BaseURL)})
		}
		return p.send(ctx, r.method(), next, nil, vs)
	}
	extra := url.Values{}
	set := func(k, v string) {
		if k != "" {
			extra.Set(k, v)
		}
	}
	pp := pg.p
	switch pp.Style {
	case "page":
		set(pp.PageParam, strconv.Itoa(*pp.FirstPage+pg.n))
		set(pp.SizeParam, strconv.Itoa(pg.size))
	case "offset":
		set(pp.OffsetParam, strconv.Itoa(pg.offset))
		set(pp.SizeParam, strconv.Itoa(pg.size))
	case "cursor":
		if pg.cursor != "" {
			set(pp.CursorParam, pg.cursor)
		}
		set(pp.SizeParam, strconv.Itoa(pg.size))
	case "link", "next_url":
		set(pp.SizeParam, strconv.Itoa(pg.size))
	}
	return p.call(ctx, r, vs, extra)
}

// advance moves to the next page; more is false when the listing ended.
func (pg *page) advance(rep reply, rows int) (more bool, err error) {
	pg.n++
	pg.last = rep.url
	switch pg.p.Style {
	case "page", "offset":
		pg.offset += rows
		return rows > 0 && rows >= pg.size, nil
	case "cursor":
		v, _ := mustPath(pg.p.CursorPath).get(rep.body)
		pg.cursor = text(v)
		return pg.cursor != "" && rows > 0, nil
	case "next_url":
		v, _ := mustPath(pg.p.NextPath).get(rep.body)
		pg.nextURL = text(v)
		return pg.nextURL != "", nil
	case "link":
		pg.nextURL = nextLink(rep.headers)
		return pg.nextURL != "", nil
	}
	return false, nil
}

// linkNext matches one link-value of an RFC 8288 Link header with rel next.
var linkNext = regexp.MustCompile(`<([^>]*)>\s*((?:;\s*[^;,]+)*)`)

// nextLink returns the target of rel="next" in the Link header, or "".
func nextLink(h map[string]string) string {
	for k, v := range h {
		if !strings.EqualFold(k, "Link") {
			continue
		}
		for _, m := range linkNext.FindAllStringSubmatch(v, -1) {
			for _, param := range strings.Split(m[2], ";") {
				name, val, _ := strings.Cut(strings.TrimSpace(param), "=")
				if strings.EqualFold(strings.TrimSpace(name), "rel") {
					for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
						if strings.EqualFold(rel, "next") {
							return m[1]
						}
					}
				}
			}
		}
	}
	return ""
}
