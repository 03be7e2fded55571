// Package mail runs real SMTP and IMAP servers on loopback for tests and
// demos of Machina's e-mail channel, built from maintained libraries:
// go-smtp's server (submission with AUTH PLAIN over STARTTLS and over
// implicit TLS) and go-imap v2's in-memory server (imapmemserver, STARTTLS
// and implicit TLS).
//
// TLS uses a CA generated when the server starts (crypto/x509, ECDSA P-256)
// and a server certificate for localhost, 127.0.0.1 and ::1; CAPEM/WriteCA
// give clients the CA to trust. A message accepted over SMTP is delivered
// into the INBOX of every recipient that is a local user, so a send/fetch
// round trip works. Tests can also Deliver raw messages directly and read
// what was submitted (Received, WaitReceived).
//
// What it must not do: accept authentication or mail without TLS, listen
// anywhere but loopback by default, or keep anything on disk.
package mail
