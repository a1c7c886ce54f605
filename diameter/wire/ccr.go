package wire

// SubscriptionID is a Subscription-Id AVP (RFC 4006 §8.46): the
// subscriber's identity, such as an IMSI or MSISDN in decimal digits.
type SubscriptionID struct {
	Type SubscriptionIDType // Subscription-Id-Type (450)
	Data []byte             // Subscription-Id-Data (444); aliases the input when decoded
}

// UserEquipmentInfo is a User-Equipment-Info AVP (RFC 4006 §8.49): the
// device, usually its IMEISV (type 0) in decimal digits.
type UserEquipmentInfo struct {
	Type  UserEquipmentInfoType // User-Equipment-Info-Type (459)
	Value []byte                // User-Equipment-Info-Value (460); aliases the input when decoded
}

// CCR is a Credit-Control-Request (RFC 4006 §3.1, TS 32.299 §6.4.2) of the
// Diameter Credit-Control application (id 4), restricted to what an online
// charging server for data needs.
//
// [CCR.Decode] fills it from a message without allocating: every []byte
// field aliases the decoded buffer and is valid only as long as that buffer
// is. [CCR.Append] encodes it. A CCR is reusable and needs no
// initialisation; it must not be used by several goroutines at once.
//
// Optional byte fields are nil when absent; optional numbers and groups
// are present when their Has flag is set; repeated AVPs fill a fixed array
// and a count.
type CCR struct {
	// Header is the decoded header. Append takes only HopByHop, EndToEnd
	// and the T flag from it and writes code 272, application 4 and the R
	// and P flags itself.
	Header Header

	SessionID         []byte      // Session-Id (263), required
	OriginHost        []byte      // Origin-Host (264), required
	OriginRealm       []byte      // Origin-Realm (296), required
	DestinationRealm  []byte      // Destination-Realm (283), required
	DestinationHost   []byte      // Destination-Host (293)
	UserName          []byte      // User-Name (1, RFC 6733 §8.14; RFC 4006 §3.1): routing agents route on it
	AuthApplicationID uint32      // Auth-Application-Id (258), required; 4
	ServiceContextID  []byte      // Service-Context-Id (461), required, e.g. "32251@3gpp.org"
	RequestType       RequestType // CC-Request-Type (416), required
	RequestNumber     uint32      // CC-Request-Number (415), required

	HasEventTimestamp            bool
	HasTerminationCause          bool
	HasMultipleServicesIndicator bool
	HasUserEquipmentInfo         bool
	EventTimestamp               uint32           // Event-Timestamp (55); see TimeFromNTP
	TerminationCause             TerminationCause // Termination-Cause (295)
	MultipleServicesIndicator    uint32           // Multiple-Services-Indicator (455): 1 = supported
	UserEquipmentInfo            UserEquipmentInfo

	// UserLocationInfo is 3GPP-User-Location-Info (vendor 10415, code 22).
	// ULIInPSInformation tells where it is carried: at top level, or inside
	// Service-Information (873) / PS-Information (874) as TS 32.299
	// §7.2.158 puts it and real gateways send it. When both are present the
	// one in PS-Information wins.
	UserLocationInfo   UserLocationInfo
	ULIInPSInformation bool

	NumSubscriptionIDs int
	SubscriptionIDs    [MaxSubscriptionIDs]SubscriptionID // Subscription-Id (443)

	NumMSCC int
	MSCC    [MaxMSCC]MSCCRequest // Multiple-Services-Credit-Control (456)

	// ProxyInfo holds each Proxy-Info AVP (284) whole, header included, to
	// be echoed in the answer (RFC 6733 §6.2).
	NumProxyInfo int
	ProxyInfo    [MaxProxyInfo][]byte

	// RouteRecord holds the identities of the Route-Record AVPs (282).
	NumRouteRecord int
	RouteRecord    [MaxRouteRecord][]byte
}

// Services returns the MSCC blocks, r.MSCC[:r.NumMSCC].
func (r *CCR) Services() []MSCCRequest { return r.MSCC[:r.NumMSCC] }

// AddMSCC appends a zeroed MSCC block and returns it to be filled in, or
// nil if there are already [MaxMSCC].
func (r *CCR) AddMSCC() *MSCCRequest {
	if r.NumMSCC == MaxMSCC {
		return nil
	}
	m := &r.MSCC[r.NumMSCC]
	*m = MSCCRequest{}
	r.NumMSCC++
	return m
}

