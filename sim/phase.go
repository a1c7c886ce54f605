package sim

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Phase is a load phase as a load generator runs it: sessions of a cohort's
// cards start at an open-loop arrival rate, each reporting usage Updates
// times, Interval apart, Usage each time. Both protocol load generators
// (Gy, GTP) take the same Phase.
type Phase struct {
	Name string
	// Start is the wall-clock instant the phase begins; Duration how long
	// sessions keep starting.
	Start    time.Time
	Duration time.Duration
	// Rate is the session arrival rate at the start, RampTo at the end
	// (0: constant).
	Rate, RampTo Rate
	Cohort       *CohortSet
	Updates      CountDist
	Interval     DurationDist
	Usage        BytesDist
	// Request is the volume asked per request (0: the carrier's default).
	Request uint64
	// ShardIndex and ShardCount, when ShardCount > 1, keep only one load
	// generator's share of the phase: arrival n (from 0) of the schedule at
	// Rate belongs to shard n mod ShardCount. ShardCount generators, one per
	// index, then send together exactly the arrivals one generator would
	// send at Rate, at the same instants; each sends 1/ShardCount of them.
	ShardIndex, ShardCount int
}

// Arrivals computes a phase's intended session start times, open loop: each
// is derived from the phase start and the rate, never from when the previous
// request actually went out, so a generator that falls behind can count how
// late it is instead of silently slowing down (k6's constant-arrival-rate).
// For a linear ramp the n-th arrival solves rate integral = n exactly.
//
// An Arrivals is not safe for concurrent use.
type Arrivals struct {
	r0, r1 float64 // per second at the start and at the end
	d      float64 // seconds
	n      float64 // the schedule's arrival handed out last (1-based; 0 before the first)
	first  float64 // the schedule's first arrival of this shard (1-based)
	step   float64 // shards: every step-th arrival of the schedule is this one's
	last   float64 // the schedule's last arrival (1-based)
}

// NewArrivals returns the arrival schedule of p: of the whole phase, or of
// its shard when p.ShardCount > 1.
func NewArrivals(p *Phase) *Arrivals {
	a := &Arrivals{r0: float64(p.Rate), r1: float64(p.RampTo), d: p.Duration.Seconds(), first: 1, step: 1}
	if p.RampTo == 0 {
		a.r1 = a.r0
	}
	a.last = math.Floor((a.r0+a.r1)/2*a.d + 1e-9)
	if p.ShardCount > 1 {
		a.first, a.step = float64(p.ShardIndex+1), float64(p.ShardCount)
	}
	return a
}

// Total returns the number of arrivals in the phase (of this shard).
func (a *Arrivals) Total() int {
	if a.last < a.first {
		return 0
	}
	return int((a.last-a.first)/a.step) + 1
}

// Next returns the offset from the phase start of the next arrival, or
// false when the phase has no more.
func (a *Arrivals) Next() (time.Duration, bool) {
	next := a.first
	if a.n > 0 {
		next = a.n + a.step
	}
	if next > a.last {
		return 0, false
	}
	a.n = next
	// Solve r0*t + (r1-r0)/(2d)*t^2 = n for t.
	var t float64
	k := (a.r1 - a.r0) / (2 * a.d)
	if math.Abs(k) < 1e-12 {
		t = a.n / a.r0
	} else {
		t = (-a.r0 + math.Sqrt(a.r0*a.r0+4*k*a.n)) / (2 * k)
	}
	// The first arrival is at the start of its interval, not its end.
	t -= 1 / math.Max(a.rateAt(t), 1e-9)
	if t < 0 {
		t = 0
	}
	return time.Duration(t * float64(time.Second)), true
}

func (a *Arrivals) rateAt(t float64) float64 {
	if a.d == 0 {
		return a.r0
	}
	return a.r0 + (a.r1-a.r0)*math.Min(t/a.d, 1)
}

// DrainGap is the gap a load generator leaves between the ends (CCR-T,
// Delete Session) of the n sessions it drains: 100 µs, or less so that
// the drain takes a second at most. Ending every session at one instant
// is a burst no phase asked for: it queued a few milliseconds and made
// the last second's CCR-T p99 5 ms in carriersim run smoke (1,258 CCR-Ts
// in that second against ~400 in the others).
func DrainGap(n int) time.Duration {
	const gap, spread = 100 * time.Microsecond, time.Second
	if n <= 0 {
		return gap
	}
	return min(gap, spread/time.Duration(n))
}

