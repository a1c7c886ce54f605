package sim

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// This file models the devices' side of the simulation: how often sessions
// start, how long they last and how much they use. Load generators for
// either protocol put these behaviours on the wire; the carrier core itself
// never reads them.

// Rate is an arrival rate in events per second; in configuration it reads
// "5000/s", "300/m", "20/h" or a plain number per second.
type Rate float64

// ParseRate reads a rate such as "5000/s".
func ParseRate(s string) (Rate, error) {
	t := strings.TrimSpace(s)
	num, unit, found := strings.Cut(t, "/")
	per := 1.0
	if found {
		switch strings.TrimSpace(unit) {
		case "s", "sec", "second":
		case "m", "min", "minute":
			per = 60
		case "h", "hour":
			per = 3600
		default:
			return 0, fmt.Errorf("want a rate such as \"5000/s\", got %q", s)
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("want a rate >= 0 such as \"5000/s\", got %q", s)
	}
	return Rate(v / per), nil
}

// UnmarshalText reads a rate (see ParseRate).
func (r *Rate) UnmarshalText(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalText writes "N/s".
func (r Rate) MarshalText() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(r), 'f', -1, 64) + "/s"), nil
}

// distKind is the family of a distribution.
type distKind uint8

const (
	distConst distKind = iota
	distUniform
	distExp
	distNormal
	distLogNormal
)

// Dist is a distribution of non-negative values: const(x), uniform(a,b),
// exp(mean), normal(mean,sd) (truncated at 0) or lognormal(median,sigma).
// A plain value means const. Values are in the unit of the typed wrappers
// (DurationDist in seconds, BytesDist in bytes, CountDist in units).
type Dist struct {
	kind distKind
	a, b float64
}

// Const returns a constant distribution.
func Const(v float64) Dist { return Dist{kind: distConst, a: v} }

// Uniform returns a uniform distribution over [a, b].
func Uniform(a, b float64) Dist { return Dist{kind: distUniform, a: a, b: b} }

// Exp returns an exponential distribution with the given mean.
func Exp(mean float64) Dist { return Dist{kind: distExp, a: mean} }

// Mean returns the distribution's mean.
func (d Dist) Mean() float64 {
	switch d.kind {
	case distUniform:
		return (d.a + d.b) / 2
	case distLogNormal:
		return d.a * math.Exp(d.b*d.b/2)
	}
	return d.a
}

// Sample draws a value using u1, u2: two independent uniform 64-bit values
// (the caller's generator; Sample keeps no state and never allocates).
func (d Dist) Sample(u1, u2 uint64) float64 {
	f1 := (float64(u1>>11) + 0.5) / (1 << 53)
	switch d.kind {
	case distUniform:
		return d.a + (d.b-d.a)*f1
	case distExp:
		return -d.a * math.Log(f1)
	case distNormal, distLogNormal:
		f2 := (float64(u2>>11) + 0.5) / (1 << 53)
		z := math.Sqrt(-2*math.Log(f1)) * math.Cos(2*math.Pi*f2)
		if d.kind == distLogNormal {
			return d.a * math.Exp(d.b*z)
		}
		return math.Max(0, d.a+d.b*z)
	}
	return d.a
}

