package netyield

import (
	"runtime"
	"time"
)

// MaxWait bounds how long Yield parks when no poll of the network comes
// (every P busy): the goroutine then goes on as after runtime.Gosched.
const MaxWait = 100 * time.Microsecond

// epoch is the origin of Every's clock: time.Since reads the monotonic
// clock.
var epoch = time.Now()

func nanotime() int64 { return int64(time.Since(epoch)) }

// Every yields at most once per interval while its goroutine stays busy.
// It is for loops that call Maybe after each piece of work: the check is a
// clock read, and a wait on I/O the caller reports with Parked restarts
// the interval. An Every belongs to one goroutine at a time; Close
// releases its Yielder.
type Every struct {
	y        *Yielder
	interval int64
	last     int64 // when the goroutine last let others run; 0: not since Parked
}

// NewEvery returns an Every yielding at most once per interval, through a
// Yielder of its own.
func NewEvery(interval time.Duration) *Every {
	return &Every{y: New(), interval: int64(interval)}
}

// Close releases the Every's Yielder.
func (e *Every) Close() error { return e.y.Close() }

// Maybe yields if the goroutine has been busy for at least the interval
// since it last yielded or parked, and reports whether it did.
func (e *Every) Maybe() bool {
	now := nanotime()
	if e.last == 0 {
		e.last = now
		return false
	}
	if now-e.last < e.interval {
		return false
	}
	e.y.Yield()
	e.last = nanotime()
	return true
}

// Parked tells e that its goroutine has just waited on I/O, which let the
// others run as a yield would.
func (e *Every) Parked() { e.last = 0 }

// gosched is Yield where no eventfd is available.
func gosched() { runtime.Gosched() }
