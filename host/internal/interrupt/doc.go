// Package interrupt makes WebAssembly calls stoppable without wazero's
// WithCloseOnContextDone, which exits from compiled code into Go at every
// loop back-edge and makes guests 2–4× slower.
//
// At load time, Instrument rewrites a module (after it has been audited,
// before it is compiled) so that every loop header, and the entry of every
// function that calls anything, decrements a per-instance counter — a
// mutable global the rewrite adds. When the counter reaches zero the code
// calls an imported host function (ImportModule.ImportName), then resets
// the counter to Options.Interval. That host function is Hook: it stops the
// call if the context of the call is done or its deadline has passed, and
// otherwise yields the processor, so the Go scheduler and garbage collector
// keep running other goroutines even when every processor is running guest
// code. Between two checks a guest can only run straight-line code and
// calls to functions that themselves call nothing, so a tight loop, a loop
// with calls, and deep or exponential recursion all reach the host every
// few tens of microseconds, and are stopped at the first check after their
// deadline.
//
// The package owns the rewrite (a streaming section walker and an
// instruction decoder exact for every instruction wazero accepts), the
// host side of the check (Check, Hook, Error, Instantiate), and a disk
// cache of rewritten modules (Cache). It must not validate or compile
// modules — wazero does, on the rewritten bytes — nor decide policy: what
// a module may import is audited before Instrument runs. It must not
// modify wazero or copy its source; it depends only on wazero's public API.
//
// Instrument refuses (fails closed on) anything it cannot rewrite exactly:
// unknown opcodes or sections, a module that already imports from
// ImportModule, and original code that names an index only the rewrite
// creates (the counter global, the scratch local, the added type), which
// would otherwise let a module reset its own counter.
package interrupt