// DrainSchedule hands out the instants (in a load generator's own
// nanosecond clock) at which the n sessions it drains from now end:
// DrainGap(n) apart, in the order asked for.
type DrainSchedule struct{ now, gap, k int64 }

// NewDrainSchedule spreads the ends of n sessions from now.
func NewDrainSchedule(now int64, n int) DrainSchedule {
	return DrainSchedule{now: now, gap: int64(DrainGap(n))}
}

// Next returns when the next session ends: its slot in the spread, or due,
// when its own next request was due sooner (but not before now).
func (d *DrainSchedule) Next(due int64) int64 {
	at := d.now + d.k*d.gap
	d.k++
	if due < at {
		return max(due, d.now)
	}
	return at
}

// Devices is where the simulated devices are and which device each card is
// in, as timeline events change them: a cohort roams into another region,
// or its cards are moved into other devices. Load generators read it for
// every request; reads take no lock.
//
// Devices is safe for concurrent use.
type Devices struct {
	c   *Carrier
	mu  sync.Mutex
	cur atomic.Pointer[[]deviceOverride]
}

// deviceOverride is one event's change; the latest matching one wins.
type deviceOverride struct {
	co     *CohortSet
	moves  bool     // changes the location: to region, or home when region is NoRegion
	region RegionID //
	swaps  bool     // changes the device: swapped or back in its own
	swap   bool
}

// NewDevices returns the devices of c's cards, all at home in their own
// devices.
func NewDevices(c *Carrier) *Devices {
	d := &Devices{c: c}
	d.cur.Store(&[]deviceOverride{})
	return d
}

func (d *Devices) push(o deviceOverride) {
	d.mu.Lock()
	list := append(append([]deviceOverride{}, *d.cur.Load()...), o)
	d.cur.Store(&list)
	d.mu.Unlock()
}

// Roam moves a cohort's devices into region to (the latest move wins).
func (d *Devices) Roam(co *CohortSet, to RegionID) {
	d.push(deviceOverride{co: co, moves: true, region: to})
}

// Return brings a cohort's devices back to their home regions.
func (d *Devices) Return(co *CohortSet) {
	d.push(deviceOverride{co: co, moves: true, region: NoRegion})
}

// Swap moves a cohort's cards into other devices (a device swap): their
// requests carry an IMEI other than the bound one.
func (d *Devices) Swap(co *CohortSet) { d.push(deviceOverride{co: co, swaps: true, swap: true}) }

// Unswap puts a cohort's cards back into their own devices.
func (d *Devices) Unswap(co *CohortSet) { d.push(deviceOverride{co: co, swaps: true}) }

// Reset sends every device home into its own device.
func (d *Devices) Reset() {
	d.mu.Lock()
	d.cur.Store(&[]deviceOverride{})
	d.mu.Unlock()
}

// Location returns where card i's device is now.
func (d *Devices) Location(i uint32) Location {
	list := *d.cur.Load()
	for k := len(list) - 1; k >= 0; k-- {
		if o := &list[k]; o.moves && o.co.Contains(i) {
			if o.region == NoRegion {
				break
			}
			return d.c.regions.anchor(o.region, i)
		}
	}
	return d.c.HomeLocation(i)
}

// IMEI returns the 14-digit IMEI body of the device card i is in now.
func (d *Devices) IMEI(i uint32) uint64 {
	body := d.c.deviceIMEIFast(i)
	list := *d.cur.Load()
	for k := len(list) - 1; k >= 0; k-- {
		if o := &list[k]; o.swaps && o.co.Contains(i) {
			if !o.swap {
				break
			}
			// Another device of the same model: a different serial number.
			return body/1_000_000*1_000_000 + (body%1_000_000+500_000)%1_000_000
		}
	}
	return body
}

// Carrier returns the carrier (or population model) the devices belong to.
func (d *Devices) Carrier() *Carrier { return d.c }
