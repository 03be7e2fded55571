package rest

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// asset is a vendor asset, dialect-neutral; codes are the dialect's.
type asset struct {
	id, name, category, model, serial, location, parent, manufacturer string
	criticalityID                                                     int
}

// workOrder is a vendor work order; status, priority and kind hold the
// dialect's codes (UpKeep priority is a number 0-3).
type workOrder struct {
	id, title, description, status, kind, assetID, assignee string
	priority                                                any
	created, updated                                        time.Time
}

// part is a vendor spare part.
type part struct {
	id, name, number, area string
	qty, min               float64
	cost                   float64 // UpKeep: currency units; MaintainX: cents
	assets                 []string
}

// Seeded sizes: every list spans several pages of a small page size.
const (
	seedAssets     = 23
	seedWorkOrders = 37
	seedParts      = 14
)

var assetKinds = []struct{ category, name, maker string }{
	{"Pump", "Centrifugal pump", "Grundfos"}, {"Motor", "Drive motor", "ABB"}, {"Compressor", "Air compressor", "Atlas Copco"},
	{"Valve", "Control valve", "Fisher"}, {"Tank", "Storage tank", "Sulzer"}, {"Sensor", "Vibration sensor", "SKF"},
	{"HVAC", "Air handling unit", "Trane"}, {"Conveyor", "Belt conveyor", "Dorner"},
}

// seed fills the store. Record 0 of each kind is the one the conformance
// kit states expectations for (see the Known* constants).
func (s *Server) seed(r *rand.Rand) {
	base := time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC)
	for i := 0; i < seedAssets; i++ {
		k := assetKinds[i%len(assetKinds)]
		a := &asset{id: s.newID(), name: fmt.Sprintf("%s %d", k.name, 100+i), category: k.category,
			model: fmt.Sprintf("M-%03d", i), serial: fmt.Sprintf("SN%06d", 1000+i), location: "Line " + string(rune('A'+i%4)),
			manufacturer: k.maker, criticalityID: 150 + i%3}
		if i > 0 && i%5 == 0 {
			a.parent = s.assets[0].id
		}
		s.assets = append(s.assets, a)
	}
	statuses := s.d.statuses()
	for i := 0; i < seedWorkOrders; i++ {
		a := s.assets[i%7] // work orders concentrate on a few assets
		w := &workOrder{id: s.newID(), title: fmt.Sprintf("WO %d on %s", i, a.name),
			description: fmt.Sprintf("Inspect and repair %s (%d)", a.name, i), status: statuses[i%len(statuses)],
			kind: s.d.kinds()[i%len(s.d.kinds())], priority: s.d.priorities()[i%len(s.d.priorities())], assetID: a.id,
			created: base.Add(time.Duration(i) * time.Hour), updated: base.Add(time.Duration(i)*time.Hour + 30*time.Minute)}
		if i%3 == 0 {
			w.assignee = s.d.user(r.IntN(3))
		}
		s.wos = append(s.wos, w)
	}
	for i := 0; i < seedParts; i++ {
		p := &part{id: s.newID(), name: fmt.Sprintf("Part %02d", i), number: fmt.Sprintf("PN-%04d", 4000+i),
			area: "Store " + string(rune('A'+i%3)), qty: float64(r.IntN(40)), min: float64(2 + i%5), cost: s.d.cost(12.5 + float64(i))}
		if i < 3 {
			p.assets = []string{s.assets[0].id}
		}
		s.parts = append(s.parts, p)
	}
}
