# Machina — the two commands that matter: `make demo` and `make test`.
GO       ?= go
BIN      := bin/machina
PLUGINS  := $(notdir $(wildcard plugins/*))
WASM     := $(addprefix dist/plugins/,$(addsuffix .wasm,$(PLUGINS)))
# RACE=1 runs the host's tests under the race detector (CI does). The
# plugins are single-threaded wasm guests whose tests also run natively;
# they run without it (their host side is raced in the host's packages).
RACE     ?=
TESTFLAGS ?= -count=1 -timeout 20m

.PHONY: all build host plugins test demo vet bench soak crash audit clean FORCE

all: build

build: host plugins

host: $(BIN)

$(BIN): FORCE
	@mkdir -p bin
	$(GO) build -trimpath -o $(BIN) ./cmd/machina

plugins: $(BIN)
	@mkdir -p dist/plugins
	@for p in $(PLUGINS); do \
		echo "plugin build plugins/$$p -> dist/plugins/$$p.wasm"; \
		$(BIN) plugin build plugins/$$p -o dist/plugins/$$p.wasm || exit 1; \
	done

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
# figures are recorded by hand in bench/soak-crash.md, which bench/run.sh
# appends to bench/RESULTS.md.
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
