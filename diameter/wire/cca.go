package wire

import "errors"

// CCA is a Credit-Control-Answer (RFC 4006 §3.2, TS 32.299 §6.4.3),
// restricted to what an online charging server for data sends.
//
// The server fills one per request, usually starting with [CCA.ReplyTo],
// and encodes it with [CCA.Append]; the client decodes answers with
// [CCA.Decode], which aliases the buffer like [CCR.Decode]. A CCA is
// reusable and needs no initialisation; it must not be used by several
// goroutines at once.
//
// Optional byte fields are nil when absent; MSCC blocks and Proxy-Info
// fill a fixed array and a count.
type CCA struct {
	// Header is the decoded header. Append takes HopByHop, EndToEnd and
	// the E flag from it, writes code 272, application 4 and the P flag
	// itself, and sets E as well for 3xxx result codes (RFC 6733 §7.2).
	Header Header

	SessionID         []byte      // Session-Id (263); written when non-nil
	ResultCode        ResultCode  // Result-Code (268), required
	OriginHost        []byte      // Origin-Host (264), required
	OriginRealm       []byte      // Origin-Realm (296), required
	AuthApplicationID uint32      // Auth-Application-Id (258); 4
	RequestType       RequestType // CC-Request-Type (416), echoed
	RequestNumber     uint32      // CC-Request-Number (415), echoed
	ErrorMessage      []byte      // Error-Message (281), RFC 6733 §7.3

	// FailedAVP is the content of a Failed-AVP (279, RFC 6733 §7.5): one
	// or more complete AVPs including their padding, as [Error.AVP] holds.
	FailedAVP []byte

	NumMSCC int
	MSCC    [MaxMSCC]MSCCAnswer // Multiple-Services-Credit-Control (456)

	// ProxyInfo holds Proxy-Info AVPs (284) whole, header included, echoed
	// from the request in order (RFC 6733 §6.2).
	NumProxyInfo int
	ProxyInfo    [MaxProxyInfo][]byte
}

// Services returns the MSCC blocks, a.MSCC[:a.NumMSCC].
func (a *CCA) Services() []MSCCAnswer { return a.MSCC[:a.NumMSCC] }

// AddMSCC appends a zeroed MSCC block and returns it to be filled in, or
// nil if there are already [MaxMSCC].
func (a *CCA) AddMSCC() *MSCCAnswer {
	if a.NumMSCC == MaxMSCC {
		return nil
	}
	m := &a.MSCC[a.NumMSCC]
	*m = MSCCAnswer{}
	a.NumMSCC++
	return m
}

// ReplyTo resets a to answer r: it copies the Hop-by-Hop and End-to-End
// identifiers, Session-Id, Auth-Application-Id, CC-Request-Type,
// CC-Request-Number and Proxy-Info (RFC 6733 §6.2, RFC 4006 §3.2), and
// sets Result-Code to 2001. The caller adds Origin-Host, Origin-Realm and
// the MSCC blocks. The byte fields alias those of r. ReplyTo works on a
// CCR whose Decode failed, to answer with the error (see [CCA.SetError]).
func (a *CCA) ReplyTo(r *CCR) {
	*a = CCA{
		Header:            Header{HopByHop: r.Header.HopByHop, EndToEnd: r.Header.EndToEnd},
		SessionID:         r.SessionID,
		ResultCode:        Success,
		AuthApplicationID: r.AuthApplicationID,
		RequestType:       r.RequestType,
		RequestNumber:     r.RequestNumber,
		NumProxyInfo:      r.NumProxyInfo,
		ProxyInfo:         r.ProxyInfo,
	}
	if a.AuthApplicationID == 0 {
		a.AuthApplicationID = AppCreditControl
	}
}

// SetError sets Result-Code, Error-Message and Failed-AVP from err, which
// is normally the *Error a decoder returned; any other error becomes 5012
// (DIAMETER_UNABLE_TO_COMPLY). It allocates the Error-Message.
func (a *CCA) SetError(err error) {
	var e *Error
	if !errors.As(err, &e) {
		a.ResultCode = UnableToComply
		a.ErrorMessage = []byte(err.Error())
		return
	}
	a.ResultCode = e.ResultCode
	a.ErrorMessage = []byte(e.Msg)
	a.FailedAVP = e.AVP
}

// Append appends a as a CCA message to dst and returns the extended buffer
// (miekg/dns PackBuffer style: pass a reused buffer to avoid allocating).
// AVPs are written in the order of RFC 4006 §3.2; Error-Message and
// Failed-AVP only when non-nil. The only error is [ErrMessageTooLong]; dst
// is then returned unchanged. Append panics if a Num field exceeds its
// array.
func (a *CCA) Append(dst []byte) ([]byte, error) {
	flags := answerFlags(a.ResultCode, true) | a.Header.Flags&FlagError
	dst, start := BeginMessage(dst, flags,
		CommandCreditControl, AppCreditControl, a.Header.HopByHop, a.Header.EndToEnd)
	if a.SessionID != nil {
		dst = appendBytesAVP(dst, AVPSessionID, flagM, 0, a.SessionID)
	}
	dst = appendU32AVP(dst, AVPResultCode, flagM, 0, uint32(a.ResultCode))
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, a.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, a.OriginRealm)
	dst = appendU32AVP(dst, AVPAuthApplicationID, flagM, 0, a.AuthApplicationID)
	dst = appendU32AVP(dst, AVPCCRequestType, flagM, 0, uint32(a.RequestType))
	dst = appendU32AVP(dst, AVPCCRequestNumber, flagM, 0, a.RequestNumber)
	for i := range a.NumMSCC {
		dst = a.MSCC[i].append(dst)
	}
	if a.ErrorMessage != nil {
		dst = appendBytesAVP(dst, AVPErrorMessage, 0, 0, a.ErrorMessage)
	}
	for i := range a.NumProxyInfo {
		dst = appendRaw(dst, a.ProxyInfo[i])
	}
	if a.FailedAVP != nil {
		dst = appendBytesAVP(dst, AVPFailedAVP, flagM, 0, a.FailedAVP)
	}
	return EndMessage(dst, start)
}

