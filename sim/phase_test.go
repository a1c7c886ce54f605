package sim

import (
	"testing"
	"time"
)

func TestArrivalsConstantAndRamp(t *testing.T) {
	t.Parallel()
	a := NewArrivals(&Phase{Rate: 100, Duration: 10 * time.Second})
	n := 0
	var last time.Duration
	for {
		at, ok := a.Next()
		if !ok {
			break
		}
		if at < last || at >= 10*time.Second {
			t.Fatalf("arrival %d at %s after %s", n, at, last)
		}
		if n == 0 && at != 0 {
			t.Fatalf("first arrival at %s, want 0", at)
		}
		if n == 500 && (at < 4990*time.Millisecond || at > 5010*time.Millisecond) {
			t.Fatalf("arrival 500 at %s, want 5s", at)
		}
		last = at
		n++
	}
	if n != 1000 {
		t.Fatalf("%d arrivals, want 1000", n)
	}
	// Ramp 0 -> 200/s over 10s: 1000 arrivals, half of them in the last 2.93s.
	r := NewArrivals(&Phase{Rate: 1e-9, RampTo: 200, Duration: 10 * time.Second})
	n = 0
	var mid time.Duration
	for {
		at, ok := r.Next()
		if !ok {
			break
		}
		if n == 500 {
			mid = at
		}
		n++
	}
	if n < 999 || n > 1000 {
		t.Fatalf("%d ramp arrivals, want 1000", n)
	}
	if mid < 7*time.Second || mid > 7150*time.Millisecond {
		t.Fatalf("ramp midpoint at %s, want about 7.07s", mid)
	}
}

func TestDevicesRoamAndSwap(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	d := NewDevices(c)
	co, _ := c.Resolve(Cohort{First: 10, Count: 5})
	home := d.Location(12)
	xj, _ := c.RegionID("Xinjiang")
	d.Roam(co, xj)
	if c.RegionOf(d.Location(12)) != xj || d.Location(20) != c.HomeLocation(20) {
		t.Fatal("roam")
	}
	if d.IMEI(12) != c.Identity(12).DeviceIMEI {
		t.Fatal("roaming changed the device")
	}
	d.Swap(co)
	if d.IMEI(12) == c.Identity(12).DeviceIMEI || d.IMEI(12)/1_000_000 != c.Identity(12).DeviceIMEI/1_000_000 {
		t.Fatalf("swap gave %d", d.IMEI(12))
	}
	var dec Decision
	c.Rate(&Request{SIM: 12, Kind: KindInitial, Loc: home, IMEI: d.IMEI(12)}, &dec)
	if dec.Reason != ReasonIMEIMismatch || dec.Blame != BlameDevice {
		t.Fatalf("swapped device: %s/%s", dec.Reason, dec.Blame)
	}
	d.Return(co)
	d.Unswap(co)
	if d.Location(12) != home || d.IMEI(12) != c.Identity(12).DeviceIMEI {
		t.Fatal("return/unswap")
	}
	d.Roam(co, xj)
	d.Reset()
	if d.Location(12) != home || d.IMEI(12) != c.Identity(12).DeviceIMEI {
		t.Fatal("reset")
	}
}
