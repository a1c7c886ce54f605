package wire

import "encoding/binary"

// HeaderLen is the length of the Diameter header (RFC 6733 §3).
const HeaderLen = 20

// Version is the only Diameter protocol version (RFC 6733 §3).
const Version = 1

// CommandFlags are the command flags of the header (RFC 6733 §3).
type CommandFlags uint8

// Command flags (RFC 6733 §3). The low four bits are reserved and must be
// zero.
const (
	FlagRequest       CommandFlags = 0x80 // R: request; clear in answers
	FlagProxiable     CommandFlags = 0x40 // P: may be proxied, relayed or redirected
	FlagError         CommandFlags = 0x20 // E: protocol error answer (RFC 6733 §7.2)
	FlagRetransmitted CommandFlags = 0x10 // T: possibly a retransmission (RFC 6733 §5.5.4)
	flagsReserved     CommandFlags = 0x0f
)

// Header is a decoded Diameter header (RFC 6733 §3):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    Version    |                 Message Length                |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| command flags |                  Command Code                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Application-ID                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      Hop-by-Hop Identifier                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      End-to-End Identifier                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  AVPs ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-
//
// The zero value is not a valid header; message encoders in this package
// fill Version, Length, Code, AppID and the R, P and E flags themselves and
// take only HopByHop, EndToEnd and the T flag from the Header they are given.
type Header struct {
	Version  uint8        // 1 in every message a decoder accepts
	Length   uint32       // Message Length: header and AVPs, in bytes (24 bits)
	Flags    CommandFlags // R, P, E, T
	Code     uint32       // Command Code (24 bits)
	AppID    uint32       // Application-ID
	HopByHop uint32       // Hop-by-Hop Identifier, echoed in the answer
	EndToEnd uint32       // End-to-End Identifier, echoed in the answer
}

// IsRequest reports whether the R flag is set.
func (h Header) IsRequest() bool { return h.Flags&FlagRequest != 0 }

// IsError reports whether the E flag is set.
func (h Header) IsError() bool { return h.Flags&FlagError != 0 }

// ParseHeader decodes the first 20 bytes of b. It checks only that they are
// present and that the version is 1; use [Frame] to validate the length
// against the buffer. It never allocates.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, ErrIncomplete
	}
	h := decodeHeader(b)
	if h.Version != Version {
		return h, ErrUnsupportedVersion
	}
	return h, nil
}

// decodeHeader reads the 20 header bytes at the start of b, which the
// caller has checked are there.
func decodeHeader(b []byte) Header {
	b = b[:HeaderLen]
	return Header{
		Version:  b[0],
		Length:   uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]),
		Flags:    CommandFlags(b[4]),
		Code:     uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7]),
		AppID:    binary.BigEndian.Uint32(b[8:12]),
		HopByHop: binary.BigEndian.Uint32(b[12:16]),
		EndToEnd: binary.BigEndian.Uint32(b[16:20]),
	}
}

// AppendHeader appends the 20-byte encoding of h to dst, exactly as given
// (Version included). Message encoders write the header with a zero length
// and patch it once the AVPs are in; see [BeginMessage].
func AppendHeader(dst []byte, h Header) []byte {
	return append(dst,
		h.Version, byte(h.Length>>16), byte(h.Length>>8), byte(h.Length),
		byte(h.Flags), byte(h.Code>>16), byte(h.Code>>8), byte(h.Code),
		byte(h.AppID>>24), byte(h.AppID>>16), byte(h.AppID>>8), byte(h.AppID),
		byte(h.HopByHop>>24), byte(h.HopByHop>>16), byte(h.HopByHop>>8), byte(h.HopByHop),
		byte(h.EndToEnd>>24), byte(h.EndToEnd>>16), byte(h.EndToEnd>>8), byte(h.EndToEnd),
	)
}

// BeginMessage appends a version-1 header for command code with the given
// flags, application id and identifiers, and returns the extended buffer and
// the offset at which the message starts; finish with [EndMessage] after the
// AVPs are appended.
func BeginMessage(dst []byte, flags CommandFlags, code, appID, hopByHop, endToEnd uint32) ([]byte, int) {
	start := len(dst)
	return AppendHeader(dst, Header{
		Version: Version, Flags: flags, Code: code, AppID: appID,
		HopByHop: hopByHop, EndToEnd: endToEnd,
	}), start
}

// EndMessage writes the Message Length of the message that starts at
// dst[start:]. If the message is longer than the 24-bit length field can
// hold it returns dst[:start] and [ErrMessageTooLong].
func EndMessage(dst []byte, start int) ([]byte, error) {
	n := len(dst) - start
	if n > maxLen24 {
		return dst[:start], ErrMessageTooLong
	}
	putUint24(dst[start+1:], uint32(n))
	return dst, nil
}

// requestFlags returns the flags of a request: R, P when the command's
// ABNF has PXY, and the T flag copied from hdr (RFC 6733 §3).
func requestFlags(hdr CommandFlags, proxiable bool) CommandFlags {
	f := FlagRequest | hdr&FlagRetransmitted
	if proxiable {
		f |= FlagProxiable
	}
	return f
}

// answerFlags returns the flags of an answer carrying result code rc: P when
// the command's ABNF has PXY (RFC 6733 §6.2: the answer's P bit is the
// request's), E for 3xxx result codes (RFC 6733 §7.2). T is never set in
// answers (RFC 6733 §3).
func answerFlags(rc ResultCode, proxiable bool) CommandFlags {
	var f CommandFlags
	if proxiable {
		f |= FlagProxiable
	}
	if rc.IsProtocolError() {
		f |= FlagError
	}
	return f
}

const maxLen24 = 1<<24 - 1

func uint24(b []byte) uint32 {
	_ = b[2]
	return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
}

func putUint24(b []byte, v uint32) {
	_ = b[2]
	b[0] = byte(v >> 16)
	b[1] = byte(v >> 8)
	b[2] = byte(v)
}
