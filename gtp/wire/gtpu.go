package wire

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// GTPUMsgType is a GTP-U message type (TS 29.281 §6.1).
type GTPUMsgType uint8

// GTP-U message types.
const (
	GTPUMsgEchoRequest         GTPUMsgType = 1
	GTPUMsgEchoResponse        GTPUMsgType = 2
	GTPUMsgErrorIndication     GTPUMsgType = 26
	GTPUMsgSupportedExtHeaders GTPUMsgType = 31
	GTPUMsgEndMarker           GTPUMsgType = 254
	GTPUMsgGPDU                GTPUMsgType = 255 // G-PDU: a user packet (T-PDU) in a tunnel
)

// ErrGTPUMalformed reports a GTP-U message whose Length, extension headers
// or information elements do not add up. TS 29.281 has no cause values;
// such a message is discarded.
var ErrGTPUMalformed = errors.New("wire: malformed GTP-U message")

// GTPUHeader is the GTP-U header (TS 29.281 §5.1):
//
//	           8   7   6   5   4   3   2   1
//	octet 1   | version=1 |PT | 0 | E | S |PN |
//	octet 2   |         message type          |
//	octets 3-4| Length: octets after octet 8  |
//	octets 5-8| TEID                          |
//	octets 9-10  sequence number      } present when any of E, S, PN
//	octet 11     N-PDU number         } is set; each field meaningful
//	octet 12     next extension type  } only under its own flag
//	then the extension headers (§5.2), then the payload.
//
// PT is always 1 (GTP; 0 would be GTP'). The zero value is a header of type
// 0 with TEID 0 and no optional fields.
type GTPUHeader struct {
	Type GTPUMsgType
	TEID uint32

	HasSeq bool // S flag
	Seq    uint16

	HasNPDU bool // PN flag
	NPDU    uint8

	// NextExt is the type of the first extension header, 0 when there is
	// none (E flag clear). Ext is the chain of extension headers as on the
	// wire, each one "length (in 4-octet units) | content | next type",
	// the last with next type 0. After ParseGTPU it aliases the packet.
	NextExt uint8
	Ext     []byte

	// Length is the Length field as received; AppendGTPUHeader ignores it.
	Length uint16
}

// ParseGTPU decodes the GTP-U header at the start of b into h and returns the
// payload: the T-PDU of a G-PDU, or the IEs of a signalling message. The
// payload and h.Ext alias b. Octets after the Length are ignored.
//
// Errors: ErrTooShort when b is shorter than its header, ErrVersion when the
// version is not 1 or PT is 0, ErrGTPUMalformed when the Length or the
// extension header chain is inconsistent.
func ParseGTPU(b []byte, h *GTPUHeader) ([]byte, error) {
	if len(b) < 8 {
		return nil, ErrTooShort
	}
	fl := b[0]
	if fl>>5 != 1 || fl&0x10 == 0 {
		return nil, ErrVersion
	}
	h.Type = GTPUMsgType(b[1])
	h.Length = binary.BigEndian.Uint16(b[2:4])
	h.TEID = binary.BigEndian.Uint32(b[4:8])
	h.HasSeq, h.HasNPDU = fl&0x02 != 0, fl&0x01 != 0
	h.Seq, h.NPDU, h.NextExt, h.Ext = 0, 0, 0, nil
	end := 8 + int(h.Length)
	if end > len(b) {
		return nil, ErrGTPUMalformed
	}
	b = b[:end:end]
	if fl&0x07 == 0 {
		return b[8:], nil
	}
	if len(b) < 12 {
		return nil, ErrGTPUMalformed
	}
	if h.HasSeq {
		h.Seq = binary.BigEndian.Uint16(b[8:10])
	}
	if h.HasNPDU {
		h.NPDU = b[10]
	}
	if fl&0x04 == 0 {
		return b[12:], nil
	}
	h.NextExt = b[11]
	rest := b[12:]
	if h.NextExt != 0 {
		n, ok := extChainLen(rest)
		if !ok {
			return nil, ErrGTPUMalformed
		}
		h.Ext, rest = rest[:n:n], rest[n:]
	}
	return rest, nil
}

// extChainLen returns the length of the extension header chain at the start
// of b, which ends with a header whose next type is 0.
func extChainLen(b []byte) (int, bool) {
	off := 0
	for {
		if off >= len(b) {
			return 0, false
		}
		n := 4 * int(b[off])
		if n == 0 || off+n > len(b) {
			return 0, false
		}
		off += n
		if b[off-1] == 0 {
			return off, true
		}
	}
}

// headerLen returns the size of the encoded header including extension
// headers.
func (h *GTPUHeader) headerLen() int {
	if !h.HasSeq && !h.HasNPDU && h.NextExt == 0 {
		return 8
	}
	return 12 + len(h.Ext)
}

