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
//     scrubbing of every known secret from responses, the declared
//     requests (every request must match a "METHOD /path" rule of the
//     origin's reads or writes, narrowed by the grant; a write passes only
//     while a write operation of the plugin runs — package opctx — and never
//     in sandbox mode, where only declared reads with GET or HEAD pass), a
//     per-plugin request rate limit and an observer hook for the tracer;
//   - the key-value store (one JSON file per plugin, written atomically,
//     mode 0600, within the granted quota);
//   - plugin logs (token bucket, default 50 lines/s with a burst of 200;
//     dropped lines are counted and reported as one "N plugin log lines
//     suppressed" line when the next line passes or the host closes;
//     messages capped at 2 KiB, control characters neutralised, fields
//     capped and redacted by key, everything scrubbed, into hclog);
//   - the mail seam (Mailer), refused unless mail is granted, and refused
//     for any recipient outside the grant's allowed_recipients.
//
// Conventions a plugin author sees:
//   - Headers: the plugin may not set Authorization or any Proxy-* header;
//     such a request is refused (invalid_argument) — bind an auth profile in
//     the grant instead. Cookie/Cookie2 headers the plugin sets are dropped
//     (the host's per-plugin cookie jar is the only cookie source) and
//     Set-Cookie never reaches the plugin. Host, Content-Length,
//     Transfer-Encoding, Connection and other hop-by-hop headers are
//     managed by the host and dropped, and so are Accept-Encoding (the
//     transport negotiates gzip and hands the plugin the decoded, scrubbed
//     body) and Range/If-Range (which could fetch a reflected secret in
//     pieces the scrubber cannot recognise).
//   - Auth profiles: basic (username or username_secret, password_secret),
//     bearer (token_secret → "Authorization: Bearer …"), header (token_secret
//     in the header named by header, default Authorization, after prefix),
//     oauth2_client_credentials (client_id + client_secret_secret sent with
//     HTTP Basic to token_url, scopes space-joined; the token is cached
//     until expires_in minus 30 s — 5 min when absent — and refetched once
//     on a 401), url_path (below). The token endpoint is dialled with the
//     same address policy as the origin (allow_private included).
//   - Scrubbing covers every secret value the registry knows, the oauth2
//     access tokens the host fetched, and their encodings (base64, URL,
//     JSON). It protects against the plugin's code, and against an upstream
//     that reflects credentials literally; an upstream that transforms them
//     otherwise is outside what the host can recognise.
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
