package opcua

import (
	"context"
	"slices"
	"testing"
)

func run(seed uint64, steps int) [][]float64 {
	var pts []Point
	for _, a := range PlantAssets() {
		pts = append(pts, a.Points...)
	}
	sim := newSimulator(seed, pts)
	cur := make([]float64, len(pts))
	for i, p := range pts {
		cur[i] = p.Nominal
	}
	out := [][]float64{}
	for range steps {
		cur = sim.step(cur)
		out = append(out, cur)
	}
	return out
}

func TestSimulationDeterministicAndCrossesThresholds(t *testing.T) {
	a, b, c := run(7, 2000), run(7, 2000), run(8, 2000)
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			t.Fatalf("step %d differs for the same seed", i)
		}
	}
	if slices.Equal(a[100], c[100]) && slices.Equal(a[1000], c[1000]) {
		t.Error("different seeds gave the same values")
	}
	var pts []Point
	for _, as := range PlantAssets() {
		pts = append(pts, as.Points...)
	}
	for i, p := range pts {
		crossings := 0
		above := false
		for _, row := range a {
			out := (p.High != 0 && row[i] > p.High) || (p.Low != 0 && row[i] < p.Low)
			if out && !above {
				crossings++
			}
			above = out
		}
		if p.High != 0 && (crossings == 0 || crossings > 100) {
			t.Errorf("%s: %d threshold crossings in 2000 ticks; want now and then", p.Name, crossings)
		}
	}
}

func TestSetValueStopRestart(t *testing.T) {
	s, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetValue("ns=2;s=Nope", 1); err == nil {
		t.Error("unknown node accepted")
	}
	addr := s.Addr()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.SetValue("P-101.Vibration", 9.9); err != nil { // allowed while stopped
		t.Fatal(err)
	}
	if err := s.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Errorf("restarted on %s, want %s", s.Addr(), addr)
	}
	if v, _ := s.Value("ns=2;s=P-101.Vibration"); v != 9.9 {
		t.Errorf("value after restart = %g", v)
	}
	if err := s.Restart(context.Background()); err == nil {
		t.Error("restart of a running server accepted")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(context.Background()); err == nil {
		t.Error("restart after Close accepted")
	}
	if _, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", Users: map[string]string{"u": "p"}}); err == nil {
		t.Error("users without a secure endpoint accepted")
	}
}
