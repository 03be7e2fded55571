package wire

import "github.com/machina-go/machina/abi"

// LogRecord is the input of the log host function.
type LogRecord struct {
	Level   abi.LogLevel   `json:"level"`
	Message string         `json:"message"`
	Fields  map[string]any `json:"fields,omitempty"`
}

// KVGetRequest is the input of kv_get.
type KVGetRequest struct {
	Key string `json:"key"`
}

// KVGetResponse is the output of kv_get.
type KVGetResponse struct {
	Found bool       `json:"found"`
	Value []byte     `json:"value,omitempty"`
	Error *abi.Error `json:"error,omitempty"`
}

// KVSetRequest is the input of kv_set. A nil Value deletes the key.
type KVSetRequest struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// KVWriteRequest is the header of kv_write (direct convention): the value
// is the call's tail, and Delete deletes the key instead.
type KVWriteRequest struct {
	Key    string `json:"key"`
	Delete bool   `json:"delete,omitempty"`
}

// KVSetResponse is the output of kv_set.
type KVSetResponse struct {
	Error *abi.Error `json:"error,omitempty"`
}

// MailSendRequest is the input of mail_send.
type MailSendRequest struct {
	Message abi.MailMessage `json:"message"`
}

// MailSendResponse is the output of mail_send.
type MailSendResponse struct {
	MessageID string     `json:"message_id,omitempty"`
	Error     *abi.Error `json:"error,omitempty"`
}

// MailFetchResponse is the output of mail_fetch.
type MailFetchResponse struct {
	Messages []abi.MailMessage `json:"messages"`
	Error    *abi.Error        `json:"error,omitempty"`
}

// Host function names of the Extism convention (ABI 1.0) in the
// Namespace import module. The direct convention's are in direct.go.
const (
	HostHTTPRequest = "http_request"
	HostLog         = "log"
	HostKVGet       = "kv_get"
	HostKVSet       = "kv_set"
	HostMailSend    = "mail_send"
	HostMailFetch   = "mail_fetch"
)

// HostFunctions lists every host function of the Extism convention.
func HostFunctions() []string {
	return []string{HostHTTPRequest, HostLog, HostKVGet, HostKVSet, HostMailSend, HostMailFetch}
}
