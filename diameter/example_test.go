package diameter_test

import (
	"context"
	"fmt"
	"time"

	"github.com/carriersim/carriersim/diameter"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// An OCS on an ephemeral port, charged by a gateway's Charger.
func ExampleNewServer() {
	c, err := sim.New(sim.Config{Population: sim.Spec{Count: 1000, Plans: map[string]float64{"iot-100m": 1}}})
	if err != nil {
		panic(err)
	}
	s, err := diameter.NewServer(diameter.ServerConfig{Addr: "127.0.0.1:0", Carrier: c})
	if err != nil {
		panic(err)
	}
	if err := s.Start(); err != nil {
		panic(err)
	}
	defer s.Close()

	ch, err := diameter.NewCharger(context.Background(), diameter.ChargerConfig{Addrs: []string{s.Addr()}, Carrier: c})
	if err != nil {
		panic(err)
	}
	defer ch.Close()
	card, _ := c.Lookup(c.Identity(42).IMSI)
	var d sim.Decision
	err = ch.Charge(context.Background(), 1, &sim.Request{SIM: card, Kind: sim.KindInitial, Requested: 1 << 20,
		Loc: c.HomeLocation(card), IMEI: c.Identity(card).DeviceIMEI}, &d)
	fmt.Println(err, d.Outcome, d.Granted)
	_ = c.Stop(card)
	err = ch.Charge(context.Background(), 2, &sim.Request{SIM: card, Kind: sim.KindInitial,
		Loc: c.HomeLocation(card), IMEI: c.Identity(card).DeviceIMEI}, &d)
	fmt.Println(err, d.Outcome, d.Reason, d.Blame)
	// Output:
	// <nil> success 1048576
	// <nil> denied manual_stop card
}

// The load client driving an OCS for a moment: 50 sessions of one CCR-I,
// one CCR-U and a CCR-T.
func ExampleStartLoad() {
	c, _ := sim.New(sim.Config{Population: sim.Spec{Count: 1000, Plans: map[string]float64{"iot-100m": 1}}})
	s, _ := diameter.NewServer(diameter.ServerConfig{Addr: "127.0.0.1:0", Carrier: c})
	_ = s.Start()
	defer s.Close()

	run := metrics.NewRun(time.Now(), 1)
	l, err := diameter.StartLoad(context.Background(), diameter.LoadConfig{
		Addrs: []string{s.Addr()}, Devices: sim.NewDevices(c), Run: run, Workers: 1,
	})
	if err != nil {
		panic(err)
	}
	defer l.Close()
	l.Run(sim.Phase{Start: time.Now(), Duration: 100 * time.Millisecond, Rate: 500,
		Updates: sim.CountDist{Dist: sim.Const(1)}, Usage: sim.BytesDist{Dist: sim.Const(2000)}, Request: 100_000})
	for deadline := time.Now().Add(5 * time.Second); l.Progress().SessionsStarted < 50 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.Drain(ctx)
	run.Tick(time.Now())
	p := l.Progress()
	fmt.Println(p.SessionsStarted, p.Timeouts, p.Answered == run.CountWhere(metrics.Filter{Class: "ok"}, metrics.AllLabels))
	// Output: 50 0 true
}
