package sim

import (
	"errors"
	"strconv"
	"strings"
)

// Money is an amount in millionths of the currency unit (micro-yuan). An
// integer keeps balances exact under millions of charges per second; a
// price of 0.29 per MB charged per byte still rounds only at the micro unit.
type Money int64

// Yuan is one currency unit.
const Yuan Money = 1_000_000

// String formats the amount with two decimals, e.g. "12.34" (rounded toward zero).
func (m Money) String() string {
	neg := m < 0
	if neg {
		m = -m
	}
	whole := int64(m / Yuan)
	cents := int64(m%Yuan) / 10_000
	s := strconv.FormatInt(whole, 10) + "." + string(rune('0'+cents/10)) + string(rune('0'+cents%10))
	if neg {
		s = "-" + s
	}
	return s
}

// ParseMoney reads a decimal amount such as "5", "0.29" or "-12.5".
func ParseMoney(s string) (Money, error) {
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	whole, frac, _ := strings.Cut(t, ".")
	if whole == "" && frac == "" {
		return 0, errors.New("want an amount such as 5 or 0.29, got " + strconv.Quote(s))
	}
	if len(frac) > 6 {
		return 0, errors.New("want at most 6 decimals, got " + strconv.Quote(s))
	}
	var m Money
	if whole != "" {
		w, err := strconv.ParseUint(whole, 10, 40)
		if err != nil {
			return 0, errors.New("want an amount such as 5 or 0.29, got " + strconv.Quote(s))
		}
		m = Money(w) * Yuan
	}
	if frac != "" {
		f, err := strconv.ParseUint(frac+strings.Repeat("0", 6-len(frac)), 10, 32)
		if err != nil {
			return 0, errors.New("want an amount such as 5 or 0.29, got " + strconv.Quote(s))
		}
		m += Money(f)
	}
	if neg {
		m = -m
	}
	return m, nil
}

// UnmarshalText lets configuration files write amounts as strings or numbers.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// MarshalText writes the amount as ParseMoney reads it, without losing precision.
func (m Money) MarshalText() ([]byte, error) {
	neg := m < 0
	if neg {
		m = -m
	}
	s := strconv.FormatInt(int64(m/Yuan), 10)
	if f := int64(m % Yuan); f != 0 {
		fs := strconv.FormatInt(f+1_000_000, 10)[1:]
		s += "." + strings.TrimRight(fs, "0")
	}
	if neg {
		s = "-" + s
	}
	return []byte(s), nil
}

// overageCost is what bytes of overage cost at pricePerMB, rounded up to the
// micro unit so that no byte is ever free. Computed in two parts to stay in
// 64 bits for any realistic grant.
func overageCost(bytes uint64, pricePerMB Money) Money {
	if bytes == 0 || pricePerMB <= 0 {
		return 0
	}
	p := uint64(pricePerMB)
	hi := (bytes >> 20) * p
	lo := ((bytes&(1<<20-1))*p + (1<<20 - 1)) >> 20
	return Money(hi + lo)
}

// affordableBytes is the most bytes whose overageCost does not exceed m.
func affordableBytes(m Money, pricePerMB Money) uint64 {
	if m <= 0 || pricePerMB <= 0 {
		return 0
	}
	return uint64(m) << 20 / uint64(pricePerMB)
}
