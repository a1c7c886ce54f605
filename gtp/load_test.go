package gtp

import (
	"context"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// startTestLoad starts a load client against p.
func startTestLoad(t testing.TB, c *sim.Carrier, p *PGW, mut func(*LoadConfig)) (*Load, *metrics.Run) {
	t.Helper()
	run := metrics.NewRun(time.Now(), 4)
	cfg := LoadConfig{PGW: p.ControlAddr(), PGWUser: p.UserAddr(), Run: run, Devices: sim.NewDevices(c),
		Workers: 2, T3: 500 * time.Millisecond, N3: 3}
	if mut != nil {
		mut(&cfg)
	}
	l, err := StartLoad(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, run
}

func testPhase(t testing.TB, c *sim.Carrier, rate float64, d time.Duration, updates int, interval time.Duration, usage float64) sim.Phase {
	t.Helper()
	co, err := c.Resolve(sim.Cohort{})
	if err != nil {
		t.Fatal(err)
	}
	return sim.Phase{Name: "test", Start: time.Now().Add(20 * time.Millisecond), Duration: d, Rate: sim.Rate(rate),
		Cohort: co, Updates: sim.CountDist{Dist: sim.Const(float64(updates))},
		Interval: sim.DurationDist{Dist: sim.Const(interval.Seconds())}, Usage: sim.BytesDist{Dist: sim.Const(usage)}}
}

// drain waits for the phase to end and drains the client.
func drain(t testing.TB, l *Load, after time.Duration) {
	t.Helper()
	time.Sleep(after)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Drain(ctx); err != nil {
		t.Fatalf("drain: %v (progress %+v)", err, l.Progress())
	}
}

func TestLoadSessionsEndToEnd(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10_000, nil)
	p := startTestPGW(t, c, nil)
	l, run := startTestLoad(t, c, p, nil)
	l.Run(testPhase(t, c, 1000, 500*time.Millisecond, 2, 30*time.Millisecond, 3000))
	drain(t, l, 700*time.Millisecond)
	run.Tick(time.Now())
	pr := l.Progress()
	if pr.SessionsStarted < 450 || pr.SessionsStarted > 550 {
		t.Errorf("started %d sessions, want about 500", pr.SessionsStarted)
	}
	if pr.Timeouts != 0 || pr.InFlight != 0 || pr.SessionsOpen != 0 || pr.Completed != pr.SessionsStarted {
		t.Errorf("progress %+v", pr)
	}
	tot := run.Totals()
	n := pr.SessionsStarted
	if tot.Codes["CreateSession:16"] != n || tot.Codes["ModifyBearer:16"] != 2*n || tot.Codes["DeleteSession:16"] != n {
		t.Errorf("codes %v, want %d creates", tot.Codes, n)
	}
	if pr.GPDUBytes != 2*3000*n {
		t.Errorf("sent %d G-PDU bytes, want %d", pr.GPDUBytes, 2*3000*n)
	}
	// A G-PDU the gateway reads after its session was deleted is not
	// counted (an Error Indication answers it); on a slow machine (the race
	// detector) a few are. Everything counted is committed.
	st := p.Stats()
	if st.SessionsOpen != 0 || st.GPDUBytes < pr.GPDUBytes*95/100 || st.GPDUBytes > pr.GPDUBytes {
		t.Errorf("pgw stats %+v, client sent %d", st, pr.GPDUBytes)
	}
	cen := c.Census()
	if cen.Reserved != 0 || cen.Used != st.GPDUBytes {
		t.Errorf("carrier: reserved %d used %d, want 0 and %d", cen.Reserved, cen.Used, st.GPDUBytes)
	}
}

func TestLoadRetransmissionsCreateOnce(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10_000, nil)
	p := startTestPGW(t, c, nil)
	l, run := startTestLoad(t, c, p, func(cfg *LoadConfig) {
		cfg.T3 = 50 * time.Millisecond
		cfg.N3 = 10 // so that losing all 11 copies (0.3^11) does not happen
		cfg.ModelledUsage = true
	})
	// A third of the client's datagrams are lost: requests go out again
	// with the same sequence number, and the gateway must not carry any
	// out twice.
	l.Impair(0, 0.3)
	l.Run(testPhase(t, c, 500, 400*time.Millisecond, 1, 20*time.Millisecond, 0))
	time.Sleep(600 * time.Millisecond)
	l.Impair(0, 0)
	drain(t, l, 0)
	run.Tick(time.Now())
	pr := l.Progress()
	st := p.Stats()
	if pr.Retransmissions == 0 {
		t.Fatalf("no retransmissions under 30%% loss: %+v", pr)
	}
	if st.SessionsOpen != 0 || st.Replaced != 0 {
		t.Errorf("gateway: %d open, %d replaced (a create carried out twice)", st.SessionsOpen, st.Replaced)
	}
	// Every create the gateway carried out is one the client started.
	if created := st.Answers["CreateSession:16"] - st.Duplicates; created > pr.SessionsStarted {
		t.Errorf("gateway created %d sessions for %d started", created, pr.SessionsStarted)
	}
	if cen := c.Census(); cen.Reserved != 0 {
		t.Errorf("carrier reserved %d after drain", cen.Reserved)
	}
	if pr.Timeouts != 0 {
		t.Logf("timeouts %d (loss took every copy)", pr.Timeouts)
	}
}

