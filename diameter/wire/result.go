package wire

import "strconv"

// ResultCode is the value of the Result-Code AVP (RFC 6733 §7.1). The
// thousands digit is its class: 1xxx informational, 2xxx success, 3xxx
// protocol error, 4xxx transient failure, 5xxx permanent failure.
type ResultCode uint32

// Result codes of RFC 6733 §7.1 and RFC 4006 §9.
const (
	Success        ResultCode = 2001 // DIAMETER_SUCCESS
	LimitedSuccess ResultCode = 2002 // DIAMETER_LIMITED_SUCCESS

	// Protocol errors (RFC 6733 §7.1.3); answers carry the E bit.
	CommandUnsupported     ResultCode = 3001 // DIAMETER_COMMAND_UNSUPPORTED
	UnableToDeliver        ResultCode = 3002 // DIAMETER_UNABLE_TO_DELIVER
	RealmNotServed         ResultCode = 3003 // DIAMETER_REALM_NOT_SERVED
	TooBusy                ResultCode = 3004 // DIAMETER_TOO_BUSY
	LoopDetected           ResultCode = 3005 // DIAMETER_LOOP_DETECTED
	RedirectIndication     ResultCode = 3006 // DIAMETER_REDIRECT_INDICATION
	ApplicationUnsupported ResultCode = 3007 // DIAMETER_APPLICATION_UNSUPPORTED
	InvalidHdrBits         ResultCode = 3008 // DIAMETER_INVALID_HDR_BITS
	InvalidAVPBits         ResultCode = 3009 // DIAMETER_INVALID_AVP_BITS
	UnknownPeer            ResultCode = 3010 // DIAMETER_UNKNOWN_PEER

	// Transient failures (RFC 6733 §7.1.4, RFC 4006 §9.1).
	AuthenticationRejected     ResultCode = 4001 // DIAMETER_AUTHENTICATION_REJECTED
	OutOfSpace                 ResultCode = 4002 // DIAMETER_OUT_OF_SPACE
	ElectionLost               ResultCode = 4003 // ELECTION_LOST
	EndUserServiceDenied       ResultCode = 4010 // DIAMETER_END_USER_SERVICE_DENIED
	CreditControlNotApplicable ResultCode = 4011 // DIAMETER_CREDIT_CONTROL_NOT_APPLICABLE
	CreditLimitReached         ResultCode = 4012 // DIAMETER_CREDIT_LIMIT_REACHED

	// Permanent failures (RFC 6733 §7.1.5, RFC 4006 §9.1).
	AVPUnsupported        ResultCode = 5001 // DIAMETER_AVP_UNSUPPORTED
	UnknownSessionID      ResultCode = 5002 // DIAMETER_UNKNOWN_SESSION_ID
	AuthorizationRejected ResultCode = 5003 // DIAMETER_AUTHORIZATION_REJECTED
	InvalidAVPValue       ResultCode = 5004 // DIAMETER_INVALID_AVP_VALUE
	MissingAVP            ResultCode = 5005 // DIAMETER_MISSING_AVP
	ResourcesExceeded     ResultCode = 5006 // DIAMETER_RESOURCES_EXCEEDED
	ContradictingAVPs     ResultCode = 5007 // DIAMETER_CONTRADICTING_AVPS
	AVPNotAllowed         ResultCode = 5008 // DIAMETER_AVP_NOT_ALLOWED
	AVPOccursTooManyTimes ResultCode = 5009 // DIAMETER_AVP_OCCURS_TOO_MANY_TIMES
	NoCommonApplication   ResultCode = 5010 // DIAMETER_NO_COMMON_APPLICATION
	UnsupportedVersion    ResultCode = 5011 // DIAMETER_UNSUPPORTED_VERSION
	UnableToComply        ResultCode = 5012 // DIAMETER_UNABLE_TO_COMPLY
	InvalidBitInHeader    ResultCode = 5013 // DIAMETER_INVALID_BIT_IN_HEADER
	InvalidAVPLength      ResultCode = 5014 // DIAMETER_INVALID_AVP_LENGTH
	InvalidMessageLength  ResultCode = 5015 // DIAMETER_INVALID_MESSAGE_LENGTH
	InvalidAVPBitCombo    ResultCode = 5016 // DIAMETER_INVALID_AVP_BIT_COMBO
	NoCommonSecurity      ResultCode = 5017 // DIAMETER_NO_COMMON_SECURITY
	UserUnknown           ResultCode = 5030 // DIAMETER_USER_UNKNOWN
	RatingFailed          ResultCode = 5031 // DIAMETER_RATING_FAILED
)

