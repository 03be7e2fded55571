package sap

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// route serves an authenticated API request into out.
func (s *Server) route(w http.ResponseWriter, r *http.Request, out *bytes.Buffer, oversized bool) (int, map[string]string, *httpErr) {
	rest, ok := strings.CutPrefix(r.URL.Path, BasePath+"/")
	if !ok && s.version == V4 {
		rest, ok = strings.CutPrefix(r.URL.Path, V4BasePath+"/")
	}
	if !ok {
		return 0, nil, errf(404, "/IWFND/MED/170", "No service found for namespace, name %s", truncate(r.URL.Path, 80))
	}
	service, resource, _ := strings.Cut(rest, "/")
	for alias, target := range s.aliases {
		if r, ok := strings.CutPrefix(rest, alias+"/"); ok {
			service, resource = target, r
			break
		}
	}
	if !s.cat.knownService(service) {
		return 0, nil, errf(404, "/IWFND/MED/170", "No service found for namespace '/SAP/', name '%s', version '0001'", truncate(service, 60))
	}
	if r.Method == "MERGE" || r.Header.Get("X-HTTP-Method") != "" {
		return 0, nil, errf(405, "/IWBEP/CM_MGW_RT/104", "MERGE and X-HTTP-Method tunnelling are not supported here: use PATCH")
	}
	hdr := map[string]string{}
	if strings.EqualFold(r.Header.Get("X-CSRF-Token"), "fetch") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.issueCSRF(r, w)
	}
	if resource == "" || resource == "$metadata" {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return 0, nil, errf(405, "/IWBEP/CM_MGW_RT/104", "method %s is not allowed on the service document or $metadata", r.Method)
		}
		hdr["Content-Type"] = "application/xml"
		s.metadata(service, out)
		return 200, hdr, nil
	}
	name, key, hasKey, perr := parseResource(resource)
	if perr != nil {
		return 0, nil, perr
	}
	es, ok := s.cat.set(service, name)
	if !ok || !es.listable {
		return 0, nil, errf(404, "/IWBEP/CM_MGW_RT/021", "Resource not found for segment '%s'", truncate(name, 60))
	}
	if hasKey {
		if key, perr = keyOf(es, key); perr != nil {
			return 0, nil, perr
		}
	}
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if write {
		if e := s.checkCSRF(r); e != nil {
			return 0, nil, e
		}
	} else if e := checkFormat(r); e != nil {
		return 0, nil, e
	}
	var (
		status = 200
		herr   *httpErr
	)
	switch {
	case !hasKey && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		herr = s.list(r, es, out, oversized)
	case hasKey && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		herr = s.get(r, es, key, out)
	case !hasKey && r.Method == http.MethodPost && es.id() == SetOrder:
		var loc string
		status, loc, herr = s.create(r, es, out)
		if loc != "" {
			hdr["Location"] = loc
		}
	case !hasKey && r.Method == http.MethodPost && es.id() == SetNotification:
		var loc string
		status, loc, herr = s.createNotification(r, es, out)
		if loc != "" {
			hdr["Location"] = loc
		}
	case hasKey && r.Method == http.MethodPatch && es.id() == SetOrder:
		status, herr = s.update(r, es, key[es.keys[0]])
	case r.Method == http.MethodPut:
		herr = errf(405, "/IWBEP/CM_MGW_RT/104", "PUT is not supported: use PATCH with the changed properties")
	default:
		herr = errf(405, "/IWBEP/CM_MGW_RT/104", "method %s is not allowed on %s", r.Method, es.name)
	}
	if r.Method == http.MethodHead {
		out.Reset()
	}
	return status, hdr, herr
}

// parseResource splits "Set", "Set('key')" or "Set(K1='a',K2=datetime'…')"
// into the set name and the key literals ("" names the single unnamed
// key).
func parseResource(res string) (name string, key map[string]string, hasKey bool, e *httpErr) {
	i := strings.IndexByte(res, '(')
	if i < 0 {
		if strings.ContainsAny(res, "/)") {
			return "", nil, false, errf(400, "/IWBEP/CM_MGW_RT/022", "Invalid resource path %s", truncate(res, 80))
		}
		return res, nil, false, nil
	}
	name = res[:i]
	inner, ok := strings.CutSuffix(res[i+1:], ")")
	if !ok {
		return "", nil, false, errf(400, "/IWBEP/CM_MGW_RT/022", "Invalid key predicate in %s", truncate(res, 80))
	}
	key = map[string]string{}
	for inner != "" {
		prop := ""
		if !strings.HasPrefix(inner, "'") && !strings.HasPrefix(inner, "datetime'") {
			j := strings.IndexByte(inner, '=')
			if j < 0 {
				return "", nil, false, errf(400, "/IWBEP/CM_MGW_RT/022", "Invalid key predicate in %s", truncate(res, 80))
			}
			prop, inner = inner[:j], inner[j+1:]
		}
		val, rest, err := keyLiteral(inner)
		if err != "" {
			return "", nil, false, errf(400, "/IWBEP/CM_MGW_RT/022", "%s in the key predicate of %s", err, truncate(name, 60))
		}
		key[prop] = val
		if inner = rest; inner != "" {
			if inner[0] != ',' {
				return "", nil, false, errf(400, "/IWBEP/CM_MGW_RT/022", "Invalid key predicate in %s", truncate(res, 80))
			}
			inner = inner[1:]
		}
	}
	return name, key, true, nil
}

