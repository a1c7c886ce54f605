package wire

import "encoding/binary"

// AVPFlags are the flags of an AVP header (RFC 6733 §4.1).
type AVPFlags uint8

// AVP flags (RFC 6733 §4.1). The low five bits are reserved.
const (
	AVPFlagVendor    AVPFlags = 0x80 // V: a Vendor-ID field follows the length
	AVPFlagMandatory AVPFlags = 0x40 // M: the receiver must understand it or reject the message
	AVPFlagProtected AVPFlags = 0x20 // P: reserved for end-to-end security (RFC 6733 §4.1)
)

// AVP is one decoded AVP (RFC 6733 §4.1):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           AVP Code                            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|V M P r r r r r|                  AVP Length                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Vendor-ID (opt)                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    Data ...
//	+-+-+-+-+-+-+-+-+
//
// AVP Length counts the header and Data but not the padding that follows
// up to a multiple of four bytes (RFC 6733 §4.1).
//
// Data and Raw alias the buffer the AVP was decoded from: they are valid
// only as long as that buffer is, and change if it is overwritten. Copy
// them to keep them.
type AVP struct {
	Code   uint32
	Flags  AVPFlags
	Vendor uint32 // 0 unless the V flag is set
	Data   []byte // the value, without padding; aliases the input
	Raw    []byte // header and value (AVP Length bytes), without padding; aliases the input
}

// Mandatory reports whether the M flag is set.
func (a *AVP) Mandatory() bool { return a.Flags&AVPFlagMandatory != 0 }

// Iter walks a sequence of AVPs, such as the body of a message (msg[20:])
// or the Data of a Grouped AVP (RFC 6733 §4.4), without allocating. Use it
// like bufio.Scanner:
//
//	it := wire.NewIter(msg[wire.HeaderLen:])
//	for it.Next() {
//		a := it.AVP()
//		if a.Code == wire.AVPMultipleServicesCreditControl {
//			inner := wire.NewIter(a.Data) // descend into the group
//			...
//		}
//	}
//	if err := it.Err(); err != nil { ... }
//
// Next stops at the first malformed AVP and Err then returns an *Error with
// result code 5014 (DIAMETER_INVALID_AVP_LENGTH): a header cut short, an AVP
// Length below the header size, or one that runs past the end of the
// buffer. The last AVP may lack its padding. The zero Iter is empty.
// An Iter must not be used by several goroutines at once.
type Iter struct {
	b   []byte
	off int
	cur AVP
	err *Error
}

// NewIter returns an Iter over the AVPs in b.
func NewIter(b []byte) Iter { return Iter{b: b} }

// Next advances to the next AVP and reports whether there is one.
func (it *Iter) Next() bool {
	b, off := it.b, it.off
	if off >= len(b) {
		return false
	}
	rest := len(b) - off
	if rest < 8 {
		return it.fail()
	}
	p := b[off:]
	flags := AVPFlags(p[4])
	n := int(uint24(p[5:8]))
	hl := 8
	var vendor uint32
	if flags&AVPFlagVendor != 0 {
		if rest < 12 {
			return it.fail()
		}
		hl = 12
		vendor = binary.BigEndian.Uint32(p[8:12])
	}
	if n < hl || n > rest {
		return it.fail()
	}
	// Field by field: building an AVP value and copying it in costs a
	// store-forwarding stall on every call.
	c := &it.cur
	c.Code = binary.BigEndian.Uint32(p[0:4])
	c.Flags = flags
	c.Vendor = vendor
	c.Data = p[hl:n:n]
	c.Raw = p[:n:n]
	next := off + (n+3)&^3
	if next > len(b) {
		next = len(b)
	}
	it.off = next
	return true
}

// fail records a 5014 error for the AVP at it.off and stops the iteration.
// Per RFC 6733 §7.1.5 the Failed-AVP holds the offending header, padded
// with zeros to the minimum header length when it was cut short; its length
// field is rewritten to the header size so that the answer stays parseable.
func (it *Iter) fail() bool {
	p := it.b[it.off:]
	hdr := make([]byte, 8, 12)
	copy(hdr, p)
	flags := AVPFlags(hdr[4])
	got := -1
	if len(p) >= 8 {
		got = int(uint24(p[5:8]))
	}
	if flags&AVPFlagVendor != 0 {
		hdr = hdr[:12]
		if len(p) > 8 {
			copy(hdr[8:], p[8:])
		}
	}
	putUint24(hdr[5:], uint32(len(hdr)))
	a := AVP{Code: binary.BigEndian.Uint32(hdr), Flags: flags, Raw: hdr}
	if flags&AVPFlagVendor != 0 {
		a.Vendor = binary.BigEndian.Uint32(hdr[8:12])
	}
	var msg string
	switch {
	case got < 0 || len(p) < len(hdr):
		msg = "AVP header cut short: " + utoa(uint32(len(p))) + " bytes left"
	case got < len(hdr):
		msg = avpName(a.Code, a.Vendor) + ": AVP Length " + utoa(uint32(got)) + " is shorter than its header"
	default:
		msg = avpName(a.Code, a.Vendor) + ": AVP Length " + utoa(uint32(got)) + " runs past the end (" + utoa(uint32(len(p))) + " bytes left)"
	}
	it.err = newError(InvalidAVPLength, &a, msg)
	it.off = len(it.b)
	return false
}

