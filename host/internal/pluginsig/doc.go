// Package pluginsig signs and verifies plugin modules with ed25519.
//
// Format: a wasm custom section named "machina.signature" whose content is
// JSON:
//
//	{"v":1,"alg":"ed25519","key_id":"<16 hex>","digest":"sha256:<64 hex>","sig":"<base64>"}
//
// digest is the sha256 of the module with every machina.signature section
// removed; sig is the ed25519 signature of the message
// "machina-plugin-signature-v1\n" + digest (the domain prefix keeps the
// key from signing anything else by accident). key_id is the first 8 bytes
// of sha256(public key) in hex, to tell which key signed. Re-signing
// replaces the section, so one module carries at most one signature.
//
// Keys: the private key file is PKCS#8 PEM ("PRIVATE KEY"), mode 0600; the
// public key is written as base64 of the raw 32 bytes, the form
// machina.toml's public_key takes (hex is accepted too).
//
// The package only handles bytes and key files; it must not decide
// whether an unsigned module may load (that is the loader's job).
package pluginsig
