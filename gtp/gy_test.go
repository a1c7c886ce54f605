package gtp_test

import (
	"context"
	"testing"
	"time"

	"github.com/carriersim/carriersim/diameter"
	"github.com/carriersim/carriersim/gtp"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// TestChargingOverDiameter runs the gateway as a PCEF in front of our OCS:
// every session is charged with real Credit-Control-Requests over TCP on
// loopback (CCR-I on Create Session, CCR-U on Modify Bearer with the
// G-PDUs counted, CCR-T on Delete Session), refusals come back as the
// mapped causes, and a silent OCS makes Create Session fail with a
// network-blamed cause.
func TestChargingOverDiameter(t *testing.T) {
	ctx := context.Background()
	c, err := sim.New(sim.Config{Clock: sim.NewClock(time.Time{}, 0),
		Population: sim.Spec{Count: 2000, Balance: 100 * sim.Yuan, Plans: map[string]float64{"iot-100m": 1}}})
	if err != nil {
		t.Fatal(err)
	}
	ocs, err := diameter.NewServer(diameter.ServerConfig{Addr: "127.0.0.1:0", Carrier: c})
	if err != nil {
		t.Fatal(err)
	}
	if err := ocs.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ocs.Close() })
	ch, err := diameter.NewCharger(ctx, diameter.ChargerConfig{Addrs: []string{ocs.Addr()}, Carrier: c, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	p, err := gtp.NewPGW(gtp.PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c, Charging: ch,
		Housekeeping: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })

	// Cards 0-99 are stopped by their customers: refused by the OCS.
	for i := uint32(0); i < 100; i++ {
		if err := c.Stop(i); err != nil {
			t.Fatal(err)
		}
	}
	run := metrics.NewRun(time.Now(), 2)
	l, err := gtp.StartLoad(ctx, gtp.LoadConfig{PGW: p.ControlAddr(), PGWUser: p.UserAddr(), Run: run,
		Devices: sim.NewDevices(c), Workers: 2, T3: time.Second, N3: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	stopped, err := c.Resolve(sim.Cohort{First: 0, Count: 100})
	if err != nil {
		t.Fatal(err)
	}
	active, err := c.Resolve(sim.Cohort{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(20 * time.Millisecond)
	phase := func(co *sim.CohortSet, rate float64) sim.Phase {
		return sim.Phase{Start: start, Duration: 300 * time.Millisecond, Rate: sim.Rate(rate), Cohort: co,
			Updates: sim.CountDist{Dist: sim.Const(1)}, Interval: sim.DurationDist{Dist: sim.Const(0.03)},
			Usage: sim.BytesDist{Dist: sim.Const(4000)}}
	}
	l.Run(phase(active, 500))
	l.Run(phase(stopped, 50))
	time.Sleep(450 * time.Millisecond)
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := l.Drain(dctx); err != nil {
		t.Fatal(err)
	}
	run.Tick(time.Now())
	tot := run.Totals()
	pr := l.Progress()
	if pr.Timeouts != 0 || tot.Codes["CreateSession:16"] < 100 || tot.Codes["CreateSession:89"] < 5 {
		t.Fatalf("codes %v, progress %+v", tot.Codes, pr)
	}
	ok := tot.Codes["CreateSession:16"]
	if tot.Codes["ModifyBearer:16"] != ok || tot.Codes["DeleteSession:16"] != ok {
		t.Errorf("codes %v", tot.Codes)
	}
	if tot.Blame["card"] != tot.Codes["CreateSession:89"] {
		t.Errorf("blame %v for %d refusals", tot.Blame, tot.Codes["CreateSession:89"])
	}
	st := ocs.Stats()
	if st.Requests["CCR-I"] != ok+tot.Codes["CreateSession:89"] || st.Requests["CCR-U"] != ok || st.Requests["CCR-T"] != ok {
		t.Errorf("OCS requests %v, %d sessions", st.Requests, ok)
	}
	cen := c.Census()
	if cen.Used != pr.GPDUBytes || cen.Reserved != 0 {
		t.Errorf("carrier used %d reserved %d, client sent %d", cen.Used, cen.Reserved, pr.GPDUBytes)
	}

	// The OCS goes silent: new sessions fail, blaming the network.
	id, err := c.Faults().StartOutage(sim.NodeOCS, sim.OutageSilent)
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now().Add(20 * time.Millisecond)
	l2, err := gtp.StartLoad(ctx, gtp.LoadConfig{PGW: p.ControlAddr(), PGWUser: p.UserAddr(), Run: run,
		Devices: sim.NewDevices(c), Workers: 1, T3: 2 * time.Second, N3: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l2.Close() })
	ph := phase(active, 20)
	ph.Duration = 100 * time.Millisecond
	l2.Run(ph)
	time.Sleep(800 * time.Millisecond)
	if err := l2.Drain(dctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Faults().EndOutage(id); err != nil {
		t.Fatal(err)
	}
	run.Tick(time.Now())
	failed := run.CountWhere(metrics.Filter{Message: "CreateSession", Class: "error", Blame: "network"}, metrics.AllLabels)
	if failed == 0 {
		t.Errorf("no network-blamed Create Session errors during the OCS outage: %v", run.Totals().Codes)
	}
	// The charging timeout is the remote peer not responding (cause 100).
	if n := run.Totals().Codes["CreateSession:100"]; n != failed {
		t.Errorf("%d of %d failed Create Sessions have cause 100 (remote peer not responding): %v", n, failed, run.Totals().Codes)
	}
}