// AddSubscriptionID appends a Subscription-Id and reports whether there was
// room for it (at most [MaxSubscriptionIDs]).
func (r *CCR) AddSubscriptionID(t SubscriptionIDType, data []byte) bool {
	if r.NumSubscriptionIDs == MaxSubscriptionIDs {
		return false
	}
	r.SubscriptionIDs[r.NumSubscriptionIDs] = SubscriptionID{Type: t, Data: data}
	r.NumSubscriptionIDs++
	return true
}

// SubscriptionIDOf returns the Subscription-Id-Data of the first
// Subscription-Id of type t, or nil.
func (r *CCR) SubscriptionIDOf(t SubscriptionIDType) []byte {
	for i := range r.NumSubscriptionIDs {
		if r.SubscriptionIDs[i].Type == t {
			return r.SubscriptionIDs[i].Data
		}
	}
	return nil
}

// IMSI returns the Subscription-Id-Data of type END_USER_IMSI, or nil.
func (r *CCR) IMSI() []byte { return r.SubscriptionIDOf(EndUserIMSI) }

// MSISDN returns the Subscription-Id-Data of type END_USER_E164, or nil.
func (r *CCR) MSISDN() []byte { return r.SubscriptionIDOf(EndUserE164) }

// IMEISV returns the User-Equipment-Info-Value if its type is IMEISV, or
// nil.
func (r *CCR) IMEISV() []byte {
	if r.HasUserEquipmentInfo && r.UserEquipmentInfo.Type == UEInfoIMEISV {
		return r.UserEquipmentInfo.Value
	}
	return nil
}

// Bits of CCR's "seen" mask: required AVPs first, in the order missing ones
// are reported.
const (
	ccrSessionID = 1 << iota
	ccrOriginHost
	ccrOriginRealm
	ccrDestinationRealm
	ccrAuthApplicationID
	ccrServiceContextID
	ccrRequestType
	ccrRequestNumber
	ccrDestinationHost
	ccrEventTimestamp
	ccrTerminationCause
	ccrMSI
	ccrUEI
	ccrULI
	ccrServiceInformation

	ccrRequired = ccrSessionID | ccrOriginHost | ccrOriginRealm | ccrDestinationRealm |
		ccrAuthApplicationID | ccrServiceContextID | ccrRequestType | ccrRequestNumber
)

// Decode decodes msg, which must be exactly one CCR message (as delimited
// by [Frame]), into r, overwriting all of r. It does not allocate unless it
// fails, and r's byte fields alias msg afterwards.
//
// Decode checks the header (version 1, length, command 272, application 4,
// R set, E clear), the AVP framing at every level it reads, the size of
// every fixed-size value, that single-valued AVPs occur once, and that the
// AVPs RFC 4006 §3.1 requires are present. Unknown AVPs with the M bit set
// are refused (RFC 6733 §4.1) at top level and inside MSCC and the service
// units; AVPs that RFC 4006 and TS 32.299 define for a CCR but that this
// type does not hold are skipped, as is everything inside
// Service-Information except PS-Information/3GPP-User-Location-Info.
//
// Every failure is an *Error with the result code to answer with and the
// Failed-AVP content. Even then r keeps Header and, where they could be
// read, Session-Id, Auth-Application-Id, CC-Request-Type, CC-Request-Number
// and Proxy-Info, so that [CCA.ReplyTo] can start the error answer.
func (r *CCR) Decode(msg []byte) error {
	if e := r.decode(msg); e != nil {
		r.salvage(msg)
		return e
	}
	return nil
}

