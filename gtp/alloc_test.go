package gtp

import (
	"net/netip"
	"testing"

	"github.com/carriersim/carriersim/gtp/wire"
)

// TestHotPathAllocatesNothing pins the zero-allocation promise of the
// gateway's hot path: decode a Create Session Request, admit and charge it,
// allocate the session, encode the response; then the same for its Delete
// Session. The worker is driven directly, without sockets.
func TestHotPathAllocatesNothing(t *testing.T) {
	c := newTestCarrier(t, 100_000, nil)
	p, err := NewPGW(PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c, DedupEntries: 1 << 12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	w := p.newWorker(0)
	s := &testSGW{t: t, c: c}
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	tmpl := s.createRequest(0)
	reqBuf := make([]byte, 0, 1024)
	var resp wire.CreateSessionResponse
	var del wire.DeleteSessionRequest
	card := uint32(0)
	seq := uint32(0)
	allocs := testing.AllocsPerRun(2000, func() {
		card = (card + 1) % 100_000
		id := c.Identity(card)
		m := &tmpl
		seq = wire.NextSeq(seq)
		m.Header.Seq = seq
		m.IMSI.Value = id.IMSI
		m.MEI.Value = id.DeviceIMEI*10 + 0 // body and any check digit: the body is what is compared
		m.ULI = uliOf(c.HomeLocation(card))
		reqBuf, _ = m.Append(reqBuf[:0])
		w.out.n = 0
		w.control(reqBuf, from, 0)
		if w.out.n != 1 {
			t.Fatal("no response")
		}
		if err := resp.Decode(w.out.data(0)); err != nil || resp.Cause.Value != wire.CauseRequestAccepted {
			t.Fatalf("create: %v %v", err, resp.Cause.Value)
		}
		seq = wire.NextSeq(seq)
		del.Header = wire.Header{TEID: resp.SenderFTEID.TEID, Seq: seq}
		del.LinkedEBI = 5
		reqBuf, _ = del.Append(reqBuf[:0])
		w.out.n = 0
		w.control(reqBuf, from, 0)
		if w.out.n != 1 {
			t.Fatal("no delete response")
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per Create+Delete on the gateway, want 0", allocs)
	}
	if n := p.Stats().SessionsOpen; n != 0 {
		t.Errorf("%d sessions left open", n)
	}
}
