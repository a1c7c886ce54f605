package wire

// SessionRequest holds what the server-initiated session requests RAR and
// ASR share (RFC 6733 §8.3.1, §8.5.1; RFC 4006 §3.3). Decoded byte fields
// alias the input; optional byte fields are nil when absent.
type SessionRequest struct {
	// Header is the decoded header. Append takes only HopByHop, EndToEnd
	// and the T flag from it.
	Header Header

	SessionID         []byte // Session-Id (263), required
	OriginHost        []byte // Origin-Host (264), required
	OriginRealm       []byte // Origin-Realm (296), required
	DestinationRealm  []byte // Destination-Realm (283), required
	DestinationHost   []byte // Destination-Host (293), required
	AuthApplicationID uint32 // Auth-Application-Id (258), required; 4

	HasOriginStateID bool
	OriginStateID    uint32 // Origin-State-Id (278)

	// ProxyInfo holds Proxy-Info AVPs (284) whole, to echo in the answer.
	NumProxyInfo int
	ProxyInfo    [MaxProxyInfo][]byte
	// RouteRecord holds the identities of the Route-Record AVPs (282).
	NumRouteRecord int
	RouteRecord    [MaxRouteRecord][]byte
}

// SessionAnswer holds what RAA and ASA share (RFC 6733 §8.3.2, §8.5.2;
// RFC 4006 §3.4). Decoded byte fields alias the input; optional byte
// fields are nil when absent.
type SessionAnswer struct {
	// Header is the decoded header. Append takes HopByHop, EndToEnd and
	// the E flag from it and sets E for 3xxx result codes (RFC 6733 §7.2).
	Header Header

	SessionID    []byte     // Session-Id (263); written when non-nil
	ResultCode   ResultCode // Result-Code (268), required
	OriginHost   []byte     // Origin-Host (264), required
	OriginRealm  []byte     // Origin-Realm (296), required
	ErrorMessage []byte     // Error-Message (281)
	FailedAVP    []byte     // content of Failed-AVP (279), as in CCA

	HasOriginStateID bool
	OriginStateID    uint32 // Origin-State-Id (278)

	NumProxyInfo int
	ProxyInfo    [MaxProxyInfo][]byte // Proxy-Info (284), whole AVPs
}

// replyTo starts an answer to q.
func (a *SessionAnswer) replyTo(q *SessionRequest) {
	*a = SessionAnswer{
		Header:       Header{HopByHop: q.Header.HopByHop, EndToEnd: q.Header.EndToEnd},
		SessionID:    q.SessionID,
		ResultCode:   Success,
		NumProxyInfo: q.NumProxyInfo,
		ProxyInfo:    q.ProxyInfo,
	}
}

// RAR is a Re-Auth-Request (RFC 6733 §8.3.1, RFC 4006 §3.3): the OCS
// asks the client to re-authorise a credit-control session, for example
// after a top-up, optionally for one rating group or service only.
// Use [RAR.Decode] and [RAR.Append]; see [SessionRequest] for the common
// fields. A RAR must not be used by several goroutines at once.
type RAR struct {
	SessionRequest
	ReAuthRequestType ReAuthRequestType // Re-Auth-Request-Type (285), required

	HasServiceID   bool
	HasRatingGroup bool
	ServiceID      uint32 // Service-Identifier (439), RFC 4006 §3.3
	RatingGroup    uint32 // Rating-Group (432), RFC 4006 §3.3
}

// RAA is a Re-Auth-Answer (RFC 6733 §8.3.2, RFC 4006 §3.4).
type RAA struct{ SessionAnswer }

// ASR is an Abort-Session-Request (RFC 6733 §8.5.1): the server ends a
// session, for example when a card is stopped.
type ASR struct{ SessionRequest }

// ASA is an Abort-Session-Answer (RFC 6733 §8.5.2).
type ASA struct{ SessionAnswer }

// ReplyTo resets a to answer r with 2001, copying the identifiers,
// Session-Id and Proxy-Info; the caller adds Origin-Host and Origin-Realm.
func (a *RAA) ReplyTo(r *RAR) { a.replyTo(&r.SessionRequest) }

