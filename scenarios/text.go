package scenarios

import (
	"encoding"

	"github.com/carriersim/carriersim/scenarios/tomlcfg"
)

// The field types of scenario files live in package scenarios/tomlcfg,
// which the configuration of `carriersim serve` shares; these names keep
// them reachable from here.

// Text is a scenario field read through its type's UnmarshalText
// (tomlcfg.Text): a bad value is kept and reported with every other problem.
type Text[T any, P interface {
	*T
	encoding.TextUnmarshaler
}] = tomlcfg.Text[T, P]

// Duration is a time.Duration read as "30s", "1h30m" or "2d" (days).
type Duration = tomlcfg.Duration

// Time is an RFC 3339 time, e.g. "2026-03-31T23:59:00+08:00".
type Time = tomlcfg.Time

// Percent is a share written "5%" or "0.05".
type Percent = tomlcfg.Percent
