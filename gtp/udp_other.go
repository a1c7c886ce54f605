//go:build !linux

package gtp

import (
	"errors"
	"net"
	"os"
	"time"
)

// Elsewhere than Linux a batch is read and written one datagram at a time.

type sysBatch struct{}

func (s *sysBatch) init(b *batch) {}

type sysConn struct{ c *net.UDPConn }

func (s *sysConn) init(c *net.UDPConn) error { s.c = c; return nil }

func (s *sysConn) read(b *batch, wait bool) (int, error) {
	if !wait {
		// A deadline in the past makes the read return at once when
		// nothing is waiting.
		_ = s.c.SetReadDeadline(time.Now())
	}
	n, from, err := s.c.ReadFromUDPAddrPort(b.bufs[0][:maxDatagram])
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, nil
		}
		return 0, err
	}
	b.lens[0], b.addrs[0], b.n = n, from, 1
	return 1, nil
}

func (s *sysConn) write(b *batch) error {
	for i := 0; i < b.n; i++ {
		if _, err := s.c.WriteToUDPAddrPort(b.data(i), b.addrs[i]); errors.Is(err, net.ErrClosed) {
			return err
		}
	}
	return nil
}
