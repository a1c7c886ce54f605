//go:build linux

package diameter

import (
	"io"
	"net"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/carriersim/carriersim/sim/netyield"
)

// rawConn is a TCP connection whose reads and writes are raw system calls
// on the non-blocking socket, waiting in the runtime's netpoller only when
// the socket has nothing to read or no room to write.
//
// Why: a socket call through package net enters the runtime as a system
// call, and when it takes more than about 20 µs (a loopback write runs the
// receiver's TCP stack inline, often 20-100 µs) the runtime hands the
// caller's P to another thread. With two CPUs that can leave three runnable
// threads for two CPUs, and the kernel parks one of them until its next
// tick (4 ms at HZ=250). A raw call keeps the P. The same change to the
// GTP sockets' recvmmsg/sendmmsg raised bench gtp from about 70k to
// 110-125k procedures/s; for Diameter, whose TCP streams carry many
// messages per call, the in-process bench gy runs before and after were
// within the machine's noise (610-690k CCR/s either way).
type rawConn struct {
	net.Conn
	rc syscall.RawConn

	rmu    sync.Mutex // the fields below are one call's: calls take turns, as net.Conn allows
	rb     []byte
	rn     int
	rerr   syscall.Errno
	readF  func(fd uintptr) bool
	parked bool            // this call found nothing to read and waited
	yield  *netyield.Every // nil until a read first finds data waiting

	wmu    sync.Mutex
	wb     []byte
	wn     int
	werr   syscall.Errno
	writeF func(fd uintptr) bool
}

// wrapRaw returns nc with raw reads and writes when it is a TCP
// connection, else nc itself.
func wrapRaw(nc net.Conn) net.Conn {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nc
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nc
	}
	c := &rawConn{Conn: nc, rc: rc}
	c.readF = c.doRead
	c.writeF = c.doWrite
	return c
}

func (c *rawConn) doRead(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&c.rb[0])), uintptr(len(c.rb)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			c.parked = true
			return false
		}
		c.rn, c.rerr = int(n), e
		return true
	}
}

func (c *rawConn) doWrite(fd uintptr) bool {
	for c.wn < len(c.wb) {
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&c.wb[c.wn])), uintptr(len(c.wb)-c.wn))
		switch e {
		case 0:
			c.wn += int(n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			c.werr = e
			return true
		}
	}
	return true
}

// Read reads like net.Conn.Read; deadlines apply while it waits.
func (c *rawConn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.yield != nil {
		c.yield.Maybe()
	}
	c.rb, c.rn, c.rerr, c.parked = b, 0, 0, false
	err := c.rc.Read(c.readF)
	c.rb = nil
	switch {
	case c.parked && c.yield != nil:
		c.yield.Parked()
	case !c.parked && c.yield == nil && err == nil:
		// Data was waiting: this reader may never park, and the goroutines
		// waiting on other sockets would then wait for the runtime's
		// 10 ms poll (see package netyield).
		c.yield = netyield.NewEvery(readYieldEvery)
	}
	if err != nil {
		return 0, c.opErr("read", err)
	}
	if c.rerr != 0 {
		return 0, c.opErr("read", c.rerr)
	}
	if c.rn == 0 {
		return 0, io.EOF
	}
	return c.rn, nil
}

// readYieldEvery is how long a reader that always finds data runs before
// it yields, bounding how long it can hold a P from goroutines parked on
// other sockets (10 ms otherwise). Every 200 µs cost 13% of bench gy's
// throughput in one process (readers park and resume across the two Ps)
// and did not change the split p99 measurably, where readers at half rate
// park by themselves; every 2 ms is within the noise of never.
const readYieldEvery = 2 * time.Millisecond

// Close closes the connection and the reader's yielder.
func (c *rawConn) Close() error {
	err := c.Conn.Close()
	c.rmu.Lock()
	if c.yield != nil {
		c.yield.Close()
	}
	c.rmu.Unlock()
	return err
}

// Write writes all of b like net.Conn.Write; deadlines apply while it
// waits for room.
func (c *rawConn) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wb, c.wn, c.werr = b, 0, 0
	err := c.rc.Write(c.writeF)
	n := c.wn
	c.wb = nil
	if err == nil && c.werr != 0 {
		err = c.werr
	}
	if err != nil {
		return n, c.opErr("write", err)
	}
	return n, nil
}

func (c *rawConn) opErr(op string, err error) error {
	if _, ok := err.(*net.OpError); ok {
		return err
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
