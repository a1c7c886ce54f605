package diameter

import (
	"context"
	"testing"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

func phase(rate sim.Rate, d time.Duration, updates int, interval time.Duration, usage, request uint64) sim.Phase {
	return sim.Phase{
		Name: "test", Start: time.Now().Add(20 * time.Millisecond), Duration: d, Rate: rate,
		Updates:  sim.CountDist{Dist: sim.Const(float64(updates))},
		Interval: sim.DurationDist{Dist: sim.Const(interval.Seconds())},
		Usage:    sim.BytesDist{Dist: sim.Const(float64(usage))},
		Request:  request,
	}
}

func startLoad(t *testing.T, c *sim.Carrier, addrs []string, mod func(*LoadConfig)) (*Load, *metrics.Run) {
	t.Helper()
	run := metrics.NewRun(time.Now(), 2)
	cfg := LoadConfig{Addrs: addrs, Devices: sim.NewDevices(c), Run: run, Workers: 2, Connections: 2,
		Timeout: 5 * time.Second} // generous: CI machines are slow and shared
	if mod != nil {
		mod(&cfg)
	}
	l, err := StartLoad(context.Background(), cfg)
	if err != nil {
		t.Fatalf("StartLoad: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l, run
}

// waitStarted waits until n sessions have started (at most 10s).
func waitStarted(t *testing.T, l *Load, n uint64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); l.Progress().SessionsStarted < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions started, want %d", l.Progress().SessionsStarted, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitIdle(t *testing.T, l *Load, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := l.Drain(ctx); err != nil {
		t.Fatalf("drain: %v (progress %+v)", err, l.Progress())
	}
}

// TestLoadSessionsAgainstServer runs open-loop sessions of one CCR-I, two
// CCR-Us and a CCR-T against our OCS and checks that every request was
// answered, that the quota accounting is exact and that nothing is left
// reserved.
func TestLoadSessionsAgainstServer(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *sim.Config) { cfg.Population.Plans = map[string]float64{"iot-1g-year": 1} })
	s := startServer(t, c, nil)
	l, run := startLoad(t, c, []string{s.Addr()}, nil)
	const sessions = 400
	l.Run(phase(2000, 200*time.Millisecond, 2, 5*time.Millisecond, 10_000, 100_000))
	deadline := time.Now().Add(10 * time.Second)
	for l.Progress().SessionsStarted < sessions && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// Let the sessions finish by themselves, then drain what is left.
	for l.Progress().SessionsOpen > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	waitIdle(t, l, 5*time.Second)
	run.Tick(time.Now())
	p := l.Progress()
	if p.SessionsStarted != sessions || p.Timeouts != 0 || p.Answered != 4*sessions {
		t.Fatalf("progress %+v, want %d sessions, %d answers, no timeouts", p, sessions, 4*sessions)
	}
	for _, m := range []string{"CCR-I", "CCR-U", "CCR-T"} {
		want := uint64(sessions)
		if m == "CCR-U" {
			want *= 2
		}
		if n := run.CountWhere(metrics.Filter{Message: m, Class: "ok"}, metrics.AllLabels); n != want {
			t.Errorf("%s ok %d, want %d", m, n, want)
		}
	}
	census := c.Census()
	if census.Reserved != 0 || census.Used != 3*sessions*10_000 {
		t.Fatalf("census used %d reserved %d, want used %d reserved 0", census.Used, census.Reserved, 3*sessions*10_000)
	}
	if st := s.Stats(); st.SessionsOpen != 0 || st.Requests["CCR-U"] != 2*sessions {
		t.Fatalf("server stats %+v", st)
	}
	if h := run.LatenciesByClass("CCR-U", metrics.ClassOK); h.Count() != 2*sessions {
		t.Fatalf("CCR-U latency samples %d", h.Count())
	}
}

// TestLoadClassifiesRefusals sends the sessions of a stopped cohort and a
// barred-region cohort and checks classes and blame.
func TestLoadClassifiesRefusals(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, nil)
	l, run := startLoad(t, c, []string{s.Addr()}, nil)
	stopped, err := c.Resolve(sim.Cohort{First: 0, Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := c.Stop(uint32(i)); err != nil {
			t.Fatal(err)
		}
	}
	p := phase(500, 100*time.Millisecond, 1, 0, 1000, 10_000)
	p.Cohort = stopped
	l.Run(p)
	waitStarted(t, l, 50)
	waitIdle(t, l, 10*time.Second)
	run.Tick(time.Now())
	n := run.CountWhere(metrics.Filter{Message: "CCR-I", Class: "refused", Code: 4010, Blame: "card"}, metrics.AllLabels)
	if n != 50 {
		t.Fatalf("%d CCR-I refused 4010 blamed on the card, want 50 (totals %+v)", n, run.Totals())
	}
	if s.Stats().SessionsOpen != 0 {
		t.Fatal("sessions left open")
	}
}

