package sap

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// corpusFS holds byte-identical copies of the OData v2 payloads of the
// vendor corpus (plugins/cmms-sap/testdata/corpus; sources and expected
// values in its SOURCES.md). The simulator serves these records as they
// are, in whatever shape its options select; TestCorpusCopiesAreIdentical
// keeps the copies in step with the corpus.
//
//go:embed corpus/*.json
var corpusFS embed.FS

// corpusFiles are the corpus payloads seeded, with the entity set each
// holds.
var corpusFiles = []struct{ file, set string }{
	{"v2-equipment-collection-categories.json", SetEquipment},
	{"v2-maintenanceorder-sandbox-4000000.json", SetOrder},
	{"v2-maintenanceorder-page1-next.json", SetOrder},
	{"v2-maintenanceorder-page2-last.json", SetOrder},
	{"v2-maintnotification-10000020-expanded.json", SetNotification},
}

// corpusRecords decodes the corpus into records per entity set, learning
// the property kinds of every type from the v2 literals.
func corpusRecords(c *catalog) (map[string][]record, error) {
	out := map[string][]record{}
	for _, cf := range corpusFiles {
		b, err := corpusFS.ReadFile("corpus/" + cf.file)
		if err != nil {
			return nil, err
		}
		var body struct {
			D json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, fmt.Errorf("corpus %s: %w", cf.file, err)
		}
		var coll struct {
			Results []map[string]any `json:"results"`
		}
		var rows []map[string]any
		if json.Unmarshal(body.D, &coll) == nil && coll.Results != nil {
			rows = coll.Results
		} else {
			var one map[string]any
			if err := json.Unmarshal(body.D, &one); err != nil {
				return nil, fmt.Errorf("corpus %s: %w", cf.file, err)
			}
			rows = []map[string]any{one}
		}
		es, _ := c.byID(cf.set)
		for _, row := range rows {
			rec, err := c.decodeV2(es, row)
			if err != nil {
				return nil, fmt.Errorf("corpus %s: %w", cf.file, err)
			}
			out[cf.set] = append(out[cf.set], rec)
		}
	}
	for set, rows := range out {
		es, _ := c.byID(set)
		key := es.keys[0]
		sort.SliceStable(rows, func(i, j int) bool { return scalarString(rows[i][key]) < scalarString(rows[j][key]) })
	}
	return out, nil
}

// decodeV2 turns one v2 entity into a record: /Date(ms)/ literals become
// time.Time (Edm.DateTime, or Edm.DateTimeOffset when the literal carries
// an offset), expanded navigation properties become child records,
// deferred ones and __metadata are dropped. New properties join es.
func (c *catalog) decodeV2(es *entitySet, row map[string]any) (record, error) {
	rec := record{}
	for k, v := range row {
		if k == "__metadata" {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			if _, deferred := x["__deferred"]; deferred {
				continue
			}
			child, ok := c.set(es.service, es.children[k])
			res, isList := x["results"].([]any)
			if !ok || !isList {
				return nil, fmt.Errorf("%s.%s: unsupported navigation property", es.name, k)
			}
			var kids []record
			for _, e := range res {
				m, _ := e.(map[string]any)
				kid, err := c.decodeV2(child, m)
				if err != nil {
					return nil, err
				}
				kids = append(kids, kid)
			}
			rec[k] = kids
			continue
		case string:
			if t, offset, ok := parseV2Date(x); ok {
				rec[k] = t
				if offset {
					es.props[k] = kStamp
				} else if es.props[k] != kStamp {
					es.props[k] = kDate
				}
				continue
			}
			if _, known := es.props[k]; !known || es.props[k] == kString {
				es.props[k] = kString
				if isDuration(x) {
					es.props[k] = kTime
				}
			}
		case bool:
			es.props[k] = kBool
		}
		if numberProp(k) {
			es.props[k] = kNumber
		} else if _, known := es.props[k]; !known {
			es.props[k] = kString // null in every record seen
		}
		rec[k] = v
	}
	return rec, nil
}

// parseV2Date reads /Date(ms)/ and /Date(ms+0000)/.
func parseV2Date(s string) (time.Time, bool, bool) {
	inner, ok := strings.CutPrefix(s, "/Date(")
	if !ok {
		return time.Time{}, false, false
	}
	if inner, ok = strings.CutSuffix(inner, ")/"); !ok {
		return time.Time{}, false, false
	}
	offset := false
	if i := strings.LastIndexAny(inner, "+-"); i > 0 {
		inner, offset = inner[:i], true
	}
	ms, err := strconv.ParseInt(inner, 10, 64)
	if err != nil {
		return time.Time{}, false, false
	}
	return time.UnixMilli(ms).UTC(), offset, true
}
