package opcua

import (
	"fmt"
	"math/rand/v2"
)

// Point is one simulated measurement.
type Point struct {
	// NodeID is the full node id, e.g. "ns=2;s=P-101.Temperature".
	NodeID string `json:"node_id"`
	// Name is the string identifier, e.g. "P-101.Temperature".
	Name      string  `json:"name"`
	AssetID   string  `json:"asset_id"`
	Parameter string  `json:"parameter"`
	Unit      string  `json:"unit"`
	Nominal   float64 `json:"nominal"`
	Noise     float64 `json:"noise"`
	// High/Low are the demo alarm thresholds (0 = none) and Excursion the
	// value an excursion drives towards.
	High      float64 `json:"high,omitempty"`
	Low       float64 `json:"low,omitempty"`
	Excursion float64 `json:"excursion"`
}

// Asset groups points under one equipment folder.
type Asset struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Points []Point `json:"points"`
}

// PlantAssets is the demo plant.
func PlantAssets() []Asset {
	p := func(asset, param, unit string, nominal, noise, high, low, exc float64) Point {
		name := fmt.Sprintf("%s.%s", asset, param)
		return Point{NodeID: "ns=2;s=" + name, Name: name, AssetID: asset, Parameter: lower(param), Unit: unit,
			Nominal: nominal, Noise: noise, High: high, Low: low, Excursion: exc}
	}
	return []Asset{
		{ID: "P-101", Name: "Cooling water pump P-101", Points: []Point{
			p("P-101", "Temperature", "degC", 65, 0.4, 80, 0, 86),
			p("P-101", "Vibration", "mm/s", 3.5, 0.15, 7.1, 0, 9.5),
			p("P-101", "Pressure", "bar", 6.0, 0.05, 9.0, 4.0, 3.2),
		}},
		{ID: "M-301", Name: "Conveyor drive motor M-301", Points: []Point{
			p("M-301", "Current", "A", 42, 0.6, 55, 0, 61),
			p("M-301", "Temperature", "degC", 70, 0.4, 95, 0, 101),
		}},
		{ID: "C-201", Name: "Instrument air compressor C-201", Points: []Point{
			p("C-201", "Pressure", "bar", 8.0, 0.06, 10.5, 0, 11.4),
		}},
	}
}

func lower(s string) string {
	b := []byte(s)
	if len(b) > 0 && b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// simulator evolves values: a mean-reverting random walk around nominal,
// and now and then an excursion towards a point's excursion value that
// crosses its threshold and returns. Deterministic for a given seed.
type simulator struct {
	rng       *rand.Rand
	points    []Point
	excursion []int // remaining ticks of an excursion per point, 0 = none
}

func newSimulator(seed uint64, points []Point) *simulator {
	return &simulator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), points: points, excursion: make([]int, len(points))}
}

// step returns the next value of every point given the current ones.
func (s *simulator) step(cur []float64) []float64 {
	next := make([]float64, len(cur))
	for i, p := range s.points {
		if p.Noise == 0 && p.Excursion == 0 { // constant tag (Options.ExtraTags)
			next[i] = cur[i]
			continue
		}
		target := p.Nominal
		if s.excursion[i] > 0 {
			s.excursion[i]--
			target = p.Excursion
		} else if s.rng.Float64() < 0.01 { // about one excursion per point every 100 ticks
			s.excursion[i] = 8 + s.rng.IntN(8)
			target = p.Excursion
		}
		v := cur[i] + (target-cur[i])*0.35 + s.rng.NormFloat64()*p.Noise
		next[i] = float64(int64(v*1000)) / 1000
	}
	return next
}
