package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Cycle is a plan's billing cycle. Cycles follow the calendar in the
// carrier's time zone: a quarterly plan renews on 1 January, 1 April, ...
type Cycle uint8

// Cycles.
const (
	CycleMonth Cycle = iota
	CycleQuarter
	CycleYear
)

// months is the cycle's length in months.
func (c Cycle) months() int32 {
	switch c {
	case CycleQuarter:
		return 3
	case CycleYear:
		return 12
	}
	return 1
}

// String returns "month", "quarter" or "year".
func (c Cycle) String() string {
	switch c {
	case CycleQuarter:
		return "quarter"
	case CycleYear:
		return "year"
	}
	return "month"
}

// UnmarshalText reads "month", "quarter" or "year".
func (c *Cycle) UnmarshalText(b []byte) error {
	switch string(b) {
	case "month", "monthly":
		*c = CycleMonth
	case "quarter", "quarterly":
		*c = CycleQuarter
	case "year", "yearly", "annual":
		*c = CycleYear
	default:
		return fmt.Errorf("want month, quarter or year, got %q", b)
	}
	return nil
}

// MarshalText writes the cycle as UnmarshalText reads it.
func (c Cycle) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Overage is what happens when a cycle's allowance is used up.
type Overage uint8

// Overage policies.
const (
	// OverageStop cuts data at once and resumes the card by itself at the next
	// cycle start (the automatic over-quota stop).
	OverageStop Overage = iota
	// OveragePayPerUse keeps serving, charging OveragePerMB from the balance.
	OveragePayPerUse
)

// String returns "stop" or "pay_per_use".
func (o Overage) String() string {
	if o == OveragePayPerUse {
		return "pay_per_use"
	}
	return "stop"
}

// UnmarshalText reads "stop" or "pay_per_use".
func (o *Overage) UnmarshalText(b []byte) error {
	switch string(b) {
	case "stop":
		*o = OverageStop
	case "pay_per_use", "pay-per-use", "payg":
		*o = OveragePayPerUse
	default:
		return fmt.Errorf("want stop or pay_per_use, got %q", b)
	}
	return nil
}

// MarshalText writes the policy as UnmarshalText reads it.
func (o Overage) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Bytes is a data volume; in configuration it reads "30MB", "1.5GiB", "512k"
// or a plain number of bytes. MB and MiB are both 2^20: carriers bill IoT
// plans in binary units.
type Bytes uint64

// Byte sizes.
const (
	KB Bytes = 1 << 10
	MB Bytes = 1 << 20
	GB Bytes = 1 << 30
)

// ParseBytes reads a volume such as "30MB", "1.5GiB", "512k" or "1048576".
func ParseBytes(s string) (Bytes, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') && t[i-1] != '.' {
		i--
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	var mul float64
	switch unit {
	case "", "b":
		mul = 1
	case "k", "kb", "kib":
		mul = float64(KB)
	case "m", "mb", "mib":
		mul = float64(MB)
	case "g", "gb", "gib":
		mul = float64(GB)
	case "t", "tb", "tib":
		mul = float64(GB) * 1024
	default:
		return 0, fmt.Errorf("want a volume such as 30MB or 1GiB, got %q", s)
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("want a volume such as 30MB or 1GiB, got %q", s)
	}
	return Bytes(v * mul), nil
}