// ReplyTo resets a to answer r with 2001, copying the identifiers,
// Session-Id and Proxy-Info; the caller adds Origin-Host and Origin-Realm.
func (a *ASA) ReplyTo(r *ASR) { a.replyTo(&r.SessionRequest) }

// Append appends r as a RAR message (code 258, application 4, R and P set)
// to dst. The only error is [ErrMessageTooLong].
func (r *RAR) Append(dst []byte) ([]byte, error) {
	dst, start := r.SessionRequest.begin(dst, CommandReAuth)
	dst = appendU32AVP(dst, AVPReAuthRequestType, flagM, 0, uint32(r.ReAuthRequestType))
	dst = r.SessionRequest.appendOptional(dst)
	if r.HasServiceID {
		dst = appendU32AVP(dst, AVPServiceIdentifier, flagM, 0, r.ServiceID)
	}
	if r.HasRatingGroup {
		dst = appendU32AVP(dst, AVPRatingGroup, flagM, 0, r.RatingGroup)
	}
	return EndMessage(dst, start)
}

// Append appends r as an ASR message (code 274, application 4, R and P
// set) to dst. The only error is [ErrMessageTooLong].
func (r *ASR) Append(dst []byte) ([]byte, error) {
	dst, start := r.SessionRequest.begin(dst, CommandAbortSession)
	dst = r.SessionRequest.appendOptional(dst)
	return EndMessage(dst, start)
}

// Append appends a as a RAA message to dst. The only error is
// [ErrMessageTooLong].
func (a *RAA) Append(dst []byte) ([]byte, error) { return a.append(dst, CommandReAuth) }

// Append appends a as an ASA message to dst. The only error is
// [ErrMessageTooLong].
func (a *ASA) Append(dst []byte) ([]byte, error) { return a.append(dst, CommandAbortSession) }

// Decode decodes msg, exactly one RAR, into r, aliasing msg. Unknown AVPs
// with the M bit are refused with 5001 (RFC 6733 §4.1); every failure is an
// *Error. It does not allocate unless it fails.
func (r *RAR) Decode(msg []byte) error {
	r.ReAuthRequestType, r.HasServiceID, r.ServiceID, r.HasRatingGroup, r.RatingGroup = 0, false, 0, false, 0
	seenType := false
	e := r.SessionRequest.decode(msg, CommandReAuth, func(a *AVP) (bool, *Error) {
		var e *Error
		switch a.Code {
		case AVPReAuthRequestType:
			if seenType {
				return true, duplicateError(a)
			}
			seenType = true
			var v uint32
			v, e = readU32(a)
			r.ReAuthRequestType = ReAuthRequestType(v)
		case AVPServiceIdentifier:
			if r.HasServiceID {
				return true, duplicateError(a)
			}
			r.HasServiceID = true
			r.ServiceID, e = readU32(a)
		case AVPRatingGroup:
			if r.HasRatingGroup {
				return true, duplicateError(a)
			}
			r.HasRatingGroup = true
			r.RatingGroup, e = readU32(a)
		case AVPCCSubSessionID, avpGSUPoolIdentifier:
		default:
			return false, nil
		}
		return true, e
	})
	if e == nil && !seenType {
		e = missingError(AVPReAuthRequestType, 0, 4)
	}
	if e != nil {
		return e
	}
	return nil
}

// Decode decodes msg, exactly one ASR, into r, aliasing msg. Unknown AVPs
// with the M bit are refused with 5001 (RFC 6733 §4.1); every failure is an
// *Error. It does not allocate unless it fails.
func (r *ASR) Decode(msg []byte) error {
	if e := r.SessionRequest.decode(msg, CommandAbortSession, nil); e != nil {
		return e
	}
	return nil
}

// Decode decodes msg, exactly one RAA, into a, aliasing msg. Unknown AVPs
// are skipped; every failure is an *Error.
func (a *RAA) Decode(msg []byte) error { return a.decode(msg, CommandReAuth) }

// Decode decodes msg, exactly one ASA, into a, aliasing msg. Unknown AVPs
// are skipped; every failure is an *Error.
func (a *ASA) Decode(msg []byte) error { return a.decode(msg, CommandAbortSession) }

// avpGSUPoolIdentifier is G-S-U-Pool-Identifier (RFC 4006 §8.31), which a
// RAR may carry.
const avpGSUPoolIdentifier = 453