// AppendGTPUHeader appends h for a payload of payloadLen octets, which the
// caller appends next; this lets a gateway write a user packet straight
// after the header. It fails when the extension headers do not form a
// chain ending in type 0 or the message would exceed 65535 octets after the
// mandatory header.
func AppendGTPUHeader(b []byte, h *GTPUHeader, payloadLen int) ([]byte, error) {
	if h.NextExt == 0 && len(h.Ext) != 0 {
		return b, &EncodeError{Field: "GTPUHeader.Ext", Reason: "extension headers without NextExt"}
	}
	if h.NextExt != 0 {
		if n, ok := extChainLen(h.Ext); !ok || n != len(h.Ext) {
			return b, &EncodeError{Field: "GTPUHeader.Ext", Reason: "extension header chain malformed or not ending in type 0"}
		}
	}
	n := h.headerLen() - 8 + payloadLen
	if payloadLen < 0 || n > 0xffff {
		return b, &EncodeError{Field: "GTPUHeader", Reason: "message longer than 65535 octets after the mandatory header"}
	}
	fl := byte(1<<5 | 0x10)
	if h.NextExt != 0 {
		fl |= 0x04
	}
	if h.HasSeq {
		fl |= 0x02
	}
	if h.HasNPDU {
		fl |= 0x01
	}
	b = append(b, fl, byte(h.Type), byte(n>>8), byte(n),
		byte(h.TEID>>24), byte(h.TEID>>16), byte(h.TEID>>8), byte(h.TEID))
	if fl&0x07 != 0 {
		var seq uint16
		var npdu byte
		if h.HasSeq {
			seq = h.Seq
		}
		if h.HasNPDU {
			npdu = h.NPDU
		}
		b = append(b, byte(seq>>8), byte(seq), npdu, h.NextExt)
		b = append(b, h.Ext...)
	}
	return b, nil
}

// AppendGTPU appends a GTP-U message: h and then payload.
func AppendGTPU(b []byte, h *GTPUHeader, payload []byte) ([]byte, error) {
	b, err := AppendGTPUHeader(b, h, len(payload))
	if err != nil {
		return b, err
	}
	return append(b, payload...), nil
}

// AppendGPDU appends a G-PDU carrying the user packet pkt in tunnel teid,
// with no optional header fields: the common case on S1-U and S5/S8-U. It
// fails only when pkt is longer than 65535 octets.
func AppendGPDU(b []byte, teid uint32, pkt []byte) ([]byte, error) {
	if len(pkt) > 0xffff {
		return b, &EncodeError{Field: "pkt", Reason: "G-PDU longer than 65535 octets"}
	}
	n := len(pkt)
	b = append(b, 1<<5|0x10, byte(GTPUMsgGPDU), byte(n>>8), byte(n),
		byte(teid>>24), byte(teid>>16), byte(teid>>8), byte(teid))
	return append(b, pkt...), nil
}

// AppendGTPUExtHeader appends one extension header (TS 29.281 §5.2.1) to a
// chain being built for GTPUHeader.Ext: a length octet, content and the
// type of the next header (0 for the last). len(content)+2 must be a
// multiple of 4, at most 1020.
func AppendGTPUExtHeader(b []byte, content []byte, next uint8) ([]byte, error) {
	n := len(content) + 2
	if n%4 != 0 || n > 4*255 {
		return b, &EncodeError{Field: "content", Reason: "extension header content must be 4n-2 octets, n from 1 to 255"}
	}
	b = append(b, byte(n/4))
	b = append(b, content...)
	return append(b, next), nil
}

// GTPUExt is one extension header: its type (given by the previous header)
// and its content, which aliases the packet.
type GTPUExt struct {
	Type    uint8
	Content []byte
}

// GTPUExtReader walks the extension headers of a decoded GTPUHeader:
//
//	r := h.ExtHeaders()
//	for r.Next() {
//		e := r.Ext()
//		...
//	}
type GTPUExtReader struct {
	next uint8
	rest []byte
	cur  GTPUExt
}

// ExtHeaders returns a reader over h's extension headers.
func (h *GTPUHeader) ExtHeaders() GTPUExtReader {
	return GTPUExtReader{next: h.NextExt, rest: h.Ext}
}

// Next advances to the next extension header and reports whether there is
// one. A chain that ParseGTPU accepted is always well formed.
func (r *GTPUExtReader) Next() bool {
	if r.next == 0 || len(r.rest) == 0 {
		return false
	}
	n := 4 * int(r.rest[0])
	if n == 0 || n > len(r.rest) {
		r.rest = nil
		return false
	}
	r.cur = GTPUExt{Type: r.next, Content: r.rest[1 : n-1 : n-1]}
	r.next = r.rest[n-1]
	r.rest = r.rest[n:]
	return true
}

// Ext returns the extension header Next stopped at.
func (r *GTPUExtReader) Ext() GTPUExt { return r.cur }

// GTP-U information element types (TS 29.281 §8).
const (
	gtpuIERecovery    = 14  // TV, 1 octet
	gtpuIETEIDDataI   = 16  // TV, 4 octets
	gtpuIEPeerAddress = 133 // TLV, 2-octet length, 4 or 16 octets
	gtpuIEExtTypeList = 141 // TLV, 1-octet length
)

