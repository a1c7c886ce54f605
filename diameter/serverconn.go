package diameter

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim"
)

// serverConn is one peer connection of the OCS. One goroutine reads,
// frames, rates and answers; answers are appended to out and written when
// everything read so far is answered, so a pipelining peer gets many
// answers per write(2). Other goroutines (RAR, ASR, DPR) append to out
// under outMu and write themselves.
type serverConn struct {
	s        *Server
	id       uint32
	nc       net.Conn
	instance string // the front end it came in on, for its outages

	outMu sync.Mutex
	out   []byte
	werr  error

	// Set once at CER, read by the notifier under outMu.
	peerHost, peerRealm []byte
	open                bool
	closing             bool // DPR sent or received: close once answered

	stats connStats

	b   *batch
	cca wire.CCA
	ea  wire.ErrorAnswer
}

func newServerConn(s *Server, id uint32, nc net.Conn, instance string) *serverConn {
	return &serverConn{s: s, id: id, nc: nc, instance: instance, out: make([]byte, 0, s.cfg.BufferSize), b: new(batch)}
}

// serve reads and answers until the peer goes away, the stream goes out of
// step, or the server closes.
func (c *serverConn) serve() {
	defer c.nc.Close()
	buf := make([]byte, c.s.cfg.BufferSize)
	maxLen := c.s.cfg.MaxMessageLen
	r, w := 0, 0
	skip := 0 // bytes of an over-long message still to discard
	for {
		// Frame and handle every complete message buffered.
		for r < w {
			if skip > 0 {
				n := min(skip, w-r)
				r += n
				skip -= n
				continue
			}
			n, err := wire.Frame(buf[r:w], maxLen)
			if err == wire.ErrIncomplete {
				break
			}
			if err == wire.ErrMessageTooLong {
				// The length is well-formed: answer, then skip the message.
				c.flushBatch()
				if w-r >= wire.HeaderLen {
					c.answerHeaderError(buf[r:r+wire.HeaderLen], err)
				}
				skip = n
				continue
			}
			if err == wire.ErrInvalidMessageLength && n >= wire.HeaderLen {
				// A length that is not a multiple of 4 still says where the
				// next message starts: answer 5015 and skip it.
				if n > w-r {
					if n > len(buf) {
						c.flushBatch()
						c.answerHeaderError(buf[r:w], err)
						skip = n
						continue
					}
					break // read the rest first
				}
				c.flushBatch()
				c.answerHeaderError(buf[r:r+n], err)
				r += n
				continue
			}
			if err != nil {
				// Version not 1, or a length below the header size: the
				// stream is out of step and nothing after can be trusted.
				c.flushBatch()
				if w-r >= wire.HeaderLen {
					c.answerHeaderError(buf[r:r+wire.HeaderLen], err)
				}
				c.flush()
				c.s.logf("diameter: %s: %v; closing", c.nc.RemoteAddr(), err)
				return
			}
			if !c.handle(buf[r : r+n]) {
				c.flushBatch()
				c.flush()
				return
			}
			r += n
		}
		c.flushBatch()
		if r == w {
			r, w = 0, 0
		} else if r > 0 && len(buf)-w < maxLen {
			w = copy(buf, buf[r:w])
			r = 0
		}
		if err := c.flush(); err != nil {
			return
		}
		if c.closing {
			// Wait a little for the peer's last messages (its DPA).
			_ = c.nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		}
		n, err := c.nc.Read(buf[w:])
		w += n
		if err != nil {
			if n > 0 {
				continue
			}
			if !errors.Is(err, io.EOF) && !c.closing && !c.s.closed.Load() {
				c.s.logf("diameter: %s: read: %v", c.nc.RemoteAddr(), err)
			}
			return
		}
	}
}

