// Package audit inspects a plugin module statically — without executing
// any of its code — and reports what it is, what it imports and exports,
// what it requests, what an operator's grant would give it, and findings
// with a severity. It also computes what an upgrade changes (Diff).
//
// It is shared by `machina plugin audit|diff` and by the loader
// (package pluginload), which refuses a module with a high finding, so the
// CLI's verdict and the loader's are the same.
//
// The descriptor in a report is derived from the module's exports and its
// embedded manifest (the operations it exports that the ABI table defines
// for its kind); the plugin's own machina_describe is not run here — the
// loader checks it at load time against the manifest.
//
// It must not load, compile or run a module, read secrets, or touch the
// network.
package audit