func TestLoadReattachAfterMaintenance(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 1000, nil)
	p := startTestPGW(t, c, nil)
	l, run := startTestLoad(t, c, p, func(cfg *LoadConfig) {
		cfg.Reattach = 100 * time.Millisecond
		cfg.ModelledUsage = true
	})
	// Long sessions, so they are open when the maintenance starts.
	l.Run(testPhase(t, c, 1000, 200*time.Millisecond, 1, 10*time.Second, 0))
	waitFor(t, "sessions open", func() bool { return l.Progress().SessionsOpen >= 150 })
	id, err := c.Faults().StartMaintenance(sim.Target{Regions: []string{"Beijing", "Shanghai", "Sichuan"}})
	must(t, err)
	waitFor(t, "deleted by network", func() bool { return l.Progress().DeletedByNetwork > 0 })
	waitFor(t, "re-attaches", func() bool { return l.Progress().Reattaches >= l.Progress().DeletedByNetwork })
	// Reattaches counts attaches sent; under -race the answers can lag, so
	// wait for the gateway to have refused some before ending maintenance.
	waitFor(t, "refused re-attaches", func() bool { return p.Stats().Answers["CreateSession:73"] > 0 })
	must(t, c.Faults().EndMaintenance(id))
	drain(t, l, 0)
	run.Tick(time.Now())
	tot := run.Totals()
	pr := l.Progress()
	// Re-attaches inside the maintained regions were refused, blaming the
	// network.
	if tot.Codes["CreateSession:73"] == 0 || tot.Blame["network"] == 0 {
		t.Errorf("codes %v blame %v", tot.Codes, tot.Blame)
	}
	if st := p.Stats(); st.NetworkDeleted["maintenance"] != pr.DeletedByNetwork || st.SessionsOpen != 0 {
		t.Errorf("gateway %+v, client deleted-by-network %d", st, pr.DeletedByNetwork)
	}
	if cen := c.Census(); cen.Reserved != 0 {
		t.Errorf("carrier reserved %d after drain", cen.Reserved)
	}
}

func TestLoadSeesGatewayRestart(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 1000, nil)
	p := startTestPGW(t, c, nil)
	l, _ := startTestLoad(t, c, p, func(cfg *LoadConfig) {
		cfg.Reattach = 50 * time.Millisecond
		cfg.EchoInterval = 50 * time.Millisecond
		cfg.T3 = 100 * time.Millisecond
		cfg.N3 = 5
		cfg.ModelledUsage = true
	})
	l.Run(testPhase(t, c, 500, 200*time.Millisecond, 1, 10*time.Second, 0))
	waitFor(t, "sessions open", func() bool { return l.Progress().SessionsOpen >= 80 })
	before := p.Recovery()
	id, err := c.Faults().StartOutage(sim.NodeGateway, sim.OutageSilent)
	must(t, err)
	time.Sleep(150 * time.Millisecond)
	must(t, c.Faults().EndOutage(id))
	waitFor(t, "restart seen", func() bool { return l.Progress().PGWRestarts > 0 })
	if p.Recovery() != before+1 {
		t.Errorf("recovery %d, want %d", p.Recovery(), before+1)
	}
	waitFor(t, "sessions re-attached", func() bool {
		pr := l.Progress()
		return pr.LostToRestart > 0 && pr.Reattaches >= pr.LostToRestart && p.Stats().SessionsOpen > 0
	})
	drain(t, l, 0)
	if cen := c.Census(); cen.Reserved != 0 {
		t.Errorf("carrier reserved %d after drain", cen.Reserved)
	}
}

