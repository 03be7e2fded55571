// Package policy is the capability policy of one plugin: it implements
// plugin.Host, the interface the plugin runtime calls for every host
// function, and decides what the plugin may do.
//
// It owns:
//   - the effective policy (Resolve): what the plugin's manifest requests
//     intersected with what the operator granted in machina.toml;
//   - the HTTP gate (Host.HTTPRequest): origin allow-list, dial-time refusal
//     of loopback/private/link-local/CGNAT/multicast/metadata addresses
//     unless the origin is granted allow_private, same-origin redirects
//     only, no proxy, size/time caps, a per-plugin cookie jar, auth profiles
//     attached after the policy check, {{secret:NAME}} substitution,
//     scrubbing of every known secret from responses, sandbox (GET/HEAD
//     only), a per-plugin request rate limit and an observer hook for the
//     tracer;
//   - the key-value store (one JSON file per plugin, written atomically,
//     mode 0600, within the granted quota);
//   - plugin logs (token bucket, length cap, scrubbed, into hclog);
//   - the mail seam (Mailer), refused unless mail is granted.
//
// Conventions a plugin author sees:
//   - Headers: the plugin may not set Authorization or any Proxy-* header;
//     such a request is refused (invalid_argument) — bind an auth profile in
//     the grant instead. Cookie/Cookie2 headers the plugin sets are dropped
//     (the host's per-plugin cookie jar is the only cookie source) and
//     Set-Cookie never reaches the plugin. Host, Content-Length,
//     Transfer-Encoding, Connection and other hop-by-hop headers are
//     managed by the host and dropped.
//   - {{secret:NAME}} is replaced in header values, the URL path and
//     application/x-www-form-urlencoded bodies, only when NAME is requested
//     by the manifest and granted for that origin; a placeholder anywhere
//     else (query string, other bodies) or for any other name is refused
//     with a message naming the placeholder, never a value.
//   - url_path auth (Telegram-style tokens): the plugin writes the literal
//     segment text {{auth}} in the URL path where the token goes, e.g.
//     https://api.telegram.org/bot{{auth}}/getUpdates. The host inserts the
//     path-escaped token after the policy check. {{auth}} is refused for any
//     other profile, and a url_path request without {{auth}} is refused.
//
// It must not know anything about wasm or extism (the runtime in package
// plugin adapts it), must never panic, never put a secret value in an
// error, a log line or an observer event, and never trap the plugin: every
// refusal is an error response.
package policy
