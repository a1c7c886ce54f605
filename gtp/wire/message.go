package wire

import "strconv"

// parseMessage parses the header of a message that must be of type t and
// returns its IE area. Messages of every type but Echo and Version Not
// Supported must have the T flag (TS 29.274 §5.5.1) and those must not.
func parseMessage(b []byte, h *Header, t MsgType) ([]byte, error) {
	ies, _, err := ParseHeader(b, h)
	if err != nil {
		return nil, err
	}
	if h.Type != t {
		return nil, ErrMessageType
	}
	if h.HasTEID != t.HasTEID() {
		return nil, &Error{Msg: t, Cause: CauseInvalidMessageFormat, Reason: "T flag does not match the message type"}
	}
	return ies, nil
}

// PeekType returns the type of the GTPv2-C message in b after checking that
// b holds a whole GTPv2-C header, so that a receiver can pick the decoder.
// Errors are those of ParseHeader; with an *Error (a Length that disagrees
// with the datagram) the type is still returned, since a request is then
// answered with CauseInvalidLength.
func PeekType(b []byte) (MsgType, error) {
	var h Header
	if _, _, err := ParseHeader(b, &h); err != nil {
		return h.Type, err
	}
	return h.Type, nil
}

// The decode helpers below fill *dst only when the value decodes, so that a
// malformed optional IE leaves its field zero (absent), as TS 29.274 §7.7.8
// asks.

func decodeFTEID(dst *FTEID, v []byte) bool {
	var f FTEID
	if !f.decode(v) {
		return false
	}
	*dst = f
	return true
}

func decodeULI(dst *ULI, v []byte) bool {
	var u ULI
	if !u.decode(v) || u.Flags == 0 {
		return false
	}
	*dst = u
	return true
}

func decodePAA(dst *PAA, v []byte) bool {
	var p PAA
	if !p.decode(v) {
		return false
	}
	*dst = p
	return true
}

// pdnType decodes the PDN Type IE value octet; unknown types read as 0,
// absent.
func pdnType(o byte) PDNType {
	t := PDNType(o & 0x07)
	if t > PDNTypeEthernet {
		return 0
	}
	return t
}

// decodeEBI decodes an EBI IE value: 4 bits, 1 to 15. 0 (reserved) and an
// empty value read as 0.
func decodeEBI(v []byte) uint8 {
	if len(v) < 1 {
		return 0
	}
	return v[0] & 0x0f
}

func appendTBCDIE(b []byte, t IEType, d Digits) []byte {
	b = append(b, byte(t), 0, byte(tbcdLen(d)), 0)
	b, _ = AppendTBCD(b, d) // d checked by the caller
	return b
}

func bearerMissing(m MsgType, t IEType, inst uint8) *Error {
	e := missingIE(m, t, inst)
	e.InBearerContext = true
	return e
}

func bearerIncorrect(m MsgType, t IEType, inst uint8, reason string) *Error {
	e := incorrectIE(m, t, inst, reason)
	e.InBearerContext = true
	return e
}

func itoa(i int) string { return strconv.Itoa(i) }

func bearerField(i int, f string) string {
	s := "Bearers[" + strconv.Itoa(i) + "]"
	if f != "" {
		s += "." + f
	}
	return s
}