// TestLoadRetransmitsToAlternatePeer points the load at a silent OCS first
// and a working one second: every request times out on the first and is
// retransmitted with the T flag to the second.
func TestLoadFailoverAndRetransmission(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	good := startServer(t, c, nil)
	c2 := newCarrier(t, nil)
	silent := startServer(t, c2, nil)
	l, run := startLoad(t, c, []string{silent.Addr(), good.Addr()}, func(cfg *LoadConfig) {
		cfg.Timeout, cfg.Retries = 100*time.Millisecond, 5
		cfg.Connections, cfg.Workers = 2, 1
	})
	// One connection per server: take the silent one's connection to the
	// silent OCS, the other to the good one.
	if _, err := c2.Faults().StartOutage(sim.NodeOCS, sim.OutageSilent); err != nil {
		t.Fatal(err)
	}
	if err := l.conns[1].failTo(1); err != nil {
		t.Fatal(err)
	}
	l.Run(phase(200, 100*time.Millisecond, 0, 0, 100, 1000))
	waitStarted(t, l, 20)
	waitIdle(t, l, 10*time.Second)
	run.Tick(time.Now())
	p := l.Progress()
	if p.Timeouts != 0 || p.Retransmissions == 0 {
		t.Fatalf("progress %+v: want retransmissions and no timeouts", p)
	}
	if n := run.CountWhere(metrics.Filter{Class: "ok"}, metrics.AllLabels); n != 40 {
		t.Fatalf("%d ok answers, want 40 (totals %+v)", n, run.Totals())
	}
	if c.Census().Reserved != 0 {
		t.Fatal("reservations left")
	}
}

// TestLoadTimeoutsBlameNetwork: a silent OCS and no alternate.
func TestLoadTimeoutsBlameNetwork(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, nil)
	l, run := startLoad(t, c, []string{s.Addr()}, func(cfg *LoadConfig) { cfg.Timeout = 50 * time.Millisecond })
	if _, err := c.Faults().StartOutage(sim.NodeOCS, sim.OutageSilent); err != nil {
		t.Fatal(err)
	}
	l.Run(phase(100, 100*time.Millisecond, 1, 0, 100, 1000))
	waitStarted(t, l, 10)
	waitIdle(t, l, 10*time.Second)
	run.Tick(time.Now())
	if n := run.CountWhere(metrics.Filter{Message: "CCR-I", Class: "timeout", Blame: "network"}, metrics.AllLabels); n != 10 {
		t.Fatalf("%d timeouts blamed on the network, want 10 (totals %+v)", n, run.Totals())
	}
}

// TestLoadReauthOnRAR stops a card mid-session: the OCS sends RAR, the
// client re-authorises at once and is refused.
func TestLoadReauthOnRAR(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, nil)
	l, run := startLoad(t, c, []string{s.Addr()}, func(cfg *LoadConfig) { cfg.Workers, cfg.Connections = 1, 1 })
	one, _ := c.Resolve(sim.Cohort{First: 7, Count: 1})
	p := phase(1000, time.Millisecond, 5, time.Hour, 100, 1000)
	p.Cohort = one
	l.Run(p)
	deadline := time.Now().Add(5 * time.Second)
	// Stop the card only once the client has its CCA-I: the server counts a
	// session open before the batch holding its CCR-I is rated.
	for (s.Stats().SessionsOpen != 1 || l.Progress().Answered < 1) && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if err := c.Stop(7); err != nil {
		t.Fatal(err)
	}
	for l.Progress().SessionsOpen != 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	run.Tick(time.Now())
	if n := run.CountWhere(metrics.Filter{Message: "CCR-U", Class: "refused", Code: 4010}, metrics.AllLabels); n != 1 {
		t.Fatalf("CCR-U refused %d, want 1 (totals %+v)", n, run.Totals())
	}
	if s.Stats().RARs != 1 {
		t.Fatalf("RARs %d", s.Stats().RARs)
	}
}

