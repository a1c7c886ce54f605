package sim

import "errors"

// Identities are kept as integers: an IMSI has at most 15 digits, an MSISDN
// at most 15 (E.164), an IMEI body 14 and an ICCID body 19, all below 2^64.

var errDigits = errors.New("want only decimal digits")

// parseDigits reads s as a decimal number of minDigits..maxDigits digits.
func parseDigits(s string, minDigits, maxDigits int) (uint64, error) {
	if len(s) < minDigits || len(s) > maxDigits {
		return 0, errors.New("want " + itoa(uint64(minDigits)) + ".." + itoa(uint64(maxDigits)) + " digits, got " + itoa(uint64(len(s))))
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, errDigits
		}
		v = v*10 + uint64(c-'0')
	}
	return v, nil
}

// luhn returns the Luhn check digit (ISO/IEC 7812) of the number body.
func luhn(body uint64) uint64 {
	sum := uint64(0)
	double := true // the rightmost digit of the body is doubled
	for body > 0 {
		d := body % 10
		body /= 10
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return (10 - sum%10) % 10
}

// Luhn returns the Luhn check digit of a number body (IMEI, ICCID).
func Luhn(body uint64) uint64 { return luhn(body) }

// IMEIBody reduces an IMEI (15 digits with check digit) or an IMEISV (16
// digits with software version) to its 14-digit TAC+serial body, which is what
// the binding rule compares: the check digit and software version do not
// identify the device.
func IMEIBody(v uint64, digits int) uint64 {
	switch digits {
	case 15:
		return v / 10
	case 16:
		return v / 100
	}
	return v
}

// FullIMEI returns the 15-digit IMEI (body and Luhn check digit) of a body.
func FullIMEI(body uint64) uint64 { return body*10 + luhn(body) }

// parseIMEI reads a 14-digit body or a 15-digit IMEI whose last digit must be
// its Luhn check digit, and returns the body.
func parseIMEI(s string) (uint64, error) {
	v, err := parseDigits(s, 14, 15)
	if err != nil {
		return 0, err
	}
	if len(s) == 15 {
		if luhn(v/10) != v%10 {
			return 0, errors.New("want a valid Luhn check digit in the 15th position, got " + s[14:])
		}
		v /= 10
	}
	return v, nil
}

// parseICCID reads a 19-digit body or a 20-digit ICCID whose last digit must
// be its Luhn check digit (E.118), and returns the body. Twenty digits do not
// fit in 64 bits, so the check digit is verified and dropped.
func parseICCID(s string) (uint64, error) {
	if len(s) != 20 {
		return parseDigits(s, 19, 19)
	}
	body, err := parseDigits(s[:19], 19, 19)
	if err != nil {
		return 0, err
	}
	if s[19] < '0' || s[19] > '9' {
		return 0, errDigits
	}
	if luhn(body) != uint64(s[19]-'0') {
		return 0, errors.New("want a valid Luhn check digit in the 20th position, got " + s[19:])
	}
	return body, nil
}
