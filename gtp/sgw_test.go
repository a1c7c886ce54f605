package gtp

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

// testSGW is a hand-driven SGW for tests: one UDP socket on loopback, with
// helpers that build requests with gtp/wire and wait for the answer.
type testSGW struct {
	t    testing.TB
	c    *sim.Carrier
	conn *net.UDPConn
	user *net.UDPConn
	pgw  netip.AddrPort
	pgwU netip.AddrPort
	seq  uint32
	buf  []byte
}

func newTestSGW(t testing.TB, c *sim.Carrier, p *PGW) *testSGW {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	user, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); user.Close() })
	return &testSGW{t: t, c: c, conn: conn, user: user, pgw: netip.MustParseAddrPort(p.ControlAddr()),
		pgwU: netip.MustParseAddrPort(p.UserAddr()), buf: make([]byte, 4096)}
}

func (s *testSGW) nextSeq() uint32 { s.seq = wire.NextSeq(s.seq); return s.seq }

// send sends a datagram to the PGW's control address.
func (s *testSGW) send(b []byte) {
	s.t.Helper()
	if _, err := s.conn.WriteToUDPAddrPort(b, s.pgw); err != nil {
		s.t.Fatal(err)
	}
}

// recv waits up to d for a datagram; nil when none came.
func (s *testSGW) recv(d time.Duration) []byte {
	s.t.Helper()
	_ = s.conn.SetReadDeadline(time.Now().Add(d))
	n, _, err := s.conn.ReadFromUDPAddrPort(s.buf)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		s.t.Fatal(err)
	}
	return append([]byte(nil), s.buf[:n]...)
}

// roundTrip sends b and returns the answer, failing the test after 2s.
func (s *testSGW) roundTrip(b []byte) []byte {
	s.t.Helper()
	s.send(b)
	out := s.recv(2 * time.Second)
	if out == nil {
		s.t.Fatalf("no answer to %x", b)
	}
	return out
}

// plmnOf is the PLMN of generated cards (MCC 460, MNC 04).
var testPLMN = wire.MustPLMN("460", "04")

// uliOf is the ULI of a sim location.
func uliOf(l sim.Location) wire.ULI {
	u := wire.ULI{}
	if l.HasTAI {
		u.Flags |= wire.ULITAI
		u.TAI = wire.TAI{PLMN: testPLMN, TAC: l.TAC}
	}
	if l.HasECGI {
		u.Flags |= wire.ULIECGI
		u.ECGI = wire.ECGI{PLMN: testPLMN, ECI: l.ECI}
	}
	return u
}

// createRequest returns a Create Session Request for card, with the card's
// own device and home location; our control TEID is card+1.
func (s *testSGW) createRequest(card uint32) wire.CreateSessionRequest {
	id := s.c.Identity(card)
	m := wire.CreateSessionRequest{
		Header:         wire.Header{Seq: s.nextSeq()},
		IMSI:           wire.Digits{Value: id.IMSI, N: 15},
		MSISDN:         wire.Digits{Value: id.MSISDN, N: 15},
		MEI:            wire.Digits{Value: sim.FullIMEI(id.DeviceIMEI), N: 15},
		ULI:            uliOf(s.c.HomeLocation(card)),
		ServingNetwork: testPLMN,
		RATType:        wire.RATEUTRAN,
		SenderFTEID:    wire.FTEID{Interface: wire.IfS5S8SGWGTPC, TEID: card + 1, IPv4: netip.MustParseAddr("127.0.0.1")},
		APN:            wire.MustAPN("cmiot"),
		PDNType:        wire.PDNTypeIPv4,
		PAA:            wire.PAAIPv4(netip.IPv4Unspecified()),
		HasRecovery:    true,
		Recovery:       7,
	}
	m.AddBearer(wire.BearerToCreate{EBI: 5, QoS: wire.BearerQoS{PriorityLevel: 9, QCI: 9},
		S5S8USGW: wire.FTEID{Interface: wire.IfS5S8SGWGTPU, TEID: card + 1, IPv4: netip.MustParseAddr("127.0.0.1")}})
	return m
}

// mustB returns b, panicking on an encoding error (a bug in the test).
func mustB(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// create sends a Create Session Request and decodes the response.
func (s *testSGW) create(m wire.CreateSessionRequest) (wire.CreateSessionResponse, []byte) {
	s.t.Helper()
	b := mustB(m.Append(nil))
	out := s.roundTrip(b)
	var resp wire.CreateSessionResponse
	if err := resp.Decode(out); err != nil {
		s.t.Fatalf("decode Create Session Response: %v", err)
	}
	if resp.Header.Seq != m.Header.Seq {
		s.t.Fatalf("response seq %d, want %d", resp.Header.Seq, m.Header.Seq)
	}
	return resp, out
}

func (s *testSGW) modify(pgwTEID uint32, l sim.Location) (wire.ModifyBearerResponse, []byte) {
	s.t.Helper()
	m := wire.ModifyBearerRequest{Header: wire.Header{TEID: pgwTEID, Seq: s.nextSeq()}, ULI: uliOf(l)}
	out := s.roundTrip(mustB(m.Append(nil)))
	var resp wire.ModifyBearerResponse
	if err := resp.Decode(out); err != nil {
		s.t.Fatalf("decode Modify Bearer Response: %v", err)
	}
	return resp, out
}

func (s *testSGW) deleteSession(pgwTEID uint32) wire.DeleteSessionResponse {
	s.t.Helper()
	m := wire.DeleteSessionRequest{Header: wire.Header{TEID: pgwTEID, Seq: s.nextSeq()}, LinkedEBI: 5}
	out := s.roundTrip(mustB(m.Append(nil)))
	var resp wire.DeleteSessionResponse
	if err := resp.Decode(out); err != nil {
		s.t.Fatalf("decode Delete Session Response: %v", err)
	}
	return resp
}

// gpdu sends a G-PDU of n payload octets on tunnel teid.
func (s *testSGW) gpdu(teid uint32, n int) {
	s.t.Helper()
	b := mustB(wire.AppendGPDU(nil, teid, make([]byte, n)))
	if _, err := s.user.WriteToUDPAddrPort(b, s.pgwU); err != nil {
		s.t.Fatal(err)
	}
}

// newTestCarrier builds a small carrier on a frozen clock with every card
// bound, registered and funded.
func newTestCarrier(t testing.TB, n int, mut func(*sim.Config)) *sim.Carrier {
	t.Helper()
	cfg := sim.Config{Clock: sim.NewClock(time.Time{}, 0),
		Population: sim.Spec{Count: n, Balance: 100 * sim.Yuan, Plans: map[string]float64{"iot-100m": 1}}}
	if mut != nil {
		mut(&cfg)
	}
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startTestPGW starts a PGW on ephemeral loopback ports.
func startTestPGW(t testing.TB, c *sim.Carrier, mut func(*PGWConfig)) *PGW {
	t.Helper()
	cfg := PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c, Workers: 2,
		Housekeeping: 20 * time.Millisecond, T3: 100 * time.Millisecond, N3: 2, DedupEntries: 1 << 12}
	if mut != nil {
		mut(&cfg)
	}
	p, err := NewPGW(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// waitFor polls cond for up to 10 s (generous for a loaded CI machine
// running the race detector; it only matters when a test fails).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
