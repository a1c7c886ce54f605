package diameter

import (
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// pacer is how a load worker waits for its next send: a timerfd in the
// runtime's netpoller. A runtime timer is not precise enough here: an idle
// Go runtime waits for its next timer in epoll_wait, whose timeout is in
// whole milliseconds, so a session due in 100 µs went out 1 to 4 ms late,
// in bursts. A timerfd makes epoll_wait return when it fires, to the
// microsecond.
type pacer struct {
	f     *os.File
	fd    int
	poked atomic.Bool
	buf   [8]byte
}

func newPacer() (*pacer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	// A non-blocking descriptor joins the netpoller: Read parks the
	// goroutine, not the thread.
	return &pacer{f: os.NewFile(uintptr(fd), "timerfd"), fd: fd}, nil
}

func (p *pacer) arm(d time.Duration) {
	d = max(d, time.Microsecond)
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	_ = unix.TimerfdSettime(p.fd, 0, &spec, nil)
}

// wait returns after d, or earlier when poked.
func (p *pacer) wait(d time.Duration) {
	p.arm(d)
	if p.poked.Swap(false) {
		return
	}
	_, _ = p.f.Read(p.buf[:])
	p.poked.Store(false)
}

// poke ends the current or next wait at once. It does not block.
func (p *pacer) poke() {
	if p.poked.Swap(true) {
		return
	}
	p.arm(time.Nanosecond)
}

func (p *pacer) close() { p.f.Close() }
