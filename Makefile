# Machina — the two commands that matter: `make demo` and `make test`.
GO       ?= go
BIN      := bin/machina
PLUGINS  := $(notdir $(wildcard plugins/*))
WASM     := $(addprefix dist/plugins/,$(addsuffix .wasm,$(PLUGINS)))
# RACE=1 runs the host's tests under the race detector (CI does). The
# plugins are single-threaded wasm guests whose tests also run natively;
# they run without it (their host side is raced in the host's packages).
RACE     ?=
# The host binary is built without DWARF (compiler and linker): stack traces,
# panics and pprof keep their symbols, and a cold build does ~11 % less work
# (bench/RESULTS.md "First run"). DEBUG=1 keeps DWARF for a debugger (dlv).
DEBUG    ?=
HOSTFLAGS ?= -trimpath $(if $(DEBUG),,-gcflags=all=-dwarf=false -ldflags=-w)
TESTFLAGS ?= -count=1 -timeout 20m

.PHONY: all build host plugins test demo vet bench soak crash audit clean FORCE

all: build

build: host plugins

host: $(BIN)

$(BIN): FORCE
	@mkdir -p bin
	$(GO) build $(HOSTFLAGS) -o $(BIN) ./cmd/machina

# The first plugin compiles what all of them share (the wasip1 standard
# library, abi, pdk) into the Go build cache; the others then build two at a
# time, each compiling little more than its own package and linking.
plugins: $(BIN)
	@mkdir -p dist/plugins
	@set -- $(PLUGINS); first=$$1; shift; \
	echo "plugin build plugins/$$first -> dist/plugins/$$first.wasm"; \
	$(BIN) plugin build plugins/$$first -o dist/plugins/$$first.wasm || exit 1; \
	for p in "$$@"; do echo $$p; done | xargs -P 2 -I{} sh -c \
		'echo "plugin build plugins/{} -> dist/plugins/{}.wasm"; $(BIN) plugin build plugins/{} -o dist/plugins/{}.wasm'

# Tests find the built plugins in dist/plugins (MACHINA_DIST) and build
# test-only plugins themselves.
test: build
ifeq ($(RACE),)
	MACHINA_DIST=$(CURDIR)/dist/plugins $(GO) test $(TESTFLAGS) ./...
else
	MACHINA_DIST=$(CURDIR)/dist/plugins $(GO) test $(TESTFLAGS) -race $$($(GO) list ./... | grep -v '/plugins/')
	MACHINA_DIST=$(CURDIR)/dist/plugins $(GO) test $(TESTFLAGS) ./plugins/...
endif

vet:
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./abi/... ./pdk/... ./plugins/...

demo: build
	$(BIN) demo

# Every benchmark of the project, written as a table to bench/RESULTS.md.
bench: build
	bench/run.sh

# Issue #22's soak (100 MCP clients, RSS sampled every 30 s) and crash
# (SIGKILL during a burst, restart, count) runs against bin/machina; their
# figures are recorded by hand in bench/notes-22.md, which the report
# (bench/run.sh) places in bench/RESULTS.md.
SOAK_DURATION ?= 10m
soak: build
	$(GO) run ./bench/soak -duration $(SOAK_DURATION)

crash: build
	$(GO) run ./bench/crash

# Vulnerability scan of dependencies. Needs the Go vulnerability database
# (network), so it is not part of offline CI. The tool version is pinned.
GOVULNCHECK_VERSION ?= v1.1.4
audit:
	$(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) ./...

clean:
	rm -rf bin dist

FORCE:
