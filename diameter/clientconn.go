package diameter

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
)

// clientHandler receives what a client connection reads. Both methods are
// called on the connection's reading goroutine; the messages alias its read
// buffer and are valid only during the call.
type clientHandler interface {
	// answers takes a run of Credit-Control-Answers.
	answers(cc *clientConn, msgs [][]byte)
	// request takes a server-initiated RAR or ASR; the handler answers it
	// with cc.send.
	request(cc *clientConn, h wire.Header, msg []byte)
}

// clientIdentity is what a client says about itself.
type clientIdentity struct {
	originHost, originRealm, destRealm []byte
	productName                        []byte
}

// clientConn is one client connection to an OCS, with failover over an
// ordered list of addresses: it connects to the first that completes the
// capabilities exchange and, when the connection fails (an error, a DPR,
// or a watchdog left unanswered for three intervals), moves on to the next.
//
// Reading and writing are on separate goroutines, so that a peer that
// writes while we write can never deadlock the pair: send appends to a
// buffer under outMu and kicks the writer.
type clientConn struct {
	network string
	idx     int
	addrs   []string
	id      *clientIdentity
	handler clientHandler
	tw      time.Duration // watchdog interval
	standby bool          // to an alternate OCS: new requests only when no primary is up
	first   int           // index of addrs[0] in the load's address list
	bufSize int
	logf    func(string, ...any)

	wmu     sync.Mutex // one writer at a time, so that bytes stay in order
	outMu   sync.Mutex
	out     []byte
	nc      net.Conn     // nil while down
	addrIdx atomic.Int32 // address in use or to try next

	up      atomic.Bool
	lastRx  atomic.Int64 // unix nanos of the last byte read
	hbh     atomic.Uint32
	kick    chan struct{}
	done    chan struct{}
	closing atomic.Bool
	wg      sync.WaitGroup

	connects  atomic.Uint64
	failovers atomic.Uint64
}

func newClientConn(idx int, addrs []string, id *clientIdentity, h clientHandler, tw time.Duration, bufSize int, logf func(string, ...any)) *clientConn {
	cc := &clientConn{idx: idx, addrs: addrs, id: id, handler: h, tw: tw, bufSize: bufSize, logf: logf,
		out: make([]byte, 0, bufSize), kick: make(chan struct{}, 1), done: make(chan struct{})}
	cc.hbh.Store(uint32(idx) << 24)
	return cc
}

// start connects (trying every address once, in order) and starts the
// goroutines; it fails if no address completes the capabilities exchange.
func (cc *clientConn) start(timeout time.Duration) error {
	var errs []error
	for range cc.addrs {
		err := cc.connect(timeout)
		if err == nil {
			break
		}
		errs = append(errs, err)
		cc.nextAddr()
	}
	if !cc.up.Load() {
		return errors.Join(errs...)
	}
	cc.wg.Add(3)
	go cc.readLoop()
	go cc.writeLoop()
	go cc.watchdog()
	return nil
}

// connect dials the current address and runs CER/CEA (RFC 6733 §5.3)
// synchronously.
func (cc *clientConn) connect(timeout time.Duration) error {
	addr := cc.addr()
	nc, err := dial(cc.network, addr, timeout)
	if err != nil {
		return fmt.Errorf("diameter: dial %s %s: %w", cc.network, addr, err)
	}
	nc = wrapRaw(nc)
	var q wire.CER
	q.Header.HopByHop = cc.hbh.Add(1)
	q.Header.EndToEnd = q.Header.HopByHop
	q.OriginHost, q.OriginRealm = cc.id.originHost, cc.id.originRealm
	if a, ok := nc.LocalAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			q.HostIPAddresses = []netip.Addr{ip.Unmap()}
		}
	}
	q.ProductName = cc.id.productName
	q.AuthApplicationIDs = []uint32{wire.AppCreditControl}
	q.SupportedVendorIDs = []uint32{wire.Vendor3GPP}
	b, _ := q.Append(nil)
	_ = nc.SetDeadline(time.Now().Add(timeout))
	if _, err := nc.Write(b); err != nil {
		nc.Close()
		return fmt.Errorf("diameter: CER to %s: %w", addr, err)
	}
	msg, err := readOne(nc)
	if err != nil {
		nc.Close()
		return fmt.Errorf("diameter: CEA from %s: %w", addr, err)
	}
	var a wire.CEA
	if err := a.Decode(msg); err != nil {
		nc.Close()
		return fmt.Errorf("diameter: CEA from %s: %w", addr, err)
	}
	if a.ResultCode != wire.Success {
		nc.Close()
		return fmt.Errorf("diameter: CEA from %s: Result-Code %d (%s) %s", addr, a.ResultCode, a.ResultCode, a.ErrorMessage)
	}
	_ = nc.SetDeadline(time.Time{})
	cc.outMu.Lock()
	cc.nc = nc
	cc.out = cc.out[:0]
	cc.outMu.Unlock()
	cc.lastRx.Store(time.Now().UnixNano())
	cc.up.Store(true)
	cc.connects.Add(1)
	return nil
}

// readOne reads exactly one message from nc.
func readOne(nc net.Conn) ([]byte, error) {
	var hdr [wire.HeaderLen]byte
	if _, err := ioReadFull(nc, hdr[:]); err != nil {
		return nil, err
	}
	n, err := wire.Frame(hdr[:], 0)
	if err != nil && err != wire.ErrIncomplete {
		return nil, err
	}
	msg := make([]byte, n)
	copy(msg, hdr[:])
	if _, err := ioReadFull(nc, msg[wire.HeaderLen:]); err != nil {
		return nil, err
	}
	return msg, nil
}

func ioReadFull(nc net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := nc.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// addr returns the address in use (or to try next).
func (cc *clientConn) addr() string { return cc.addrs[int(cc.addrIdx.Load())%len(cc.addrs)] }

// addrID is the index of the address in use in the load's (unrotated)
// address list.
func (cc *clientConn) addrID() int {
	return (cc.first + int(cc.addrIdx.Load())) % len(cc.addrs)
}

// nextAddr moves to the next address, in order.
func (cc *clientConn) nextAddr() {
	cc.addrIdx.Store(int32((int(cc.addrIdx.Load()) + 1) % len(cc.addrs)))
}

// send appends one message with enc and kicks the writer. It reports
// false when the connection is down (nothing is sent).
func (cc *clientConn) send(enc func([]byte) ([]byte, error)) bool {
	cc.outMu.Lock()
	if cc.nc == nil {
		cc.outMu.Unlock()
		return false
	}
	out, err := enc(cc.out)
	if err == nil {
		cc.out = out
	}
	cc.outMu.Unlock()
	cc.flush()
	return err == nil
}

// writeInline writes what is buffered from the calling goroutine, waiting
// at most inlineWait: what the socket has not taken by then goes back to
// the writer goroutine, so a caller that must go on reading is never held
// longer (two peers writing to each other cannot deadlock). It saves the
// hand-off to the writer goroutine, a cross-CPU wake-up of 50-200 µs on
// this kind of VM. scratch is returned for reuse.
func (cc *clientConn) writeInline(scratch []byte) []byte {
	cc.wmu.Lock()
	defer cc.wmu.Unlock()
	cc.outMu.Lock()
	buf := append(scratch[:0], cc.out...)
	cc.out = cc.out[:0]
	nc := cc.nc
	cc.outMu.Unlock()
	if len(buf) == 0 || nc == nil {
		return buf
	}
	_ = nc.SetWriteDeadline(time.Now().Add(inlineWait))
	n, err := nc.Write(buf)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			cc.outMu.Lock()
			rest := append(buf[n:len(buf):len(buf)], cc.out...)
			cc.out = append(cc.out[:0], rest...)
			cc.outMu.Unlock()
			cc.flush()
			return buf
		}
		cc.fail(nc, err)
	}
	return buf
}

// inlineWait bounds a write from a reading or pacing goroutine.
const inlineWait = 20 * time.Millisecond

// flush asks the writer to write what is buffered.
func (cc *clientConn) flush() {
	select {
	case cc.kick <- struct{}{}:
	default:
	}
}

func (cc *clientConn) writeLoop() {
	defer cc.wg.Done()
	spare := make([]byte, 0, cc.bufSize)
	for {
		select {
		case <-cc.kick:
		case <-cc.done:
			return
		}
		cc.wmu.Lock()
		cc.outMu.Lock()
		buf, nc := cc.out, cc.nc
		cc.out = spare[:0]
		cc.outMu.Unlock()
		if len(buf) > 0 && nc != nil {
			_ = nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := nc.Write(buf); err != nil {
				cc.fail(nc, err)
			}
		}
		cc.wmu.Unlock()
		spare = buf
	}
}

// fail takes the connection nc down; the reader reconnects.
func (cc *clientConn) fail(nc net.Conn, err error) {
	cc.outMu.Lock()
	if cc.nc == nc && nc != nil {
		cc.nc = nil
		cc.up.Store(false)
		cc.out = cc.out[:0]
		nc.Close()
		if !cc.closing.Load() && err != nil && cc.logf != nil {
			cc.logf("diameter: connection %d to %s down: %v", cc.idx, cc.addr(), err)
		}
	}
	cc.outMu.Unlock()
}

