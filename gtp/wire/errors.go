package wire

import (
	"errors"
	"strconv"
)

// Conditions under which TS 29.274 §7.7 says a received message is not
// answered with a Cause. Callers branch on them with errors.Is.
var (
	// ErrTooShort: the datagram cannot hold the header it claims. Such a
	// message is silently discarded (TS 29.274 §7.7.3, TS 29.281 §5.1).
	ErrTooShort = errors.New("wire: message too short for its header")

	// ErrVersion: the version field is not 2 (GTPv2-C) or 1 (GTP-U). A
	// GTPv2-C node answers with a Version Not Supported Indication
	// (TS 29.274 §7.7.2, AppendVersionNotSupported).
	ErrVersion = errors.New("wire: unsupported GTP version")

	// ErrMessageType: a message decoder was given a message of another
	// type. It is a dispatch bug in the caller, or an unexpected message
	// which TS 29.274 §7.7.4 says to discard.
	ErrMessageType = errors.New("wire: unexpected message type")
)

// Error is a received GTPv2-C message that the decoder could not accept,
// with the Cause value TS 29.274 §7.7 says a rejection should carry:
//
//   - CauseInvalidLength: the header's Length disagrees with the datagram
//     (§7.7.3). A request is rejected; a response is discarded.
//   - CauseInvalidMessageFormat: the IE framing is broken, for instance an
//     IE header is cut short or an IE's Length runs past the end of the
//     message or of its grouped IE.
//   - CauseMandatoryIEMissing: a mandatory IE is absent (§7.7.5); IE and
//     Instance name it.
//   - CauseMandatoryIEIncorrect: a mandatory IE is present but its value
//     cannot be decoded (§7.7.7, §7.7.8); IE and Instance name it.
//   - CauseConditionalIEMissing: a Delete Bearer Request names no bearer
//     (neither Linked EBI nor EPS Bearer IDs).
//
// A malformed optional or conditional IE is not an error: it is discarded
// and decoding goes on, as §7.7.8 prescribes. RejectCause turns an Error into
// the Cause IE to put in the response.
type Error struct {
	Msg      MsgType // message being decoded
	Cause    Cause   // cause to reject with
	IE       IEType  // offending IE, 0 if none
	Instance uint8   // instance of the offending IE
	// InBearerContext is set when the offending IE sits inside a Bearer
	// Context; the rejection then carries the BCE flag.
	InBearerContext bool
	Reason          string // short detail, for logs
}

// Error formats e as "wire: <message>: <cause>: <IE> (type n, instance i): <reason>".
func (e *Error) Error() string {
	s := "wire: "
	if e.Msg != 0 {
		s += e.Msg.String() + ": "
	}
	s += e.Cause.String()
	if e.IE != 0 {
		s += ": "
		if e.InBearerContext {
			s += "Bearer Context > "
		}
		s += e.IE.String() + " (type " + strconv.Itoa(int(e.IE)) +
			", instance " + strconv.Itoa(int(e.Instance)) + ")"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// RejectCause returns the Cause IE a node should send when rejecting a
// request that failed to decode with err, and false when err calls for
// silently discarding the message instead (ErrTooShort, ErrMessageType) or
// for a Version Not Supported Indication (ErrVersion).
func RejectCause(err error) (CauseIE, bool) {
	var e *Error
	if !errors.As(err, &e) || e.Cause == 0 {
		return CauseIE{}, false
	}
	return CauseIE{
		Value:             e.Cause,
		BCE:               e.InBearerContext,
		OffendingIE:       e.IE,
		OffendingInstance: e.Instance,
	}, true
}

func missingIE(m MsgType, t IEType, inst uint8) *Error {
	return &Error{Msg: m, Cause: CauseMandatoryIEMissing, IE: t, Instance: inst}
}

func incorrectIE(m MsgType, t IEType, inst uint8, reason string) *Error {
	return &Error{Msg: m, Cause: CauseMandatoryIEIncorrect, IE: t, Instance: inst, Reason: reason}
}

// EncodeError reports a value that cannot be put on the wire. Encoders never
// drop an IE with a bad value; they return an EncodeError instead.
type EncodeError struct {
	Msg    MsgType // message being encoded, 0 for a standalone helper
	Field  string  // Go field path, e.g. "Bearers[0].QoS.PriorityLevel"
	Reason string
}

// Error formats e as "wire: encode <message>: <field>: <reason>".
func (e *EncodeError) Error() string {
	s := "wire: encode "
	if e.Msg != 0 {
		s += e.Msg.String() + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Reason
}