// TestLoadDrainEndsSessions: sessions waiting a long interval are ended
// with a CCR-T at once by Drain, and nothing stays reserved.
func TestLoadDrainEndsSessions(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, nil)
	l, run := startLoad(t, c, []string{s.Addr()}, nil)
	l.Run(phase(1000, 50*time.Millisecond, 5, time.Hour, 1000, 10_000))
	for deadline := time.Now().Add(5 * time.Second); s.Stats().SessionsOpen < 50 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if n := s.Stats().SessionsOpen; n != 50 {
		t.Fatalf("%d sessions open, want 50", n)
	}
	waitIdle(t, l, 5*time.Second)
	run.Tick(time.Now())
	if n := run.CountWhere(metrics.Filter{Message: "CCR-T", Class: "ok"}, metrics.AllLabels); n != 50 {
		t.Fatalf("%d CCR-T, want 50", n)
	}
	if s.Stats().SessionsOpen != 0 || c.Census().Reserved != 0 {
		t.Fatalf("after drain: %d sessions open, %d reserved", s.Stats().SessionsOpen, c.Census().Reserved)
	}
}

// TestLoadImpairment: with loss every request is lost once in a while and
// retransmitted; with delay the latency grows by it.
func TestLoadImpairment(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, nil)
	l, run := startLoad(t, c, []string{s.Addr()}, func(cfg *LoadConfig) {
		cfg.Timeout, cfg.Retries = 50*time.Millisecond, 10
	})
	l.Impair(20*time.Millisecond, 0.3)
	l.Run(phase(500, 100*time.Millisecond, 0, 0, 100, 1000))
	for deadline := time.Now().Add(5 * time.Second); l.Progress().SessionsStarted < 50 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	waitIdle(t, l, 10*time.Second)
	run.Tick(time.Now())
	p := l.Progress()
	if p.Lost == 0 || p.Retransmissions < p.Lost || p.Timeouts != 0 {
		t.Fatalf("progress %+v: want losses, as many retransmissions, no timeouts", p)
	}
	if h := run.LatenciesByClass("CCR-I", metrics.ClassOK); h.Quantile(0.5) < 20*time.Millisecond {
		t.Fatalf("CCR-I p50 %s with 20ms added delay", h.Quantile(0.5))
	}
	if c.Census().Reserved != 0 {
		t.Fatal("reservations left")
	}
	l.Impair(0, 0)
}

// TestLoadFailsOverBetweenInstances takes down one front end of an OCS pair
// that shares its sessions, in each outage mode, while sessions are open:
// the client fails over to the other, every session ends properly on it
// (no 5002 for a session begun on the first), and nothing stays reserved.
func TestLoadFailsOverBetweenInstances(t *testing.T) {
	t.Parallel()
	for _, mode := range []sim.OutageMode{sim.OutageSilent, sim.OutageBusy, sim.OutageUnable} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			c := newCarrier(t, nil)
			s := startServer(t, c, func(cfg *ServerConfig) {
				cfg.Instance = "ocs-1"
				cfg.Alternates = []Instance{{Name: "ocs-2", Addr: "127.0.0.1:0"}}
			})
			addrs := s.Addrs()
			if len(addrs) != 2 || addrs[0] == addrs[1] {
				t.Fatalf("Addrs() = %v, want two front ends", addrs)
			}
			l, run := startLoad(t, c, addrs, func(cfg *LoadConfig) {
				cfg.Timeout, cfg.Retries = 150*time.Millisecond, 3
				cfg.WatchdogInterval = 50 * time.Millisecond
				cfg.Connections, cfg.Workers = 2, 2
			})
			// 40 sessions of a CCR-I, 4 CCR-Us 100ms apart and a CCR-T:
			// the outage starts while all are open.
			l.Run(phase(200, 200*time.Millisecond, 4, 100*time.Millisecond, 100, 1000))
			waitStarted(t, l, 40)
			if _, err := c.Faults().StartInstanceOutage(sim.NodeOCS, "ocs-1", mode); err != nil {
				t.Fatal(err)
			}
			// Let every session run its course before draining (a drain
			// would end them early with CCR-T).
			for deadline := time.Now().Add(10 * time.Second); l.Progress().SessionsOpen > 0 && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
			waitIdle(t, l, 10*time.Second)
			run.Tick(time.Now())
			p := l.Progress()
			if p.Timeouts != 0 || p.Retransmissions == 0 {
				t.Errorf("progress %+v: want retransmissions to the alternate and no timeouts", p)
			}
			if n := run.CountWhere(metrics.Filter{Class: "ok"}, metrics.AllLabels); n != 40*6 {
				t.Errorf("%d ok answers, want %d (totals %+v)", n, 40*6, run.Totals())
			}
			if mode == sim.OutageSilent && p.Failovers == 0 {
				t.Errorf("no connection failed over from the silent front end: %+v", p)
			}
			if st := s.Stats(); st.Answers[5002] != 0 {
				t.Errorf("%d answers 5002: a session was not found on the alternate", st.Answers[5002])
			}
			if c.Census().Reserved != 0 {
				t.Error("reservations left")
			}
		})
	}
}