// handle dispatches one message; false closes the connection.
func (c *serverConn) handle(msg []byte) bool {
	h, _ := wire.ParseHeader(msg)
	if h.IsRequest() && h.Code == wire.CommandCreditControl && c.open {
		c.b.add(c, msg)
		return true
	}
	c.flushBatch()
	if !h.IsRequest() {
		c.handleAnswer(h, msg)
		return true
	}
	switch h.Code {
	case wire.CommandCapabilitiesExchange:
		c.stats.reqs[reqCER].Add(1)
		if c.outage() == sim.OutageSilent {
			c.stats.dropped.Add(1)
			return true
		}
		return c.handleCER(msg)
	case wire.CommandDeviceWatchdog:
		c.stats.reqs[reqDWR].Add(1)
		if !c.open {
			return false
		}
		if c.outage() == sim.OutageSilent {
			// A node that is out answers nothing, watchdogs included.
			c.stats.dropped.Add(1)
			return true
		}
		var q wire.DWR
		var a wire.DWA
		if err := q.Decode(msg); err != nil {
			c.answerError(msg, err)
			return true
		}
		a.Header = q.Header
		a.Header.Flags = 0
		a.ResultCode = wire.Success
		a.OriginHost, a.OriginRealm = c.s.originHost, c.s.originRealm
		a.HasOriginStateID, a.OriginStateID = true, c.s.stateID
		c.appendMsg(a.Append, wire.Success)
		return true
	case wire.CommandDisconnectPeer:
		c.stats.reqs[reqDPR].Add(1)
		var q wire.DPR
		var a wire.DPA
		if err := q.Decode(msg); err != nil {
			c.answerError(msg, err)
			return true
		}
		a.Header = q.Header
		a.Header.Flags = 0
		a.ResultCode = wire.Success
		a.OriginHost, a.OriginRealm = c.s.originHost, c.s.originRealm
		c.appendMsg(a.Append, wire.Success)
		c.closing = true
		return true
	case wire.CommandCreditControl:
		// Before CER: RFC 6733 §5.3 wants the capabilities exchange first.
		c.stats.reqs[reqOther].Add(1)
		return false
	default:
		c.stats.reqs[reqOther].Add(1)
		if !c.open {
			return false
		}
		c.answerError(msg, &wire.Error{ResultCode: wire.CommandUnsupported,
			Msg: "command " + itoa(uint64(h.Code)) + " is not supported"})
		return true
	}
}

// handleAnswer takes answers to our RAR, ASR and DPR, and stray watchdog
// answers.
func (c *serverConn) handleAnswer(h wire.Header, msg []byte) {
	switch h.Code {
	case wire.CommandReAuth, wire.CommandAbortSession:
		kind := reqRAA
		if h.Code == wire.CommandAbortSession {
			kind = reqASA
		}
		c.stats.reqs[kind].Add(1)
		var a wire.SessionAnswer
		var raa wire.RAA
		var asa wire.ASA
		var err error
		if kind == reqRAA {
			err = raa.Decode(msg)
			a = raa.SessionAnswer
		} else {
			err = asa.Decode(msg)
			a = asa.SessionAnswer
		}
		if err == nil && a.ResultCode == wire.UnknownSessionID && a.SessionID != nil {
			// The client no longer knows the session: end it here too.
			c.s.endSession(a.SessionID)
		}
	case wire.CommandDisconnectPeer:
		c.stats.reqs[reqDPA].Add(1)
		c.closing = true
		_ = c.nc.SetReadDeadline(time.Now())
	case wire.CommandDeviceWatchdog:
		c.stats.reqs[reqDWA].Add(1)
	default:
		c.stats.reqs[reqOther].Add(1)
	}
}

// handleCER answers the capabilities exchange (RFC 6733 §5.3). A peer must
// advertise the credit-control application (4) or the relay application
// (0xffffffff, as a Diameter routing agent does); otherwise it gets 5010
// and the connection closes.
func (c *serverConn) handleCER(msg []byte) bool {
	var q wire.CER
	var a wire.CEA
	err := q.Decode(msg)
	a.Header = q.Header
	a.Header.Flags = 0
	a.OriginHost, a.OriginRealm = c.s.originHost, c.s.originRealm
	a.VendorID = 0
	a.ProductName = c.s.productName
	a.HasOriginStateID, a.OriginStateID = true, c.s.stateID
	if ap, ok := netip.AddrFromSlice(localIP(c.nc)); ok {
		a.HostIPAddresses = []netip.Addr{ap.Unmap()}
	}
	a.AuthApplicationIDs = []uint32{wire.AppCreditControl}
	a.SupportedVendorIDs = []uint32{wire.Vendor3GPP}
	ok := true
	switch {
	case err != nil:
		var we *wire.Error
		if errors.As(err, &we) {
			a.ResultCode, a.ErrorMessage, a.FailedAVP = we.ResultCode, []byte(we.Msg), we.AVP
		} else {
			a.ResultCode = wire.UnableToComply
		}
		ok = false
	case c.open:
		// A second CER on an open connection: answer it, nothing changes.
		a.ResultCode = wire.Success
	case !supportsCreditControl(&q.Capabilities):
		a.ResultCode = wire.NoCommonApplication
		a.ErrorMessage = []byte("want Auth-Application-Id 4 (credit control) or 4294967295 (relay)")
		ok = false
	default:
		a.ResultCode = wire.Success
		c.outMu.Lock()
		c.peerHost = append([]byte(nil), q.OriginHost...)
		c.peerRealm = append([]byte(nil), q.OriginRealm...)
		c.open = true
		c.outMu.Unlock()
	}
	c.appendMsg(a.Append, a.ResultCode)
	return ok
}