// IsProtocolError reports whether c is in the 3xxx class, which RFC 6733
// §7.1.3 answers with the E bit set and the generic answer-message format
// of §7.2.
func (c ResultCode) IsProtocolError() bool { return c >= 3000 && c < 4000 }

// IsSuccess reports whether c is in the 2xxx class (RFC 6733 §7.1.2).
func (c ResultCode) IsSuccess() bool { return c >= 2000 && c < 3000 }

var resultNames = map[ResultCode]string{
	Success:                    "DIAMETER_SUCCESS",
	LimitedSuccess:             "DIAMETER_LIMITED_SUCCESS",
	CommandUnsupported:         "DIAMETER_COMMAND_UNSUPPORTED",
	UnableToDeliver:            "DIAMETER_UNABLE_TO_DELIVER",
	RealmNotServed:             "DIAMETER_REALM_NOT_SERVED",
	TooBusy:                    "DIAMETER_TOO_BUSY",
	LoopDetected:               "DIAMETER_LOOP_DETECTED",
	RedirectIndication:         "DIAMETER_REDIRECT_INDICATION",
	ApplicationUnsupported:     "DIAMETER_APPLICATION_UNSUPPORTED",
	InvalidHdrBits:             "DIAMETER_INVALID_HDR_BITS",
	InvalidAVPBits:             "DIAMETER_INVALID_AVP_BITS",
	UnknownPeer:                "DIAMETER_UNKNOWN_PEER",
	AuthenticationRejected:     "DIAMETER_AUTHENTICATION_REJECTED",
	OutOfSpace:                 "DIAMETER_OUT_OF_SPACE",
	ElectionLost:               "ELECTION_LOST",
	EndUserServiceDenied:       "DIAMETER_END_USER_SERVICE_DENIED",
	CreditControlNotApplicable: "DIAMETER_CREDIT_CONTROL_NOT_APPLICABLE",
	CreditLimitReached:         "DIAMETER_CREDIT_LIMIT_REACHED",
	AVPUnsupported:             "DIAMETER_AVP_UNSUPPORTED",
	UnknownSessionID:           "DIAMETER_UNKNOWN_SESSION_ID",
	AuthorizationRejected:      "DIAMETER_AUTHORIZATION_REJECTED",
	InvalidAVPValue:            "DIAMETER_INVALID_AVP_VALUE",
	MissingAVP:                 "DIAMETER_MISSING_AVP",
	ResourcesExceeded:          "DIAMETER_RESOURCES_EXCEEDED",
	ContradictingAVPs:          "DIAMETER_CONTRADICTING_AVPS",
	AVPNotAllowed:              "DIAMETER_AVP_NOT_ALLOWED",
	AVPOccursTooManyTimes:      "DIAMETER_AVP_OCCURS_TOO_MANY_TIMES",
	NoCommonApplication:        "DIAMETER_NO_COMMON_APPLICATION",
	UnsupportedVersion:         "DIAMETER_UNSUPPORTED_VERSION",
	UnableToComply:             "DIAMETER_UNABLE_TO_COMPLY",
	InvalidBitInHeader:         "DIAMETER_INVALID_BIT_IN_HEADER",
	InvalidAVPLength:           "DIAMETER_INVALID_AVP_LENGTH",
	InvalidMessageLength:       "DIAMETER_INVALID_MESSAGE_LENGTH",
	InvalidAVPBitCombo:         "DIAMETER_INVALID_AVP_BIT_COMBO",
	NoCommonSecurity:           "DIAMETER_NO_COMMON_SECURITY",
	UserUnknown:                "DIAMETER_USER_UNKNOWN",
	RatingFailed:               "DIAMETER_RATING_FAILED",
}

// String returns the RFC name of c, such as "DIAMETER_CREDIT_LIMIT_REACHED",
// or its number for codes this package does not name.
func (c ResultCode) String() string {
	if s, ok := resultNames[c]; ok {
		return s
	}
	return "Result-Code(" + utoa(uint32(c)) + ")"
}

func utoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