// keyLiteral reads one quoted literal ('x' with ” escapes, or
// datetime'…' rendered as YYYY-MM-DD) and returns the rest.
func keyLiteral(s string) (val, rest, err string) {
	isDate := strings.HasPrefix(s, "datetime")
	s = strings.TrimPrefix(s, "datetime")
	if !strings.HasPrefix(s, "'") {
		return "", "", "The key must be a quoted string"
	}
	var b strings.Builder
	for k := 1; k < len(s); k++ {
		if s[k] != '\'' {
			b.WriteByte(s[k])
			continue
		}
		if k+1 < len(s) && s[k+1] == '\'' {
			b.WriteByte('\'')
			k++
			continue
		}
		val, rest = b.String(), s[k+1:]
		if isDate {
			u, _ := url.PathUnescape(val)
			t, perr := time.Parse("2006-01-02T15:04:05", u)
			if perr != nil {
				return "", "", "Invalid datetime literal"
			}
			val = t.Format("2006-01-02")
		}
		return val, rest, ""
	}
	return "", "", "Unterminated quote"
}

// keyOf checks a parsed key predicate against the key of es: a single key
// may be unnamed; a composite key (Equipment, ValidityEndDate) must name
// every part, as on SAP, so Equipment('…') is refused.
func keyOf(es *entitySet, key map[string]string) (map[string]string, *httpErr) {
	if v, unnamed := key[""]; unnamed && len(key) == 1 && len(es.keys) == 1 {
		return map[string]string{es.keys[0]: v}, nil
	}
	if len(key) != len(es.keys) {
		return nil, errf(400, "/IWBEP/CM_MGW_RT/022", "Invalid key predicate: the key of %s is (%s)", es.typeName, strings.Join(es.keys, ", "))
	}
	for _, k := range es.keys {
		if _, ok := key[k]; !ok {
			return nil, errf(400, "/IWBEP/CM_MGW_RT/022", "Invalid key predicate: the key of %s is (%s)", es.typeName, strings.Join(es.keys, ", "))
		}
	}
	return key, nil
}

// checkFormat accepts $format=json, or Accept naming JSON.
func checkFormat(r *http.Request) *httpErr {
	f := r.URL.Query().Get("$format")
	switch {
	case f == "json" || f == "application/json":
		return nil
	case f != "":
		return errf(415, "/IWBEP/CM_MGW_RT/005", "The simulator serves only $format=json (got %s)", truncate(f, 30))
	case strings.Contains(r.Header.Get("Accept"), "json"):
		return nil
	}
	return errf(406, "/IWBEP/CM_MGW_RT/005", "Send $format=json or Accept: application/json (Atom is not simulated)")
}

// edmType names a property kind in $metadata.
func (s *Server) edmType(k kind) string {
	switch k {
	case kDate:
		if s.version == V4 {
			return "Edm.Date"
		}
		return "Edm.DateTime"
	case kStamp:
		return "Edm.DateTimeOffset"
	case kTime:
		if s.version == V4 {
			return "Edm.TimeOfDay"
		}
		return "Edm.Time"
	case kNumber:
		return "Edm.Decimal"
	case kBool:
		return "Edm.Boolean"
	}
	return "Edm.String"
}

// metadata writes a minimal EDMX document for service.
func (s *Server) metadata(service string, out *bytes.Buffer) {
	ver, ns := "1.0", "http://schemas.microsoft.com/ado/2007/06/edmx"
	if s.version == V4 {
		ver, ns = "4.0", "http://docs.oasis-open.org/odata/ns/edmx"
	}
	fmt.Fprintf(out, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<edmx:Edmx Version="%s" xmlns:edmx="%s"><edmx:DataServices><Schema Namespace="%s" xmlns="http://schemas.microsoft.com/ado/2008/09/edm">`, ver, ns, service)
	var sets []string
	for _, es := range s.cat.sets {
		if es.service != service {
			continue
		}
		fmt.Fprintf(out, `<EntityType Name="%s"><Key>`, es.typeName)
		for _, k := range es.keys {
			fmt.Fprintf(out, `<PropertyRef Name="%s"/>`, k)
		}
		out.WriteString(`</Key>`)
		props := s.props(es)
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(out, `<Property Name="%s" Type="%s"/>`, n, s.edmType(props[n]))
		}
		for _, n := range es.navs {
			fmt.Fprintf(out, `<NavigationProperty Name="%s"/>`, n)
		}
		out.WriteString(`</EntityType>`)
		if es.listable {
			sets = append(sets, fmt.Sprintf(`<EntitySet Name="%s" EntityType="%s.%s"/>`, es.name, service, es.typeName))
		}
	}
	fmt.Fprintf(out, `<EntityContainer Name="%s_Entities">%s</EntityContainer>`, service, strings.Join(sets, ""))
	out.WriteString(`</Schema></edmx:DataServices></edmx:Edmx>`)
}
