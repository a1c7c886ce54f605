package serve

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// Config configures a served carrier. The zero value of every field means
// its default, so Config{} is a carrier on the loopback interface with the
// default population, plans and rules; Start fills the defaults in one place
// and reports every problem at once.
type Config struct {
	// Gy is the Diameter listen address of the OCS (default
	// "127.0.0.1:3868"); GTPC and GTPU those of the PGW (defaults
	// "127.0.0.1:2123" and "127.0.0.1:2152"); API the HTTP address of the
	// management API (default "127.0.0.1:8080"). Port 0 picks an ephemeral
	// port. Off ("off") leaves that part out.
	Gy, GTPC, GTPU, API string
	// Metrics is where Prometheus scrapes /metrics: "" serves it on the API
	// listener, "off" nowhere, an address on a listener of its own.
	Metrics string
	// Network is the Gy transport: "tcp" (default) or "sctp".
	Network string
	// OriginHost and OriginRealm identify the OCS (defaults
	// "ocs.carriersim.test", "carriersim.test"). The PGW charging over Gy
	// is "pgw."+OriginRealm.
	OriginHost, OriginRealm string
	// RedirectServer is the top-up address sent to cards in arrears
	// (default "http://topup.carriersim.test/").
	RedirectServer string
	// Charging is how the PGW charges its sessions: "diameter" (default:
	// over Gy to this carrier's OCS, as the embedded carrier of a scenario
	// does) or "local" (in process; the PGW stands alone).
	Charging string
	// APNs are the access point names the PGW serves (empty: any).
	APNs []string
	// Sim configures the carrier core: population (or CSV), plans, rules.
	// Its Clock is ignored; ClockStart and ClockSpeed make one.
	Sim sim.Config
	// ClockStart is the carrier clock's start (zero: now) and ClockSpeed
	// its speed in virtual seconds per second (0 means 1); FreezeClock
	// stops it at ClockStart (the API can still advance it).
	ClockStart  time.Time
	ClockSpeed  float64
	FreezeClock bool
	// Faults are started with the carrier.
	Faults []Fault
	// StateFile, when set, is loaded on start (when it exists) and written
	// atomically every SnapshotEvery (default 30s; negative: only at
	// shutdown) and at shutdown.
	StateFile     string
	SnapshotEvery time.Duration
	// Token is the bearer token the API requires (required when API is not
	// a loopback address); RateLimit is the requests a second one client
	// may make (0: no limit).
	Token     string
	RateLimit float64
	// ShardIndex of ShardCount (default 0 of 1): this process serves the
	// ShardIndex-th of ShardCount equal ranges of the population's IMSIs,
	// so that several processes share one large population.
	ShardIndex, ShardCount int
	// Journal, when > 0, keeps the last Journal requests and answers of
	// every card on Gy and on GTP (see diameter.Server.Journal).
	Journal int
	// Logf receives connection-level problems and snapshot failures (nil:
	// discarded). It must be safe for concurrent use.
	Logf func(format string, args ...any)
}

// Off is the address that leaves a part of the carrier out.
const Off = "off"

// Fault is an outage or a maintenance window started with the carrier.
type Fault struct {
	// Kind is "outage" or "maintenance".
	Kind string
	// Node, Mode and Instance describe an outage (sim.ParseNode,
	// sim.ParseOutageMode; Instance "" takes every instance of the node,
	// and the OCS is instance "ocs-1", as in a scenario).
	Node     sim.Node
	Mode     sim.OutageMode
	Instance string
	// Target is what a maintenance window takes offline.
	Target sim.Target
	// Duration ends the fault that long after the start (0: it lasts).
	Duration time.Duration
}

func (c *Config) fillDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.Gy, "127.0.0.1:3868")
	def(&c.GTPC, "127.0.0.1:2123")
	def(&c.GTPU, "127.0.0.1:2152")
	def(&c.API, "127.0.0.1:8080")
	def(&c.Network, "tcp")
	def(&c.OriginHost, "ocs.carriersim.test")
	def(&c.OriginRealm, "carriersim.test")
	def(&c.Charging, "diameter")
	if c.ClockSpeed == 0 {
		c.ClockSpeed = 1
	}
	if c.SnapshotEvery == 0 {
		c.SnapshotEvery = 30 * time.Second
	}
	if c.ShardCount == 0 {
		c.ShardCount = 1
	}
}

