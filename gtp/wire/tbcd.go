package wire

import "errors"

// MaxDigits is the longest digit string a Digits holds: every 19-digit
// decimal number fits in a uint64. IMSIs have at most 15 digits, MSISDNs 15
// and IMEISVs 16.
const MaxDigits = 19

// Digits is a string of decimal digits such as an IMSI, MSISDN or IMEI held
// as a number plus its length, so that leading zeros survive and no string
// is allocated: "001010000000001" is Digits{Value: 1010000000001, N: 15}.
//
// N == 0 is the zero value and stands for an absent IE. A Digits is valid
// when N <= MaxDigits and Value < 10^N.
type Digits struct {
	Value uint64
	N     uint8
}

var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

var (
	errTBCDDigit = errors.New("wire: TBCD nibble is not a decimal digit")
	errTBCDLong  = errors.New("wire: TBCD string longer than 19 digits")
	errTBCDEmpty = errors.New("wire: empty TBCD string")
	errDigits    = errors.New("wire: digit string invalid")
)

// Valid reports whether d holds between 1 and MaxDigits digits and Value fits
// in N digits.
func (d Digits) Valid() bool {
	return d.N > 0 && d.N <= MaxDigits && d.Value < pow10[d.N]
}

// ParseDigits parses a string of 1 to MaxDigits decimal digits.
func ParseDigits(s string) (Digits, error) {
	if len(s) == 0 || len(s) > MaxDigits {
		return Digits{}, errDigits
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return Digits{}, errDigits
		}
		v = v*10 + uint64(c)
	}
	return Digits{Value: v, N: uint8(len(s))}, nil
}

// MustDigits is ParseDigits for constants in tests and examples; it panics
// on a bad string.
func MustDigits(s string) Digits {
	d, err := ParseDigits(s)
	if err != nil {
		panic(err)
	}
	return d
}

// AppendText appends the N digits of d, with leading zeros, to b.
func (d Digits) AppendText(b []byte) ([]byte, error) {
	if !d.Valid() {
		return b, errDigits
	}
	var buf [MaxDigits]byte
	v := d.Value
	for i := int(d.N) - 1; i >= 0; i-- {
		buf[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, buf[:d.N]...), nil
}

// String returns the digits, or "" for the zero value and "<invalid>" when
// d is not valid.
func (d Digits) String() string {
	if d.N == 0 {
		return ""
	}
	var buf [MaxDigits]byte
	b, err := d.AppendText(buf[:0])
	if err != nil {
		return "<invalid>"
	}
	return string(b)
}

// DecodeTBCD decodes a TBCD string (TS 29.274 §8.3, TS 29.002 TBCD-STRING):
// two digits per octet, the first in the low nibble, with 0xF filling the
// high nibble of the last octet when the count is odd.
//
//	digits 0 0 1 0 1 0 ...  ->  octets 0x00 0x10 0x10 ...
//
// A nibble other than 0–9, a filler anywhere but the last high nibble, an
// empty string or more than MaxDigits digits is an error. It does not
// allocate.
func DecodeTBCD(b []byte) (Digits, error) {
	if len(b) == 0 {
		return Digits{}, errTBCDEmpty
	}
	n := 2 * len(b)
	if b[len(b)-1]>>4 == 0xf {
		n--
	}
	if n > MaxDigits {
		return Digits{}, errTBCDLong
	}
	var v uint64
	for i, o := range b {
		lo, hi := o&0x0f, o>>4
		if lo > 9 {
			return Digits{}, errTBCDDigit
		}
		v = v*10 + uint64(lo)
		if hi > 9 {
			if hi == 0xf && i == len(b)-1 {
				break
			}
			return Digits{}, errTBCDDigit
		}
		v = v*10 + uint64(hi)
	}
	return Digits{Value: v, N: uint8(n)}, nil
}

// AppendTBCD appends d in TBCD form, padding an odd count with 0xF. It
// fails when d is not valid.
func AppendTBCD(b []byte, d Digits) ([]byte, error) {
	if !d.Valid() {
		return b, errDigits
	}
	var digits [MaxDigits + 1]byte
	v := d.Value
	for i := int(d.N) - 1; i >= 0; i-- {
		digits[i] = byte(v % 10)
		v /= 10
	}
	n := int(d.N)
	if n&1 == 1 {
		digits[n] = 0xf
		n++
	}
	for i := 0; i < n; i += 2 {
		b = append(b, digits[i]|digits[i+1]<<4)
	}
	return b, nil
}

// tbcdLen is the number of octets AppendTBCD writes for d.
func tbcdLen(d Digits) int { return (int(d.N) + 1) / 2 }
