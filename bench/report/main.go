// Command report turns `go test -bench` output into the project's benchmark
// table: each figure beside its baseline (measured in the same run) and its
// target, with a verdict.
//
//	go test -run '^$' -bench . ./... | go run ./bench/report -targets bench/targets.json > bench/RESULTS.md
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Target is one row of targets.json.
type Target struct {
	Issue  string `json:"issue"`
	Figure string `json:"figure"`
	// Bench is the benchmark name without the -N suffix, optionally
	// prefixed by the last element of its package path ("cmms-sap.Benchmark…").
	Bench string `json:"bench"`
	// Metric is the unit to read: "ns/op" or a custom b.ReportMetric unit.
	Metric string `json:"metric"`
	// Baseline, when set, is a benchmark measured in the same run; the ratio
	// Bench/Baseline (or Baseline/Bench with "invert") is reported.
	Baseline string `json:"baseline,omitempty"`
	Invert   bool   `json:"invert,omitempty"`
	// Op and Goal state the target: value (or ratio, when Baseline is set)
	// compared with Goal using Op ("<=" or ">=").
	Op   string  `json:"op"`
	Goal float64 `json:"goal"`
	// Unit is how to print values: "µs", "ms", "s" scale ns/op; "µs-raw" and
	// "ms-raw" print a metric already in that unit; anything else is
	// printed after the raw value.
	Unit string `json:"unit"`
	// BeforeBench, BeforeBaseline and BeforeMetric name the figure in the
	// earlier results (-before) when it was measured differently there
	// (default: Bench, Baseline and Metric).
	BeforeBench    string `json:"before_bench,omitempty"`
	BeforeBaseline string `json:"before_baseline,omitempty"`
	BeforeMetric   string `json:"before_metric,omitempty"`
}

var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

func main() {
	targetsPath := flag.String("targets", "bench/targets.json", "targets file")
	beforePath := flag.String("before", "", "an earlier RESULTS.md whose figures are shown beside the new ones")
	machine := flag.String("load", "", "what else ran on the machine during the run (e.g. its load average), printed in the header")
	var notesPaths []string
	flag.Func("notes", "a Markdown file printed after the table (how the figures were read, profiles of what remains, runs that are not go test benchmarks); repeatable", func(s string) error {
		notesPaths = append(notesPaths, s)
		return nil
	})
	flag.Parse()
	data, err := os.ReadFile(*targetsPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(2)
	}
	var targets []Target
	if err := json.Unmarshal(data, &targets); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(2)
	}
	results := parse(os.Stdin)
	var before map[string]map[string]float64
	if *beforePath != "" {
		f, err := os.Open(*beforePath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(2)
		}
		before = parseResults(f)
		f.Close()
	}
	var notes [][]byte
	for _, p := range notesPaths {
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(2)
		}
		notes = append(notes, b)
	}
	write(os.Stdout, targets, results, before, *beforePath, *machine, notes)
}

// parseResults reads the "All benchmark lines" table of a RESULTS.md:
// "| pkg.BenchmarkName | 1.5 unit, 2 other-unit |".
func parseResults(r io.Reader) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cells := strings.Split(strings.Trim(strings.TrimSpace(sc.Text()), "|"), "|")
		if len(cells) != 2 || !strings.Contains(cells[0], ".Benchmark") {
			continue
		}
		metrics := map[string]float64{}
		for _, m := range strings.Split(cells[1], ",") {
			f := strings.Fields(m)
			if len(f) != 2 {
				continue
			}
			if v, err := strconv.ParseFloat(f[0], 64); err == nil {
				metrics[f[1]] = v
			}
		}
		out[strings.TrimSpace(cells[0])] = metrics
	}
	return out
}

// beforeValue is a target's figure (value or ratio) in the earlier results.
func beforeValue(t Target, before map[string]map[string]float64) string {
	bench, base, metric := t.Bench, t.Baseline, t.Metric
	if t.BeforeBench != "" {
		bench, base = t.BeforeBench, t.BeforeBaseline
	}
	if t.BeforeMetric != "" {
		metric = t.BeforeMetric
	}
	v, ok := before[bench][metric]
	if !ok {
		return "—"
	}
	if base == "" {
		if t.Baseline != "" { // a ratio now, a plain ratio metric then
			return fmt.Sprintf("%.2f×", v)
		}
		return format(v, t.Unit)
	}
	bv, ok := before[base][metric]
	if !ok || bv == 0 {
		return "—"
	}
	r := v / bv
	if t.Invert {
		r = bv / v
	}
	return fmt.Sprintf("%.2f×", r)
}

