package gtp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// shardCarrier is cards offset … offset+count-1 of a population of the
// test carrier's kind, as `carriersim serve --shard` holds them.
func shardCarrier(t testing.TB, offset, count int) *sim.Carrier {
	return newTestCarrier(t, count, func(cfg *sim.Config) { cfg.Population.Offset = offset })
}

// TestLoadRoutesByIMSI drives two of our gateways, each on a carrier
// holding half of the population, through one load client with a route
// per IMSI range, over loopback: every session lands on the gateway that
// owns its card (a gateway refuses a card it does not hold), and a restart
// of one gateway is seen for its sessions only.
func TestLoadRoutesByIMSI(t *testing.T) {
	t.Parallel()
	const half = 500
	whole := newTestCarrier(t, 2*half, nil)
	first := whole.Identity(0).IMSI
	pa := startTestPGW(t, shardCarrier(t, 0, half), nil)
	cb := shardCarrier(t, half, half)
	pb := startTestPGW(t, cb, nil)
	if got := cb.Identity(0).IMSI; got != first+half {
		t.Fatalf("shard b's first IMSI %d, want %d", got, first+half)
	}
	run := metrics.NewRun(time.Now(), 4)
	l, err := StartLoad(context.Background(), LoadConfig{Run: run, Devices: sim.NewDevices(whole), Workers: 2,
		T3: 100 * time.Millisecond, N3: 5, EchoInterval: 50 * time.Millisecond, Reattach: 50 * time.Millisecond,
		Routes: []PGWRoute{
			{FirstIMSI: first, LastIMSI: first + half - 1, Control: pa.ControlAddr(), User: pa.UserAddr()},
			{FirstIMSI: first + half, LastIMSI: first + 2*half - 1, Control: pb.ControlAddr(), User: pb.UserAddr()},
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })

	// Short sessions with G-PDUs: all accepted, each on its card's gateway.
	l.Run(testPhase(t, whole, 1000, 300*time.Millisecond, 1, 20*time.Millisecond, 3000))
	drain(t, l, 400*time.Millisecond)
	pr := l.Progress()
	if pr.SessionsStarted < 200 || pr.Completed != pr.SessionsStarted || pr.Timeouts != 0 || pr.Unexpected != 0 {
		t.Fatalf("progress %+v", pr)
	}
	peers := l.Peers()
	var sum uint64
	for i, p := range []*PGW{pa, pb} {
		st := p.Stats()
		want := peers[i].SessionsStarted
		sum += want
		if want == 0 {
			t.Errorf("gateway %d: no sessions routed to it", i)
		}
		if st.Answers["CreateSession:16"] != want || st.Answers["DeleteSession:16"] != want {
			t.Errorf("gateway %d: answers %v, want %d creates and deletes accepted", i, st.Answers, want)
		}
		for k, n := range st.Answers {
			if strings.HasPrefix(k, "CreateSession:") && k != "CreateSession:16" {
				t.Errorf("gateway %d: %d Create Sessions answered %s", i, n, k)
			}
		}
		if st.GPDUBytes != 3000*want || st.UnknownTEID != 0 {
			t.Errorf("gateway %d: %d G-PDU bytes (%d unknown tunnels), want %d", i, st.GPDUBytes, st.UnknownTEID, 3000*want)
		}
	}
	if sum != pr.SessionsStarted {
		t.Errorf("gateways saw %d sessions in all, the client started %d", sum, pr.SessionsStarted)
	}

	// Long sessions; gateway a restarts (a silent outage): only its
	// sessions are lost, and only its path sees a restart.
	l.Close()
	l2, _ := StartLoad(context.Background(), LoadConfig{Run: metrics.NewRun(time.Now(), 4), Devices: sim.NewDevices(whole), Workers: 2,
		T3: 100 * time.Millisecond, N3: 5, EchoInterval: 50 * time.Millisecond, Reattach: 50 * time.Millisecond,
		ModelledUsage: true, Routes: []PGWRoute{
			{FirstIMSI: first, LastIMSI: first + half - 1, Control: pa.ControlAddr()},
			{FirstIMSI: first + half, LastIMSI: first + 2*half - 1, Control: pb.ControlAddr()},
		}})
	if l2 == nil {
		t.Fatal("second load did not start")
	}
	t.Cleanup(func() { l2.Close() })
	l2.Run(testPhase(t, whole, 1000, 200*time.Millisecond, 1, 10*time.Second, 0))
	waitFor(t, "sessions open on both", func() bool {
		return pa.Stats().SessionsOpen >= 40 && pb.Stats().SessionsOpen >= 40
	})
	ca := pa.cfg.Carrier
	id, err := ca.Faults().StartOutage(sim.NodeGateway, sim.OutageSilent)
	must(t, err)
	time.Sleep(150 * time.Millisecond)
	must(t, ca.Faults().EndOutage(id))
	waitFor(t, "restart of a seen", func() bool { return l2.Peers()[0].Restarts > 0 && l2.Peers()[0].LostToRestart > 0 })
	openB := pb.Stats().SessionsOpen
	time.Sleep(100 * time.Millisecond) // echoes to both gateways go on
	ps := l2.Peers()
	if ps[1].Restarts != 0 || ps[1].LostToRestart != 0 || ps[1].PathFailures != 0 {
		t.Errorf("gateway b: %+v, want no restart, loss or path failure", ps[1])
	}
	if got := pb.Stats().SessionsOpen; got < openB {
		t.Errorf("gateway b holds %d sessions, had %d: it lost some", got, openB)
	}
	if p := l2.Progress(); p.PGWRestarts != ps[0].Restarts || p.LostToRestart != ps[0].LostToRestart {
		t.Errorf("progress %+v, peers %+v", p, ps)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(t, l2.Drain(ctx))
}

func TestLoadRoutesValidate(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 100, nil)
	first := c.Identity(0).IMSI
	cfg := LoadConfig{PGW: "127.0.0.1:2123", Run: newRunForTest(), Devices: sim.NewDevices(c), Routes: []PGWRoute{
		{FirstIMSI: first, LastIMSI: first + 9, Control: "127.0.0.1:2123"},
		{FirstIMSI: first + 5, LastIMSI: first + 19, Control: "pgw:2123"},
		{FirstIMSI: first + 40, LastIMSI: first + 30, Control: "127.0.0.1:2124"},
		{FirstIMSI: first + 60, LastIMSI: first + 99, Control: "127.0.0.1:2125", User: "x"},
	}}
	cfg.fillDefaults()
	err := cfg.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"pgw: want either pgw or routes",
		`routes[1].control: want ip:port`,
		`routes[3].user: want ip:port such as 127.0.0.1:2152, got "x"`,
		"routes[2]: want first_imsi <= last_imsi",
		"routes[0] and routes[1]: want IMSI ranges that do not overlap",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nlacks %q", err, want)
		}
	}

	// Good ranges that leave cards out: each run of them is reported.
	cfg = LoadConfig{Run: newRunForTest(), Devices: sim.NewDevices(c), Routes: []PGWRoute{
		{FirstIMSI: first + 10, LastIMSI: first + 49, Control: "127.0.0.1:2123"},
		{FirstIMSI: first + 60, LastIMSI: first + 89, Control: "127.0.0.1:2124"},
	}}
	cfg.fillDefaults()
	if cfg.Routes[1].User != "127.0.0.1:2152" {
		t.Errorf("route user %q, want the control host on 2152", cfg.Routes[1].User)
	}
	err = cfg.Validate()
	if err == nil {
		t.Fatal("no error for cards without a route")
	}
	for _, want := range []string{"cards 0…9 ", "cards 50…59 ", "cards 90…99 "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nlacks %q", err, want)
		}
	}
	if _, err := StartLoad(context.Background(), cfg); err == nil {
		t.Error("StartLoad started with unrouted cards")
	}

	// Covering ranges: each card gets its route.
	cfg.Routes[0].FirstIMSI, cfg.Routes[1].FirstIMSI, cfg.Routes[1].LastIMSI = first, first+50, first+99
	table, err := cfg.validate()
	if err != nil {
		t.Fatal(err)
	}
	if len(table) != 100 || table[0] != 0 || table[49] != 0 || table[50] != 1 || table[99] != 1 {
		t.Errorf("route table %v", table)
	}
}
