//go:build linux

package netyield

import (
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Yielder is one goroutine's way to yield; a Yielder is used by one
// goroutine at a time (a second yielding at once waits for the first).
// Close releases its descriptor.
type Yielder struct {
	f    *os.File // nil: no eventfd, Yield is runtime.Gosched
	rc   syscall.RawConn
	buf  [8]byte
	wait bool // the next call of waitF is the first of this Yield
	fn   func(fd uintptr) bool
}

var one = [8]byte{1, 0, 0, 0, 0, 0, 0, 0}

// New returns a Yielder. It never fails: without an eventfd (the process
// is out of descriptors) Yield falls back to runtime.Gosched.
func New() *Yielder {
	y := &Yielder{}
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return y
	}
	// A non-blocking descriptor joins the netpoller: waiting on it parks
	// the goroutine, not the thread.
	f := os.NewFile(uintptr(fd), "netyield")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return y
	}
	y.f, y.rc = f, rc
	y.fn = y.waitF
	return y
}

// Yield parks the goroutine until the scheduler has polled the network,
// so that goroutines whose I/O is ready, and those already runnable, run
// before it goes on; or for MaxWait at most. The runtime polls when a P
// runs out of goroutines: while every P has some, the poll (and without
// the bound, the yielder) would wait for sysmon, up to 10 ms.
func (y *Yielder) Yield() {
	if y.f == nil {
		gosched()
		return
	}
	y.wait = true
	if err := y.f.SetReadDeadline(time.Now().Add(MaxWait)); err != nil {
		gosched() // closed under us
		return
	}
	err := y.rc.Read(y.fn)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		gosched() // closed under us
	}
}

// waitF is RawConn.Read's callback. The first call bumps the counter and
// reports "not ready", so that Read parks in the netpoller; the call after
// the wake-up drains the counter. The write must be here, not before Read:
// Read first clears the descriptor's recorded readiness, and a poll
// between an earlier write and that clearing would lose the wake-up.
func (y *Yielder) waitF(fd uintptr) bool {
	if y.wait {
		y.wait = false
		// Readable now, but the runtime learns it only at its next poll of
		// the network: that poll is the point.
		_, _, _ = syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&one[0])), 8)
		return false
	}
	_, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&y.buf[0])), 8)
	return e != syscall.EAGAIN
}

// Close releases the eventfd. Yield after Close is runtime.Gosched.
func (y *Yielder) Close() error {
	if y.f == nil {
		return nil
	}
	return y.f.Close()
}
