// Package conformance is the CMMS plugin conformance kit behind
// `machina plugin test FILE [--sim NAME]`: it starts a simulator in-process
// (package internal/sim/…), starts the plugin in a host built by app.Build
// — the assembly `machina serve` uses — from a generated configuration (the
// module as the one [[plugin]] with a grant for the simulator's loopback
// origin and auth profile, and a generated secret in [secrets]; see
// host.go), and runs a fixed list of checks, each reported with what was
// expected and what happened. Messaging plugins (messaging.go) run the
// same way, their manifest's public origin mapped onto the simulator.
//
// The checks cover every operation the plugin's descriptor declares,
// pagination, error codes (not_found, unauthorized with wrong credentials,
// unavailable when the upstream keeps failing), escaping of hostile ids,
// refused work order transitions, the sandbox (a write never reaches the
// upstream) and secrecy (the generated secret never appears in any plugin
// output, log or trace).
//
// A simulator joins the kit through the Simulator interface and a Factory
// in Simulators (see maximo.go); the checks only use Facts, so the SAP
// simulator gets the same checks by providing its own adapter. A Shaped
// simulator serves its upstream in several shapes (protocol versions, field
// layouts, gateway behaviour): the kit runs the payload-dependent checks
// once per shape, names them "<shape>/…" and reports the shapes. A
// simulator may add checks of its vendor's documented behaviour
// (sapchecks.go). Expected values come from each vendor's payload corpus
// (plugins/*/testdata/corpus/SOURCES.md), never from a plugin's tables.
//
// The kit must not weaken the host: it uses the same assembly, loader,
// policy host, router and runtime as `machina serve`, and never shows a
// secret value.
package conformance
