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
// Shapes and corpus: a simulator that serves several response shapes
// (Shaped: lean and namespaced JSON, relative and proxied links, relations
// as objects, …) gets the read and write checks run again in each shape
// ("<shape>/<check>"); one that serves its vendor's payload corpus
// (CorpusServer) gets a check per corpus scenario ("corpus/<name>", see
// corpus.go): the plugin's answer to the recorded payload must contain the
// values the corpus states, written from the vendor's published material,
// and the trace must hold exactly the expected notices. The report lists
// the shapes and scenarios exercised.
//
// No mapping table exists twice: Facts carry counts, ids and pass-through
// values of the simulator's data, never a vendor→domain code mapping, and
// the code mappings are judged only by the corpus scenarios.
//
// A simulator joins the kit through the Simulator interface and a Factory
// in Simulators (see maximo.go and sap.go), plus optionally Shaped,
// CorpusServer and checks of its vendor's documented behaviour
// (vendorChecker, e.g. sapchecks.go).
//
// The kit must not weaken the host: it uses the same assembly, loader,
// policy host, router and runtime as `machina serve`, and never shows a
// secret value.
package conformance
