package wire

import (
	"encoding/binary"
	"sync/atomic"
)

// Header is the GTPv2-C message header (TS 29.274 §5.1, §5.5):
//
//	           8   7   6   5   4   3   2   1
//	octet 1   | version=2 | P | T |MP |spare|
//	octet 2   |         message type        |
//	octets 3-4|  Length: octets after octet 4 (piggybacked message excluded)
//	octets 5-8|  TEID, only when T=1        |
//	3 octets  |  sequence number            |
//	1 octet   | priority (when MP=1)| spare |
//
// The zero value is a header with no flags, type 0, TEID 0 and sequence
// number 0. Message encoders fill Type and the T flag from the message they
// encode, so callers only set TEID, Seq and, rarely, Piggyback and Priority.
type Header struct {
	Type MsgType
	// Piggyback is the P flag: another message follows this one in the
	// same datagram (a Create Bearer Request after a Create Session
	// Response, §5.5.1).
	Piggyback bool
	// HasTEID is the T flag. Decoders report it; encoders derive it from
	// the message type (MsgType.HasTEID).
	HasTEID bool
	TEID    uint32
	// Seq is the 24-bit sequence number (§7.6). See NextSeq and SeqCounter.
	Seq uint32
	// HasPriority is the MP flag; Priority (0–15, 0 highest) is
	// meaningful only when it is set (§5.4).
	HasPriority bool
	Priority    uint8
	// Length is the Length field as received. Encoders ignore it and write
	// the real length.
	Length uint16
}

// Sequence numbers (TS 29.274 §7.6). The most significant of the 24 bits is
// set only in messages triggered by a Command message, so a node's own
// requests count from 0 to MaxSeq and then wrap to 0.
const (
	MaxSeq     uint32 = 0x7fffff
	SeqCommand uint32 = 0x800000 // MSB of a sequence number triggered by a Command
)

// NextSeq returns the sequence number after seq for a node's own requests:
// seq+1, wrapping from MaxSeq back to 0.
func NextSeq(seq uint32) uint32 { return (seq + 1) & MaxSeq }

// SeqCounter hands out request sequence numbers 0, 1, ..., MaxSeq, 0, ...
// It is safe for concurrent use; the zero value starts at 0.
type SeqCounter struct{ n atomic.Uint32 }

// Next returns the next sequence number.
func (c *SeqCounter) Next() uint32 {
	// 2^32 is a multiple of 2^23, so masking the wrapped counter keeps the
	// sequence gap-free across the uint32 wrap.
	return (c.n.Add(1) - 1) & MaxSeq
}

// Len returns the size of the header on the wire: 12 octets with a TEID,
// 8 without.
func (h *Header) Len() int {
	if h.HasTEID {
		return 12
	}
	return 8
}

// ParseHeader decodes the GTPv2-C header at the start of b into h. It returns
// the message's IE area and whatever follows the message in b (a
// piggybacked message when h.Piggyback is set, otherwise empty); both alias
// b.
//
// Errors: ErrTooShort when b cannot hold the header, ErrVersion when the
// version is not 2, and an *Error with CauseInvalidLength when the Length
// field disagrees with len(b): shorter than the header, longer than b, or,
// without the P flag, shorter than b (TS 29.274 §7.7.3).
func ParseHeader(b []byte, h *Header) (ies, rest []byte, err error) {
	if len(b) < 8 {
		return nil, nil, ErrTooShort
	}
	if b[0]>>5 != 2 {
		return nil, nil, ErrVersion
	}
	h.Type = MsgType(b[1])
	h.Piggyback = b[0]&0x10 != 0
	h.HasTEID = b[0]&0x08 != 0
	h.HasPriority = b[0]&0x04 != 0
	h.Length = binary.BigEndian.Uint16(b[2:4])
	off := 4
	if h.HasTEID {
		if len(b) < 12 {
			return nil, nil, ErrTooShort
		}
		h.TEID = binary.BigEndian.Uint32(b[4:8])
		off = 8
	} else {
		h.TEID = 0
	}
	h.Seq = uint32(b[off])<<16 | uint32(b[off+1])<<8 | uint32(b[off+2])
	if h.HasPriority {
		h.Priority = b[off+3] >> 4
	} else {
		h.Priority = 0
	}
	off += 4
	end := 4 + int(h.Length)
	switch {
	case end < off:
		return nil, nil, &Error{Msg: h.Type, Cause: CauseInvalidLength, Reason: "Length shorter than the header"}
	case end > len(b):
		return nil, nil, &Error{Msg: h.Type, Cause: CauseInvalidLength, Reason: "Length runs past the end of the datagram"}
	case end < len(b) && !h.Piggyback:
		return nil, nil, &Error{Msg: h.Type, Cause: CauseInvalidLength, Reason: "octets after the message without the P flag"}
	}
	return b[off:end:end], b[end:], nil
}

// appendHeader appends h with a zero Length and returns the offset of the
// header's first octet, for finishMessage. The T flag comes from hasTEID.
func appendHeader(b []byte, h *Header, t MsgType) ([]byte, int, error) {
	if h.Seq > 0xffffff {
		return b, 0, &EncodeError{Msg: t, Field: "Header.Seq", Reason: "sequence number exceeds 24 bits"}
	}
	if h.HasPriority && h.Priority > 15 {
		return b, 0, &EncodeError{Msg: t, Field: "Header.Priority", Reason: "message priority exceeds 4 bits"}
	}
	start := len(b)
	fl := byte(2 << 5)
	if h.Piggyback {
		fl |= 0x10
	}
	var prio byte
	if h.HasPriority {
		fl |= 0x04
		prio = h.Priority << 4
	}
	s := h.Seq
	if t.HasTEID() {
		fl |= 0x08
		b = append(b, fl, byte(t), 0, 0,
			byte(h.TEID>>24), byte(h.TEID>>16), byte(h.TEID>>8), byte(h.TEID),
			byte(s>>16), byte(s>>8), byte(s), prio)
	} else {
		b = append(b, fl, byte(t), 0, 0, byte(s>>16), byte(s>>8), byte(s), prio)
	}
	return b, start, nil
}

// finishMessage patches the Length field of the message starting at start.
func finishMessage(b []byte, start int, t MsgType) ([]byte, error) {
	n := len(b) - start - 4
	if n > 0xffff {
		return b[:start], &EncodeError{Msg: t, Reason: "message longer than 65535 octets"}
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// BeginMessage appends a GTPv2-C header for a message of type t, with the T
// flag set as t requires and a placeholder Length, and returns the offset to
// pass to EndMessage once the IEs are appended (AppendIE, BeginIE). It is
// for messages this package has no type for.
func BeginMessage(b []byte, t MsgType, h *Header) ([]byte, int, error) {
	return appendHeader(b, h, t)
}

// EndMessage writes the Length field of the message that BeginMessage
// started at start.
func EndMessage(b []byte, start int) ([]byte, error) {
	if start < 0 || start+8 > len(b) {
		return b, &EncodeError{Reason: "EndMessage: no message at start"}
	}
	return finishMessage(b, start, MsgType(b[start+1]))
}

// AppendVersionNotSupported appends a Version Not Supported Indication
// (TS 29.274 §7.1.3), the answer to a message of a GTP version this node
// does not speak; seq is the sequence number of that message.
func AppendVersionNotSupported(b []byte, seq uint32) []byte {
	s := seq & 0xffffff
	return append(b, 2<<5, byte(MsgVersionNotSupported), 0, 4, byte(s>>16), byte(s>>8), byte(s), 0)
}
