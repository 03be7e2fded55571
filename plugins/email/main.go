// Command email is Machina's e-mail messaging plugin: a sandboxed wasm
// module on the host's mail functions. It has no network access of its own
// and never sees the mail password: the host speaks SMTP and IMAP over TLS
// to the servers in the operator's mail grant and authenticates with the
// granted secret.
//
// Operations:
//   - poll: mail_fetch of unseen messages with a UID above the last one
//     acknowledged, without marking them (peek). Delivery is at least once
//     (ABI 1.4): the batch is returned with a cursor naming its UIDs, and
//     only when the host acknowledges it in a later poll — after handling
//     the batch — are those mails marked \Seen and the UID watermark in
//     KV moved; a crash before that delivers them again with the same ids
//     (the Message-ID, else uid:<UID>). Each message becomes an
//     abi.Message: chat_id and user_id are the sender address, subject and
//     thread_id (the Message-ID) allow an in-thread reply, and the text is
//     the plain-text part with quoted replies removed (lines starting with
//     ">", everything from an "On … wrote:" line or an Outlook "Original
//     Message" separator, and the signature after a "-- " line). Senders
//     outside allowed_senders are dropped and reported in
//     PollResponse.Dropped. Every message is marked Unverified: a From
//     address is unauthenticated and spoofable without DKIM/SPF checks, so
//     the allow-list is a filter, not authentication; this is logged once.
//   - send: mail_send of a plain-text message to chat_id. With thread_id
//     it replies in thread: Subject "Re: <original subject>", In-Reply-To
//     and References set from the remembered original. Recipients must be
//     allowed senders or allowed_recipients (unless allow_any_recipient).
//   - health: reports the configuration (the host owns the connection).
//
// Configuration (all non-secret):
//
//	allowed_senders      list of addresses or "@domain" entries, or one
//	                     comma-separated string; required unless
//	                     allow_all_senders
//	allow_all_senders    accept mail from anyone (default false)
//	allowed_recipients   extra addresses send may write to
//	allow_any_recipient  send to any address (default false)
//	mailbox              IMAP mailbox (default INBOX)
//	poll_max             messages per poll (default 10, at most 100)
//	default_subject      subject of a new message (default "Machina Notification")
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

func init() { pdk.RegisterMessaging(info(), newMailer()) }

// It serves every messaging operation: a misspelled or mistyped method
// fails the build here.
var _ pdk.Messaging = (*mailer)(nil)

// main never runs: a plugin is a wasm reactor whose exports the PDK owns.
func main() {}