const (
	ccaSessionID = 1 << iota
	ccaResultCode
	ccaOriginHost
	ccaOriginRealm
	ccaAuthApplicationID
	ccaRequestType
	ccaRequestNumber
	ccaErrorMessage
	ccaFailedAVP

	// RFC 4006 §3.2 for a normal CCA; RFC 6733 §7.2 for one with the E bit.
	ccaRequired      = ccaSessionID | ccaResultCode | ccaOriginHost | ccaOriginRealm | ccaAuthApplicationID | ccaRequestType | ccaRequestNumber
	ccaRequiredError = ccaResultCode | ccaOriginHost | ccaOriginRealm
)

// Decode decodes msg, which must be exactly one CCA message (as delimited
// by [Frame]), into a, overwriting all of a. It does not allocate unless it
// fails, and a's byte fields alias msg afterwards.
//
// It never panics, whatever msg holds. It checks the header (version 1,
// length, command 272, application 4, R clear), the AVP framing at every
// level it reads, the size of every fixed-size value, that single-valued
// AVPs occur once and that the required AVPs are present (RFC 4006 §3.2,
// or RFC 6733 §7.2 when the E bit is set). Unknown AVPs are skipped
// whatever their M bit: an answer cannot be refused, only reported. Every
// failure is an *Error.
func (a *CCA) Decode(msg []byte) error {
	if e := a.decode(msg); e != nil {
		return e
	}
	return nil
}

func (a *CCA) decode(msg []byte) *Error {
	*a = CCA{}
	h, e := checkMessage(msg, CommandCreditControl, AppCreditControl, false)
	a.Header = h
	if e != nil {
		return e
	}
	var seen uint32
	it := Iter{b: msg[HeaderLen:]}
	for it.Next() {
		p := &it.cur
		if p.Vendor != 0 {
			continue
		}
		var bit uint32
		switch p.Code {
		case AVPSessionID:
			bit = ccaSessionID
			a.SessionID = p.Data
		case AVPResultCode:
			bit = ccaResultCode
			var v uint32
			v, e = readU32(p)
			a.ResultCode = ResultCode(v)
		case AVPOriginHost:
			bit = ccaOriginHost
			a.OriginHost = p.Data
		case AVPOriginRealm:
			bit = ccaOriginRealm
			a.OriginRealm = p.Data
		case AVPAuthApplicationID:
			bit = ccaAuthApplicationID
			a.AuthApplicationID, e = readU32(p)
		case AVPCCRequestType:
			bit = ccaRequestType
			var v uint32
			v, e = readU32(p)
			a.RequestType = RequestType(v)
		case AVPCCRequestNumber:
			bit = ccaRequestNumber
			a.RequestNumber, e = readU32(p)
		case AVPErrorMessage:
			bit = ccaErrorMessage
			a.ErrorMessage = p.Data
		case AVPFailedAVP:
			bit = ccaFailedAVP
			a.FailedAVP = p.Data
		case AVPMultipleServicesCreditControl:
			if a.NumMSCC == MaxMSCC {
				e = capacityError(p, MaxMSCC)
				break
			}
			e = a.MSCC[a.NumMSCC].decode(p)
			a.NumMSCC++
		case AVPProxyInfo:
			if a.NumProxyInfo == MaxProxyInfo {
				e = capacityError(p, MaxProxyInfo)
				break
			}
			a.ProxyInfo[a.NumProxyInfo] = p.Raw
			a.NumProxyInfo++
		}
		if e == nil && seen&bit != 0 {
			e = duplicateError(p)
		}
		if e != nil {
			return e
		}
		seen |= bit
	}
	if it.err != nil {
		return it.err
	}
	required := uint32(ccaRequired)
	if h.IsError() {
		required = ccaRequiredError
	}
	if seen&required != required {
		return ccaMissing(seen)
	}
	return nil
}

// ccaMissing reports the first required AVP of a CCA not in seen.
func ccaMissing(seen uint32) *Error {
	switch {
	case seen&ccaResultCode == 0:
		return missingError(AVPResultCode, 0, 4)
	case seen&ccaOriginHost == 0:
		return missingError(AVPOriginHost, 0, 0)
	case seen&ccaOriginRealm == 0:
		return missingError(AVPOriginRealm, 0, 0)
	case seen&ccaSessionID == 0:
		return missingError(AVPSessionID, 0, 0)
	case seen&ccaAuthApplicationID == 0:
		return missingError(AVPAuthApplicationID, 0, 4)
	case seen&ccaRequestType == 0:
		return missingError(AVPCCRequestType, 0, 4)
	}
	return missingError(AVPCCRequestNumber, 0, 4)
}
