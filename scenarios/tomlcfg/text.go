package tomlcfg

import (
	"encoding"
	"fmt"
	"strings"
	"time"
)

// Text is a field read through its type's UnmarshalText. A bad value does
// not stop decoding: the error is kept, and Check reports it with the file,
// line and key path together with every other problem. The zero value is an
// unset field.
type Text[T any, P interface {
	*T
	encoding.TextUnmarshaler
}] struct {
	V   T
	Raw string
	Err error
	Set bool
}

// UnmarshalText records the value or the error; it never fails.
func (t *Text[T, P]) UnmarshalText(b []byte) error {
	t.Raw, t.Set = string(b), true
	if err := P(&t.V).UnmarshalText(b); err != nil {
		t.Err = err
	}
	return nil
}

// Check reports t's parse error, if any, as a problem at key; it returns
// whether t is set and good, that is whether t.V is to be used.
func Check[T any, P interface {
	*T
	encoding.TextUnmarshaler
}](c *Checker, key string, t *Text[T, P]) bool {
	if t.Err != nil {
		c.Bad(key, "%v", t.Err)
		return false
	}
	return t.Set
}

// Duration is a time.Duration read as "30s", "1h30m" or "2d" (days).
type Duration time.Duration

// UnmarshalText reads a duration; "d" suffixes count days.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if strings.HasSuffix(s, "d") {
		var days float64
		if _, err := fmt.Sscanf(strings.TrimSuffix(s, "d"), "%g", &days); err != nil || days < 0 {
			return fmt.Errorf("want a duration such as 30s, 5m, 2h or 3d, got %q", s)
		}
		*d = Duration(days * float64(24*time.Hour))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 30s, 5m, 2h or 3d, got %q", s)
	}
	*d = Duration(v)
	return nil
}

// Time is an RFC 3339 time, e.g. "2026-03-31T23:59:00+08:00".
type Time time.Time

// UnmarshalText reads an RFC 3339 time.
func (t *Time) UnmarshalText(b []byte) error {
	v, err := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("want an RFC 3339 time such as 2026-03-31T23:59:00+08:00, got %q", b)
	}
	*t = Time(v)
	return nil
}

// Percent is a share written "5%" or "0.05".
type Percent float64

// UnmarshalText reads "5%" or a fraction.
func (p *Percent) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	var v float64
	pct := strings.HasSuffix(s, "%")
	if _, err := fmt.Sscanf(strings.TrimSuffix(s, "%"), "%g", &v); err != nil {
		return fmt.Errorf("want a share such as 5%% or 0.05, got %q", s)
	}
	if pct {
		v /= 100
	}
	if v < 0 || v > 1 {
		return fmt.Errorf("want a share from 0 to 100%%, got %q", s)
	}
	*p = Percent(v)
	return nil
}
