package wire

import "strconv"

// MsgType is a GTPv2-C message type (TS 29.274 §6.1, table 6.1-1).
type MsgType uint8

// GTPv2-C message types handled by this package.
const (
	MsgEchoRequest                 MsgType = 1
	MsgEchoResponse                MsgType = 2
	MsgVersionNotSupported         MsgType = 3 // Version Not Supported Indication
	MsgCreateSessionRequest        MsgType = 32
	MsgCreateSessionResponse       MsgType = 33
	MsgModifyBearerRequest         MsgType = 34
	MsgModifyBearerResponse        MsgType = 35
	MsgDeleteSessionRequest        MsgType = 36
	MsgDeleteSessionResponse       MsgType = 37
	MsgDeleteBearerRequest         MsgType = 99
	MsgDeleteBearerResponse        MsgType = 100
	MsgCreateBearerRequest         MsgType = 95 // recognised by name only
	MsgCreateBearerResponse        MsgType = 96 // recognised by name only
	MsgUpdateBearerRequest         MsgType = 97 // recognised by name only
	MsgUpdateBearerResponse        MsgType = 98 // recognised by name only
	MsgDownlinkDataNotification    MsgType = 176
	MsgReleaseAccessBearersRequest MsgType = 170
)

// HasTEID reports whether messages of type t carry the TEID field, that is
// whether their header has the T flag set. TS 29.274 §5.5.1: Echo Request,
// Echo Response and Version Not Supported Indication have no TEID; every
// other (EPC-specific) message has one, even when its value is 0.
func (t MsgType) HasTEID() bool {
	return t != MsgEchoRequest && t != MsgEchoResponse && t != MsgVersionNotSupported
}

// String returns the message type's name as in TS 29.274 table 6.1-1, or
// "MsgType(n)" for types this package does not name.
func (t MsgType) String() string {
	switch t {
	case MsgEchoRequest:
		return "Echo Request"
	case MsgEchoResponse:
		return "Echo Response"
	case MsgVersionNotSupported:
		return "Version Not Supported Indication"
	case MsgCreateSessionRequest:
		return "Create Session Request"
	case MsgCreateSessionResponse:
		return "Create Session Response"
	case MsgModifyBearerRequest:
		return "Modify Bearer Request"
	case MsgModifyBearerResponse:
		return "Modify Bearer Response"
	case MsgDeleteSessionRequest:
		return "Delete Session Request"
	case MsgDeleteSessionResponse:
		return "Delete Session Response"
	case MsgCreateBearerRequest:
		return "Create Bearer Request"
	case MsgCreateBearerResponse:
		return "Create Bearer Response"
	case MsgUpdateBearerRequest:
		return "Update Bearer Request"
	case MsgUpdateBearerResponse:
		return "Update Bearer Response"
	case MsgDeleteBearerRequest:
		return "Delete Bearer Request"
	case MsgDeleteBearerResponse:
		return "Delete Bearer Response"
	case MsgReleaseAccessBearersRequest:
		return "Release Access Bearers Request"
	case MsgDownlinkDataNotification:
		return "Downlink Data Notification"
	}
	return "MsgType(" + strconv.Itoa(int(t)) + ")"
}
