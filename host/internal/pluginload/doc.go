// Package pluginload turns the operator's [[plugin]] entries into running
// plugins: it reads each module, audits it (package audit: sha256 pin,
// ed25519 signature when a public key is configured, import allow-list,
// mandatory exports, secret-looking config keys — any high finding refuses
// the module), computes the effective policy (package policy: manifest
// request ∩ grant, mismatches logged as warnings), builds the plugin's
// policy host and loads the module with package plugin's engine, which
// then checks the descriptor against the manifest.
//
// LoadAll is best-effort: a plugin that fails is recorded as a Failure and
// the others still load.
//
// It owns the glue only; it must not implement policy decisions (package
// policy), static checks (package audit) or the wasm runtime (package
// plugin), and it never logs or returns a secret value.
package pluginload
