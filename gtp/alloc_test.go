package gtp

import (
	"context"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
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

// TestEndToEndAllocations runs Create+Delete procedures of our client
// against our PGW over loopback, closed loop, and counts this process's
// allocations per procedure after a warm-up: client and gateway together
// allocate nothing per message; what remains is amortised growth (the
// timing wheel's slots) and the runtime's own.
func TestEndToEndAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("measures allocations over 40,000 procedures")
	}
	c := newTestCarrier(t, 100_000, func(cfg *sim.Config) {
		cfg.Population.Plans = map[string]float64{"iot-1g-year": 1}
		cfg.Population.Balance = 1000 * sim.Yuan
	})
	p := startTestPGW(t, c, func(cfg *PGWConfig) { cfg.Housekeeping = time.Second })
	run := metrics.NewRun(time.Now(), 2)
	l, err := StartLoad(context.Background(), LoadConfig{PGW: p.ControlAddr(), Run: run, Devices: sim.NewDevices(c),
		Workers: 2, ModelledUsage: true, EchoInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	co, _ := c.Resolve(sim.Cohort{})
	l.RunClosed(sim.Phase{Start: time.Now(), Duration: time.Hour, Cohort: co}, 128)
	waitFor(t, "warm-up", func() bool { return l.Progress().Completed >= 10_000 })
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	n0 := l.Progress().Completed
	deadline := time.Now().Add(10 * time.Second)
	for l.Progress().Completed < n0+30_000 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	runtime.ReadMemStats(&m1)
	n := l.Progress().Completed - n0
	per := float64(m1.Mallocs-m0.Mallocs) / float64(n)
	t.Logf("%.3f allocations per procedure over %d procedures", per, n)
	if per > 0.5 {
		t.Errorf("%.3f allocations per Create+Delete procedure end to end, want (nearly) none", per)
	}
}
