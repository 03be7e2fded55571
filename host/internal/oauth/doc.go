// Package oauth makes Machina an OAuth 2.1 resource server for the
// streamable HTTP transport, as the MCP authorization specification
// describes: it validates JWT access tokens issued by the operator's
// identity provider (Keycloak, Entra ID, …) and describes the protected
// resource (RFC 9728 metadata) so clients can find that provider.
//
// A token is accepted only when its signature verifies against a key of the
// issuer's JWKS (fetched over HTTPS, cached, refreshed periodically and —
// rate-limited — when a token names a key id not yet seen, which is how key
// rotation reaches the host), its iss equals the configured issuer, its aud
// names Machina's resource URI (or another configured audience), it has not
// expired (with a small leeway for clock skew) and it is not used before
// nbf. Scopes (scope, scp or roles claims) map to read or write access; the
// client id comes from a configured claim and ends up in every trace entry.
//
// JWT parsing and checks are github.com/golang-jwt/jwt/v5; the JWKS cache,
// refresh and rotation are github.com/MicahParks/keyfunc/v3 (over
// github.com/MicahParks/jwkset).
//
// It must not log or return token contents (a rejected token's reason is
// logged without the token), must not trust anything in the token before
// its signature verified, and holds no package-level state.
package oauth