// parseDist reads name(args) with each argument read by num.
func parseDist(s string, num func(string) (float64, error)) (Dist, error) {
	t := strings.TrimSpace(s)
	open := strings.IndexByte(t, '(')
	if open < 0 {
		v, err := num(t)
		if err != nil {
			return Dist{}, err
		}
		return Const(v), nil
	}
	if !strings.HasSuffix(t, ")") {
		return Dist{}, fmt.Errorf("want name(args) such as uniform(1,5), got %q", s)
	}
	name := strings.ToLower(strings.TrimSpace(t[:open]))
	var args []float64
	for _, a := range strings.Split(t[open+1:len(t)-1], ",") {
		v, err := num(strings.TrimSpace(a))
		if err != nil {
			return Dist{}, err
		}
		args = append(args, v)
	}
	want := map[string]int{"const": 1, "uniform": 2, "exp": 1, "normal": 2, "lognormal": 2}
	n, ok := want[name]
	if !ok {
		return Dist{}, fmt.Errorf("want const, uniform, exp, normal or lognormal, got %q", name)
	}
	if len(args) != n {
		return Dist{}, fmt.Errorf("%s takes %d arguments, got %d in %q", name, n, len(args), s)
	}
	for _, a := range args {
		if a < 0 {
			return Dist{}, fmt.Errorf("want values >= 0, got %q", s)
		}
	}
	switch name {
	case "const":
		return Const(args[0]), nil
	case "uniform":
		if args[1] < args[0] {
			return Dist{}, fmt.Errorf("uniform(a,b) wants a <= b, got %q", s)
		}
		return Uniform(args[0], args[1]), nil
	case "exp":
		return Exp(args[0]), nil
	case "normal":
		return Dist{kind: distNormal, a: args[0], b: args[1]}, nil
	}
	return Dist{kind: distLogNormal, a: args[0], b: args[1]}, nil
}

// DurationDist is a distribution of durations, e.g. "exp(30s)" or
// "uniform(1s,5s)" or "10s". Sample returns seconds.
type DurationDist struct{ Dist }

// UnmarshalText reads a duration distribution.
func (d *DurationDist) UnmarshalText(b []byte) error {
	v, err := parseDist(string(b), func(s string) (float64, error) {
		x, err := time.ParseDuration(s)
		if err != nil || x < 0 {
			return 0, fmt.Errorf("want a duration such as 30s, got %q", s)
		}
		return x.Seconds(), nil
	})
	if err != nil {
		return err
	}
	d.Dist = v
	return nil
}

// Duration draws a duration.
func (d DurationDist) Duration(u1, u2 uint64) time.Duration {
	return time.Duration(d.Sample(u1, u2) * float64(time.Second))
}

// BytesDist is a distribution of volumes, e.g. "exp(200KB)" or "1MB".
type BytesDist struct{ Dist }

// UnmarshalText reads a volume distribution.
func (d *BytesDist) UnmarshalText(b []byte) error {
	v, err := parseDist(string(b), func(s string) (float64, error) {
		x, err := ParseBytes(s)
		return float64(x), err
	})
	if err != nil {
		return err
	}
	d.Dist = v
	return nil
}

// CountDist is a distribution of counts, e.g. "uniform(1,5)" or "3".
type CountDist struct{ Dist }

// UnmarshalText reads a count distribution.
func (d *CountDist) UnmarshalText(b []byte) error {
	v, err := parseDist(string(b), func(s string) (float64, error) {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("want a number, got %q", s)
		}
		return x, nil
	})
	if err != nil {
		return err
	}
	d.Dist = v
	return nil
}

// Count draws a whole count (rounded).
func (d CountDist) Count(u1, u2 uint64) int { return int(math.Round(d.Sample(u1, u2))) }

// Cohort selects cards: a range of card indexes, optionally only those on
// given plans or with given home regions.
type Cohort struct {
	// First and Count bound the range of card indexes (Count 0: to the end).
	First, Count int
	// Plans and Regions filter by plan name and home region (empty: any).
	Plans   []string
	Regions []string
}

// CohortSet is a resolved Cohort: it picks a member uniformly and tells
// membership. It is immutable and safe for concurrent use.
type CohortSet struct {
	lo, n   uint32
	members []uint32 // nil when every card in [lo, lo+n) is a member
	in      []uint64 // bit set over card indexes when filtered
}

// ErrEmptyCohort is returned when a cohort selects no card.
var ErrEmptyCohort = errors.New("sim: the cohort selects no card")

