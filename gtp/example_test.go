package gtp_test

import (
	"context"
	"fmt"
	"time"

	"github.com/carriersim/carriersim/gtp"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// A gateway for other people's tests: the carrier's PGW on ephemeral
// loopback ports, driven by the load client for ten sessions (a Create
// Session, a Modify Bearer after 10 ms of 1 KB of user data, a Delete
// Session each).
func Example() {
	ctx := context.Background()
	c, err := sim.New(sim.Config{Population: sim.Spec{Count: 1000}})
	if err != nil {
		panic(err)
	}
	p, err := gtp.NewPGW(gtp.PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c})
	if err != nil {
		panic(err)
	}
	if err := p.Start(); err != nil {
		panic(err)
	}
	defer p.Close()

	run := metrics.NewRun(time.Now(), 1)
	l, err := gtp.StartLoad(ctx, gtp.LoadConfig{PGW: p.ControlAddr(), PGWUser: p.UserAddr(), Run: run,
		Devices: sim.NewDevices(c), Workers: 1})
	if err != nil {
		panic(err)
	}
	defer l.Close()
	everyone, _ := c.Resolve(sim.Cohort{})
	l.Run(sim.Phase{Start: time.Now(), Duration: 100 * time.Millisecond, Rate: 100, Cohort: everyone,
		Updates:  sim.CountDist{Dist: sim.Const(1)},
		Interval: sim.DurationDist{Dist: sim.Const(0.010)},
		Usage:    sim.BytesDist{Dist: sim.Const(1024)}})
	// Let every session run its course (a drain would cut them short).
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if pr := l.Progress(); pr.SessionsStarted == 10 && pr.SessionsOpen == 0 && pr.InFlight == 0 {
			break
		}
	}
	if err := l.Drain(ctx); err != nil {
		panic(err)
	}
	run.Tick(time.Now())
	t := run.Totals()
	fmt.Println("created", t.Codes["CreateSession:16"], "modified", t.Codes["ModifyBearer:16"], "deleted", t.Codes["DeleteSession:16"])
	fmt.Println("user data counted", p.Stats().GPDUBytes, "bytes; sessions open", p.Stats().SessionsOpen)
	// Output:
	// created 10 modified 10 deleted 10
	// user data counted 10240 bytes; sessions open 0
}

// Charging through any Charger: here one that refuses every card, so every
// Create Session Request is answered 89 Service denied.
func ExampleCharger() {
	c, _ := sim.New(sim.Config{Population: sim.Spec{Count: 10}})
	p, _ := gtp.NewPGW(gtp.PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c,
		Charging: refuseAll{}})
	_ = p.Start()
	defer p.Close()
	run := metrics.NewRun(time.Now(), 1)
	l, _ := gtp.StartLoad(context.Background(), gtp.LoadConfig{PGW: p.ControlAddr(), Run: run,
		Devices: sim.NewDevices(c), Workers: 1, ModelledUsage: true})
	defer l.Close()
	everyone, _ := c.Resolve(sim.Cohort{})
	l.Run(sim.Phase{Start: time.Now(), Duration: 50 * time.Millisecond, Rate: 100, Cohort: everyone})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if pr := l.Progress(); pr.SessionsStarted == 5 && pr.InFlight == 0 {
			break
		}
	}
	_ = l.Drain(context.Background())
	run.Tick(time.Now())
	fmt.Println(run.Totals().Codes, run.Totals().Blame)
	// Output:
	// map[CreateSession:89:5] map[card:5]
}

type refuseAll struct{}

func (refuseAll) Charge(_ context.Context, _ uint64, req *sim.Request, d *sim.Decision) error {
	*d = sim.Decision{Outcome: sim.OutcomeDenied, Reason: sim.ReasonManualStop, Blame: sim.BlameCard}
	return nil
}
