package wire

import (
	"encoding/binary"
	"errors"
)

// Error is a decoding failure that maps to a Diameter result code. It
// carries what an answer needs: the Result-Code, a human-readable
// Error-Message, and the offending AVP for Failed-AVP (RFC 6733 §7.5).
//
// Decoders return *Error for every problem with the message itself; use
// errors.As to get at the fields. Errors are built only on failure, so the
// success path of every decoder stays allocation-free.
type Error struct {
	// ResultCode is what to answer with, such as 5001 for an unsupported
	// AVP with the M bit set or 5014 for a bad AVP length.
	ResultCode ResultCode
	// Msg says what was wrong, in words, for Error-Message (RFC 6733 §7.3)
	// and logs. It has no "wire:" prefix.
	Msg string
	// AVPCode and Vendor name the offending or missing AVP; both are zero
	// when no AVP is concerned (header errors).
	AVPCode uint32
	Vendor  uint32
	// AVP is the content for Failed-AVP (RFC 6733 §7.5): the offending AVP
	// in wire form including its padding, wrapped in the headers of the
	// grouped AVPs it was found in; for a missing AVP (5005) an example AVP
	// with a zero-filled value of minimum length (RFC 6733 §7.1.5). It is a
	// copy, not an alias of the decoded buffer, and nil for header errors.
	AVP []byte
}

// Error returns "wire: " followed by Msg and the result code.
func (e *Error) Error() string {
	return "wire: " + e.Msg + " (" + e.ResultCode.String() + " " + utoa(uint32(e.ResultCode)) + ")"
}

// ErrIncomplete is returned by [Frame] and [ParseHeader] when the buffer
// does not yet hold the whole message or header: read more and try again.
// It is not a protocol error.
var ErrIncomplete = errors.New("wire: incomplete message")

// Framing errors (RFC 6733 §3), returned by [Frame] and by every decoder.
// They are *Error values; compare with == or errors.Is.
var (
	// ErrUnsupportedVersion: the version octet is not 1 (5011). On a
	// stream transport this almost always means the stream is out of step.
	ErrUnsupportedVersion = &Error{ResultCode: UnsupportedVersion, Msg: "version is not 1"}
	// ErrInvalidMessageLength: the Message Length is below 20, not a
	// multiple of 4, or (for decoders) differs from the buffer given (5015).
	// The stream is desynchronised: answer if you like, then close.
	ErrInvalidMessageLength = &Error{ResultCode: InvalidMessageLength, Msg: "invalid message length"}
	// ErrMessageTooLong: the Message Length is well-formed but above the
	// configured maximum (from [Frame]) or the 24-bit limit (from encoders).
	// The stream is still in step: the length tells how much to skip.
	ErrMessageTooLong = &Error{ResultCode: UnableToComply, Msg: "message too long"}
)

// newError builds an *Error about AVP a (which may be nil), copying its wire
// form for Failed-AVP.
func newError(rc ResultCode, a *AVP, msg string) *Error {
	e := &Error{ResultCode: rc, Msg: msg}
	if a != nil {
		e.AVPCode, e.Vendor = a.Code, a.Vendor
		e.AVP = make([]byte, pad4(len(a.Raw)))
		copy(e.AVP, a.Raw)
		if len(e.AVP) >= 8 {
			// Raw always holds a consistent header; restate its length so
			// that a copy of a truncated-and-padded header stays parseable.
			putUint24(e.AVP[5:], uint32(len(a.Raw)))
		}
	}
	return e
}

// headerError builds an *Error that concerns the header, not an AVP.
func headerError(rc ResultCode, msg string) *Error {
	return &Error{ResultCode: rc, Msg: msg}
}

// missingError builds a 5005 error whose Failed-AVP is an example of the
// missing AVP: its header with the usual flags and a zero-filled value of
// minimum length (RFC 6733 §7.1.5, DIAMETER_MISSING_AVP).
func missingError(code uint32, vendor uint32, minLen int) *Error {
	flags := AVPFlagMandatory
	if code == AVPUserEquipmentInfoType || code == AVPUserEquipmentInfoValue {
		flags = 0
	}
	b := appendAVPHeader(nil, code, flags, vendor, minLen)
	b = append(b, make([]byte, pad4(minLen))...)
	return &Error{ResultCode: MissingAVP, Msg: "missing " + avpName(code, vendor), AVPCode: code, Vendor: vendor, AVP: b}
}

// within wraps e, found inside grouped AVP g, so that Msg names the path
// and AVP holds g's header around the inner AVP (RFC 6733 §7.5: the
// Failed-AVP may contain the Grouped AVP which contains the single
// offending AVP).
func (e *Error) within(g *AVP) *Error {
	e.Msg = avpName(g.Code, g.Vendor) + ": " + e.Msg
	if e.AVP == nil {
		return e
	}
	hl := 8
	if AVPFlags(g.Raw[4])&AVPFlagVendor != 0 {
		hl = 12
	}
	b := make([]byte, hl+len(e.AVP))
	copy(b, g.Raw[:hl])
	copy(b[hl:], e.AVP)
	putUint24(b[5:], uint32(len(b)))
	e.AVP = b
	return e
}

// lengthError reports a fixed-size value of the wrong size: 5014
// DIAMETER_INVALID_AVP_LENGTH (RFC 6733 §7.1.5).
func lengthError(a *AVP, want int) *Error {
	return newError(InvalidAVPLength, a, avpName(a.Code, a.Vendor)+": want "+utoa(uint32(want))+" bytes, got "+utoa(uint32(len(a.Data))))
}

