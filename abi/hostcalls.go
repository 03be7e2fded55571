package abi

import "strconv"

// HTTPRequest is the input of the http_request host function.
type HTTPRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	// Body is sent as is; the host substitutes {{secret:NAME}} placeholders
	// only in header values, the URL path and form-encoded bodies.
	Body []byte `json:"body,omitempty"`
	// TimeoutMS is the plugin's wish; the host caps it at the grant's limit.
	TimeoutMS int `json:"timeout_ms,omitempty"`
}

// HTTPResponse is the output of the http_request host function. When the
// host refuses or fails the request, Error is set, Status is 0 and the plugin
// keeps running.
type HTTPResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    []byte            `json:"body,omitempty"`
	// Truncated is never set: an over-size response is an error instead.
	Error *Error `json:"error,omitempty"`
}

// LogLevel is a plugin log level.
type LogLevel string

// Log levels accepted by the log host function.
const (
	LogDebug LogLevel = "debug"
	LogInfo  LogLevel = "info"
	LogWarn  LogLevel = "warn"
	LogError LogLevel = "error"
)

// MailMessage is an e-mail sent through mail_send or returned by mail_fetch.
type MailMessage struct {
	UID        uint32   `json:"uid,omitempty"` // IMAP UID (fetch only)
	MessageID  string   `json:"message_id,omitempty"`
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	From       string   `json:"from,omitempty"` // fetch: sender; send: set by the host
	To         []string `json:"to"`
	Subject    string   `json:"subject"`
	Text       string   `json:"text"` // plain-text body
	Date       string   `json:"date,omitempty"`
}

// MailFetchRequest is the input of mail_fetch: unseen messages, or those with
// a UID greater than SinceUID when it is set. Fetched messages are marked
// seen unless Peek is set.
type MailFetchRequest struct {
	Mailbox  string `json:"mailbox,omitempty"` // default INBOX
	SinceUID uint32 `json:"since_uid,omitempty"`
	Max      int    `json:"max,omitempty"`
	// Peek (ABI 1.4) leaves fetched messages unseen, so they are fetched
	// again until acknowledged through Seen (at-least-once delivery).
	Peek bool `json:"peek,omitempty"`
	// Seen (ABI 1.4) lists UIDs of the mailbox to mark \Seen before the
	// search: the acknowledgement of messages fetched earlier with Peek.
	Seen []uint32 `json:"seen,omitempty"`
}

// NoticeKind classifies a Notice.
type NoticeKind string

// Notice kinds (ABI 1.1).
const (
	// NoticeUnmapped: a vendor code had no mapping; the documented fallback
	// was used and the raw code kept in the record's metadata.unmapped.
	NoticeUnmapped NoticeKind = "unmapped_code"
	// NoticeRebased: a link the upstream returned named another origin
	// (reverse proxy, load balancer); its path and query were re-based onto
	// the configured origin.
	NoticeRebased NoticeKind = "link_rebased"
	// NoticeSkipped: upstream records without an identifier were left out.
	NoticeSkipped NoticeKind = "record_skipped"
)

// Notice is a structured warning a plugin reports about the data it reads:
// something it handled by a documented fallback that an operator should
// know about. It travels as a `log` record at level warn whose fields are
// the JSON fields below ("notice" names the kind); the host traces the
// first notice of each kind, field and code per plugin and counts the rest.
// A host that predates ABI 1.1 logs it as an ordinary warning.
type Notice struct {
	Kind NoticeKind `json:"notice"`
	// Field is the vendor field or link concerned (e.g. "worktype",
	// "nextPage").
	Field string `json:"field,omitempty"`
	// Code is the raw vendor value (e.g. "CAL", or the foreign origin of a
	// re-based link).
	Code string `json:"code,omitempty"`
	// Fallback is what the plugin used instead (e.g. "corrective", or the
	// configured origin).
	Fallback string `json:"fallback,omitempty"`
	// Count is how many records the notice covers (record_skipped).
	Count int `json:"count,omitempty"`
}

// Fields returns n as log record fields.
func (n Notice) Fields() map[string]any {
	f := map[string]any{"notice": string(n.Kind)}
	if n.Field != "" {
		f["field"] = n.Field
	}
	if n.Code != "" {
		f["code"] = n.Code
	}
	if n.Fallback != "" {
		f["fallback"] = n.Fallback
	}
	if n.Count != 0 {
		f["count"] = n.Count
	}
	return f
}

// NoticeFromFields reads a Notice back from log record fields; ok is false
// when the fields carry no notice.
func NoticeFromFields(f map[string]any) (n Notice, ok bool) {
	kind, _ := f["notice"].(string)
	if kind == "" {
		return Notice{}, false
	}
	n.Kind = NoticeKind(kind)
	n.Field, _ = f["field"].(string)
	n.Code, _ = f["code"].(string)
	n.Fallback, _ = f["fallback"].(string)
	switch c := f["count"].(type) {
	case float64:
		n.Count = int(c)
	case int:
		n.Count = c
	}
	return n, true
}

// Message is a one-line human description of n.
func (n Notice) Message() string {
	switch n.Kind {
	case NoticeUnmapped:
		return "unmapped " + n.Field + " code " + strconv.Quote(n.Code) + "; used " + strconv.Quote(n.Fallback)
	case NoticeRebased:
		return n.Field + " link named " + n.Code + "; re-based onto " + n.Fallback
	case NoticeSkipped:
		return "skipped " + strconv.Itoa(n.Count) + " record(s) without " + n.Field + " (" + n.Code + ")"
	}
	return string(n.Kind) + " " + n.Field + " " + n.Code
}
