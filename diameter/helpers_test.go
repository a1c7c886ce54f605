package diameter

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim"
)

// Test helpers: a small carrier, a started server, and a raw peer that
// speaks to it one message at a time over real TCP on 127.0.0.1.

var (
	shanghai, _ = time.LoadLocation("Asia/Shanghai")
	t0          = time.Date(2026, 3, 15, 10, 0, 0, 0, shanghai)
)

// newCarrier builds 1000 cards on the iot-30m plan at home in Guangdong,
// bound to their devices, on a frozen clock at t0.
func newCarrier(t testing.TB, mod func(*sim.Config)) *sim.Carrier {
	t.Helper()
	one := 1.0
	cfg := sim.Config{
		Clock: sim.NewClock(t0, 0),
		Population: sim.Spec{Count: 1000, Seed: 7, Plans: map[string]float64{"iot-30m": 1},
			Regions: map[string]float64{"Guangdong": 1}, Bound: &one, ExpiresIn: 200 * 24 * time.Hour,
			Balance: 100 * sim.Yuan},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	return c
}

// startServer starts an OCS for c on an ephemeral port.
func startServer(t testing.TB, c *sim.Carrier, mod func(*ServerConfig)) *Server {
	t.Helper()
	cfg := ServerConfig{Addr: "127.0.0.1:0", Carrier: c}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// peer is a raw Diameter client for tests.
type peer struct {
	t   testing.TB
	nc  net.Conn
	buf []byte
	hbh uint32
	e2e uint32
	// requests holds server-initiated requests (RAR, ASR) read while
	// waiting for an answer.
	requests [][]byte
}

func dialPeer(t testing.TB, addr string) *peer {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	return &peer{t: t, nc: nc, hbh: 1000, e2e: 5000}
}

// connect dials and completes CER/CEA.
func connect(t testing.TB, addr string) *peer {
	t.Helper()
	p := dialPeer(t, addr)
	cea := p.cer(wire.AppCreditControl)
	if cea.ResultCode != wire.Success {
		t.Fatalf("CEA result %d", cea.ResultCode)
	}
	return p
}

func (p *peer) cer(apps ...uint32) wire.CEA {
	p.t.Helper()
	var q wire.CER
	q.Header.HopByHop, q.Header.EndToEnd = p.next()
	q.OriginHost, q.OriginRealm = []byte("pgw.test"), []byte("test")
	q.HostIPAddresses = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	q.ProductName = []byte("test")
	q.AuthApplicationIDs = apps
	p.send(mustEnc(p.t, q.Append))
	var a wire.CEA
	if err := a.Decode(p.read()); err != nil {
		p.t.Fatalf("CEA: %v", err)
	}
	return a
}

func (p *peer) next() (uint32, uint32) {
	p.hbh++
	p.e2e++
	return p.hbh, p.e2e
}

func mustEnc(t testing.TB, f func([]byte) ([]byte, error)) []byte {
	t.Helper()
	b, err := f(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (p *peer) send(b []byte) {
	p.t.Helper()
	_ = p.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
	if _, err := p.nc.Write(b); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

// readMsg reads one whole message, or returns nil after wait.
func (p *peer) readMsg(wait time.Duration) []byte {
	p.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		if n, err := wire.Frame(p.buf, 0); err == nil {
			m := append([]byte(nil), p.buf[:n]...)
			p.buf = p.buf[n:]
			return m
		} else if err != wire.ErrIncomplete {
			p.t.Fatalf("frame: %v", err)
		}
		_ = p.nc.SetReadDeadline(deadline)
		var b [64 << 10]byte
		n, err := p.nc.Read(b[:])
		p.buf = append(p.buf, b[:n]...)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return nil
			}
			return nil
		}
	}
}

// read returns the next answer, keeping server requests aside.
func (p *peer) read() []byte {
	p.t.Helper()
	for {
		m := p.readMsg(3 * time.Second)
		if m == nil {
			p.t.Fatal("no answer within 3s")
		}
		if h, _ := wire.ParseHeader(m); h.IsRequest() {
			p.requests = append(p.requests, m)
			continue
		}
		return m
	}
}

// closed reports whether the server closed the connection (within wait).
func (p *peer) closed(wait time.Duration) bool {
	_ = p.nc.SetReadDeadline(time.Now().Add(wait))
	var b [4096]byte
	for {
		_, err := p.nc.Read(b[:])
		if err != nil {
			ne, ok := err.(net.Error)
			return !(ok && ne.Timeout())
		}
	}
}

// ccrSpec describes a CCR for tests.
type ccrSpec struct {
	typ   wire.RequestType
	sid   string
	num   uint32
	imsi  uint64
	loc   *sim.Location
	imei  uint64 // 14-digit body; sent as IMEISV with SV 01
	mscc  []wire.MSCCRequest
	flags wire.CommandFlags
	e2e   uint32 // 0: fresh
	ctx   string
}

// rg returns an MSCC for rating group 1 asking want octets and reporting
// used octets (no RSU when want < 0; no USU when used < 0).
func rg(want, used int64) wire.MSCCRequest {
	m := wire.MSCCRequest{HasRatingGroup: true, RatingGroup: 1}
	if want >= 0 {
		m.HasRSU, m.RSU = true, wire.Octets(uint64(want))
	}
	if used >= 0 {
		m.AddUsed(wire.UsedUnit{ServiceUnit: wire.Octets(uint64(used))})
	}
	return m
}

func (p *peer) buildCCR(s ccrSpec) (*wire.CCR, []byte) {
	p.t.Helper()
	r := &wire.CCR{}
	r.Header.HopByHop, r.Header.EndToEnd = p.next()
	if s.e2e != 0 {
		r.Header.EndToEnd = s.e2e
	}
	r.Header.Flags = s.flags
	r.SessionID = []byte(s.sid)
	r.OriginHost, r.OriginRealm, r.DestinationRealm = []byte("pgw.test"), []byte("test"), []byte("carriersim.test")
	r.AuthApplicationID = wire.AppCreditControl
	r.ServiceContextID = []byte(contextPS)
	if s.ctx != "" {
		r.ServiceContextID = []byte(s.ctx)
	}
	r.RequestType, r.RequestNumber = s.typ, s.num
	if s.imsi != 0 {
		r.AddSubscriptionID(wire.EndUserIMSI, []byte(itoa(s.imsi)))
	}
	if s.loc != nil {
		r.UserLocationInfo = uliOf(*s.loc, nil)
	}
	if s.imei != 0 {
		r.HasUserEquipmentInfo = true
		r.UserEquipmentInfo = wire.UserEquipmentInfo{Type: wire.UEInfoIMEISV, Value: []byte(itoa(s.imei*100 + 1))}
	}
	for _, m := range s.mscc {
		*r.AddMSCC() = m
	}
	return r, mustEnc(p.t, r.Append)
}

// ccr sends a CCR and returns the decoded answer.
func (p *peer) ccr(s ccrSpec) *wire.CCA {
	p.t.Helper()
	_, b := p.buildCCR(s)
	p.send(b)
	return p.answer()
}

func (p *peer) answer() *wire.CCA {
	p.t.Helper()
	m := p.read()
	a := &wire.CCA{}
	if err := a.Decode(m); err != nil {
		var e wire.ErrorAnswer
		if e.Decode(m) == nil {
			a.ResultCode, a.ErrorMessage, a.FailedAVP = e.ResultCode, e.ErrorMessage, e.FailedAVP
			a.Header = e.Header
			return a
		}
		p.t.Fatalf("answer: %v", err)
	}
	return a
}

// fixture is a carrier, its server, and a connected peer.
type fixture struct {
	c *sim.Carrier
	s *Server
	p *peer
}

func newFixture(t *testing.T, mod func(*sim.Config)) *fixture {
	c := newCarrier(t, mod)
	s := startServer(t, c, nil)
	return &fixture{c: c, s: s, p: connect(t, s.Addr())}
}

// open sends a CCR-I for card i at home in its own device.
func (f *fixture) open(sid string, i uint32, want int64) *wire.CCA {
	id := f.c.Identity(i)
	loc := f.c.HomeLocation(i)
	return f.p.ccr(ccrSpec{typ: wire.InitialRequest, sid: sid, imsi: id.IMSI, loc: &loc, imei: id.DeviceIMEI,
		mscc: []wire.MSCCRequest{rg(want, -1)}})
}

func (f *fixture) update(sid string, i uint32, num uint32, want, used int64) *wire.CCA {
	id := f.c.Identity(i)
	loc := f.c.HomeLocation(i)
	return f.p.ccr(ccrSpec{typ: wire.UpdateRequest, sid: sid, num: num, loc: &loc, imei: id.DeviceIMEI,
		mscc: []wire.MSCCRequest{rg(want, used)}})
}

func (f *fixture) terminate(sid string, num uint32, used int64) *wire.CCA {
	return f.p.ccr(ccrSpec{typ: wire.TerminationRequest, sid: sid, num: num, mscc: []wire.MSCCRequest{rg(-1, used)}})
}

func (f *fixture) card(t *testing.T, i uint32) sim.CardStatus {
	t.Helper()
	st, err := f.c.Card(i)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func wantCode(t *testing.T, a *wire.CCA, rc wire.ResultCode, msg string) {
	t.Helper()
	if a.ResultCode != rc {
		t.Fatalf("Result-Code %d, want %d (Error-Message %q)", a.ResultCode, rc, a.ErrorMessage)
	}
	if msg != "" && string(a.ErrorMessage) != msg {
		t.Fatalf("Error-Message %q, want %q", a.ErrorMessage, msg)
	}
}

func granted(t *testing.T, a *wire.CCA) uint64 {
	t.Helper()
	if a.NumMSCC == 0 || !a.MSCC[0].HasGSU {
		t.Fatalf("no Granted-Service-Unit in answer (result %d)", a.ResultCode)
	}
	return a.MSCC[0].GSU.Total
}

// failTo moves the connection to address i (as a failover would) and waits
// until it is up there.
func (cc *clientConn) failTo(i int) error {
	cc.addrIdx.Store(int32((i - 1 + len(cc.addrs)) % len(cc.addrs)))
	cc.outMu.Lock()
	nc := cc.nc
	cc.outMu.Unlock()
	cc.fail(nc, nil)
	deadline := time.Now().Add(3 * time.Second)
	for !(cc.up.Load() && int(cc.addrIdx.Load()) == i) {
		if time.Now().After(deadline) {
			return errors.New("connection did not come up on the new address")
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
