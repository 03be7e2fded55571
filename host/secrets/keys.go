package secrets

import "strings"

// secretKeyParts are substrings that mark a key as carrying a secret
// (matched against the lower-cased key with '-' folded to '_').
var secretKeyParts = [...]string{
	"password", "passwd", "passphrase", "secret", "api_key", "apikey",
	"authorization", "cookie", "private_key", "privatekey", "credential",
	"access_key", "session_key",
}

// tokenCountMarkers mark a key containing "token" as a count or a setting
// rather than a token (max_tokens, token_count, tokenizer, ...).
var tokenCountMarkers = [...]string{
	"token_count", "tokencount", "tokens_count", "token_usage", "tokens_used",
	"token_limit", "tokenizer", "tokenize", "num_token",
}

// LooksSecretKey reports whether a map key, header name, log field or
// config key names something secret: token, password, passwd, secret,
// api_key/apikey/api-key, authorization, client_secret, cookie/set-cookie,
// private_key, credential (case-insensitive substring match).
//
// Token counts are not secrets: keys ending in "tokens" after another word
// (max_tokens, prompt_tokens, completion_tokens, total_tokens, maxTokens)
// and keys such as token_count or tokenizer return false, unlike the
// reference implementation, which redacted them.
func LooksSecretKey(key string) bool {
	if key == "" {
		return false
	}
	k := strings.ToLower(key)
	k = strings.ReplaceAll(k, "-", "_")
	for _, p := range secretKeyParts {
		if strings.Contains(k, p) {
			return true
		}
	}
	if !strings.Contains(k, "token") {
		return false
	}
	for _, m := range tokenCountMarkers {
		if strings.Contains(k, m) {
			return false
		}
	}
	// "<something>tokens" as the last word is a count: max_tokens, prompt_tokens,
	// totalTokens. A bare "tokens" (or tokens_json) is a token map.
	if strings.HasSuffix(k, "tokens") && len(k) > len("tokens") {
		return false
	}
	return true
}
