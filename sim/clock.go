package sim

import (
	"sync/atomic"
	"time"
)

// Clock is the carrier's virtual clock. By default it follows wall time; a
// test or a scenario can run it faster, freeze it or step it, so that a month
// rollover, an expiry and a three-month cancellation happen in seconds.
//
// A Clock is safe for concurrent use. The zero value is not usable; use
// NewClock. Reading it is one atomic load and a monotonic clock read.
type Clock struct {
	p atomic.Pointer[clockParams]
}

// clockParams is immutable; every change installs a new one so readers never
// see a half-updated clock.
type clockParams struct {
	wallBase time.Time // monotonic reading when virtBase was current
	virtBase int64     // virtual unix nanoseconds at wallBase
	speed    float64   // virtual seconds per wall second; 0 means frozen
}

// NewClock returns a clock showing start (or the wall time when start is
// zero) and advancing at speed virtual seconds per wall second (0 freezes
// it, 1 is real time).
func NewClock(start time.Time, speed float64) *Clock {
	c := &Clock{}
	now := time.Now()
	if start.IsZero() {
		start = now
	}
	if speed < 0 {
		speed = 0
	}
	c.p.Store(&clockParams{wallBase: now, virtBase: start.UnixNano(), speed: speed})
	return c
}

// WallClock returns a clock that follows wall time.
func WallClock() *Clock { return NewClock(time.Time{}, 1) }

// UnixNano returns the virtual time in nanoseconds since 1970 UTC.
func (c *Clock) UnixNano() int64 {
	p := c.p.Load()
	if p.speed == 0 {
		return p.virtBase
	}
	el := time.Since(p.wallBase)
	if p.speed == 1 {
		return p.virtBase + int64(el)
	}
	return p.virtBase + int64(float64(el)*p.speed)
}

// Now returns the virtual time.
func (c *Clock) Now() time.Time { return time.Unix(0, c.UnixNano()) }

// Speed returns the current speed (virtual seconds per wall second).
func (c *Clock) Speed() float64 { return c.p.Load().speed }

// rebase installs new parameters computed from the current reading.
func (c *Clock) rebase(f func(now int64, speed float64) (int64, float64)) {
	for {
		old := c.p.Load()
		wall := time.Now()
		var now int64
		if old.speed == 0 {
			now = old.virtBase
		} else {
			now = old.virtBase + int64(float64(wall.Sub(old.wallBase))*old.speed)
		}
		v, s := f(now, old.speed)
		if s < 0 {
			s = 0
		}
		if c.p.CompareAndSwap(old, &clockParams{wallBase: wall, virtBase: v, speed: s}) {
			return
		}
	}
}

// Advance moves the clock forward by d (a step; speed is kept).
func (c *Clock) Advance(d time.Duration) {
	c.rebase(func(now int64, s float64) (int64, float64) { return now + int64(d), s })
}

// Set jumps the clock to t. Jumping backwards is allowed but never undoes a
// transition already applied to a card (a started cycle stays started).
func (c *Clock) Set(t time.Time) {
	c.rebase(func(_ int64, s float64) (int64, float64) { return t.UnixNano(), s })
}

// SetSpeed changes the speed from now on (0 freezes the clock).
func (c *Clock) SetSpeed(speed float64) {
	c.rebase(func(now int64, _ float64) (int64, float64) { return now, speed })
}
