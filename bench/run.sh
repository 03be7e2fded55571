#!/usr/bin/env bash
# Runs every benchmark of the project once and writes bench/RESULTS.md.
# BENCHTIME (default 1s) and PKGS (default ./...) tune the run.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
export MACHINA_DIST="$PWD/dist/plugins"
echo "running benchmarks (this takes several minutes)..." >&2
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
go test -run '^$' -bench . -benchtime "${BENCHTIME:-1s}" -count 1 -timeout 60m ${PKGS:-./...} 2>&1 | tee bench/out/raw.txt >&2
load1=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
go run ./bench/report -load "load average (1/5/15 min) $load0 at the start, $load1 at the end, on $(getconf _NPROCESSORS_ONLN) CPUs" -targets bench/targets.json -before bench/before-19.md -notes bench/notes-19.md -notes bench/notes-22.md < bench/out/raw.txt > bench/RESULTS.md
# The first-run figures come from bench/first-run.sh (minutes of cold builds).
if [ -f bench/first-run.md ]; then cat bench/first-run.md >> bench/RESULTS.md; fi
# The soak and crash figures (make soak, make crash; not go benchmarks) are
# recorded by hand in bench/soak-crash.md.
if [ -f bench/soak-crash.md ]; then cat bench/soak-crash.md >> bench/RESULTS.md; fi
echo "wrote bench/RESULTS.md" >&2
