package scenarios

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// TestGTPCRoutesProblems: every problem of carrier.gtpc_routes at once,
// each with its line.
func TestGTPCRoutesProblems(t *testing.T) {
	t.Parallel()
	src := `duration = "10s"
[carrier]
mode = "external"
gtpc = "10.0.0.9:2123"

[[carrier.gtpc_routes]]
first_imsi = 460040000000000
last_imsi = 460040000000599
gtpc = "10.0.0.1:2123"

[[carrier.gtpc_routes]]
first_imsi = 460040000000500
last_imsi = 460040000000899
gtpc = "nowhere"
gtpu = "10.0.0.2"
colour = "red"

[[carrier.gtpc_routes]]
first_imsi = 460040000000999
last_imsi = 460040000000990
gtpc = "10.0.0.3:2123"

[population]
count = 1000

[[load]]
interface = "gtp"
rate = "10/s"
`
	_, err := Parse("r.toml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		`r.toml:6: carrier.gtpc_routes: want either gtpc or gtpc_routes, got both`,
		`r.toml:12: carrier.gtpc_routes[1].first_imsi: want a range apart from gtpc_routes[0] (460040000000000…460040000000599), got 460040000000500…460040000000899`,
		`r.toml:14: carrier.gtpc_routes[1].gtpc: want host:port such as 10.0.0.1:2123, got "nowhere"`,
		`r.toml:15: carrier.gtpc_routes[1].gtpu: want host:port such as 10.0.0.1:2152, got "10.0.0.2"`,
		`r.toml:16: carrier.gtpc_routes.colour: unknown key`,
		`r.toml:20: carrier.gtpc_routes[2].last_imsi: want an IMSI of at most 15 digits, at least first_imsi 460040000000999, got 460040000000990`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack\n  %s\ngot:\n%s", want, msg)
		}
	}

	// Good ranges that leave cards of the population out; inline tables.
	src = `duration = "10s"
[carrier]
mode = "external"
gtpc_routes = [
  { first_imsi = 460040000000100, last_imsi = 460040000000499, gtpc = "10.0.0.1:2123" },
  { first_imsi = 460040000000600, last_imsi = 460040000000899, gtpc = "10.0.0.2:2123", gtpu = "10.0.0.2:2152" },
]
[population]
count = 1000
[[load]]
interface = "gtp"
rate = "10/s"
`
	_, err = Parse("g.toml", []byte(src))
	want := `g.toml:4: carrier.gtpc_routes: want a route for every card's IMSI (population 460040000000000…460040000000999), ` +
		`got none for 460040000000000…460040000000099, 460040000000500…460040000000599, 460040000000900…460040000000999`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v\nwant %s", err, want)
	}

	// Routes need the external mode.
	src = `duration = "10s"
[carrier]
gtpc_routes = [{ first_imsi = 460040000000000, last_imsi = 460040000000999, gtpc = "10.0.0.1:2123" }]
[population]
count = 1000
[[load]]
interface = "gtp"
rate = "10/s"
`
	if _, err = Parse("e.toml", []byte(src)); err == nil || !strings.Contains(err.Error(), `set mode = "external"`) {
		t.Errorf("err = %v, want the embedded mode refused", err)
	}
}

// TestGTPCRoutesDriveShards runs a scenario's GTP load through
// DefaultBackends against two of our PGWs on loopback, each on a carrier
// holding one IMSI range of the scenario's population (sim.Spec.Offset):
// every session is accepted by the PGW that owns its card.
func TestGTPCRoutesDriveShards(t *testing.T) {
	t.Parallel()
	const half = 300
	var pgws [2]*gtp.PGW
	for i := range pgws {
		c, err := sim.New(sim.Config{Clock: sim.NewClock(time.Time{}, 0), Population: sim.Spec{Count: half, Offset: i * half,
			Balance: 100 * sim.Yuan, Plans: map[string]float64{"iot-100m": 1}}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := gtp.NewPGW(gtp.PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c})
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		pgws[i] = p
	}
	src := fmt.Sprintf(`duration = "10s"
[carrier]
mode = "external"
timeout = "200ms"
gtpc_routes = [
  { first_imsi = 460040000000000, last_imsi = 460040000000299, gtpc = %q, gtpu = %q },
  { first_imsi = 460040000000300, last_imsi = 460040000000599, gtpc = %q, gtpu = %q },
]
[population]
count = %d
balance = "100"
plans = { "iot-100m" = 1 }
[[load]]
interface = "gtp"
rate = "10/s"
`, pgws[0].ControlAddr(), pgws[0].UserAddr(), pgws[1].ControlAddr(), pgws[1].UserAddr(), 2*half)
	sc, err := Parse("s.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Carrier.GTPRoutes) != 2 || sc.Carrier.GTPRoutes[1].FirstIMSI != 460040000000300 {
		t.Fatalf("routes %+v", sc.Carrier.GTPRoutes)
	}
	cfg := sc.Sim
	cfg.Clock = sim.NewClock(time.Time{}, 0)
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run := metrics.NewRun(time.Now(), 16)
	st, err := DefaultBackends(context.Background(), StackConfig{Scenario: sc, Carrier: c, Devices: sim.NewDevices(c),
		Run: run, Interfaces: []Interface{GTP}, Seed: 1, ShardCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if !strings.Contains(st.Addrs, pgws[0].ControlAddr()+","+pgws[1].ControlAddr()) {
		t.Errorf("addrs %q lack both PGWs", st.Addrs)
	}
	d := st.Drivers[GTP]
	co, err := c.Resolve(sim.Cohort{})
	if err != nil {
		t.Fatal(err)
	}
	d.Run(sim.Phase{Name: "p", Start: time.Now(), Duration: 200 * time.Millisecond, Rate: 1000, Cohort: co,
		Updates: sim.CountDist{Dist: sim.Const(0)}, Usage: sim.BytesDist{Dist: sim.Const(0)}})
	time.Sleep(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	peers := d.(*gtp.Load).Peers()
	for i, p := range pgws {
		ans := p.Stats().Answers
		n := peers[i].SessionsStarted
		if n == 0 || ans["CreateSession:16"] != n {
			t.Errorf("PGW %d: answers %v, want %d Create Sessions accepted", i, ans, n)
		}
	}
	if s := st.Stats(GTP); s.Timeouts != 0 || s.Answered == 0 {
		t.Errorf("stats %+v", s)
	}
}
