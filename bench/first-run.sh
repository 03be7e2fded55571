#!/usr/bin/env bash
# Measures a newcomer's first run (issue #20): the time from `make demo` in a
# fresh clone to the demo's "machina demo: ready" line,
#   cold — empty Go build cache, empty module cache (modules come from
#          $GOPROXY), no compiled plugins: what a clean clone costs;
#   warm — the same clone run again: what every later `make demo` costs.
# It also checks that the checkout stays clean (git status --porcelain).
# Writes bench/first-run.md (spliced into bench/RESULTS.md by bench/run.sh)
# unless OUT is set. Needs git, make, go and a module proxy.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$repo/bench/first-run.md}
work=$(mktemp -d "${TMPDIR:-/tmp}/machina-first-run.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then kill -TERM -- "-$pid" 2>/dev/null || true; fi
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

git clone -q --no-hardlinks "$repo" "$work/clone"
export GOCACHE="$work/gocache" GOMODCACHE="$work/gomodcache" XDG_CACHE_HOME="$work/xdg" GOFLAGS=-modcacherw

# run LABEL: start `make demo` in its own process group, wait for "ready"
# (or failure), print the seconds it took, stop the demo.
run() {
	local log="$work/$1.log" start end
	start=$(date +%s.%N)
	(cd "$work/clone" && exec setsid make demo >"$log" 2>&1) &
	pid=$!
	until grep -q "machina demo: ready" "$log" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "make demo ($1) exited before ready:" >&2
			tail -20 "$log" >&2
			exit 1
		fi
		sleep 0.2
	done
	end=$(date +%s.%N)
	kill -TERM -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
	echo "$end - $start" | bc
}

echo "cold make demo (empty Go caches) ..." >&2
cold=$(run cold)
echo "warm make demo ..." >&2
warm=$(run warm)
dirty=$(git -C "$work/clone" status --porcelain)
cpus=$(getconf _NPROCESSORS_ONLN)
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

{
	echo
	echo "## First run (issue #20)"
	echo
	echo "Measured by \`bench/first-run.sh\` on $(date -u '+%Y-%m-%d %H:%M') UTC ($cpus CPUs, load average $load at the end):"
	echo "time from \`make demo\` in a fresh clone to \"machina demo: ready\"."
	echo
	echo "| figure | measured | target | met |"
	echo "|---|---|---|---|"
	printf '| cold: empty Go build and module caches, no compiled plugins | %.1f s | <= 120 s | %s |\n' "$cold" \
		"$(echo "$cold <= 120" | bc | sed 's/1/yes/;s/0/**no**/')"
	printf '| warm: the same clone again | %.1f s | <= 15 s | %s |\n' "$warm" \
		"$(echo "$warm <= 15" | bc | sed 's/1/yes/;s/0/**no**/')"
	if [ -z "$dirty" ]; then
		echo
		echo "\`git status --porcelain\` after both runs: empty."
	else
		echo
		echo "\`git status --porcelain\` after both runs is NOT empty:"
		echo
		echo '```'
		echo "$dirty"
		echo '```'
	fi
} >"$out"
cat "$out"
