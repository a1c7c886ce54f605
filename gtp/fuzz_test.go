package gtp

import (
	"net/netip"
	"testing"

	"github.com/wmnsk/go-gtp/gtpv2/message"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

// fuzzSeeds are well-formed messages of every kind both sides read, so the
// fuzzer starts from the structure and mutates it.
func fuzzSeeds(f *testing.F, c *sim.Carrier) {
	s := &testSGW{t: f, c: c}
	csr := s.createRequest(1)
	f.Add(mustB(csr.Append(nil)))
	mbr := wire.ModifyBearerRequest{Header: wire.Header{TEID: 1<<24 | 1, Seq: 2}, ULI: uliOf(c.HomeLocation(1))}
	mbr.AddBearer(wire.BearerToModify{EBI: 5, S5S8USGW: wire.FTEID{Interface: wire.IfS5S8SGWGTPU, TEID: 9, IPv4: netip.MustParseAddr("127.0.0.1")}})
	f.Add(mustB(mbr.Append(nil)))
	dsr := wire.DeleteSessionRequest{Header: wire.Header{TEID: 1<<24 | 1, Seq: 3}, LinkedEBI: 5}
	f.Add(mustB(dsr.Append(nil)))
	f.Add(mustB(wire.AppendEchoRequest(nil, 4, 1)))
	f.Add(mustB(wire.AppendEchoResponse(nil, 4, 1)))
	csp := wire.CreateSessionResponse{Header: wire.Header{TEID: 2, Seq: 1}, Cause: wire.CauseIE{Value: 16},
		SenderFTEID: wire.FTEID{Interface: wire.IfS5S8PGWGTPC, TEID: 1<<24 | 1, IPv4: netip.MustParseAddr("127.0.0.1")},
		PAA:         wire.PAAIPv4(netip.MustParseAddr("10.128.0.2")), HasRecovery: true, Recovery: 3}
	csp.AddBearer(wire.BearerCreated{EBI: 5, Cause: wire.CauseIE{Value: 16},
		S5S8UPGW: wire.FTEID{Interface: wire.IfS5S8PGWGTPU, TEID: 1<<24 | 1, IPv4: netip.MustParseAddr("127.0.0.1")}})
	f.Add(mustB(csp.Append(nil)))
	rej := mustB(wire.AppendRejection(nil, wire.MsgCreateSessionRequest, 2, 5, wire.CauseIE{Value: 89}))
	f.Add(appendExplanation(rej, 0, sim.ReasonManualStop, sim.BlameCard))
	dbr := wire.DeleteBearerRequest{Header: wire.Header{TEID: 1<<24 | 1, Seq: 6}, LinkedEBI: 5, Cause: wire.CauseIE{Value: 9}}
	f.Add(mustB(dbr.Append(nil)))
	f.Add(mustB(wire.AppendGPDU(nil, 1<<24|1, []byte{0x45, 0, 0, 20})))
	f.Add(wire.AppendGTPUEchoRequest(nil, 7))
	f.Add([]byte{0x48, 0x20, 0x00})
	f.Add([]byte{0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0x12, 0x34, 0, 0})
}

// FuzzPGW feeds arbitrary datagrams to the gateway's control and user
// plane handlers (after a real Create Session, so some TEIDs exist): no
// input may panic, and every answer must be a GTP message that decodes,
// GTPv2-C answers with go-gtp's parser too.
func FuzzPGW(f *testing.F) {
	c := newTestCarrier(f, 100, nil)
	fuzzSeeds(f, c)
	p, err := NewPGW(PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c, DedupEntries: 1 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { p.Close() })
	w := p.newWorker(0)
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	s := &testSGW{t: f, c: c}
	csr := s.createRequest(1)
	w.control(mustB(csr.Append(nil)), from, 0)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		w.out.n = 0
		w.control(pkt, from, 0)
		w.userPacket(pkt, from)
		for i := 0; i < w.out.n; i++ {
			out := w.out.data(i)
			var h wire.Header
			if _, _, err := wire.ParseHeader(out, &h); err == nil {
				// go-gtp v0.8.0 refuses a message with no IE at all ("too
				// short"), which a Version Not Supported Indication is.
				if h.Type == wire.MsgVersionNotSupported {
					continue
				}
				if _, gerr := message.Parse(out); gerr != nil {
					t.Fatalf("go-gtp cannot parse our answer %x: %v", out, gerr)
				}
			} else {
				var uh wire.GTPUHeader
				if _, uerr := wire.ParseGTPU(out, &uh); uerr != nil {
					t.Fatalf("answer %x decodes as neither GTPv2-C (%v) nor GTP-U (%v)", out, err, uerr)
				}
			}
		}
	})
}

// FuzzLoadReceive feeds arbitrary datagrams to the load client's receive
// path, with sessions under way: no input may panic or corrupt the
// in-flight count.
func FuzzLoadReceive(f *testing.F) {
	c := newTestCarrier(f, 100, nil)
	fuzzSeeds(f, c)
	l, _ := newIdleLoad(f, c)
	w := l.workers[0]
	from := netip.MustParseAddrPort("127.0.0.1:2123")
	f.Fuzz(func(t *testing.T, pkt []byte) {
		w.out.n = 0
		w.receive(pkt, from, l.now())
		if w.inflt < 0 || uint64(w.inflt) != w.st.inflight.Load() {
			t.Fatalf("in flight %d, counted %d", w.inflt, w.st.inflight.Load())
		}
	})
}
