package gtp

import (
	"context"
	"testing"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// startTestLoad starts a load client against p.
func startTestLoad(t testing.TB, c *sim.Carrier, p *PGW, mut func(*LoadConfig)) (*Load, *metrics.Run) {
	t.Helper()
	run := metrics.NewRun(time.Now(), 4)
	cfg := LoadConfig{PGW: p.ControlAddr(), PGWUser: p.UserAddr(), Run: run, Devices: sim.NewDevices(c),
		Workers: 2, T3: 200 * time.Millisecond, N3: 2}
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
	st := p.Stats()
	if st.SessionsOpen != 0 || st.GPDUBytes != pr.GPDUBytes {
		t.Errorf("pgw stats %+v", st)
	}
	cen := c.Census()
	if cen.Reserved != 0 || cen.Used != pr.GPDUBytes {
		t.Errorf("carrier: reserved %d used %d, want 0 and %d", cen.Reserved, cen.Used, pr.GPDUBytes)
	}
}
