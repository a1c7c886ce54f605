package gtp

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// BenchmarkCreateDeleteLoopback measures Create Session + Delete Session
// procedures end to end: our load client against our PGW over UDP on
// loopback, closed loop with 256 sessions under way, both in this process.
// ns/op is per procedure (a Create and a Delete).
func BenchmarkCreateDeleteLoopback(b *testing.B) {
	for _, inflight := range []int{256, 1024} {
		b.Run(itoa(inflight), func(b *testing.B) {
			c := newTestCarrier(b, 1_000_000, func(cfg *sim.Config) {
				cfg.Population.Plans = map[string]float64{"iot-1g-year": 1}
				cfg.Population.Balance = 1000 * sim.Yuan
			})
			p := startTestPGW(b, c, func(cfg *PGWConfig) { cfg.Workers = 0; cfg.DedupEntries = 0; cfg.Housekeeping = time.Second })
			run := metrics.NewRun(time.Now(), 2)
			l, err := StartLoad(context.Background(), LoadConfig{PGW: p.ControlAddr(), Run: run, Devices: sim.NewDevices(c),
				ModelledUsage: true, T3: time.Second, EchoInterval: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			co, _ := c.Resolve(sim.Cohort{})
			b.ReportAllocs()
			b.ResetTimer()
			l.RunClosed(sim.Phase{Start: time.Now(), Duration: time.Hour, Cohort: co}, inflight)
			for l.Progress().Completed < uint64(b.N) {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			l.Drain(ctx)
			if pr := l.Progress(); pr.Timeouts > 0 {
				b.Logf("timeouts %d", pr.Timeouts)
			}
		})
	}
}

func itoa(n int) string { return string(wire.MustDigits("0").String()[:0]) + fmtInt(n) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// BenchmarkPGWHotPath measures the gateway's work per Create Session +
// Delete Session without sockets: decode, admit and charge (sim.Rate),
// session table, encode, for the request and for its delete.
func BenchmarkPGWHotPath(b *testing.B) {
	const cards = 1_000_000
	c := newTestCarrier(b, cards, func(cfg *sim.Config) {
		cfg.Population.Plans = map[string]float64{"iot-1g-year": 1}
		cfg.Population.Balance = 1000 * sim.Yuan
	})
	p, err := NewPGW(PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	w := p.newWorker(0)
	s := &testSGW{t: b, c: c}
	m := s.createRequest(0)
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	var resp wire.CreateSessionResponse
	var del wire.DeleteSessionRequest
	creates := make([][]byte, 4096)
	for i := range creates {
		card := uint32(i * 241 % cards)
		id := c.Identity(card)
		m.IMSI.Value, m.MEI.Value, m.ULI = id.IMSI, id.DeviceIMEI*10, uliOf(c.HomeLocation(card))
		m.SenderFTEID.TEID = card + 1
		creates[i], _ = m.Append(nil)
	}
	delBuf := make([]byte, 0, 256)
	seq := uint32(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		pkt := creates[i&4095]
		seq = wire.NextSeq(seq)
		pkt[8], pkt[9], pkt[10] = byte(seq>>16), byte(seq>>8), byte(seq) // header sequence number (T flag set)
		w.out.n = 0
		w.control(pkt, from, 0)
		if err := resp.Decode(w.out.data(0)); err != nil || resp.Cause.Value != wire.CauseRequestAccepted {
			b.Fatalf("create: %v %v", err, resp.Cause.Value)
		}
		seq = wire.NextSeq(seq)
		del.Header = wire.Header{TEID: resp.SenderFTEID.TEID, Seq: seq}
		del.LinkedEBI = 5
		delBuf, _ = del.Append(delBuf[:0])
		w.out.n = 0
		w.control(delBuf, from, 0)
	}
}

// TestBenchSmoke runs Bench briefly, both gateways, so that the code behind
// `carriersim bench gtp` is exercised by the tests.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs both gateways under load")
	}
	res, err := Bench(context.Background(), BenchConfig{Duration: 300 * time.Millisecond, Warmup: 100 * time.Millisecond,
		SIMs: 20_000, InFlight: 64})
	if err != nil {
		t.Fatal(err)
	}
	if res.ProceduresPerSecond <= 0 || res.BaselineProceduresPerSecond <= 0 || res.Ratio <= 0 || res.Errors != 0 {
		t.Errorf("result %+v", res)
	}
	t.Logf("ours %.0f/s, go-gtp %.0f/s, ratio %.2f (smoke run, not a measurement)", res.ProceduresPerSecond,
		res.BaselineProceduresPerSecond, res.Ratio)
}
