// Package telegram is a Telegram Bot API simulator that speaks the real
// HTTP protocol on loopback, for tests, the messaging conformance checks
// and "machina sim telegram".
//
// It implements the subset Machina's Telegram plugin uses: getMe,
// getUpdates (long polling with offset confirmation, limit, timeout and
// allowed_updates) and sendMessage (length and MarkdownV2 checks), with
// token checking as Telegram does it (a wrong token answers 401
// Unauthorized, an unknown method 404). Tests inject incoming messages
// from chats (InjectText, Inject), read what the bot sent (Sent, WaitSent)
// and switch faults on (429 with parameters.retry_after, 5xx, slow
// responses).
//
// What it must not do: listen anywhere but the address it is given
// (default 127.0.0.1:0), log the token, or pretend to be a security
// boundary. It keeps everything in memory.
package telegram
