package gtp

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"time"
)

// maxDatagram is the largest datagram the gateway and the load client read:
// a GTP-U packet of a 1500-octet MTU path plus headroom. GTPv2-C messages
// here are a few hundred octets.
const maxDatagram = 2048

// batch is a set of datagrams read or written with one system call
// (recvmmsg/sendmmsg on Linux, one at a time elsewhere). Buffers, addresses
// and the kernel's message headers are allocated once, so a batch moves
// datagrams without allocating. A batch is owned by one goroutine.
type batch struct {
	bufs  [][]byte         // bufs[i][:lens[i]] is datagram i; cap maxDatagram
	lens  []int            // lengths after a read; lengths to write
	addrs []netip.AddrPort // source after a read; destination to write
	n     int              // datagrams in the batch
	sys   sysBatch         // platform state (message headers, socket addresses)
}

// newBatch returns a batch of up to size datagrams.
func newBatch(size int) *batch {
	b := &batch{bufs: make([][]byte, size), lens: make([]int, size), addrs: make([]netip.AddrPort, size)}
	mem := make([]byte, size*maxDatagram)
	for i := range b.bufs {
		b.bufs[i] = mem[i*maxDatagram : (i+1)*maxDatagram : (i+1)*maxDatagram]
	}
	b.sys.init(b)
	return b
}

// cap returns how many datagrams the batch holds.
func (b *batch) cap() int { return len(b.bufs) }

// full reports whether no more datagrams fit.
func (b *batch) full() bool { return b.n == len(b.bufs) }

// slot returns the buffer for the next datagram to write, empty with
// capacity maxDatagram; commit it with push.
func (b *batch) slot() []byte { return b.bufs[b.n][:0] }

// push commits the datagram built in slot()'s buffer (out must be that
// buffer, possibly extended within its capacity) for destination to.
func (b *batch) push(out []byte, to netip.AddrPort) {
	b.lens[b.n] = len(out)
	b.addrs[b.n] = to
	b.n++
}

// pushCopy copies p into the next slot for destination to. It reports
// false when the batch is full or p is too long.
func (b *batch) pushCopy(p []byte, to netip.AddrPort) bool {
	if b.full() || len(p) > maxDatagram {
		return false
	}
	n := copy(b.bufs[b.n][:maxDatagram], p)
	b.push(b.bufs[b.n][:n], to)
	return true
}

// data returns datagram i.
func (b *batch) data(i int) []byte { return b.bufs[i][:b.lens[i]] }

// udpConn is a UDP socket read and written in batches.
type udpConn struct {
	c   *net.UDPConn
	sys sysConn
}

// listenUDP opens a UDP socket on addr. An empty host means 127.0.0.1, so
// ":0" is an ephemeral port on loopback; give 0.0.0.0 for every interface.
func listenUDP(addr string) (*udpConn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ua, err := net.ResolveUDPAddr("udp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, err
	}
	network := "udp4"
	if ua.IP.To4() == nil {
		network = "udp6"
	}
	c, err := net.ListenUDP(network, ua)
	if err != nil {
		return nil, err
	}
	// Bursts of hundreds of thousands of datagrams a second overflow the
	// default buffers; the kernel caps these at its limits.
	_ = c.SetReadBuffer(8 << 20)
	_ = c.SetWriteBuffer(8 << 20)
	u := &udpConn{c: c}
	if err := u.sys.init(c); err != nil {
		c.Close()
		return nil, err
	}
	return u, nil
}

// localAddr returns the socket's address.
func (u *udpConn) localAddr() netip.AddrPort {
	return u.c.LocalAddr().(*net.UDPAddr).AddrPort()
}

// close closes the socket; blocked reads return net.ErrClosed.
func (u *udpConn) close() error { return u.c.Close() }

// read fills b with the datagrams waiting on the socket. With wait it
// blocks until at least one arrives or the deadline passes (then it returns
// 0 and no error); without, it returns 0 at once when none is waiting. A
// zero deadline leaves the socket's deadline as it is (none, for sockets
// that never set one).
func (u *udpConn) read(b *batch, wait bool, deadline time.Time) (int, error) {
	if wait && !deadline.IsZero() {
		if err := u.c.SetReadDeadline(deadline); err != nil {
			return 0, err
		}
	}
	n, err := u.sys.read(b, wait)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, nil
	}
	return n, err
}

// write sends the datagrams in b and empties it. Datagrams the kernel
// refuses (a destination unreachable, say) are skipped, as a lost datagram
// would be; only a closed socket is an error.
func (u *udpConn) write(b *batch) error {
	err := u.sys.write(b)
	b.n = 0
	return err
}

// writeOne sends a single datagram (for rare messages sent outside a
// worker's batch: echo, network-initiated requests).
func (u *udpConn) writeOne(p []byte, to netip.AddrPort) error {
	_, err := u.c.WriteToUDPAddrPort(p, to)
	if err != nil && errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