func (r *SessionRequest) begin(dst []byte, code uint32) ([]byte, int) {
	dst, start := BeginMessage(dst, requestFlags(r.Header.Flags, true), code, AppCreditControl,
		r.Header.HopByHop, r.Header.EndToEnd)
	dst = appendBytesAVP(dst, AVPSessionID, flagM, 0, r.SessionID)
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, r.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, r.OriginRealm)
	dst = appendBytesAVP(dst, AVPDestinationRealm, flagM, 0, r.DestinationRealm)
	dst = appendBytesAVP(dst, AVPDestinationHost, flagM, 0, r.DestinationHost)
	dst = appendU32AVP(dst, AVPAuthApplicationID, flagM, 0, r.AuthApplicationID)
	return dst, start
}

func (r *SessionRequest) appendOptional(dst []byte) []byte {
	if r.HasOriginStateID {
		dst = appendU32AVP(dst, AVPOriginStateID, flagM, 0, r.OriginStateID)
	}
	for i := range r.NumProxyInfo {
		dst = appendRaw(dst, r.ProxyInfo[i])
	}
	for i := range r.NumRouteRecord {
		dst = appendBytesAVP(dst, AVPRouteRecord, flagM, 0, r.RouteRecord[i])
	}
	return dst
}

const (
	srSessionID = 1 << iota
	srOriginHost
	srOriginRealm
	srDestinationRealm
	srDestinationHost
	srAuthApplicationID
	srOriginStateID

	srRequired = srSessionID | srOriginHost | srOriginRealm | srDestinationRealm | srDestinationHost | srAuthApplicationID
)

// decode fills r from msg. extra, if not nil, is offered every vendor-0 AVP
// that is not common to both requests; it reports whether it took it.
func (r *SessionRequest) decode(msg []byte, code uint32, extra func(*AVP) (bool, *Error)) *Error {
	*r = SessionRequest{}
	h, e := checkMessage(msg, code, AppCreditControl, true)
	r.Header = h
	if e != nil {
		return e
	}
	var seen uint32
	it := Iter{b: msg[HeaderLen:]}
	for it.Next() {
		a := &it.cur
		var bit uint32
		switch {
		case a.Vendor != 0:
			if a.Mandatory() {
				e = unsupportedError(a)
			}
		case a.Code == AVPSessionID:
			bit, r.SessionID = srSessionID, a.Data
		case a.Code == AVPOriginHost:
			bit, r.OriginHost = srOriginHost, a.Data
		case a.Code == AVPOriginRealm:
			bit, r.OriginRealm = srOriginRealm, a.Data
		case a.Code == AVPDestinationRealm:
			bit, r.DestinationRealm = srDestinationRealm, a.Data
		case a.Code == AVPDestinationHost:
			bit, r.DestinationHost = srDestinationHost, a.Data
		case a.Code == AVPAuthApplicationID:
			bit = srAuthApplicationID
			r.AuthApplicationID, e = readU32(a)
		case a.Code == AVPOriginStateID:
			bit, r.HasOriginStateID = srOriginStateID, true
			r.OriginStateID, e = readU32(a)
		case a.Code == AVPProxyInfo:
			if r.NumProxyInfo == MaxProxyInfo {
				e = capacityError(a, MaxProxyInfo)
				break
			}
			r.ProxyInfo[r.NumProxyInfo] = a.Raw
			r.NumProxyInfo++
		case a.Code == AVPRouteRecord:
			if r.NumRouteRecord == MaxRouteRecord {
				e = capacityError(a, MaxRouteRecord)
				break
			}
			r.RouteRecord[r.NumRouteRecord] = a.Data
			r.NumRouteRecord++
		case a.Code == AVPUserName:
		default:
			took := false
			if extra != nil {
				took, e = extra(a)
			}
			if !took && a.Mandatory() {
				e = unsupportedError(a)
			}
		}
		if e == nil && seen&bit != 0 {
			e = duplicateError(a)
		}
		if e != nil {
			return e
		}
		seen |= bit
	}
	if it.err != nil {
		return it.err
	}
	if seen&srRequired != srRequired {
		switch {
		case seen&srSessionID == 0:
			return missingError(AVPSessionID, 0, 0)
		case seen&srOriginHost == 0:
			return missingError(AVPOriginHost, 0, 0)
		case seen&srOriginRealm == 0:
			return missingError(AVPOriginRealm, 0, 0)
		case seen&srDestinationRealm == 0:
			return missingError(AVPDestinationRealm, 0, 0)
		case seen&srDestinationHost == 0:
			return missingError(AVPDestinationHost, 0, 0)
		}
		return missingError(AVPAuthApplicationID, 0, 4)
	}
	return nil
}

