package wire

import "errors"

// PLMN is a public land mobile network identity: mobile country code and
// mobile network code. MNC 00 and MNC 000 are different networks, so the
// MNC's digit count is kept in MNCLen. MNCLen 0 is the zero value and stands
// for an absent IE.
type PLMN struct {
	MCC    uint16 // 0–999
	MNC    uint16 // 0–99 or 0–999
	MNCLen uint8  // 2 or 3
}

var errPLMN = errors.New("wire: invalid PLMN identity")

// ParsePLMN parses an MCC and MNC given as digit strings: ParsePLMN("460",
// "00") or ParsePLMN("310", "410").
func ParsePLMN(mcc, mnc string) (PLMN, error) {
	if len(mcc) != 3 || (len(mnc) != 2 && len(mnc) != 3) {
		return PLMN{}, errPLMN
	}
	c, err := ParseDigits(mcc)
	if err != nil {
		return PLMN{}, errPLMN
	}
	n, err := ParseDigits(mnc)
	if err != nil {
		return PLMN{}, errPLMN
	}
	return PLMN{MCC: uint16(c.Value), MNC: uint16(n.Value), MNCLen: uint8(len(mnc))}, nil
}

// MustPLMN is ParsePLMN for constants in tests and examples; it panics on
// bad input.
func MustPLMN(mcc, mnc string) PLMN {
	p, err := ParsePLMN(mcc, mnc)
	if err != nil {
		panic(err)
	}
	return p
}

// Valid reports whether p is a PLMN that can be encoded.
func (p PLMN) Valid() bool {
	switch p.MNCLen {
	case 2:
		return p.MCC <= 999 && p.MNC <= 99
	case 3:
		return p.MCC <= 999 && p.MNC <= 999
	}
	return false
}

// String returns "MCC-MNC", e.g. "460-00", or "" for the zero value.
func (p PLMN) String() string {
	if p.MNCLen == 0 {
		return ""
	}
	if !p.Valid() {
		return "<invalid>"
	}
	b := make([]byte, 0, 7)
	b, _ = Digits{Value: uint64(p.MCC), N: 3}.AppendText(b)
	b = append(b, '-')
	b, _ = Digits{Value: uint64(p.MNC), N: p.MNCLen}.AppendText(b)
	return string(b)
}

// DecodePLMN decodes the 3-octet PLMN identity at the start of b
// (TS 29.274 §8.18, TS 24.008 §10.5.1.13):
//
//	octet 1  MCC digit 2 | MCC digit 1
//	octet 2  MNC digit 3 | MCC digit 3     (MNC digit 3 = 0xF for a 2-digit MNC)
//	octet 3  MNC digit 2 | MNC digit 1
func DecodePLMN(b []byte) (PLMN, error) {
	if len(b) < 3 {
		return PLMN{}, errPLMN
	}
	m1, m2, m3 := b[0]&0x0f, b[0]>>4, b[1]&0x0f
	n1, n2, n3 := b[2]&0x0f, b[2]>>4, b[1]>>4
	if m1 > 9 || m2 > 9 || m3 > 9 || n1 > 9 || n2 > 9 {
		return PLMN{}, errPLMN
	}
	p := PLMN{MCC: uint16(m1)*100 + uint16(m2)*10 + uint16(m3)}
	switch {
	case n3 == 0xf:
		p.MNC, p.MNCLen = uint16(n1)*10+uint16(n2), 2
	case n3 <= 9:
		p.MNC, p.MNCLen = uint16(n1)*100+uint16(n2)*10+uint16(n3), 3
	default:
		return PLMN{}, errPLMN
	}
	return p, nil
}

// AppendPLMN appends the 3-octet encoding of p (see DecodePLMN).
func AppendPLMN(b []byte, p PLMN) ([]byte, error) {
	if !p.Valid() {
		return b, errPLMN
	}
	return appendPLMN(b, p), nil
}

func appendPLMN(b []byte, p PLMN) []byte {
	m1, m2, m3 := byte(p.MCC/100), byte(p.MCC/10%10), byte(p.MCC%10)
	var n1, n2, n3 byte
	if p.MNCLen == 2 {
		n1, n2, n3 = byte(p.MNC/10), byte(p.MNC%10), 0xf
	} else {
		n1, n2, n3 = byte(p.MNC/100), byte(p.MNC/10%10), byte(p.MNC%10)
	}
	return append(b, m2<<4|m1, n3<<4|m3, n2<<4|n1)
}
