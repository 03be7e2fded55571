// Package mail is the host side of the mail_send and mail_fetch host
// functions: it speaks SMTP (go-smtp client) and IMAP (go-imap v2 client)
// to the server named in a plugin's mail grant, with the password read
// from the secret registry at use, so it never enters plugin memory.
//
// Client implements policy.Mailer; the policy host calls it only for
// plugins whose manifest requests mail and whose grant allows it. Wire it
// with pluginload.Deps{Mailer: mail.New(mail.Options{Secrets: reg,
// Scrubber: reg.Scrubber(), Logger: log, Sandbox: gate.Enabled})}.
//
// Transport rules:
//   - TLS always: implicit TLS (smtp_tls/imap_tls = "implicit", the default
//     for ports 465 and 993) or STARTTLS ("starttls", the default for other
//     ports). There is no plaintext mode, so credentials never travel
//     unencrypted; a server that does not offer STARTTLS is refused.
//   - Certificates are verified against the system roots plus the grant's
//     optional ca_file (on-premise servers and tests).
//   - The dialer refuses loopback, private, link-local and metadata
//     addresses unless the grant sets allow_private, like the HTTP gate.
//   - One connection per call, closed when the call ends; the call's
//     context (default timeout 30 s) bounds dialling, TLS and every command.
//   - mail_send builds a plain-text UTF-8 message (From = the grant's from
//     address, whatever the plugin says), validates recipients, subject and
//     message ids (no header injection) and authenticates with PLAIN (or
//     LOGIN when PLAIN is not offered) only after TLS is up.
//   - In sandbox mode (Options.Sandbox) mail_send is refused, as the HTTP
//     gate refuses writes: defence in depth behind the router's gate.
//   - mail_fetch selects the mailbox, searches UNSEEN (and UID > since_uid
//     when that is set and still below UIDNEXT; a larger value means the
//     mailbox was recreated and is ignored), fetches at most Max messages
//     without marking them, parses them (first text/plain part, else
//     text/html reduced to text), then marks them \Seen — or, with peek
//     (ABI 1.4), leaves them unseen until the plugin acknowledges them in
//     a later call's seen list, which is marked \Seen before the search
//     (at-least-once delivery: a crash before the acknowledgement fetches
//     them again). Automatic mail
//     (RFC 3834 Auto-Submitted, X-Autoreply, Precedence bulk/junk) is marked
//     seen but not returned, so a bot never answers an out-of-office reply
//     (mail loops); mail_send sets Auto-Submitted: auto-generated itself.
//
// It must not log or return a password, keep connections or credentials
// between calls, or decide which plugin may use mail (package policy does).
package mail
