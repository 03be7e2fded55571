// Command telegram is Machina's Telegram messaging plugin: a sandboxed
// wasm module that talks to the Telegram Bot API through the host.
//
// It never holds the bot token. Every URL it builds has the form
// {base_url}/bot{{auth}}/<method>; the operator grants the origin
// https://api.telegram.org with the url_path auth profile and the host puts
// the token where {{auth}} stands, after its policy check, and scrubs the
// token from every response.
//
// Operations:
//   - poll: long polling getUpdates (timeout poll_timeout_s,
//     allowed_updates ["message"]). Delivery is at least once (ABI 1.4):
//     a batch is returned with its cursor (the next offset) and the offset
//     in the plugin's KV store moves only when the host acknowledges the
//     cursor in a later poll, after it has handled the batch — so a crash
//     between poll and answer delivers the same updates again, with the
//     same ids (<chat>:<message_id>), and the host de-duplicates them.
//     Chats outside allowed_chat_ids are dropped and reported in
//     PollResponse.Dropped; /start and /help get a short greeting, other
//     commands are dropped; non-text content (stickers, photos, …) gets
//     the reply "I can only read text messages.". Poll is a read
//     operation, so it never sends these answers itself: they ride on the
//     Dropped entries (ABI 1.5 Dropped.Reply) and the host sends them
//     through send, once per message id. A 429
//     stores Telegram's retry_after in KV and later polls return nothing
//     without calling the API until it has passed.
//   - send: sendMessage, split into parts of at most 4096 UTF-16 code units
//     on line, then word boundaries. Text is sent as plain text by default
//     (parse_mode "plain"): agent output is arbitrary text and must not be
//     misread as markup. parse_mode "MarkdownV2" passes the text through as
//     MarkdownV2 markup and falls back to plain text for a part Telegram
//     cannot parse. A 429 is retried after retry_after when that is at most
//     max_send_wait_s, otherwise reported as unavailable. Sends go only to
//     allowed chats.
//   - health: getMe.
//
// Configuration (all non-secret):
//
//	base_url          default "https://api.telegram.org"
//	allowed_chat_ids  list of integers or strings, or one string such as
//	                  "123, -100456"; required unless allow_all_chats
//	allow_all_chats   accept every chat (default false)
//	parse_mode        "plain" (default) or "MarkdownV2"
//	poll_timeout_s    getUpdates long-poll timeout (default 5; keep it below
//	                  the grant's limits.timeout minus a few seconds)
//	poll_limit        updates per poll (default 20, at most 100)
//	max_send_wait_s   longest retry_after a send waits for (default 5)
//	greeting          reply to /start and /help
package main

import (
	_ "embed"

	"github.com/machina-go/machina/pdk"
)

// manifest is plugin.toml, the one place the plugin's name and version
// are written.
//
//go:embed plugin.toml
var manifest string

// info is the plugin's name and version, read from the manifest.
func info() pdk.Info { return pdk.MustParseInfo(manifest) }

func init() { pdk.RegisterMessaging(info(), newBot()) }

// It serves every messaging operation: a misspelled or mistyped method
// fails the build here.
var _ pdk.Messaging = (*bot)(nil)

// main never runs: a plugin is a wasm reactor whose exports the PDK owns.
func main() {}
