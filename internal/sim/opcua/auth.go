package opcua

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"

	"github.com/gopcua/opcua/server"
	"github.com/gopcua/opcua/ua"
	"github.com/gopcua/opcua/uapolicy"
	"github.com/gopcua/opcua/uasc"
)

// serverNonceLen is the nonce length gopcua's server uses in CreateSession;
// a client appends it to the encrypted password.
const serverNonceLen = 32

// activateSession replaces gopcua's ActivateSession handler when Users are
// configured, because gopcua v0.9.0 accepts any user identity token. It
// accepts anonymous tokens and user name tokens whose encrypted password
// matches Options.Users, and refuses everything else with
// BadUserAccessDenied or BadIdentityTokenInvalid.
//
// Limitation: gopcua keeps the session's client certificate and server
// nonce unexported, so this handler cannot re-verify the client's session
// signature (the secure channel has already authenticated the client's key
// on Sign/SignAndEncrypt endpoints) nor check the nonce appended to the
// password.
func (s *Server) activateSession(srv *server.Server) server.Handler {
	return func(sc *uasc.SecureChannel, r ua.Request, reqID uint32) (ua.Response, error) {
		req, ok := r.(*ua.ActivateSessionRequest)
		if !ok {
			return nil, ua.StatusBadRequestTypeInvalid
		}
		if srv.Session(req.RequestHeader) == nil {
			return nil, ua.StatusBadSessionIDInvalid
		}
		if req.UserIdentityToken == nil {
			return nil, ua.StatusBadIdentityTokenInvalid
		}
		switch tok := req.UserIdentityToken.Value.(type) {
		case *ua.AnonymousIdentityToken:
		case *ua.UserNameIdentityToken:
			if !s.checkPassword(tok) {
				s.log.Warn("user name authentication refused", "user", tok.UserName)
				return nil, ua.StatusBadUserAccessDenied
			}
		default:
			return nil, ua.StatusBadIdentityTokenInvalid
		}
		nonce := make([]byte, serverNonceLen)
		if _, err := rand.Read(nonce); err != nil {
			return nil, ua.StatusBadInternalError
		}
		return &ua.ActivateSessionResponse{
			ResponseHeader: &ua.ResponseHeader{
				RequestHandle: req.RequestHeader.RequestHandle, ServiceResult: ua.StatusOK,
				ServiceDiagnostics: &ua.DiagnosticInfo{}, StringTable: []string{}, AdditionalHeader: ua.NewExtensionObject(nil),
			},
			ServerNonce: nonce,
		}, nil
	}
}

// checkPassword decrypts the token's password with the server key and
// compares it with the configured one in constant time.
func (s *Server) checkPassword(tok *ua.UserNameIdentityToken) bool {
	want, ok := s.opts.Users[tok.UserName]
	if !ok || tok.EncryptionAlgorithm == "" || s.key == nil {
		return false // unknown user, or a password sent in clear
	}
	for _, p := range []string{ua.SecurityPolicyURIBasic256Sha256, ua.SecurityPolicyURIAes256Sha256RsaPss} {
		alg, err := uapolicy.Asymmetric(p, s.key, &s.key.PublicKey)
		if err != nil || alg.EncryptionURI() != tok.EncryptionAlgorithm {
			continue
		}
		plain, err := alg.Decrypt(tok.Password)
		if err != nil || len(plain) < 4 {
			return false
		}
		n := int(binary.LittleEndian.Uint32(plain[:4]))
		if n < serverNonceLen || 4+n > len(plain) {
			return false
		}
		got := plain[4 : 4+n-serverNonceLen]
		return subtle.ConstantTimeCompare(got, []byte(want)) == 1
	}
	return false
}
