package wire

import "errors"

// MaxAPNLen is the longest APN in octets as encoded on the wire (TS 23.003
// §9.1). Its dotted form is one octet shorter.
const MaxAPNLen = 100

// APN is an access point name held in dotted form ("iot.example.mnc000.mcc460.gprs")
// in a fixed array, so decoding one from a message does not allocate. The
// zero value is the empty APN and stands for an absent IE. APNs compare with
// ==.
type APN struct {
	n uint8
	b [MaxAPNLen]byte
}

var errAPN = errors.New("wire: invalid APN")

// ParseAPN returns the APN for a dotted name. Each label must be 1 to 63
// octets and the encoded name at most MaxAPNLen octets.
func ParseAPN(s string) (APN, error) {
	var a APN
	if len(s) == 0 || len(s)+1 > MaxAPNLen {
		return a, errAPN
	}
	label := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			if label == 0 {
				return a, errAPN
			}
			label = 0
			continue
		}
		label++
		if label > 63 {
			return a, errAPN
		}
	}
	if label == 0 {
		return a, errAPN
	}
	a.n = uint8(copy(a.b[:], s))
	return a, nil
}

// MustAPN is ParseAPN for constants in tests and examples; it panics on a
// bad name.
func MustAPN(s string) APN {
	a, err := ParseAPN(s)
	if err != nil {
		panic(err)
	}
	return a
}

// Len returns the length of the dotted name.
func (a *APN) Len() int { return int(a.n) }

// Bytes returns the dotted name. The slice aliases a.
func (a *APN) Bytes() []byte { return a.b[:a.n] }

// String returns the dotted name.
func (a APN) String() string { return string(a.b[:a.n]) }

// IsZero reports whether a is empty, that is absent.
func (a APN) IsZero() bool { return a.n == 0 }

// decodeAPN turns the label form of TS 29.274 §8.6 / TS 23.003 §9.1
// ("\x03iot\x07example") into the dotted name, in place in a. A label that is
// empty, longer than 63 octets, contains a '.', or overruns the value makes
// the IE incorrect; a is then left zero.
func (a *APN) decode(v []byte) bool {
	if !a.decodeLabels(v) {
		*a = APN{}
		return false
	}
	return true
}

func (a *APN) decodeLabels(v []byte) bool {
	if len(v) < 2 || len(v) > MaxAPNLen {
		return false
	}
	n := 0
	for i := 0; i < len(v); {
		l := int(v[i])
		i++
		if l == 0 || l > 63 || i+l > len(v) {
			return false
		}
		if n > 0 {
			a.b[n] = '.'
			n++
		}
		for _, c := range v[i : i+l] {
			if c == '.' {
				return false
			}
			a.b[n] = c
			n++
		}
		i += l
	}
	a.n = uint8(n)
	return true
}

// appendLabels appends the label form of a.
func (a *APN) appendLabels(b []byte) []byte {
	s := a.b[:a.n]
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '.' {
			i++
		}
		b = append(b, byte(i))
		b = append(b, s[:i]...)
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return b
}

// valid reports whether a (possibly built by decoding) can be encoded:
// ParseAPN's rules.
func (a *APN) valid() bool {
	if a.n == 0 || int(a.n)+1 > MaxAPNLen {
		return false
	}
	label := 0
	for _, c := range a.b[:a.n] {
		if c == '.' {
			if label == 0 {
				return false
			}
			label = 0
			continue
		}
		label++
		if label > 63 {
			return false
		}
	}
	return label > 0
}
