package secrets

// secretKeyParts are substrings that mark a key as carrying a secret
// (matched against the lower-cased key with '-' folded to '_').
// They are grouped by first letter for LooksSecretKey's single pass.
var secretKeyParts = [...]string{
	"password", "passwd", "passphrase", "private_key", "privatekey", // p: 0-4
	"secret", "session_key", // s: 5-6
	"api_key", "apikey", "authorization", "access_key", // a: 7-10
	"cookie", "credential", // c: 11-12
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
	// Lower-case with '-' folded to '_' into a stack buffer (no allocation
	// for keys up to 64 bytes).
	var arr [64]byte
	var k []byte
	if len(key) <= len(arr) {
		k = arr[:len(key)]
	} else {
		k = make([]byte, len(key))
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '-':
			c = '_'
		}
		k[i] = c
	}
	token := false
	for i := 0; i < len(k); i++ {
		var cands []string
		switch k[i] {
		case 'p':
			cands = secretKeyParts[0:5]
		case 's':
			cands = secretKeyParts[5:7]
		case 'a':
			cands = secretKeyParts[7:11]
		case 'c':
			cands = secretKeyParts[11:13]
		case 't':
			token = token || hasAt(k, i, "token")
			continue
		default:
			continue
		}
		for _, p := range cands {
			if hasAt(k, i, p) {
				return true
			}
		}
	}
	if !token {
		return false
	}
	for _, m := range tokenCountMarkers {
		if containsFold(k, m) {
			return false
		}
	}
	// "<something>tokens" as the last word is a count: max_tokens, prompt_tokens,
	// totalTokens. A bare "tokens" (or tokens_json) is a token map.
	if len(k) > len("tokens") && string(k[len(k)-len("tokens"):]) == "tokens" {
		return false
	}
	return true
}

// hasAt reports whether k[i:] starts with p.
func hasAt(k []byte, i int, p string) bool {
	return len(k)-i >= len(p) && string(k[i:i+len(p)]) == p
}

// containsFold reports whether the lower-cased key k contains p.
func containsFold(k []byte, p string) bool {
	n := len(p)
	for i := 0; i+n <= len(k); i++ {
		if k[i] == p[0] && string(k[i:i+n]) == p {
			return true
		}
	}
	return false
}
