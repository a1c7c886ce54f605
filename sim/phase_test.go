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

// TestArrivalsShardsPartitionTheSchedule: N shards of a phase send exactly
// the arrivals of the whole phase, at the same instants, 1/N each.
func TestArrivalsShardsPartitionTheSchedule(t *testing.T) {
	t.Parallel()
	for _, p := range []Phase{
		{Rate: 100, Duration: 10 * time.Second},
		{Rate: 7, Duration: 1500 * time.Millisecond},
		{Rate: 1e-9, RampTo: 200, Duration: 10 * time.Second},
		{Rate: 300, RampTo: 50, Duration: 3 * time.Second},
	} {
		var whole []time.Duration
		for a := NewArrivals(&p); ; {
			at, ok := a.Next()
			if !ok {
				break
			}
			whole = append(whole, at)
		}
		for _, n := range []int{1, 2, 3, 7} {
			got := make([]time.Duration, len(whole))
			count := 0
			for i := 0; i < n; i++ {
				sp := p
				sp.ShardIndex, sp.ShardCount = i, n
				a := NewArrivals(&sp)
				k := 0
				for ; ; k++ {
					at, ok := a.Next()
					if !ok {
						break
					}
					idx := i + k*n
					if idx >= len(whole) || whole[idx] != at {
						t.Fatalf("%+v shard %d/%d: arrival %d at %s, not the schedule's", p, i, n, k, at)
					}
					got[idx] = at
				}
				if k != a.Total() {
					t.Fatalf("%+v shard %d/%d: %d arrivals, Total says %d", p, i, n, k, a.Total())
				}
				count += k
			}
			if count != len(whole) {
				t.Fatalf("%+v in %d shards: %d arrivals, the whole phase has %d", p, n, count, len(whole))
			}
		}
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

func TestDrainGap(t *testing.T) {
	for _, c := range []struct {
		n    int
		want time.Duration
	}{
		{0, 100 * time.Microsecond},
		{1, 100 * time.Microsecond},
		{845, 100 * time.Microsecond},
		{10_000, 100 * time.Microsecond},
		{100_000, 10 * time.Microsecond},
		{4_000_000, 250 * time.Nanosecond},
	} {
		if got := DrainGap(c.n); got != c.want {
			t.Errorf("DrainGap(%d) = %v, want %v", c.n, got, c.want)
		}
		if c.n > 0 && DrainGap(c.n)*time.Duration(c.n) > time.Second {
			t.Errorf("DrainGap(%d): the drain takes over a second", c.n)
		}
	}
}

// TestDrainSchedule: ends DrainGap apart from now, a session due sooner
// keeping its own time, and none before now.
func TestDrainSchedule(t *testing.T) {
	const now = int64(1_000_000)
	gap := int64(DrainGap(3))
	d := NewDrainSchedule(now, 3)
	if got := d.Next(now + int64(time.Hour)); got != now {
		t.Fatalf("first end at %d, want now (%d)", got, now)
	}
	if got := d.Next(now + gap/2); got != now+gap/2 {
		t.Fatalf("a session due before its slot ends at %d, want its own time %d", got, now+gap/2)
	}
	if got := d.Next(now - 5); got != now {
		t.Fatalf("an overdue session ends at %d, want now (%d)", got, now)
	}
	if got := d.Next(now + int64(time.Hour)); got != now+3*gap {
		t.Fatalf("fourth slot at %d, want %d", got, now+3*gap)
	}
}
