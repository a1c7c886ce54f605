package gtp

import (
	"slices"
	"testing"
)

func TestWheelFiresInOrderAcrossRevolutions(t *testing.T) {
	t.Parallel()
	const ms = wheelTick
	w := newWheel(0)
	var fired []uint32
	fire := func(tm timer) { fired = append(fired, tm.slot) }
	w.add(5*ms, 1, 0)
	w.add(3*ms, 2, 0)
	w.add(wheelSlots*ms+3*ms, 3, 0) // same slot as timer 2, one revolution later
	w.add(0, 4, 0)                  // already due: fires on the next advance
	if at, ok := w.next(); !ok || at != ms {
		t.Fatalf("next %d %v", at, ok)
	}
	w.advance(4*ms, fire)
	if !slices.Equal(fired, []uint32{4, 2}) {
		t.Fatalf("fired %v, want [4 2]", fired)
	}
	w.advance(10*ms, fire)
	if !slices.Equal(fired, []uint32{4, 2, 1}) || w.n != 1 {
		t.Fatalf("fired %v with %d left, want [4 2 1] and 1", fired, w.n)
	}
	w.advance(wheelSlots*ms+2*ms, fire)
	if len(fired) != 3 {
		t.Fatalf("timer 3 fired a revolution early: %v", fired)
	}
	w.advance(wheelSlots*ms+3*ms, fire)
	if !slices.Equal(fired, []uint32{4, 2, 1, 3}) || w.n != 0 {
		t.Fatalf("fired %v with %d left", fired, w.n)
	}
	if _, ok := w.next(); ok {
		t.Error("next reports a timer on an empty wheel")
	}
	// An empty wheel jumps ahead without walking every tick.
	w.advance(1_000_000*ms, fire)
	w.add(1_000_000*ms+1*ms, 5, 0)
	w.advance(1_000_000*ms+1*ms, fire)
	if fired[len(fired)-1] != 5 {
		t.Errorf("fired %v", fired)
	}
}

func TestWheelTimerAddedWhileFiring(t *testing.T) {
	t.Parallel()
	const ms = wheelTick
	w := newWheel(0)
	count := 0
	var fire func(tm timer)
	fire = func(tm timer) {
		count++
		if count < 5 {
			w.add(tm.at+ms, tm.slot, 0) // re-arm, as a retransmission does
		}
	}
	w.add(ms, 1, 0)
	w.advance(100*ms, fire)
	if count != 5 || w.n != 0 {
		t.Errorf("fired %d times with %d left, want 5 and 0", count, w.n)
	}
}