func (r *CCR) decode(msg []byte) *Error {
	*r = CCR{}
	h, e := checkMessage(msg, CommandCreditControl, AppCreditControl, true)
	r.Header = h
	if e != nil {
		return e
	}
	var seen uint32
	it := Iter{b: msg[HeaderLen:]}
	for it.Next() {
		a := &it.cur
		var bit uint32
		if a.Vendor == 0 {
			switch a.Code {
			case AVPSessionID:
				bit = ccrSessionID
				r.SessionID = a.Data
			case AVPOriginHost:
				bit = ccrOriginHost
				r.OriginHost = a.Data
			case AVPOriginRealm:
				bit = ccrOriginRealm
				r.OriginRealm = a.Data
			case AVPDestinationRealm:
				bit = ccrDestinationRealm
				r.DestinationRealm = a.Data
			case AVPDestinationHost:
				bit = ccrDestinationHost
				r.DestinationHost = a.Data
			case AVPAuthApplicationID:
				bit = ccrAuthApplicationID
				r.AuthApplicationID, e = readU32(a)
			case AVPServiceContextID:
				bit = ccrServiceContextID
				r.ServiceContextID = a.Data
			case AVPCCRequestType:
				bit = ccrRequestType
				var v uint32
				if v, e = readU32(a); e == nil {
					r.RequestType = RequestType(v)
					if !r.RequestType.Valid() {
						e = valueError(a, "want 1 to 4, got "+utoa(v))
					}
				}
			case AVPCCRequestNumber:
				bit = ccrRequestNumber
				r.RequestNumber, e = readU32(a)
			case AVPEventTimestamp:
				bit = ccrEventTimestamp
				r.HasEventTimestamp = true
				r.EventTimestamp, e = readU32(a)
			case AVPTerminationCause:
				bit = ccrTerminationCause
				r.HasTerminationCause = true
				var v uint32
				v, e = readU32(a)
				r.TerminationCause = TerminationCause(v)
			case AVPMultipleServicesIndicator:
				bit = ccrMSI
				r.HasMultipleServicesIndicator = true
				r.MultipleServicesIndicator, e = readU32(a)
			case AVPSubscriptionID:
				if r.NumSubscriptionIDs == MaxSubscriptionIDs {
					e = capacityError(a, MaxSubscriptionIDs)
					break
				}
				e = r.SubscriptionIDs[r.NumSubscriptionIDs].decode(a)
				r.NumSubscriptionIDs++
			case AVPUserEquipmentInfo:
				bit = ccrUEI
				r.HasUserEquipmentInfo = true
				e = r.UserEquipmentInfo.decode(a)
			case AVPMultipleServicesCreditControl:
				if r.NumMSCC == MaxMSCC {
					e = capacityError(a, MaxMSCC)
					break
				}
				e = r.MSCC[r.NumMSCC].decode(a)
				r.NumMSCC++
			case AVPProxyInfo:
				if r.NumProxyInfo == MaxProxyInfo {
					e = capacityError(a, MaxProxyInfo)
					break
				}
				r.ProxyInfo[r.NumProxyInfo] = a.Raw
				r.NumProxyInfo++
			case AVPRouteRecord:
				if r.NumRouteRecord == MaxRouteRecord {
					e = capacityError(a, MaxRouteRecord)
					break
				}
				r.RouteRecord[r.NumRouteRecord] = a.Data
				r.NumRouteRecord++
			case AVPUserName:
				r.UserName = a.Data
			case AVPAcctMultiSessionID, AVPOriginStateID, AVPCCSubSessionID,
				AVPServiceIdentifier, AVPRequestedServiceUnit, AVPRequestedAction,
				AVPUsedServiceUnit, AVPServiceParameterInfo, AVPCCCorrelationID,
				AVPCalledStationID:
				// Defined for a CCR by RFC 4006 §3.1 (single-service
				// credit control) but not used by this OCS.
			default:
				if a.Mandatory() {
					e = unsupportedError(a)
				}
			}
		} else if a.Vendor == Vendor3GPP {
			switch a.Code {
			case AVP3GPPUserLocationInfo:
				bit = ccrULI
				if !r.ULIInPSInformation {
					r.UserLocationInfo = UserLocationInfo(a.Data)
				}
			case AVPServiceInformation:
				bit = ccrServiceInformation
				e = r.decodeServiceInformation(a)
			case AVPAoCRequestType:
			default:
				if a.Mandatory() {
					e = unsupportedError(a)
				}
			}
		} else if a.Mandatory() {
			e = unsupportedError(a)
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
	if seen&ccrRequired != ccrRequired {
		return ccrMissing(seen)
	}
	return nil
}

// ccrMissing reports the first required AVP of a CCR not in seen.
func ccrMissing(seen uint32) *Error {
	switch {
	case seen&ccrSessionID == 0:
		return missingError(AVPSessionID, 0, 0)
	case seen&ccrOriginHost == 0:
		return missingError(AVPOriginHost, 0, 0)
	case seen&ccrOriginRealm == 0:
		return missingError(AVPOriginRealm, 0, 0)
	case seen&ccrDestinationRealm == 0:
		return missingError(AVPDestinationRealm, 0, 0)
	case seen&ccrAuthApplicationID == 0:
		return missingError(AVPAuthApplicationID, 0, 4)
	case seen&ccrServiceContextID == 0:
		return missingError(AVPServiceContextID, 0, 0)
	case seen&ccrRequestType == 0:
		return missingError(AVPCCRequestType, 0, 4)
	}
	return missingError(AVPCCRequestNumber, 0, 4)
}

// decodeServiceInformation looks for 3GPP-User-Location-Info in the
// PS-Information of the Service-Information g (TS 32.299 §7.2.192,
// §7.2.158). Everything else in there is skipped unread.
func (r *CCR) decodeServiceInformation(g *AVP) *Error {
	it := Iter{b: g.Data}
	for it.Next() {
		ps := &it.cur
		if ps.Code != AVPPSInformation || ps.Vendor != Vendor3GPP {
			continue
		}
		inner := Iter{b: ps.Data}
		for inner.Next() {
			a := &inner.cur
			if a.Code == AVP3GPPUserLocationInfo && a.Vendor == Vendor3GPP {
				if r.ULIInPSInformation {
					return duplicateError(a).within(ps).within(g)
				}
				r.UserLocationInfo = UserLocationInfo(a.Data)
				r.ULIInPSInformation = true
			}
		}
		if inner.err != nil {
			return inner.err.within(ps).within(g)
		}
	}
	if it.err != nil {
		return it.err.within(g)
	}
	return nil
}

// decode fills s from the Subscription-Id g (RFC 4006 §8.46).
func (s *SubscriptionID) decode(g *AVP) *Error {
	var hasType, hasData bool
	it := Iter{b: g.Data}
	for it.Next() {
		a := &it.cur
		var e *Error
		switch {
		case a.Vendor != 0:
			if a.Mandatory() {
				e = unsupportedError(a)
			}
		case a.Code == AVPSubscriptionIDType:
			if hasType {
				e = duplicateError(a)
				break
			}
			hasType = true
			var v uint32
			v, e = readU32(a)
			s.Type = SubscriptionIDType(v)
		case a.Code == AVPSubscriptionIDData:
			if hasData {
				e = duplicateError(a)
				break
			}
			hasData = true
			s.Data = a.Data
		case a.Mandatory():
			e = unsupportedError(a)
		}
		if e != nil {
			return e.within(g)
		}
	}
	if it.err != nil {
		return it.err.within(g)
	}
	if !hasType {
		return missingError(AVPSubscriptionIDType, 0, 4).within(g)
	}
	if !hasData {
		return missingError(AVPSubscriptionIDData, 0, 0).within(g)
	}
	return nil
}

// decode fills u from the User-Equipment-Info g (RFC 4006 §8.49).
func (u *UserEquipmentInfo) decode(g *AVP) *Error {
	var hasType, hasValue bool
	it := Iter{b: g.Data}
	for it.Next() {
		a := &it.cur
		var e *Error
		switch {
		case a.Vendor != 0:
			if a.Mandatory() {
				e = unsupportedError(a)
			}
		case a.Code == AVPUserEquipmentInfoType:
			if hasType {
				e = duplicateError(a)
				break
			}
			hasType = true
			var v uint32
			v, e = readU32(a)
			u.Type = UserEquipmentInfoType(v)
		case a.Code == AVPUserEquipmentInfoValue:
			if hasValue {
				e = duplicateError(a)
				break
			}
			hasValue = true
			u.Value = a.Data
		case a.Mandatory():
			e = unsupportedError(a)
		}
		if e != nil {
			return e.within(g)
		}
	}
	if it.err != nil {
		return it.err.within(g)
	}
	if !hasType {
		return missingError(AVPUserEquipmentInfoType, 0, 4).within(g)
	}
	if !hasValue {
		return missingError(AVPUserEquipmentInfoValue, 0, 0).within(g)
	}
	return nil
}

// salvage reads what an error answer needs from a CCR that failed to
// decode, skipping AVPs it cannot read. It stops where the AVP framing
// breaks.
func (r *CCR) salvage(msg []byte) {
	if len(msg) < HeaderLen {
		return
	}
	var hasType, hasNumber, hasApp bool
	r.NumProxyInfo = 0
	it := Iter{b: msg[HeaderLen:]}
	for it.Next() {
		a := &it.cur
		if a.Vendor != 0 {
			continue
		}
		switch a.Code {
		case AVPSessionID:
			if r.SessionID == nil {
				r.SessionID = a.Data
			}
		case AVPAuthApplicationID:
			if v, e := readU32(a); e == nil && !hasApp {
				r.AuthApplicationID, hasApp = v, true
			}
		case AVPCCRequestType:
			if v, e := readU32(a); e == nil && !hasType {
				r.RequestType, hasType = RequestType(v), true
			}
		case AVPCCRequestNumber:
			if v, e := readU32(a); e == nil && !hasNumber {
				r.RequestNumber, hasNumber = v, true
			}
		case AVPProxyInfo:
			if r.NumProxyInfo < MaxProxyInfo {
				r.ProxyInfo[r.NumProxyInfo] = a.Raw
				r.NumProxyInfo++
			}
		}
	}
}

// Append appends r as a CCR message to dst and returns the extended buffer
// (miekg/dns PackBuffer style: pass a reused buffer to avoid allocating).
// AVPs are written in the order of RFC 4006 §3.1; the required ones are
// written even when empty, the optional ones only when present. When
// ULIInPSInformation is set, UserLocationInfo goes inside
// Service-Information/PS-Information. The only error is
// [ErrMessageTooLong]; dst is then returned unchanged. Append panics if a
// Num field exceeds its array.
func (r *CCR) Append(dst []byte) ([]byte, error) {
	dst, start := BeginMessage(dst, requestFlags(r.Header.Flags, true),
		CommandCreditControl, AppCreditControl, r.Header.HopByHop, r.Header.EndToEnd)
	dst = appendBytesAVP(dst, AVPSessionID, flagM, 0, r.SessionID)
	dst = appendBytesAVP(dst, AVPOriginHost, flagM, 0, r.OriginHost)
	dst = appendBytesAVP(dst, AVPOriginRealm, flagM, 0, r.OriginRealm)
	dst = appendBytesAVP(dst, AVPDestinationRealm, flagM, 0, r.DestinationRealm)
	dst = appendU32AVP(dst, AVPAuthApplicationID, flagM, 0, r.AuthApplicationID)
	dst = appendBytesAVP(dst, AVPServiceContextID, flagM, 0, r.ServiceContextID)
	dst = appendU32AVP(dst, AVPCCRequestType, flagM, 0, uint32(r.RequestType))
	dst = appendU32AVP(dst, AVPCCRequestNumber, flagM, 0, r.RequestNumber)
	if r.DestinationHost != nil {
		dst = appendBytesAVP(dst, AVPDestinationHost, flagM, 0, r.DestinationHost)
	}
	if r.UserName != nil {
		dst = appendBytesAVP(dst, AVPUserName, flagM, 0, r.UserName)
	}
	if r.HasEventTimestamp {
		dst = appendU32AVP(dst, AVPEventTimestamp, flagM, 0, r.EventTimestamp)
	}
	for i := range r.NumSubscriptionIDs {
		s := &r.SubscriptionIDs[i]
		var g int
		dst, g = beginGroup(dst, AVPSubscriptionID, flagM, 0)
		dst = appendU32AVP(dst, AVPSubscriptionIDType, flagM, 0, uint32(s.Type))
		dst = appendBytesAVP(dst, AVPSubscriptionIDData, flagM, 0, s.Data)
		dst = endGroup(dst, g)
	}
	if r.HasTerminationCause {
		dst = appendU32AVP(dst, AVPTerminationCause, flagM, 0, uint32(r.TerminationCause))
	}
	if r.HasMultipleServicesIndicator {
		dst = appendU32AVP(dst, AVPMultipleServicesIndicator, flagM, 0, r.MultipleServicesIndicator)
	}
	for i := range r.NumMSCC {
		dst = r.MSCC[i].append(dst)
	}
	if r.HasUserEquipmentInfo {
		// RFC 4006 §8.49: User-Equipment-Info and its members may carry M;
		// they are sent without it, as most clients do.
		var g int
		dst, g = beginGroup(dst, AVPUserEquipmentInfo, 0, 0)
		dst = appendU32AVP(dst, AVPUserEquipmentInfoType, 0, 0, uint32(r.UserEquipmentInfo.Type))
		dst = appendBytesAVP(dst, AVPUserEquipmentInfoValue, 0, 0, r.UserEquipmentInfo.Value)
		dst = endGroup(dst, g)
	}
	if r.UserLocationInfo != nil {
		// TS 29.061 §16.4.7: 3GPP-User-Location-Info has V set, M clear.
		if r.ULIInPSInformation {
			var si, ps int
			dst, si = beginGroup(dst, AVPServiceInformation, flagVM, Vendor3GPP)
			dst, ps = beginGroup(dst, AVPPSInformation, flagVM, Vendor3GPP)
			dst = appendBytesAVP(dst, AVP3GPPUserLocationInfo, AVPFlagVendor, Vendor3GPP, r.UserLocationInfo)
			dst = endGroup(dst, ps)
			dst = endGroup(dst, si)
		} else {
			dst = appendBytesAVP(dst, AVP3GPPUserLocationInfo, AVPFlagVendor, Vendor3GPP, r.UserLocationInfo)
		}
	}
	for i := range r.NumProxyInfo {
		dst = appendRaw(dst, r.ProxyInfo[i])
	}
	for i := range r.NumRouteRecord {
		dst = appendBytesAVP(dst, AVPRouteRecord, flagM, 0, r.RouteRecord[i])
	}
	return EndMessage(dst, start)
}