// AppendGTPUEchoRequest appends a GTP-U Echo Request (TS 29.281 §7.2.1):
// TEID 0 and a sequence number, which the response echoes.
func AppendGTPUEchoRequest(b []byte, seq uint16) []byte {
	return append(b, 1<<5|0x10|0x02, byte(GTPUMsgEchoRequest), 0, 4, 0, 0, 0, 0,
		byte(seq>>8), byte(seq), 0, 0)
}

// AppendGTPUEchoResponse appends the GTP-U Echo Response to the request with
// sequence number seq (TS 29.281 §7.2.2). Its Recovery IE is 0, which the
// receiver ignores.
func AppendGTPUEchoResponse(b []byte, seq uint16) []byte {
	return append(b, 1<<5|0x10|0x02, byte(GTPUMsgEchoResponse), 0, 6, 0, 0, 0, 0,
		byte(seq>>8), byte(seq), 0, 0, gtpuIERecovery, 0)
}

// AppendEndMarker appends an End Marker (TS 29.281 §7.3.2) for tunnel teid:
// the last packet on a path before the user plane moves.
func AppendEndMarker(b []byte, teid uint32) []byte {
	return append(b, 1<<5|0x10, byte(GTPUMsgEndMarker), 0, 0,
		byte(teid>>24), byte(teid>>16), byte(teid>>8), byte(teid))
}

// GTPUErrorIndication is an Error Indication (TS 29.281 §7.3.1): the answer to
// a G-PDU for a tunnel the receiver does not know, telling the sender to
// drop the bearer.
type GTPUErrorIndication struct {
	// Header is the message header. Append writes the Error Indication
	// type whatever Header.Type says; the TEID in it is 0, and the
	// sequence number is usually present (S flag).
	Header GTPUHeader
	// TEID is the Tunnel Endpoint Identifier Data I IE: the TEID of the
	// G-PDU that could not be delivered.
	TEID uint32
	// PeerAddr is the GTP-U Peer Address IE: the address the G-PDU was
	// sent to, that is the node reporting the error.
	PeerAddr netip.Addr
}

// Decode decodes an Error Indication from b. Header.Ext and the IEs may
// alias b. Errors are those of ParseGTPU, ErrMessageType for another message
// type, and ErrGTPUMalformed when an IE is cut short or a mandatory one is
// missing.
func (m *GTPUErrorIndication) Decode(b []byte) error {
	*m = GTPUErrorIndication{}
	p, err := ParseGTPU(b, &m.Header)
	if err != nil {
		return err
	}
	if m.Header.Type != GTPUMsgErrorIndication {
		return ErrMessageType
	}
	var hasTEID bool
	for len(p) > 0 {
		t := p[0]
		switch {
		case t == gtpuIERecovery:
			if len(p) < 2 {
				return ErrGTPUMalformed
			}
			p = p[2:]
		case t == gtpuIETEIDDataI:
			if len(p) < 5 {
				return ErrGTPUMalformed
			}
			if !hasTEID {
				m.TEID, hasTEID = be32(p[1:]), true
			}
			p = p[5:]
		case t == gtpuIEExtTypeList:
			if len(p) < 2 || len(p) < 2+int(p[1]) {
				return ErrGTPUMalformed
			}
			p = p[2+int(p[1]):]
		case t >= 128:
			if len(p) < 3 {
				return ErrGTPUMalformed
			}
			n := int(be16(p[1:]))
			if len(p) < 3+n {
				return ErrGTPUMalformed
			}
			v := p[3 : 3+n]
			if t == gtpuIEPeerAddress && !m.PeerAddr.IsValid() {
				switch n {
				case 4:
					m.PeerAddr = netip.AddrFrom4([4]byte(v))
				case 16:
					m.PeerAddr = netip.AddrFrom16([16]byte(v))
				default:
					return ErrGTPUMalformed
				}
			}
			p = p[3+n:]
		default:
			// A TV IE of unknown length cannot be skipped.
			return ErrGTPUMalformed
		}
	}
	if !hasTEID || !m.PeerAddr.IsValid() {
		return ErrGTPUMalformed
	}
	return nil
}

// Append appends the encoded Error Indication to b. On error b is returned
// unchanged.
func (m *GTPUErrorIndication) Append(b []byte) ([]byte, error) {
	var addr []byte
	var a4 [4]byte
	var a16 [16]byte
	switch {
	case m.PeerAddr.Is4():
		a4 = m.PeerAddr.As4()
		addr = a4[:]
	case m.PeerAddr.Is6() && m.PeerAddr.Zone() == "":
		a16 = m.PeerAddr.As16()
		addr = a16[:]
	default:
		return b, &EncodeError{Field: "PeerAddr", Reason: "need an IPv4 or IPv6 address"}
	}
	h := m.Header
	h.Type = GTPUMsgErrorIndication
	orig := b
	b, err := AppendGTPUHeader(b, &h, 5+3+len(addr))
	if err != nil {
		return orig, err
	}
	t := m.TEID
	b = append(b, gtpuIETEIDDataI, byte(t>>24), byte(t>>16), byte(t>>8), byte(t),
		gtpuIEPeerAddress, 0, byte(len(addr)))
	return append(b, addr...), nil
}
