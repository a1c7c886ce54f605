package gtp

// wheel is a hashed timing wheel (Varghese and Lauck) of one-millisecond
// ticks: arming a timer and firing it cost O(1), which a heap of a million
// session timers would not. A timer further away than one revolution
// stays in its slot and is passed over until its time comes. Timers are
// cancelled lazily: each carries the generation its session had when it
// was armed, and a fired timer whose generation is stale is ignored.
//
// A wheel is owned by one goroutine.
type wheel struct {
	slots   [][]timer
	scratch []timer
	cur     int64 // last tick processed
	n       int   // timers held
}

type timer struct {
	at   int64 // due, in nanoseconds of the owner's clock
	slot uint32
	gen  uint32
}

const (
	wheelTick  = int64(1_000_000) // 1 ms
	wheelSlots = 1 << 12          // one revolution: 4.096 s
)

func newWheel(now int64) *wheel {
	return &wheel{slots: make([][]timer, wheelSlots), cur: now / wheelTick}
}

// add arms a timer at at; one due already fires on the next advance.
func (w *wheel) add(at int64, slot, gen uint32) {
	t := at / wheelTick
	if t <= w.cur {
		t = w.cur + 1
	}
	i := t & (wheelSlots - 1)
	w.slots[i] = append(w.slots[i], timer{at: at, slot: slot, gen: gen})
	w.n++
}

// advance fires, in tick order, every timer due by now.
func (w *wheel) advance(now int64, fire func(t timer)) {
	end := now / wheelTick
	if w.n == 0 {
		if end > w.cur {
			w.cur = end
		}
		return
	}
	for w.cur < end {
		w.cur++
		i := w.cur & (wheelSlots - 1)
		list := w.slots[i]
		if len(list) == 0 {
			continue
		}
		w.slots[i] = w.scratch[:0]
		for _, t := range list {
			if t.at/wheelTick > w.cur {
				w.slots[i] = append(w.slots[i], t) // a later revolution
				continue
			}
			w.n--
			fire(t)
		}
		w.scratch = list[:0]
		if w.n == 0 {
			w.cur = end
			return
		}
	}
}

// next returns the time of the next tick to process when any timer is
// armed, and false when none is.
func (w *wheel) next() (int64, bool) {
	if w.n == 0 {
		return 0, false
	}
	return (w.cur + 1) * wheelTick, true
}
