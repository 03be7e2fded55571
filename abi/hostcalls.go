package abi

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
// seen.
type MailFetchRequest struct {
	Mailbox  string `json:"mailbox,omitempty"` // default INBOX
	SinceUID uint32 `json:"since_uid,omitempty"`
	Max      int    `json:"max,omitempty"`
}
