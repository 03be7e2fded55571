package main

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/machina-go/machina/abi"
	maxsim "github.com/machina-go/machina/internal/sim/maximo"
	"github.com/machina-go/machina/internal/sim/maximo/corpus"
	"github.com/machina-go/machina/internal/sim/simcorpus"
	"github.com/machina-go/machina/pdk"
	"github.com/machina-go/machina/pdk/pdktest"
)

// originGuard is an HTTP transport that lets requests reach one origin
// only and records any other the plugin tried (the host's grant does this
// for the wasm plugin; natively the test checks it).
type originGuard struct {
	origin string
	mu     sync.Mutex
	off    []string
}

func (g *originGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	if o := r.URL.Scheme + "://" + r.URL.Host; o != g.origin {
		g.mu.Lock()
		g.off = append(g.off, r.URL.String())
		g.mu.Unlock()
		return nil, fmt.Errorf("test: %s is not the granted origin", o)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (g *originGuard) offOrigin() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.off...)
}

// corpusFixture runs the plugin natively against the simulator serving a
// scenario's payloads, with no site configuration but the scenario's.
func corpusFixture(t *testing.T, sc simcorpus.Scenario) (*fixture, *originGuard) {
	t.Helper()
	auth, err := maxsim.GenerateAuth(maxsim.AuthAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := maxsim.NewServer(maxsim.Options{Auth: auth, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	fx, err := sc.Fixtures(corpus.FS())
	if err != nil {
		t.Fatal(err)
	}
	sim.ServeFixtures(fx)
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	guard := &originGuard{origin: ts.URL}
	f := &fixture{t: t, sim: sim, url: ts.URL,
		host: &pdktest.Host{Manifest: manifest, Auth: func(r *http.Request) { r.Header.Set("apikey", auth.APIKey) }, Client: &http.Client{Transport: guard}},
		r:    pdk.NewCMMS(info(), &maximo{})}
	conf := map[string]any{"base_url": ts.URL, "page_size": 10, "retry_base_ms": 1}
	for k, v := range sc.Config {
		conf[k] = v
	}
	if err := pdktest.Init(context.Background(), f.host, f.r, conf); err != nil {
		t.Fatalf("init: %v", err)
	}
	return f, guard
}

// noticesSince returns the notices the plugin logged after the first n log
// records.
func noticesSince(h *pdktest.Host, n int) []abi.Notice {
	var out []abi.Notice
	for _, l := range h.Logs()[n:] {
		if nt, ok := abi.NoticeFromFields(l.Fields); ok {
			out = append(out, nt)
		}
	}
	return out
}

// Every corpus scenario, natively: the response contains what SOURCES.md
// expects, the notices are exactly the expected ones (each once per call,
// also on a second call), and no request left the configured origin.
func TestCorpusScenarios(t *testing.T) {
	scs, err := corpus.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			f, guard := corpusFixture(t, sc)
			for call := 1; call <= 2; call++ {
				before := len(f.host.Logs())
				var resp any
				if err := pdktest.Invoke(context.Background(), f.host, f.r, string(sc.Op), sc.RequestValue(), &resp); err != nil {
					t.Fatalf("call %d: %v", call, err)
				}
				diffs, err := sc.MatchResponse(resp)
				if err != nil {
					t.Fatal(err)
				}
				diffs = append(diffs, sc.CheckNotices(noticesSince(f.host, before))...)
				if len(diffs) > 0 {
					t.Fatalf("call %d (%s, from %s):\n  %s", call, sc.Shape, sc.Source, strings.Join(diffs, "\n  "))
				}
			}
			if off := guard.offOrigin(); len(off) > 0 {
				t.Fatalf("requests left the configured origin: %v", off)
			}
		})
	}
}

// Every payload of the corpus is either served by a scenario or named here
// with the reason it is not.
func TestEveryCorpusFileIsUsed(t *testing.T) {
	notServed := map[string]string{
		"scenarios.json":              "the scenarios themselves",
		"synonymdomain-wostatus.json": "the plugin reads site synonyms from status_map, not from the server (TestShippedCodeMeanings)",
		"lean-worktypes-eaglena.json": "IBM's work type meanings, checked against the default table (TestShippedCodeMeanings)",
	}
	scs, err := corpus.Scenarios()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, sc := range scs {
		for _, files := range sc.Serve {
			for _, f := range files {
				served[f] = true
			}
		}
	}
	files, _ := fs.Glob(corpus.FS(), "*.json")
	for _, f := range files {
		if !served[f] && notServed[f] == "" {
			t.Errorf("%s is neither served by a scenario nor explained", f)
		}
	}
}

// The default tables agree with IBM's data: none of IBM's shipped work
// types means predictive work (CP is a Capital Project, EV an Event
// Report), and every shipped WOSTATUS value maps to a status.
func TestShippedCodeMeanings(t *testing.T) {
	c, err := newCodes(settings{})
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"lean-worktypes-eaglena.json", "synonymdomain-wostatus.json"} {
		b, err := fs.ReadFile(corpus.FS(), file)
		if err != nil {
			t.Fatal(err)
		}
		p, err := parsePage(b)
		if err != nil || len(p.members) == 0 {
			t.Fatalf("%s: %v", file, err)
		}
		for _, m := range p.members {
			if wt := scalar(m["worktype"]); wt != "" {
				if v, ok := c.workTypes.Lookup(wt); ok && v == abi.TypePredictive {
					t.Errorf("%s (%s) reads as predictive", wt, scalar(m["wtypedesc"]))
				}
			}
			if mv := scalar(m["maxvalue"]); mv != "" {
				if _, ok := c.statuses.Lookup(mv); !ok {
					t.Errorf("shipped status %s (value %s) is not mapped", mv, scalar(m["value"]))
				}
			}
		}
	}
	_ = url.Values{}
}