func (a *SessionAnswer) append(dst []byte, code uint32) ([]byte, error) {
	flags := answerFlags(a.ResultCode, true) | a.Header.Flags&FlagError
	dst, start := BeginMessage(dst, flags, code, AppCreditControl, a.Header.HopByHop, a.Header.EndToEnd)
	if a.SessionID != nil {
		dst = appendBytesAVP(dst, AVPSessionID, flagM, 0, a.SessionID)
	}
	dst = appendU32AVP(dst, AVPResultCode, flagM, 0, uint32(a.ResultCode))
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, a.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, a.OriginRealm)
	if a.HasOriginStateID {
		dst = appendU32AVP(dst, AVPOriginStateID, flagM, 0, a.OriginStateID)
	}
	if a.ErrorMessage != nil {
		dst = appendBytesAVP(dst, AVPErrorMessage, 0, 0, a.ErrorMessage)
	}
	if a.FailedAVP != nil {
		dst = appendBytesAVP(dst, AVPFailedAVP, flagM, 0, a.FailedAVP)
	}
	for i := range a.NumProxyInfo {
		dst = appendRaw(dst, a.ProxyInfo[i])
	}
	return EndMessage(dst, start)
}

func (a *SessionAnswer) decode(msg []byte, code uint32) error {
	*a = SessionAnswer{}
	h, e := checkMessage(msg, code, AppCreditControl, false)
	a.Header = h
	if e == nil {
		e = decodeAnswerAVPs(msg, a, nil)
	}
	if e != nil {
		return e
	}
	return nil
}

// decodeAnswerAVPs reads the AVPs common to answers into a: Session-Id,
// Result-Code, Origin-Host, Origin-Realm, Origin-State-Id, Error-Message,
// Failed-AVP and Proxy-Info. extra, if not nil, is offered every other
// vendor-0 AVP. Unknown AVPs are skipped: an answer cannot be refused.
// Result-Code, Origin-Host and Origin-Realm are required (RFC 6733 §7.2).
func decodeAnswerAVPs(msg []byte, a *SessionAnswer, extra func(*AVP) *Error) *Error {
	const (
		sid = 1 << iota
		rc
		oh
		or
		osi
		em
		fa
		required = rc | oh | or
	)
	var seen uint32
	it := Iter{b: msg[HeaderLen:]}
	for it.Next() {
		p := &it.cur
		if p.Vendor != 0 {
			continue
		}
		var bit uint32
		var e *Error
		switch p.Code {
		case AVPSessionID:
			bit, a.SessionID = sid, p.Data
		case AVPResultCode:
			bit = rc
			var v uint32
			v, e = readU32(p)
			a.ResultCode = ResultCode(v)
		case AVPOriginHost:
			bit, a.OriginHost = oh, p.Data
		case AVPOriginRealm:
			bit, a.OriginRealm = or, p.Data
		case AVPOriginStateID:
			bit, a.HasOriginStateID = osi, true
			a.OriginStateID, e = readU32(p)
		case AVPErrorMessage:
			bit, a.ErrorMessage = em, p.Data
		case AVPFailedAVP:
			bit, a.FailedAVP = fa, p.Data
		case AVPProxyInfo:
			if a.NumProxyInfo == MaxProxyInfo {
				e = capacityError(p, MaxProxyInfo)
				break
			}
			a.ProxyInfo[a.NumProxyInfo] = p.Raw
			a.NumProxyInfo++
		default:
			if extra != nil {
				e = extra(p)
			}
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
	switch {
	case seen&rc == 0:
		return missingError(AVPResultCode, 0, 4)
	case seen&oh == 0:
		return missingError(AVPOriginHost, 0, 0)
	case seen&or == 0:
		return missingError(AVPOriginRealm, 0, 0)
	}
	return nil
}