// newIdleLoad builds a load client whose worker is not running, with a
// few sessions under way, for tests that drive the worker directly.
func newIdleLoad(t testing.TB, c *sim.Carrier) (*Load, *metrics.Run) {
	return newIdleLoadSeq(t, c, 0)
}

// newIdleLoadSeq is newIdleLoad with the worker's last sequence number set
// to seq before the sessions start.
func newIdleLoadSeq(t testing.TB, c *sim.Carrier, seq uint32) (*Load, *metrics.Run) {
	t.Helper()
	run := metrics.NewRun(time.Now(), 1)
	cfg := LoadConfig{PGW: "127.0.0.1:2123", Run: run, Devices: sim.NewDevices(c), Workers: 1, ModelledUsage: true}
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	l := &Load{cfg: cfg, carrier: c, t0: time.Now()}
	l.peers = []loadPeer{{c: netip.MustParseAddrPort(cfg.PGW), u: netip.MustParseAddrPort(cfg.PGWUser)}}
	l.plmn, l.apn = wire.MustPLMN(cfg.MCC, cfg.MNC), wire.MustAPN(cfg.APN)
	l.msgs = [4]metrics.MsgID{run.Message("CreateSession"), run.Message("ModifyBearer"), run.Message("DeleteSession"), run.Message("Echo")}
	l.busy = make([]atomic.Uint64, (c.Len()+63)/64)
	w, err := newLoadWorker(l, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	l.workers = []*loadWorker{w}
	w.seq = seq
	t.Cleanup(w.close)
	co, _ := c.Resolve(sim.Cohort{})
	w.post(command{phase: &sim.Phase{Start: l.t0, Duration: time.Hour, Cohort: co,
		Updates: sim.CountDist{Dist: sim.Const(2)}}, closed: 3})
	now := l.now()
	w.commands(now)
	w.arrivals(now)
	return l, run
}

func newRunForTest() *metrics.Run { return metrics.NewRun(time.Now(), 2) }

// startLoadAt starts a load client against any gateway's control address,
// sending no G-PDUs.
func startLoadAt(t testing.TB, c *sim.Carrier, addr string, run *metrics.Run) (*Load, error) {
	l, err := StartLoad(context.Background(), LoadConfig{PGW: addr, Run: run, Devices: sim.NewDevices(c),
		Workers: 2, T3: 500 * time.Millisecond, N3: 3, ModelledUsage: true})
	if err == nil {
		t.Cleanup(func() { l.Close() })
	}
	return l, err
}

func TestLoadSequenceNumbersWrap(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 100, nil)
	l, _ := newIdleLoadSeq(t, c, wire.MaxSeq-1)
	w := l.workers[0]
	var seqs []uint32
	for s := range w.sess {
		seqs = append(seqs, w.sess[s].seq)
	}
	if len(seqs) != 3 || seqs[0] != wire.MaxSeq || seqs[1] != 0 || seqs[2] != 1 {
		t.Fatalf("sequence numbers %v, want [%d 0 1]", seqs, wire.MaxSeq)
	}
	for s, seq := range seqs {
		resp := wire.CreateSessionResponse{Header: wire.Header{TEID: w.teid(uint32(s)), Seq: seq},
			Cause:       wire.CauseIE{Value: wire.CauseRequestAccepted},
			SenderFTEID: wire.FTEID{Interface: wire.IfS5S8PGWGTPC, TEID: 100 + uint32(s), IPv4: netip.MustParseAddr("127.0.0.1")}}
		w.receive(mustB(resp.Append(nil)), l.peers[0].c, l.now())
	}
	if got := w.st.answered.Load(); got != 3 || w.inflt != 0 {
		t.Errorf("answered %d, in flight %d; want 3 and 0", got, w.inflt)
	}
	for s := range w.sess {
		if x := &w.sess[s]; !x.open || x.pgwC != 100+uint32(s) {
			t.Errorf("session %d: %+v", s, *x)
		}
	}
}
