package wire

import (
	"encoding/binary"
	"errors"
)

// Geographic Location Type, the first octet of 3GPP-User-Location-Info
// (TS 29.061 §16.4.7.2, table 16.4.7.2.1: 0 CGI, 1 SAI, 2 RAI, 128 TAI,
// 129 ECGI, 130 TAI and ECGI; later releases add more).
const (
	LocationCGI     = 0
	LocationSAI     = 1
	LocationRAI     = 2
	LocationTAI     = 128
	LocationECGI    = 129
	LocationTAIECGI = 130
)

// PLMN is a PLMN identity (MCC and MNC) in its 3-octet BCD wire form
// (TS 24.008 §10.5.1.13, TS 29.274 §8.21):
//
//	         8   7   6   5   4   3   2   1
//	octet 1  MCC digit 2   | MCC digit 1
//	octet 2  MNC digit 3   | MCC digit 3
//	octet 3  MNC digit 2   | MNC digit 1
//
// A two-digit MNC has 0xF as its third digit. PLMN values are comparable
// with ==, which keeps "MNC 01" and "MNC 001" apart as the standard does.
type PLMN [3]byte

// NewPLMN builds a PLMN from its decimal digits: mcc has 3 digits, mnc 2 or
// 3, such as NewPLMN("460", "01").
func NewPLMN(mcc, mnc string) (PLMN, error) {
	if len(mcc) != 3 || !allDigits(mcc) {
		return PLMN{}, errors.New("wire: MCC must be 3 decimal digits, got " + quote(mcc))
	}
	if (len(mnc) != 2 && len(mnc) != 3) || !allDigits(mnc) {
		return PLMN{}, errors.New("wire: MNC must be 2 or 3 decimal digits, got " + quote(mnc))
	}
	m3 := byte(0xf)
	if len(mnc) == 3 {
		m3 = mnc[2] - '0'
	}
	return PLMN{
		(mcc[1]-'0')<<4 | (mcc[0] - '0'),
		m3<<4 | (mcc[2] - '0'),
		(mnc[1]-'0')<<4 | (mnc[0] - '0'),
	}, nil
}

// MCC returns the Mobile Country Code as a number, such as 460.
func (p PLMN) MCC() uint16 {
	return uint16(p[0]&0xf)*100 + uint16(p[0]>>4)*10 + uint16(p[1]&0xf)
}

// MNC returns the Mobile Network Code as a number, such as 1 for "01";
// [PLMN.MNCDigits] tells whether it had 2 or 3 digits.
func (p PLMN) MNC() uint16 {
	if p.MNCDigits() == 2 {
		return uint16(p[2]&0xf)*10 + uint16(p[2]>>4)
	}
	return uint16(p[2]&0xf)*100 + uint16(p[2]>>4)*10 + uint16(p[1]>>4)
}

// MNCDigits returns 2 or 3, the number of digits of the MNC.
func (p PLMN) MNCDigits() int {
	if p[1]>>4 == 0xf {
		return 2
	}
	return 3
}

// String returns the PLMN as "MCC-MNC", such as "460-01". Digits that are
// not decimal print as hexadecimal.
func (p PLMN) String() string {
	const hex = "0123456789abcdef"
	b := []byte{hex[p[0]&0xf], hex[p[0]>>4], hex[p[1]&0xf], '-', hex[p[2]&0xf], hex[p[2]>>4]}
	if p.MNCDigits() == 3 {
		b = append(b, hex[p[1]>>4])
	}
	return string(b)
}

// TAI is a Tracking Area Identity (TS 29.274 §8.21.4): PLMN and 16-bit
// Tracking Area Code.
type TAI struct {
	PLMN PLMN
	TAC  uint16
}

// ECGI is an E-UTRAN Cell Global Identifier (TS 29.274 §8.21.5): PLMN and
// 28-bit E-UTRAN Cell Identifier (eNodeB ID << 8 | cell).
type ECGI struct {
	PLMN PLMN
	ECI  uint32
}

// UserLocationInfo is the value of 3GPP-User-Location-Info (vendor 10415,
// code 22; TS 29.061 §16.4.7.2): a Geographic Location Type octet followed
// by the location in the encoding of TS 29.274 §8.21. Decoded values alias
// the message buffer. A nil UserLocationInfo means absent.
type UserLocationInfo []byte

// Type returns the Geographic Location Type, such as [LocationTAIECGI], and
// false if u is empty.
func (u UserLocationInfo) Type() (uint8, bool) {
	if len(u) == 0 {
		return 0, false
	}
	return u[0], true
}

// TAI returns the Tracking Area Identity of a location of type 128 (TAI)
// or 130 (TAI and ECGI), and false for other types or a value too short.
func (u UserLocationInfo) TAI() (TAI, bool) {
	if len(u) < 6 || (u[0] != LocationTAI && u[0] != LocationTAIECGI) {
		return TAI{}, false
	}
	return TAI{PLMN: PLMN{u[1], u[2], u[3]}, TAC: binary.BigEndian.Uint16(u[4:6])}, true
}

// ECGI returns the E-UTRAN Cell Global Identifier of a location of type 129
// (ECGI) or 130 (TAI and ECGI), and false for other types or a value too
// short.
func (u UserLocationInfo) ECGI() (ECGI, bool) {
	var p []byte
	switch {
	case len(u) >= 8 && u[0] == LocationECGI:
		p = u[1:8]
	case len(u) >= 13 && u[0] == LocationTAIECGI:
		p = u[6:13]
	default:
		return ECGI{}, false
	}
	return ECGI{PLMN: PLMN{p[0], p[1], p[2]}, ECI: binary.BigEndian.Uint32(p[3:7]) & 0x0fffffff}, true
}

// AppendUserLocationInfo appends the value of a 3GPP-User-Location-Info
// for tai, ecgi or both (types 128, 129, 130; TS 29.061 §16.4.7.2) to dst.
// At least one of them must be non-nil; with neither it appends nothing.
func AppendUserLocationInfo(dst []byte, tai *TAI, ecgi *ECGI) []byte {
	switch {
	case tai != nil && ecgi != nil:
		dst = append(dst, LocationTAIECGI)
	case tai != nil:
		dst = append(dst, LocationTAI)
	case ecgi != nil:
		dst = append(dst, LocationECGI)
	default:
		return dst
	}
	if tai != nil {
		dst = append(dst, tai.PLMN[0], tai.PLMN[1], tai.PLMN[2], byte(tai.TAC>>8), byte(tai.TAC))
	}
	if ecgi != nil {
		eci := ecgi.ECI & 0x0fffffff
		dst = append(dst, ecgi.PLMN[0], ecgi.PLMN[1], ecgi.PLMN[2],
			byte(eci>>24), byte(eci>>16), byte(eci>>8), byte(eci))
	}
	return dst
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func quote(s string) string { return "\"" + s + "\"" }
