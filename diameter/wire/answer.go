package wire

import "errors"

// ErrorAnswer is the generic answer-message of RFC 6733 §7.2, usable for
// any request, including one whose command or application this package
// does not know:
//
//	<answer-message> ::= < Diameter Header: code, ERR [, PXY] >
//	   0*1< Session-Id >
//	      { Origin-Host }
//	      { Origin-Realm }
//	      { Result-Code }
//	      [ Origin-State-Id ]
//	      [ Error-Message ]
//	      [ Error-Reporting-Host ]
//	      [ Failed-AVP ]
//	    * [ Proxy-Info ]
//
// Start it with [ErrorAnswer.ReplyTo] on the raw request and
// [ErrorAnswer.SetError], then encode it with [ErrorAnswer.Append].
// For a protocol error (3xxx) the E bit is set. For 4xxx and 5xxx results
// RFC 6733 §7.1 wants the command's own answer with the E bit clear, so for
// a CCR that failed to decode prefer [CCA.ReplyTo] and [CCA.SetError]; an
// ErrorAnswer with such a code is sent without E.
type ErrorAnswer struct {
	// Header is the request's header: Append answers with its command code,
	// application id, identifiers and P flag.
	Header Header

	SessionID          []byte     // Session-Id (263); written when non-nil
	ResultCode         ResultCode // Result-Code (268)
	OriginHost         []byte     // Origin-Host (264)
	OriginRealm        []byte     // Origin-Realm (296)
	ErrorMessage       []byte     // Error-Message (281)
	ErrorReportingHost []byte     // Error-Reporting-Host (294), set by relays
	FailedAVP          []byte     // content of Failed-AVP (279)

	NumProxyInfo int
	ProxyInfo    [MaxProxyInfo][]byte // Proxy-Info (284), whole AVPs, echoed
}

// ReplyTo resets e to answer the request req (one whole message, as
// delimited by [Frame]): it keeps req's header and, reading the top-level
// AVPs as far as they are well-formed, its Session-Id and up to
// [MaxProxyInfo] Proxy-Info AVPs. The byte fields alias req.
func (e *ErrorAnswer) ReplyTo(req []byte) {
	*e = ErrorAnswer{}
	if len(req) < HeaderLen {
		return
	}
	e.Header = decodeHeader(req)
	end := min(int(e.Header.Length), len(req))
	if end < HeaderLen {
		return
	}
	it := Iter{b: req[HeaderLen:end]}
	for it.Next() {
		a := &it.cur
		switch {
		case a.Vendor != 0:
		case a.Code == AVPSessionID && e.SessionID == nil:
			e.SessionID = a.Data
		case a.Code == AVPProxyInfo && e.NumProxyInfo < MaxProxyInfo:
			e.ProxyInfo[e.NumProxyInfo] = a.Raw
			e.NumProxyInfo++
		}
	}
}

// SetError sets Result-Code, Error-Message and Failed-AVP from err,
// normally an *Error from a decoder or [Frame]; any other error becomes
// 5012 (DIAMETER_UNABLE_TO_COMPLY).
func (e *ErrorAnswer) SetError(err error) {
	var we *Error
	if !errors.As(err, &we) {
		e.ResultCode = UnableToComply
		e.ErrorMessage = []byte(err.Error())
		return
	}
	e.ResultCode = we.ResultCode
	e.ErrorMessage = []byte(we.Msg)
	e.FailedAVP = we.AVP
}

// Append appends the answer to dst: the request's command code and
// application id, R clear, P as in the request, E for 3xxx result codes.
// The only error is [ErrMessageTooLong].
func (e *ErrorAnswer) Append(dst []byte) ([]byte, error) {
	flags := e.Header.Flags & FlagProxiable
	if e.ResultCode.IsProtocolError() {
		flags |= FlagError
	}
	dst, start := BeginMessage(dst, flags, e.Header.Code, e.Header.AppID, e.Header.HopByHop, e.Header.EndToEnd)
	if e.SessionID != nil {
		dst = appendBytesAVP(dst, AVPSessionID, flagM, 0, e.SessionID)
	}
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, e.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, e.OriginRealm)
	dst = appendU32AVP(dst, AVPResultCode, flagM, 0, uint32(e.ResultCode))
	if e.ErrorMessage != nil {
		dst = appendBytesAVP(dst, AVPErrorMessage, 0, 0, e.ErrorMessage)
	}
	if e.ErrorReportingHost != nil {
		dst = appendBytesAVP(dst, AVPErrorReportingHost, 0, 0, e.ErrorReportingHost)
	}
	if e.FailedAVP != nil {
		dst = appendBytesAVP(dst, AVPFailedAVP, flagM, 0, e.FailedAVP)
	}
	for i := range e.NumProxyInfo {
		dst = appendRaw(dst, e.ProxyInfo[i])
	}
	return EndMessage(dst, start)
}

// Decode decodes msg, any single answer message, into e, aliasing msg: the
// AVPs of the answer-message format, whatever the command. It requires
// Result-Code, Origin-Host and Origin-Realm (RFC 6733 §7.2) and skips other
// AVPs. A client can use it for answers to commands it has no type for, or
// to read any answer with the E bit set. Every failure is an *Error.
func (e *ErrorAnswer) Decode(msg []byte) error {
	*e = ErrorAnswer{}
	if len(msg) < HeaderLen {
		return ErrInvalidMessageLength
	}
	h, err := checkMessage(msg, uint32(msg[5])<<16|uint32(msg[6])<<8|uint32(msg[7]),
		decodeHeader(msg).AppID, false)
	e.Header = h
	if err != nil {
		return err
	}
	var a SessionAnswer
	err = decodeAnswerAVPs(msg, &a, func(p *AVP) *Error {
		if p.Code == AVPErrorReportingHost {
			e.ErrorReportingHost = p.Data
		}
		return nil
	})
	e.SessionID, e.ResultCode, e.OriginHost, e.OriginRealm = a.SessionID, a.ResultCode, a.OriginHost, a.OriginRealm
	e.ErrorMessage, e.FailedAVP = a.ErrorMessage, a.FailedAVP
	e.NumProxyInfo, e.ProxyInfo = a.NumProxyInfo, a.ProxyInfo
	if err != nil {
		return err
	}
	return nil
}