// Validate reports every problem with c at once (after defaults are
// filled); each names the field as the TOML file spells it.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	addr := func(key, a string) {
		if a == Off {
			return
		}
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			bad("%s: want host:port such as 127.0.0.1:0, or off, got %q", key, a)
		}
	}
	addr("listen.gy", c.Gy)
	addr("listen.gtpc", c.GTPC)
	addr("listen.gtpu", c.GTPU)
	addr("listen.api", c.API)
	if c.Metrics != "" {
		addr("listen.metrics", c.Metrics)
	}
	if (c.GTPC == Off) != (c.GTPU == Off) {
		bad("listen.gtpu: want both gtpc and gtpu, or both off, got gtpc %q and gtpu %q", c.GTPC, c.GTPU)
	}
	if c.Network != "tcp" && c.Network != "sctp" {
		bad("listen.network: want tcp or sctp, got %q", c.Network)
	}
	switch c.Charging {
	case "local":
	case "diameter":
		if c.Gy == Off && c.GTPC != Off {
			bad("gateway.charging: diameter charges at this carrier's OCS, which listen.gy = \"off\" leaves out; want local")
		}
	default:
		bad("gateway.charging: want diameter or local, got %q", c.Charging)
	}
	if c.ClockSpeed < 0 || c.ClockSpeed > 1e7 {
		bad("clock.speed: want 0 (frozen) to 10000000 virtual seconds per second, got %g", c.ClockSpeed)
	}
	for i, f := range c.Faults {
		switch f.Kind {
		case "outage":
			if f.Mode == 0 {
				bad("faults[%d].mode: want silent, busy or unable, got none", i)
			}
		case "maintenance":
			if len(f.Target.Regions)+len(f.Target.TACs)+len(f.Target.Cells) == 0 {
				bad("faults[%d].regions: maintenance needs regions, tacs or cells", i)
			}
		default:
			bad("faults[%d].kind: want outage or maintenance, got %q", i, f.Kind)
		}
		if f.Duration < 0 {
			bad("faults[%d].duration: want a duration >= 0, got %s", i, f.Duration)
		}
	}
	if c.RateLimit < 0 {
		bad("api.rate_limit: want requests a second >= 0, got %g", c.RateLimit)
	}
	if c.API != Off && c.Token == "" && !loopback(c.API) {
		bad("api.token: the API listens on %s, not loopback, and wants a bearer token", c.API)
	}
	if c.ShardCount < 1 || c.ShardIndex < 0 || c.ShardIndex >= c.ShardCount {
		bad("shard: want I/N with 0 <= I < N, got %d/%d", c.ShardIndex, c.ShardCount)
	}
	if c.ShardCount > 1 && c.Sim.CSV != "" {
		bad("shard: a CSV population is served whole; shard a generated population (population.count) instead")
	}
	if c.Journal < 0 || c.Journal > 1<<24 {
		bad("journal: want 0..16777216 exchanges, got %d", c.Journal)
	}
	if c.Gy == Off && c.GTPC == Off && c.API == Off {
		bad("listen: everything is off")
	}
	if len(errs) > 0 {
		return fmt.Errorf("serve: invalid configuration:\n%w", errors.Join(errs...))
	}
	return nil
}

// loopback reports whether addr's host is a loopback address or name.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// simConfig returns the carrier core's configuration for this process's
// shard on clock.
func (c *Config) simConfig(clock *sim.Clock) sim.Config {
	cfg := c.Sim
	cfg.Clock = clock
	if c.ShardCount > 1 {
		p := &cfg.Population
		p.FillDefaults()
		lo := p.Count * c.ShardIndex / c.ShardCount
		hi := p.Count * (c.ShardIndex + 1) / c.ShardCount
		// The shard's cards are cards lo… of the whole population, with
		// their plans, homes and devices, as the load side models them.
		p.Count, p.Offset = hi-lo, lo
	}
	return cfg
}
