package wire

import "encoding/binary"

// IE is one GTPv2-C information element as it sits in a message
// (TS 29.274 §8.2.1):
//
//	octet 1    Type
//	octets 2-3 Length of the value (n)
//	octet 4    spare (bits 8-5) | Instance (bits 4-1)
//	octets 5.. value, n octets
//
// Value aliases the message it was read from. For a grouped IE (Bearer
// Context) Value holds the embedded IEs; read them with another IEReader.
// For type 254 (§8.2.1A) the first two octets of Value are the extended
// type.
type IE struct {
	Type     IEType
	Instance uint8
	Value    []byte
}

// IEReader walks the IEs of a message body or of a grouped IE without
// allocating:
//
//	r := wire.NewIEReader(ies)
//	for r.Next() {
//		ie := r.IE()
//		...
//	}
//	if err := r.Err(); err != nil { ... }
//
// The zero value reads nothing. An IEReader is not safe for concurrent use.
type IEReader struct {
	rest []byte
	cur  IE
	err  error
	msg  MsgType
}

// NewIEReader returns a reader over the IEs in b, which is the IE area of a
// message (as returned by ParseHeader) or the value of a grouped IE.
func NewIEReader(b []byte) IEReader { return IEReader{rest: b} }

// Next advances to the next IE and reports whether there is one. It returns
// false at the end of the area and when the IE framing is broken; Err then
// tells which.
func (r *IEReader) Next() bool {
	if len(r.rest) == 0 || r.err != nil {
		return false
	}
	if len(r.rest) < 4 {
		r.err = &Error{Msg: r.msg, Cause: CauseInvalidMessageFormat, IE: IEType(r.rest[0]), Reason: "IE header cut short"}
		r.rest = nil
		return false
	}
	n := int(binary.BigEndian.Uint16(r.rest[1:3]))
	if 4+n > len(r.rest) {
		r.err = &Error{Msg: r.msg, Cause: CauseInvalidMessageFormat, IE: IEType(r.rest[0]), Instance: r.rest[3] & 0x0f, Reason: "IE length runs past the end of the message"}
		r.rest = nil
		return false
	}
	r.cur = IE{Type: IEType(r.rest[0]), Instance: r.rest[3] & 0x0f, Value: r.rest[4 : 4+n : 4+n]}
	r.rest = r.rest[4+n:]
	return true
}

// IE returns the element Next stopped at.
func (r *IEReader) IE() IE { return r.cur }

// Err returns nil once all IEs were read, or an *Error with
// CauseInvalidMessageFormat when an IE header is cut short or an IE's
// Length runs past the end of the area.
func (r *IEReader) Err() error { return r.err }

// AppendIE appends an IE with the given type, instance and value.
func AppendIE(b []byte, t IEType, instance uint8, value []byte) ([]byte, error) {
	if instance > 15 {
		return b, &EncodeError{Field: t.String(), Reason: "instance exceeds 4 bits"}
	}
	if len(value) > 0xffff {
		return b, &EncodeError{Field: t.String(), Reason: "value longer than 65535 octets"}
	}
	b = append(b, byte(t), byte(len(value)>>8), byte(len(value)), instance)
	return append(b, value...), nil
}

// BeginIE appends the header of an IE whose value length is not yet known,
// typically a grouped IE, and returns the offset to pass to EndIE after the
// value has been appended.
func BeginIE(b []byte, t IEType, instance uint8) ([]byte, int) {
	return append(b, byte(t), 0, 0, instance&0x0f), len(b)
}

// EndIE writes the Length of the IE that BeginIE started at start.
func EndIE(b []byte, start int) ([]byte, error) {
	n := len(b) - start - 4
	if start < 0 || n < 0 {
		return b, &EncodeError{Reason: "EndIE: no IE at start"}
	}
	if n > 0xffff {
		return b[:start], &EncodeError{Field: IEType(b[start]).String(), Reason: "value longer than 65535 octets"}
	}
	binary.BigEndian.PutUint16(b[start+1:], uint16(n))
	return b, nil
}

// Small fixed IEs used by the message encoders.

func appendU8IE(b []byte, t IEType, inst, v uint8) []byte {
	return append(b, byte(t), 0, 1, inst, v)
}

func appendU16IE(b []byte, t IEType, inst uint8, v uint16) []byte {
	return append(b, byte(t), 0, 2, inst, byte(v>>8), byte(v))
}

func appendU32IE(b []byte, t IEType, inst uint8, v uint32) []byte {
	return append(b, byte(t), 0, 4, inst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func appendBytesIE(b []byte, t IEType, inst uint8, v []byte) []byte {
	b = append(b, byte(t), byte(len(v)>>8), byte(len(v)), inst)
	return append(b, v...)
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }
func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
func be40(b []byte) uint64 {
	return uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(b[4])
}
