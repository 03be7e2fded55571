package wire

// ABI 1.3 adds the direct calling convention: the host reads and writes
// the plugin's own linear memory, so every payload crosses the boundary
// once per direction, and bulk bytes (HTTP bodies, key-value values)
// travel raw beside a small JSON header instead of base64 inside JSON.
// The functions below live in the Namespace import module; none of them
// shares a name with an ABI 1.0 function, so an import's name alone says
// which convention a module uses. Pointers and lengths are i32.

// Export input and output (every export of a direct-convention module).
const (
	// HostInputSize () -> i32: the size of the running export's input.
	HostInputSize = "input_size"
	// HostInputRead (ptr) : copies the input to ptr (input_size bytes).
	HostInputRead = "input_read"
	// HostOutputWrite (ptr, len) : the export's result (response JSON).
	HostOutputWrite = "output_write"
	// HostErrorWrite (ptr, len) : the export's failure (abi.Error JSON).
	HostErrorWrite = "error_write"
)

// Capability calls: (hdr_ptr, hdr_len, tail_ptr, tail_len) -> i64. The
// request is a JSON header plus a raw tail; the result packs the reply's
// header length (high 32 bits) and tail length (low 32 bits), which the
// plugin fetches with HostReplyRead before its next host call.
const (
	// HostHTTPSend: header abi.HTTPRequest without body, tail the request
	// body; reply header abi.HTTPResponse without body, tail the body.
	HostHTTPSend = "http_send"
	// HostLogWrite: header LogRecord, no tail; no reply (returns 0).
	HostLogWrite = "log_write"
	// HostKVRead: header KVGetRequest; reply header KVGetResponse without
	// value, tail the value.
	HostKVRead = "kv_read"
	// HostKVWrite: header KVWriteRequest, tail the value; reply header
	// KVSetResponse.
	HostKVWrite = "kv_write"
	// HostMailSubmit: header MailSendRequest; reply header MailSendResponse.
	HostMailSubmit = "mail_submit"
	// HostMailReceive: header abi.MailFetchRequest; reply header
	// MailFetchResponse.
	HostMailReceive = "mail_receive"
	// HostReplyRead (hdr_ptr, tail_ptr) : copies the pending reply's header
	// and tail to the two buffers (sized from the packed lengths).
	HostReplyRead = "reply_read"
)

// DirectFunctions lists every host function of the direct convention.
func DirectFunctions() []string {
	return []string{
		HostInputSize, HostInputRead, HostOutputWrite, HostErrorWrite,
		HostHTTPSend, HostLogWrite, HostKVRead, HostKVWrite, HostMailSubmit, HostMailReceive, HostReplyRead,
	}
}

// DirectCapabilityFunctions lists the capability calls of the direct
// convention (the functions that take a header and a tail).
func DirectCapabilityFunctions() []string {
	return []string{HostHTTPSend, HostLogWrite, HostKVRead, HostKVWrite, HostMailSubmit, HostMailReceive}
}

// DirectABI is the first ABI version with the direct convention.
const DirectABI = "1.3"

// PackReply packs a reply's header and tail lengths as a capability call
// returns them.
func PackReply(hdrLen, tailLen int) uint64 {
	return uint64(uint32(hdrLen))<<32 | uint64(uint32(tailLen))
}

// UnpackReply splits PackReply's result.
func UnpackReply(v uint64) (hdrLen, tailLen int) { return int(v >> 32), int(uint32(v)) }