// relayAppID is the relay application id a routing agent advertises
// (RFC 6733 §2.4).
const relayAppID = 0xffffffff

func supportsCreditControl(cp *wire.Capabilities) bool {
	has := func(ids []uint32) bool {
		for _, id := range ids {
			if id == wire.AppCreditControl || id == relayAppID {
				return true
			}
		}
		return false
	}
	if has(cp.AuthApplicationIDs) || has(cp.AcctApplicationIDs) {
		return true
	}
	for _, v := range cp.VendorSpecificApplicationIDs {
		if v.AuthApplicationID == wire.AppCreditControl || v.AuthApplicationID == relayAppID {
			return true
		}
	}
	return false
}

func localIP(nc net.Conn) []byte {
	if a, ok := nc.LocalAddr().(*net.TCPAddr); ok {
		if v4 := a.IP.To4(); v4 != nil {
			return v4
		}
		return a.IP
	}
	return []byte{127, 0, 0, 1}
}

// outage returns the OCS outage in force now, 0 when up.
func (c *serverConn) outage() sim.OutageMode {
	cr := c.s.c
	return cr.Faults().InstanceOutage(sim.NodeOCS, c.instance, cr.Clock().UnixNano())
}

// appendMsg encodes one message with enc into out and counts it as an
// answer with result code rc (0: a request).
func (c *serverConn) appendMsg(enc func([]byte) ([]byte, error), rc wire.ResultCode) {
	c.outMu.Lock()
	out, err := enc(c.out)
	if err == nil {
		c.out = out
	}
	c.outMu.Unlock()
	if rc != 0 && err == nil {
		c.stats.answer(rc)
	}
}

// answerError answers the request msg with the generic answer-message of
// RFC 6733 §7.2 carrying err's result code.
func (c *serverConn) answerError(msg []byte, err error) {
	c.ea.ReplyTo(msg)
	c.ea.SetError(err)
	c.ea.OriginHost, c.ea.OriginRealm = c.s.originHost, c.s.originRealm
	c.appendMsg(c.ea.Append, c.ea.ResultCode)
}

// answerHeaderError answers a message whose framing is bad, from its
// header alone (b holds at least the header).
func (c *serverConn) answerHeaderError(b []byte, err error) {
	h, herr := wire.ParseHeader(b)
	if herr != nil && herr != wire.ErrUnsupportedVersion {
		return
	}
	if !h.IsRequest() {
		return
	}
	var e wire.ErrorAnswer
	e.Header = h
	e.Header.Version = wire.Version
	e.SetError(err)
	e.OriginHost, e.OriginRealm = c.s.originHost, c.s.originRealm
	c.appendMsg(e.Append, e.ResultCode)
}

// flush writes out. It is called by the reading goroutine once it has
// answered everything read so far.
func (c *serverConn) flush() error {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	return c.flushLocked()
}

func (c *serverConn) flushLocked() error {
	if c.werr != nil {
		return c.werr
	}
	if len(c.out) == 0 {
		return nil
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err := c.nc.Write(c.out)
	c.out = c.out[:0]
	if err != nil {
		c.werr = err
		c.nc.Close()
	}
	return err
}

// disconnect sends DPR (RFC 6733 §5.4) and lets the reader finish what is
// in flight; the reader closes on the DPA or after a short wait.
func (c *serverConn) disconnect(cause wire.DisconnectCause) {
	var q wire.DPR
	q.Header.HopByHop = c.s.hbh.Add(1)
	q.Header.EndToEnd = c.s.e2e.Add(1)
	q.OriginHost, q.OriginRealm = c.s.originHost, c.s.originRealm
	q.DisconnectCause = cause
	c.outMu.Lock()
	if out, err := q.Append(c.out); err == nil {
		c.out = out
	}
	_ = c.flushLocked()
	c.outMu.Unlock()
	// Wake the reader if it is idle; it answers what it reads until the DPA.
	_ = c.nc.SetReadDeadline(time.Now().Add(time.Second))
}

// itoa formats v without fmt.
func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return string(b[i:])
}