// parse reads metrics per benchmark (last occurrence wins).
func parse(r io.Reader) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	pkg := ""
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if p, ok := strings.CutPrefix(text, "pkg: "); ok {
			pkg = p[strings.LastIndex(p, "/")+1:]
			continue
		}
		m := line.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		metrics := map[string]float64{}
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				metrics[f[i+1]] = v
			}
		}
		// Keyed both as "<package>.<benchmark>" and by the bare name (the
		// last package wins when names repeat).
		out[m[1]] = metrics
		if pkg != "" {
			out[pkg+"."+m[1]] = metrics
		}
	}
	return out
}

func write(w io.Writer, targets []Target, res, before map[string]map[string]float64, beforePath, machine string, notes [][]byte) {
	fmt.Fprintf(w, "# Benchmark results\n\nGenerated by `make bench` on %s (%s). Baselines are measured in the same run.\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), host())
	if machine != "" {
		fmt.Fprintf(w, "Machine load during the run: %s.\n", machine)
	}
	if before != nil {
		fmt.Fprintf(w, "The before column is the same figure in %s (or its nearest measurement there), for comparison.\n", beforePath)
	}
	fmt.Fprintln(w, "\n| issue | figure | before | measured | baseline | ratio | target | met |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|")
	for _, t := range targets {
		was := beforeValue(t, before)
		v, ok := res[t.Bench][t.Metric]
		if !ok {
			fmt.Fprintf(w, "| %s | %s | %s | not run | | | %s | — |\n", t.Issue, t.Figure, was, goal(t))
			continue
		}
		base, ratio, check := "", "", v
		if t.Baseline != "" {
			bv, ok := res[t.Baseline][t.Metric]
			if !ok || bv == 0 {
				fmt.Fprintf(w, "| %s | %s | %s | %s | not run | | %s | — |\n", t.Issue, t.Figure, was, format(v, t.Unit), goal(t))
				continue
			}
			r := v / bv
			if t.Invert {
				r = bv / v
			}
			base, ratio, check = format(bv, t.Unit), fmt.Sprintf("%.2f×", r), r
		}
		met := "yes"
		if (t.Op == "<=" && check > t.Goal) || (t.Op == ">=" && check < t.Goal) {
			met = "**no**"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", t.Issue, t.Figure, was, format(v, t.Unit), base, ratio, goal(t), met)
	}
	for _, n := range notes {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(string(n)))
	}
	var names []string
	for n := range res {
		if strings.Contains(n, ".") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	fmt.Fprintln(w, "\n<details><summary>All benchmark lines</summary>\n\n| benchmark | metrics |\n|---|---|")
	for _, n := range names {
		var parts []string
		for k, v := range res[n] {
			parts = append(parts, fmt.Sprintf("%s %s", strconv.FormatFloat(v, 'g', 6, 64), k))
		}
		sort.Strings(parts)
		fmt.Fprintf(w, "| %s | %s |\n", n, strings.Join(parts, ", "))
	}
	fmt.Fprintln(w, "\n</details>")
}

func goal(t Target) string {
	if t.Baseline != "" {
		return fmt.Sprintf("ratio %s %.2f", t.Op, t.Goal)
	}
	return fmt.Sprintf("%s %s", t.Op, format(t.Goal, t.Unit))
}

// format prints a value; ns/op values are scaled to the unit.
func format(v float64, unit string) string {
	switch unit {
	case "µs":
		return fmt.Sprintf("%.1f µs", v/1e3)
	case "ms":
		return fmt.Sprintf("%.1f ms", v/1e6)
	case "s":
		return fmt.Sprintf("%.2f s", v/1e9)
	case "µs-raw":
		return fmt.Sprintf("%.0f µs", v)
	case "ms-raw":
		return fmt.Sprintf("%.1f ms", v)
	default:
		return strconv.FormatFloat(v, 'g', 4, 64) + " " + unit
	}
}

func host() string {
	h, _ := os.Hostname()
	data, _ := os.ReadFile("/proc/cpuinfo")
	cpus := strings.Count(string(data), "processor\t:")
	return fmt.Sprintf("%s, %d CPUs", h, cpus)
}