// readLoop reads and dispatches until closed, reconnecting (with failover
// to the next address) whenever the connection fails.
func (cc *clientConn) readLoop() {
	defer cc.wg.Done()
	buf := make([]byte, cc.bufSize)
	var ccas [][]byte
	backoff := 50 * time.Millisecond
	for !cc.closing.Load() {
		cc.outMu.Lock()
		nc := cc.nc
		cc.outMu.Unlock()
		if nc == nil {
			// Fail over: the next address, in order.
			cc.nextAddr()
			cc.failovers.Add(1)
			if err := cc.connect(time.Second); err != nil {
				select {
				case <-cc.done:
					return
				case <-time.After(backoff):
				}
				backoff = min(backoff*2, 2*time.Second)
				continue
			}
			backoff = 50 * time.Millisecond
			continue
		}
		r, w := 0, 0
		for {
			n, err := nc.Read(buf[w:])
			w += n
			if n > 0 {
				cc.lastRx.Store(time.Now().UnixNano())
			}
			for r < w {
				m, ferr := wire.Frame(buf[r:w], 0)
				if ferr == wire.ErrIncomplete {
					break
				}
				if ferr != nil {
					err = ferr
					break
				}
				msg := buf[r : r+m]
				r += m
				h, _ := wire.ParseHeader(msg)
				if !h.IsRequest() && h.Code == wire.CommandCreditControl {
					ccas = append(ccas, msg)
					continue
				}
				if len(ccas) > 0 {
					cc.handler.answers(cc, ccas)
					ccas = ccas[:0]
				}
				if !cc.base(nc, h, msg) {
					err = errors.New("peer disconnected (DPR)")
					break
				}
			}
			if len(ccas) > 0 {
				cc.handler.answers(cc, ccas)
				ccas = ccas[:0]
			}
			if err != nil {
				cc.fail(nc, err)
				break
			}
			if r == w {
				r, w = 0, 0
			} else if len(buf)-w < wire.DefaultMaxMessageLen {
				w = copy(buf, buf[r:w])
				r = 0
			}
		}
	}
}

// base handles the base protocol and server-initiated requests; false
// means the peer is leaving (DPR).
func (cc *clientConn) base(nc net.Conn, h wire.Header, msg []byte) bool {
	if !h.IsRequest() {
		return true // DWA, DPA, stray answers
	}
	switch h.Code {
	case wire.CommandDeviceWatchdog:
		var a wire.DWA
		a.Header = h
		a.Header.Flags = 0
		a.ResultCode = wire.Success
		a.OriginHost, a.OriginRealm = cc.id.originHost, cc.id.originRealm
		cc.send(a.Append)
	case wire.CommandDisconnectPeer:
		var a wire.DPA
		a.Header = h
		a.Header.Flags = 0
		a.ResultCode = wire.Success
		a.OriginHost, a.OriginRealm = cc.id.originHost, cc.id.originRealm
		out, _ := a.Append(nil)
		_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = nc.Write(out)
		return false
	case wire.CommandReAuth, wire.CommandAbortSession:
		cc.handler.request(cc, h, msg)
	default:
		var e wire.ErrorAnswer
		e.ReplyTo(msg)
		e.ResultCode = wire.CommandUnsupported
		e.OriginHost, e.OriginRealm = cc.id.originHost, cc.id.originRealm
		cc.send(e.Append)
	}
	return true
}

// watchdog sends DWR when the connection has been quiet for an interval
// and takes it down when nothing has been read for three (RFC 3539 §3.4).
func (cc *clientConn) watchdog() {
	defer cc.wg.Done()
	t := time.NewTicker(cc.tw / 2)
	defer t.Stop()
	for {
		select {
		case <-cc.done:
			return
		case <-t.C:
		}
		if !cc.up.Load() {
			continue
		}
		quiet := time.Duration(time.Now().UnixNano() - cc.lastRx.Load())
		if quiet >= 3*cc.tw {
			cc.outMu.Lock()
			nc := cc.nc
			cc.outMu.Unlock()
			cc.fail(nc, errors.New("watchdog: no answer for "+quiet.Round(time.Millisecond).String()))
			continue
		}
		if quiet >= cc.tw {
			var q wire.DWR
			q.Header.HopByHop = cc.hbh.Add(1)
			q.Header.EndToEnd = q.Header.HopByHop
			q.OriginHost, q.OriginRealm = cc.id.originHost, cc.id.originRealm
			cc.send(q.Append)
		}
	}
}

// close sends DPR when up, then stops everything.
func (cc *clientConn) close() {
	if !cc.closing.CompareAndSwap(false, true) {
		return
	}
	cc.outMu.Lock()
	nc := cc.nc
	cc.outMu.Unlock()
	if nc != nil {
		var q wire.DPR
		q.Header.HopByHop = cc.hbh.Add(1)
		q.Header.EndToEnd = q.Header.HopByHop
		q.OriginHost, q.OriginRealm = cc.id.originHost, cc.id.originRealm
		q.DisconnectCause = wire.DisconnectRebooting
		cc.send(q.Append)
		// Give the writer a moment to send it.
		time.Sleep(10 * time.Millisecond)
	}
	close(cc.done)
	cc.outMu.Lock()
	if cc.nc != nil {
		cc.nc.Close()
		cc.nc = nil
	}
	cc.up.Store(false)
	cc.outMu.Unlock()
	cc.wg.Wait()
}