// UnmarshalText reads a volume (see ParseBytes).
func (b *Bytes) UnmarshalText(t []byte) error {
	v, err := ParseBytes(string(t))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// String formats the volume with a binary unit, e.g. "30MB".
func (b Bytes) String() string {
	switch {
	case b >= GB && b%GB == 0:
		return strconv.FormatUint(uint64(b/GB), 10) + "GB"
	case b >= MB && b%MB == 0:
		return strconv.FormatUint(uint64(b/MB), 10) + "MB"
	case b >= KB && b%KB == 0:
		return strconv.FormatUint(uint64(b/KB), 10) + "KB"
	}
	return strconv.FormatUint(uint64(b), 10) + "B"
}

// MarshalText writes the volume as UnmarshalText reads it.
func (b Bytes) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// Plan is a package: what a card may use per cycle and what it costs.
type Plan struct {
	// Name identifies the plan in specs, CSV files and results.
	Name string `toml:"name" json:"name"`
	// Allowance is the data volume per cycle.
	Allowance Bytes `toml:"allowance" json:"allowance"`
	// Cycle is the billing cycle (month by default).
	Cycle Cycle `toml:"cycle" json:"cycle"`
	// Price is charged from the balance at each cycle start.
	Price Money `toml:"price" json:"price"`
	// Overage says what happens past the allowance (stop by default).
	Overage Overage `toml:"overage" json:"overage"`
	// OveragePerMB is the pay-per-use price of one MB past the allowance.
	OveragePerMB Money `toml:"overage_per_mb" json:"overage_per_mb"`
	// SMS and Voice allow those services; IoT cards are data only unless
	// the contract says otherwise (function minimisation).
	SMS   bool `toml:"sms" json:"sms"`
	Voice bool `toml:"voice" json:"voice"`
	// FinalAction is what the network does with the last units of the
	// allowance (terminate by default; redirect or restrict where configured).
	FinalAction FinalAction `toml:"-" json:"-"`
	// FinalActionName is FinalAction as configuration files spell it.
	FinalActionName string `toml:"final_action" json:"final_action,omitempty"`
}

// services returns the plan's allowed services.
func (p *Plan) services() ServiceSet {
	s := Services(ServiceData)
	if p.SMS {
		s |= 1 << ServiceSMS
	}
	if p.Voice {
		s |= 1 << ServiceVoice
	}
	return s
}

// DefaultPlans are typical IoT packages: small monthly data plans, as
// regulation steers IoT cards to under 100 MB a month, plus a quarterly, a
// yearly and a pay-per-use plan.
func DefaultPlans() []Plan {
	return []Plan{
		{Name: "iot-10m", Allowance: 10 * MB, Cycle: CycleMonth, Price: 2 * Yuan},
		{Name: "iot-30m", Allowance: 30 * MB, Cycle: CycleMonth, Price: 5 * Yuan},
		{Name: "iot-100m", Allowance: 100 * MB, Cycle: CycleMonth, Price: 10 * Yuan},
		{Name: "iot-300m-quarter", Allowance: 300 * MB, Cycle: CycleQuarter, Price: 25 * Yuan},
		{Name: "iot-1g-year", Allowance: 1 * GB, Cycle: CycleYear, Price: 60 * Yuan},
		{Name: "iot-payg", Allowance: 50 * MB, Cycle: CycleMonth, Price: 6 * Yuan,
			Overage: OveragePayPerUse, OveragePerMB: 290_000, SMS: true},
	}
}

// validatePlans checks plans and returns every problem found.
func validatePlans(plans []Plan) []error {
	var errs []error
	seen := map[string]bool{}
	if len(plans) == 0 {
		errs = append(errs, errors.New("plans: want at least one plan, got none"))
	}
	if len(plans) > 65535 {
		errs = append(errs, fmt.Errorf("plans: want at most 65535 plans, got %d", len(plans)))
	}
	for i := range plans {
		p := &plans[i]
		where := fmt.Sprintf("plans[%d]", i)
		if p.Name == "" {
			errs = append(errs, fmt.Errorf("%s.name: want a name, got none", where))
		} else if seen[p.Name] {
			errs = append(errs, fmt.Errorf("%s.name: want a unique name, got %q twice", where, p.Name))
		}
		seen[p.Name] = true
		if p.Allowance == 0 && p.Overage == OverageStop {
			errs = append(errs, fmt.Errorf("%s.allowance: want a volume > 0 for a plan that stops at its allowance, got 0", where))
		}
		if p.Price < 0 {
			errs = append(errs, fmt.Errorf("%s.price: want a price >= 0, got %s", where, p.Price))
		}
		if p.Overage == OveragePayPerUse && p.OveragePerMB <= 0 {
			errs = append(errs, fmt.Errorf("%s.overage_per_mb: want a price > 0 for pay_per_use, got %s", where, p.OveragePerMB))
		}
		if p.FinalActionName != "" {
			fa, ok := ParseFinalAction(p.FinalActionName)
			if !ok || fa == FinalNone {
				errs = append(errs, fmt.Errorf("%s.final_action: want terminate, redirect or restrict, got %q", where, p.FinalActionName))
			} else {
				p.FinalAction = fa
			}
		}
		if p.FinalAction == FinalNone {
			p.FinalAction = FinalTerminate
		}
	}
	return errs
}