func duplicateError(a *AVP) *Error {
	return newError(AVPOccursTooManyTimes, a, avpName(a.Code, a.Vendor)+" occurs more than once")
}

func unsupportedError(a *AVP) *Error {
	return newError(AVPUnsupported, a, "unsupported AVP "+avpName(a.Code, a.Vendor)+" with the M bit set")
}

func capacityError(a *AVP, max int) *Error {
	return newError(UnableToComply, a, "more than "+utoa(uint32(max))+" "+avpName(a.Code, a.Vendor)+" AVPs")
}

func valueError(a *AVP, what string) *Error {
	return newError(InvalidAVPValue, a, avpName(a.Code, a.Vendor)+": "+what)
}

// avpName names an AVP for error messages; it is only called on error paths.
func avpName(code, vendor uint32) string {
	if vendor == Vendor3GPP {
		switch code {
		case AVP3GPPUserLocationInfo:
			return "3GPP-User-Location-Info (22)"
		case AVPVolumeQuotaThreshold:
			return "Volume-Quota-Threshold (869)"
		case AVPReportingReason:
			return "Reporting-Reason (872)"
		case AVPServiceInformation:
			return "Service-Information (873)"
		case AVPPSInformation:
			return "PS-Information (874)"
		}
		return "AVP " + utoa(code) + " of vendor 10415"
	}
	if vendor != 0 {
		return "AVP " + utoa(code) + " of vendor " + utoa(vendor)
	}
	if n, ok := avpNames[code]; ok {
		return n + " (" + utoa(code) + ")"
	}
	return "AVP " + utoa(code)
}

var avpNames = map[uint32]string{
	AVPUserName:                      "User-Name",
	AVPCalledStationID:               "Called-Station-Id",
	AVPEventTimestamp:                "Event-Timestamp",
	AVPHostIPAddress:                 "Host-IP-Address",
	AVPAuthApplicationID:             "Auth-Application-Id",
	AVPAcctApplicationID:             "Acct-Application-Id",
	AVPVendorSpecificApplicationID:   "Vendor-Specific-Application-Id",
	AVPSessionID:                     "Session-Id",
	AVPOriginHost:                    "Origin-Host",
	AVPSupportedVendorID:             "Supported-Vendor-Id",
	AVPVendorID:                      "Vendor-Id",
	AVPFirmwareRevision:              "Firmware-Revision",
	AVPResultCode:                    "Result-Code",
	AVPProductName:                   "Product-Name",
	AVPDisconnectCause:               "Disconnect-Cause",
	AVPOriginStateID:                 "Origin-State-Id",
	AVPFailedAVP:                     "Failed-AVP",
	AVPErrorMessage:                  "Error-Message",
	AVPRouteRecord:                   "Route-Record",
	AVPDestinationRealm:              "Destination-Realm",
	AVPProxyInfo:                     "Proxy-Info",
	AVPReAuthRequestType:             "Re-Auth-Request-Type",
	AVPDestinationHost:               "Destination-Host",
	AVPTerminationCause:              "Termination-Cause",
	AVPOriginRealm:                   "Origin-Realm",
	AVPCCInputOctets:                 "CC-Input-Octets",
	AVPCCOutputOctets:                "CC-Output-Octets",
	AVPCCRequestNumber:               "CC-Request-Number",
	AVPCCRequestType:                 "CC-Request-Type",
	AVPCCTime:                        "CC-Time",
	AVPCCTotalOctets:                 "CC-Total-Octets",
	AVPGrantedServiceUnit:            "Granted-Service-Unit",
	AVPFinalUnitIndication:           "Final-Unit-Indication",
	AVPRatingGroup:                   "Rating-Group",
	AVPRedirectAddressType:           "Redirect-Address-Type",
	AVPRedirectServer:                "Redirect-Server",
	AVPRedirectServerAddress:         "Redirect-Server-Address",
	AVPRequestedServiceUnit:          "Requested-Service-Unit",
	AVPServiceIdentifier:             "Service-Identifier",
	AVPSubscriptionID:                "Subscription-Id",
	AVPSubscriptionIDData:            "Subscription-Id-Data",
	AVPUsedServiceUnit:               "Used-Service-Unit",
	AVPValidityTime:                  "Validity-Time",
	AVPFinalUnitAction:               "Final-Unit-Action",
	AVPSubscriptionIDType:            "Subscription-Id-Type",
	AVPMultipleServicesIndicator:     "Multiple-Services-Indicator",
	AVPMultipleServicesCreditControl: "Multiple-Services-Credit-Control",
	AVPUserEquipmentInfo:             "User-Equipment-Info",
	AVPUserEquipmentInfoType:         "User-Equipment-Info-Type",
	AVPUserEquipmentInfoValue:        "User-Equipment-Info-Value",
	AVPServiceContextID:              "Service-Context-Id",
}

// readU32 returns the Unsigned32 / Integer32 / Enumerated / Time value of a
// (RFC 6733 §4.2-§4.3), or a 5014 error if it is not 4 bytes long.
func readU32(a *AVP) (uint32, *Error) {
	if len(a.Data) != 4 {
		return 0, lengthError(a, 4)
	}
	return binary.BigEndian.Uint32(a.Data), nil
}

// readU64 returns the Unsigned64 value of a (RFC 6733 §4.2), or a 5014
// error if it is not 8 bytes long.
func readU64(a *AVP) (uint64, *Error) {
	if len(a.Data) != 8 {
		return 0, lengthError(a, 8)
	}
	return binary.BigEndian.Uint64(a.Data), nil
}