// Resolve turns a Cohort into the set of its cards.
func (c *Carrier) Resolve(co Cohort) (*CohortSet, error) {
	total := len(c.recs)
	if co.First < 0 || co.First >= total {
		return nil, fmt.Errorf("sim: cohort first: want 0..%d, got %d", total-1, co.First)
	}
	n := co.Count
	if n == 0 || co.First+n > total {
		n = total - co.First
	}
	if n < 0 {
		return nil, fmt.Errorf("sim: cohort count: want >= 0, got %d", co.Count)
	}
	s := &CohortSet{lo: uint32(co.First), n: uint32(n)}
	if len(co.Plans) == 0 && len(co.Regions) == 0 {
		return s, nil
	}
	var plans [65536 / 64]uint64
	for _, p := range co.Plans {
		pi, ok := c.planIdx[p]
		if !ok {
			return nil, fmt.Errorf("sim: cohort plans: unknown plan %q", p)
		}
		plans[pi/64] |= 1 << (pi % 64)
	}
	var regs regionSet
	for _, r := range co.Regions {
		id, err := c.regions.lookup(r)
		if err != nil {
			return nil, fmt.Errorf("sim: cohort regions: %w", err)
		}
		regs.add(id)
	}
	s.in = make([]uint64, (total+63)/64)
	for i := co.First; i < co.First+n; i++ {
		r := &c.recs[i]
		if len(co.Plans) > 0 && plans[r.plan/64]&(1<<(r.plan%64)) == 0 {
			continue
		}
		if len(co.Regions) > 0 && !regs.has(r.home) {
			continue
		}
		s.members = append(s.members, uint32(i))
		s.in[i/64] |= 1 << (i % 64)
	}
	if len(s.members) == 0 {
		return nil, ErrEmptyCohort
	}
	s.n = uint32(len(s.members))
	return s, nil
}

// Len returns the number of cards in the set.
func (s *CohortSet) Len() int { return int(s.n) }

// Pick maps a uniform 64-bit value to a member.
func (s *CohortSet) Pick(u uint64) uint32 {
	k := uint32((u >> 32) * uint64(s.n) >> 32)
	if s.members != nil {
		return s.members[k]
	}
	return s.lo + k
}

// At returns the k-th member (0 <= k < Len).
func (s *CohortSet) At(k int) uint32 {
	if s.members != nil {
		return s.members[k]
	}
	return s.lo + uint32(k)
}

// Contains reports whether card i is in the set.
func (s *CohortSet) Contains(i uint32) bool {
	if s.in != nil {
		return int(i/64) < len(s.in) && s.in[i/64]&(1<<(i%64)) != 0
	}
	return i >= s.lo && i-s.lo < s.n
}

// Shard returns the set's cards that belong to shard i of n: card c
// belongs to shard c mod n. Every cohort of a scenario is cut by the same
// rule, so shard i's load phases, events and census all touch the same
// slice of the population, and the n slices are disjoint and cover the set.
// A slice may be empty (a small cohort and many shards): the result then
// has Len 0 and must not be picked from.
func (s *CohortSet) Shard(i, n int) (*CohortSet, error) {
	if n <= 1 {
		return s, nil
	}
	if i < 0 || i >= n {
		return nil, fmt.Errorf("sim: shard %d of %d: want 0 <= index < count", i, n)
	}
	out := &CohortSet{members: []uint32{}}
	maxIdx := uint32(0)
	for k := 0; k < s.Len(); k++ {
		if m := s.At(k); int(m%uint32(n)) == i {
			out.members = append(out.members, m)
			maxIdx = max(maxIdx, m)
		}
	}
	out.n = uint32(len(out.members))
	out.in = make([]uint64, maxIdx/64+1)
	for _, m := range out.members {
		out.in[m/64] |= 1 << (m % 64)
	}
	return out, nil
}

// Scaled returns the distribution of f times the values (f > 0).
func (d Dist) Scaled(f float64) Dist {
	switch d.kind {
	case distLogNormal:
		return Dist{kind: d.kind, a: d.a * f, b: d.b}
	}
	return Dist{kind: d.kind, a: d.a * f, b: d.b * f}
}