// AVP returns the current AVP. Its slices alias the Iter's buffer.
func (it *Iter) AVP() AVP { return it.cur }

// Offset returns the offset in the Iter's buffer of the next AVP.
func (it *Iter) Offset() int { return it.off }

// Err returns the *Error that stopped the iteration, or nil if it ran to
// the end of the buffer.
func (it *Iter) Err() error {
	if it.err == nil {
		return nil
	}
	return it.err
}

// AppendAVP appends one AVP with the given value and its padding to dst
// (RFC 6733 §4.1). The V flag is set, and the Vendor-ID field written,
// when vendor is not 0 or flags has V. It panics if the AVP would be longer
// than the 24-bit AVP Length allows (16 MiB).
func AppendAVP(dst []byte, code uint32, flags AVPFlags, vendor uint32, data []byte) []byte {
	if len(data) > maxLen24-12 {
		panic("wire: AVP value too long")
	}
	return appendBytesAVP(dst, code, flags, vendor, data)
}

// AppendUint32AVP appends an AVP holding a 4-byte Unsigned32, Integer32,
// Enumerated or Time value (RFC 6733 §4.2, §4.3.1).
func AppendUint32AVP(dst []byte, code uint32, flags AVPFlags, vendor uint32, v uint32) []byte {
	return appendU32AVP(dst, code, flags, vendor, v)
}

// AppendUint64AVP appends an AVP holding an 8-byte Unsigned64 or Integer64
// value (RFC 6733 §4.2).
func AppendUint64AVP(dst []byte, code uint32, flags AVPFlags, vendor uint32, v uint64) []byte {
	return appendU64AVP(dst, code, flags, vendor, v)
}

// BeginGroupedAVP appends the header of a Grouped AVP (RFC 6733 §4.4) with
// a zero length and returns the buffer and the offset of that header. Append
// the member AVPs, then call [EndGroupedAVP] with the offset.
func BeginGroupedAVP(dst []byte, code uint32, flags AVPFlags, vendor uint32) ([]byte, int) {
	return beginGroup(dst, code, flags, vendor)
}

// EndGroupedAVP writes the length of the Grouped AVP whose header is at
// dst[start:]. The members are padded already, so the group needs none. It
// panics if the group is longer than the 24-bit AVP Length allows.
func EndGroupedAVP(dst []byte, start int) []byte {
	if len(dst)-start > maxLen24 {
		panic("wire: grouped AVP too long")
	}
	return endGroup(dst, start)
}

func appendAVPHeader(dst []byte, code uint32, flags AVPFlags, vendor uint32, dataLen int) []byte {
	if vendor != 0 {
		flags |= AVPFlagVendor
	}
	if flags&AVPFlagVendor != 0 {
		n := uint32(12 + dataLen)
		return append(dst,
			byte(code>>24), byte(code>>16), byte(code>>8), byte(code),
			byte(flags), byte(n>>16), byte(n>>8), byte(n),
			byte(vendor>>24), byte(vendor>>16), byte(vendor>>8), byte(vendor))
	}
	n := uint32(8 + dataLen)
	return append(dst,
		byte(code>>24), byte(code>>16), byte(code>>8), byte(code),
		byte(flags), byte(n>>16), byte(n>>8), byte(n))
}

var zeros [4]byte

// appendBytesAVP is AppendAVP without the length check: message encoders
// check the total length once in EndMessage instead.
func appendBytesAVP(dst []byte, code uint32, flags AVPFlags, vendor uint32, data []byte) []byte {
	dst = appendAVPHeader(dst, code, flags, vendor, len(data))
	dst = append(dst, data...)
	return append(dst, zeros[:pad4(len(data))-len(data)]...)
}

func appendU32AVP(dst []byte, code uint32, flags AVPFlags, vendor uint32, v uint32) []byte {
	dst = appendAVPHeader(dst, code, flags, vendor, 4)
	return append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

func appendU64AVP(dst []byte, code uint32, flags AVPFlags, vendor uint32, v uint64) []byte {
	dst = appendAVPHeader(dst, code, flags, vendor, 8)
	return binary.BigEndian.AppendUint64(dst, v)
}

// appendRaw appends an already-encoded AVP (header included) and pads it.
func appendRaw(dst []byte, raw []byte) []byte {
	dst = append(dst, raw...)
	return append(dst, zeros[:pad4(len(raw))-len(raw)]...)
}

func beginGroup(dst []byte, code uint32, flags AVPFlags, vendor uint32) ([]byte, int) {
	start := len(dst)
	return appendAVPHeader(dst, code, flags, vendor, 0), start
}

func endGroup(dst []byte, start int) []byte {
	putUint24(dst[start+5:], uint32(len(dst)-start))
	return dst
}

func pad4(n int) int { return (n + 3) &^ 3 }
