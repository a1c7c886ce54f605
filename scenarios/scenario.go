package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/results"
	"github.com/carriersim/carriersim/scenarios/tomlcfg"
	"github.com/carriersim/carriersim/sim"
)

// Interface is the interface a load phase drives.
type Interface string

// Interfaces.
const (
	// Gy drives the online charging server directly (CCR/CCA).
	Gy Interface = "gy"
	// GTP drives the gateway (Create/Modify/Delete Session), which charges
	// over Gy itself.
	GTP Interface = "gtp"
)

// EventKind is the kind of a timeline event.
type EventKind string

// Event kinds (REFERENCE.md documents the keys each takes).
const (
	EventOutage      EventKind = "outage"        // a core node out: silent, busy or unable
	EventMaintenance EventKind = "maintenance"   // cells, tracking areas or regions offline
	EventStorm       EventKind = "overage_storm" // a cohort bursts past its allowance
	EventRoam        EventKind = "roam"          // a cohort moves into another region
	EventStop        EventKind = "stop"          // the customer suspends a cohort's cards
	EventResume      EventKind = "resume"        // the customer resumes them
	EventRecharge    EventKind = "recharge"      // money added to a cohort's balances
	EventClock       EventKind = "clock"         // the virtual clock jumps
	EventLatency     EventKind = "latency"       // added delay on a path
	EventLoss        EventKind = "loss"          // packet loss on a path
	EventSwap        EventKind = "device_swap"   // a cohort's cards move to other devices
)

var eventKinds = []EventKind{EventOutage, EventMaintenance, EventStorm, EventRoam, EventStop, EventResume,
	EventRecharge, EventClock, EventLatency, EventLoss, EventSwap}

// needsEmbedded lists the events that act on the carrier's inside and so
// need the embedded carrier.
var needsEmbedded = map[EventKind]bool{EventOutage: true, EventMaintenance: true, EventStop: true,
	EventResume: true, EventRecharge: true, EventClock: true}

// Scenario is a validated scenario file, ready to run.
type Scenario struct {
	Path        string
	Name        string
	Description string
	// Digest identifies the scenario's content and compression (a hash of
	// the file and the Compress factors applied): the shards of one run
	// share it, and a merge of results refuses shards that differ.
	Digest   string
	Duration time.Duration
	Seed     uint64
	Carrier  Carrier
	// Sim configures the embedded carrier (or, for an external one, the
	// model of its cards the load side uses). Clock is left nil: the runner
	// makes one from ClockStart and ClockSpeed.
	Sim        sim.Config
	ClockStart time.Time
	ClockSpeed float64
	Phases     []Phase
	Events     []Event
	Thresholds []Threshold
	Capacity   *Capacity
}

// Carrier says which carrier a scenario drives.
type Carrier struct {
	External         bool
	Gy               []string // external OCS addresses, failover in order
	GTPC             string   // external PGW GTP-C address
	OriginHost       string
	OriginRealm      string
	DestinationRealm string
	Connections      int
	Timeout          time.Duration
	// Watchdog is the Diameter watchdog interval (RFC 3539 Tw) of the load
	// client's connections: three quiet intervals take one down and fail
	// it over.
	Watchdog time.Duration
	// OCSInstances is how many front ends the embedded OCS has, named
	// "ocs-1", "ocs-2", …: they share sessions, and the load client keeps
	// them in failover order.
	OCSInstances int
	// UserName puts each card's IMSI in User-Name (RFC 6733 §8.14) on every
	// CCR, so that a Diameter routing agent in front of sharded carriers
	// can route by subscriber (freeDiameter rt_default: un=…).
	UserName bool
	// GTPRoutes, instead of GTPC, drive one external PGW per IMSI range
	// (carrier shards): each card's sessions go to the PGW owning its IMSI.
	GTPRoutes []GTPRoute
}

// GTPRoute is a PGW of Carrier.GTPRoutes and the IMSIs it owns.
type GTPRoute struct {
	FirstIMSI, LastIMSI uint64 // both included
	GTPC                string // GTP-C host:port
	GTPU                string // GTP-U host:port ("": the GTP-C host on 2152)
}

// Phase is a load phase: sessions started at an open-loop arrival rate.
type Phase struct {
	Name      string
	Interface Interface
	Start     time.Duration
	Duration  time.Duration
	Rate      sim.Rate // sessions per second at the start
	RampTo    sim.Rate // sessions per second at the end (0: constant)
	Cohort    sim.Cohort
	Updates   sim.CountDist    // usage reports per session
	Interval  sim.DurationDist // between reports
	Usage     sim.BytesDist    // used per report
	Request   sim.Bytes        // asked per request (0: the carrier's default)
	Line      int
}

// RateAt returns the phase's arrival rate at elapsed time t into the phase.
func (p *Phase) RateAt(t time.Duration) float64 {
	if p.RampTo == 0 || p.Duration <= 0 {
		return float64(p.Rate)
	}
	f := float64(t) / float64(p.Duration)
	return float64(p.Rate) + (float64(p.RampTo)-float64(p.Rate))*min(max(f, 0), 1)
}

// Event is a timeline event.
type Event struct {
	Name     string
	Kind     EventKind
	At       time.Duration
	Duration time.Duration // 0: instantaneous, or to the end for lasting kinds
	Node     sim.Node
	Mode     sim.OutageMode
	Instance string // the node instance an outage takes out ("": every one)
	Target   sim.Target
	Cohort   sim.Cohort
	Rate     sim.Rate
	Usage    sim.BytesDist
	To       string // roam destination region
	Amount   sim.Money
	Advance  time.Duration
	Set      time.Time
	Path     Interface
	Delay    time.Duration
	Loss     float64
	Line     int
}

// End returns when a lasting event ends (the scenario's end when open).
func (e *Event) End(scenario time.Duration) time.Duration {
	if e.Duration == 0 {
		return scenario
	}
	return min(e.At+e.Duration, scenario)
}

// Threshold is a pass/fail criterion on the results.
type Threshold struct {
	Name    string
	Metric  string // latency, count, ratio, late, events, cards
	Message string
	Stat    string // latency: p50, p90, p99, p999, max, mean
	Class   string // ok, refused, error, timeout
	Code    uint32
	Blame   string
	Reason  string
	Region  string
	Event   string // events: refused, stopped, resumed, ...
	During  []string
	Outside []string
	Op      string
	Value   float64 // latency in ms; counts; ratios as fractions
	Abort   bool
	Line    int
}

// String names the threshold: its name, or its rule when it has none.
func (t *Threshold) String() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Rule()
}

// Rule renders the threshold as a readable rule, e.g.
// latency.p99{message=CCR-U,outside=outage} < 2ms.
func (t *Threshold) Rule() string {
	c := t.Check()
	return c.String()
}

// Check returns the threshold's rule as data: the runner judges it with
// results.Judge, and summary.json keeps it so that a merge of shards judges
// it again on the merged figures.
func (t *Threshold) Check() results.Rule {
	return results.Rule{Metric: t.Metric, Stat: t.Stat, Message: t.Message, Class: t.Class, Code: t.Code, Blame: t.Blame,
		Reason: t.Reason, Region: t.Region, Event: t.Event, During: t.During, Outside: t.Outside, Op: t.Op, Value: t.Value}
}

// Capacity asks the runner to search for the highest arrival rate that keeps
// latency and errors within bounds, stepping up from From by Step.
type Capacity struct {
	Interface Interface
	From      sim.Rate
	Step      sim.Rate
	Max       sim.Rate
	Hold      time.Duration
	P99Bound  time.Duration
	ErrorRate float64
	Message   string
}

// Problem is one thing wrong with a scenario file: its line, key path and
// message.
type Problem = tomlcfg.Problem

// ValidationError lists every problem of a scenario file, sorted by line.
type ValidationError struct {
	Path     string
	Problems []Problem
}

// Error lists the problems, one per line, as file:line: key: message.
func (e *ValidationError) Error() string { return tomlcfg.Format(e.Path, e.Problems) }

// ErrInvalid is wrapped by every error that says the scenario is invalid,
// as opposed to unreadable.
var ErrInvalid = errors.New("invalid scenario")

// Is makes errors.Is(err, ErrInvalid) true for validation errors.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Load reads and validates a scenario file. Every problem is reported at
// once (a *ValidationError), each with file:line, the key path, what was
// expected and what was found.
func Load(path string) (*Scenario, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	return Parse(path, src)
}

// Parse validates a scenario from its text; path is used in messages and to
// resolve relative file names (a population CSV).
func Parse(path string, src []byte) (*Scenario, error) {
	var f file
	c, ok := tomlcfg.Decode(path, src, &f, "scenarios/REFERENCE.md")
	if !ok {
		return nil, &ValidationError{Path: path, Problems: c.Problems}
	}
	v := &validator{c}
	s := v.scenario(&f)
	if ps := v.Sorted(); len(ps) > 0 {
		return nil, &ValidationError{Path: path, Problems: ps}
	}
	sum := sha256.Sum256(src)
	s.Digest = hex.EncodeToString(sum[:8])
	return s, nil
}

// validator validates a decoded file into a Scenario.
type validator struct{ *tomlcfg.Checker }

func (v *validator) scenario(f *file) *Scenario {
	s := &Scenario{Path: v.Path, Name: f.Name, Description: f.Description, ClockSpeed: 1}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(v.Path), filepath.Ext(v.Path))
	}
	for _, r := range s.Name {
		if !(r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			v.Bad("name", "want letters, digits, - and _ (it names the results folder), got %q", s.Name)
			break
		}
	}
	if tomlcfg.Check(v.Checker, "duration", &f.Duration) {
		s.Duration = time.Duration(f.Duration.V)
	}
	if f.Duration.Err == nil && (s.Duration <= 0 || s.Duration > 24*time.Hour) {
		v.Bad("duration", "want a duration from 1s to 24h such as \"60s\", got %q", f.Duration.Raw)
	}
	if f.Seed < 0 {
		v.Bad("seed", "want a seed >= 0, got %d", f.Seed)
	}
	s.Seed = uint64(f.Seed)
	if s.Seed == 0 {
		s.Seed = 1
	}
	v.carrier(f, s)
	v.clock(f, s)
	v.simConfig(f, s)
	v.gtpcCoverage(s)
	for i := range f.Load {
		v.phase(i, &f.Load[i], s)
	}
	if len(f.Load) == 0 && f.Capacity == nil {
		v.Bad("load", "want at least one [[load]] phase (or a [capacity] search), got none")
	}
	for i := range f.Events {
		v.event(i, &f.Events[i], s)
	}
	for i := range f.Thresholds {
		v.threshold(i, &f.Thresholds[i], s)
	}
	if f.Capacity != nil {
		v.capacity(f.Capacity, s)
	}
	return s
}

func (v *validator) carrier(f *file, s *Scenario) {
	c := &f.Carrier
	switch c.Mode {
	case "", "embedded":
	case "external":
		s.Carrier.External = true
	default:
		v.Bad("carrier.mode", "want embedded or external, got %q", c.Mode)
	}
	for i, a := range c.Gy {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			v.Bad(fmt.Sprintf("carrier.gy[%d]", i), "want host:port such as 127.0.0.1:3868, got %q", a)
		}
	}
	if c.GTPC != "" {
		if _, _, err := net.SplitHostPort(c.GTPC); err != nil {
			v.Bad("carrier.gtpc", "want host:port such as 127.0.0.1:2123, got %q", c.GTPC)
		}
	}
	v.gtpcRoutes(c, s)
	if !s.Carrier.External && (len(c.Gy) > 0 || c.GTPC != "" || len(c.GTPCRoutes) > 0) {
		v.Bad("carrier.mode", "addresses are given but mode is embedded: set mode = \"external\" to drive a carrier at an address")
	}
	s.Carrier.Gy, s.Carrier.GTPC = c.Gy, c.GTPC
	s.Carrier.OriginHost, s.Carrier.OriginRealm, s.Carrier.DestinationRealm = c.OriginHost, c.OriginRealm, c.DestinationRealm
	if s.Carrier.OriginHost == "" {
		s.Carrier.OriginHost = "load.carriersim.test"
	}
	if s.Carrier.OriginRealm == "" {
		s.Carrier.OriginRealm = "carriersim.test"
	}
	if s.Carrier.DestinationRealm == "" {
		s.Carrier.DestinationRealm = "ocs.carriersim.test"
	}
	s.Carrier.Connections = c.Connections
	if c.Connections < 0 || c.Connections > 1024 {
		v.Bad("carrier.connections", "want 1..1024, got %d", c.Connections)
	}
	if s.Carrier.Connections == 0 {
		s.Carrier.Connections = 2
	}
	s.Carrier.Timeout = 2 * time.Second
	if tomlcfg.Check(v.Checker, "carrier.timeout", &c.Timeout) {
		s.Carrier.Timeout = time.Duration(c.Timeout.V)
		if s.Carrier.Timeout <= 0 {
			v.Bad("carrier.timeout", "want a duration > 0, got %q", c.Timeout.Raw)
		}
	}
	if tomlcfg.Check(v.Checker, "carrier.watchdog", &c.Watchdog) {
		s.Carrier.Watchdog = time.Duration(c.Watchdog.V)
		if s.Carrier.Watchdog < 10*time.Millisecond {
			v.Bad("carrier.watchdog", "want a duration of at least 10ms, got %q", c.Watchdog.Raw)
		}
	}
	s.Carrier.OCSInstances = c.OCSInstances
	s.Carrier.UserName = c.UserName
	switch {
	case c.OCSInstances < 0 || c.OCSInstances > 8:
		v.Bad("carrier.ocs_instances", "want 1..8, got %d", c.OCSInstances)
	case c.OCSInstances > 1 && s.Carrier.External:
		v.Bad("carrier.ocs_instances", "sets up the embedded OCS; with mode = \"external\" list the OCS addresses in gy")
	case c.OCSInstances == 0:
		s.Carrier.OCSInstances = 1
	}
}

// gtpcRoutes checks carrier.gtpc_routes: IMSIs of 6 to 15 digits, ranges
// that do not overlap, host:port addresses, and not beside gtpc.
func (v *validator) gtpcRoutes(c *carrierSection, s *Scenario) {
	if len(c.GTPCRoutes) == 0 {
		return
	}
	if c.GTPC != "" {
		v.badRoutes("want either gtpc or gtpc_routes, got both")
	}
	if len(c.GTPCRoutes) > 256 {
		v.badRoutes("want at most 256 routes, got %d", len(c.GTPCRoutes))
	}
	const maxIMSI = 999_999_999_999_999
	good := true
	var ranges []int // routes whose range is good, for the overlap check
	for i, r := range c.GTPCRoutes {
		key := fmt.Sprintf("carrier.gtpc_routes[%d]", i)
		ok := true
		if r.FirstIMSI < 100_000 || r.FirstIMSI > maxIMSI {
			v.Bad(key+".first_imsi", "want an IMSI of 6 to 15 digits such as 460040000000000, got %d", r.FirstIMSI)
			ok = false
		}
		if r.LastIMSI < r.FirstIMSI || r.LastIMSI > maxIMSI {
			v.Bad(key+".last_imsi", "want an IMSI of at most 15 digits, at least first_imsi %d, got %d", r.FirstIMSI, r.LastIMSI)
			ok = false
		}
		if ok {
			ranges = append(ranges, i)
		}
		good = good && ok
		if _, port, err := net.SplitHostPort(r.GTPC); err != nil || port == "" {
			v.Bad(key+".gtpc", "want host:port such as 10.0.0.1:2123, got %q", r.GTPC)
		}
		if r.GTPU != "" {
			if _, port, err := net.SplitHostPort(r.GTPU); err != nil || port == "" {
				v.Bad(key+".gtpu", "want host:port such as 10.0.0.1:2152, got %q", r.GTPU)
			}
		}
		s.Carrier.GTPRoutes = append(s.Carrier.GTPRoutes, GTPRoute{FirstIMSI: uint64(r.FirstIMSI),
			LastIMSI: uint64(r.LastIMSI), GTPC: r.GTPC, GTPU: r.GTPU})
	}
	rs := s.Carrier.GTPRoutes
	if !good {
		// The population's coverage is checked only with good ranges.
		s.Carrier.GTPRoutes = nil
	}
	order := ranges
	sort.SliceStable(order, func(a, b int) bool { return rs[order[a]].FirstIMSI < rs[order[b]].FirstIMSI })
	for a := range order {
		for b := a + 1; b < len(order) && rs[order[b]].FirstIMSI <= rs[order[a]].LastIMSI; b++ {
			i, j := min(order[a], order[b]), max(order[a], order[b])
			v.Bad(fmt.Sprintf("carrier.gtpc_routes[%d].first_imsi", j), "want a range apart from gtpc_routes[%d] (%d…%d), got %d…%d",
				i, rs[i].FirstIMSI, rs[i].LastIMSI, rs[j].FirstIMSI, rs[j].LastIMSI)
		}
	}
}

// badRoutes adds a problem with carrier.gtpc_routes as a whole, on the line
// the list starts (an inline array, or the first [[carrier.gtpc_routes]]).
func (v *validator) badRoutes(format string, args ...any) {
	v.Problems = append(v.Problems, tomlcfg.Problem{Line: v.Lines.Line("carrier.gtpc_routes[0]"),
		Key: "carrier.gtpc_routes", Msg: fmt.Sprintf(format, args...)})
}

// gtpcCoverage checks that carrier.gtpc_routes hold every IMSI of a
// generated population (the cards of a CSV are checked when the GTP load
// starts).
func (v *validator) gtpcCoverage(s *Scenario) {
	rs := s.Carrier.GTPRoutes
	if len(rs) == 0 || s.Sim.CSV != "" {
		return
	}
	sp := s.Sim.Population
	sp.FillDefaults()
	if sp.Count <= 0 {
		return
	}
	lo, hi := sp.FirstIMSI+uint64(max(sp.Offset, 0)), sp.FirstIMSI+uint64(max(sp.Offset, 0))+uint64(sp.Count)-1
	sorted := append([]GTPRoute(nil), rs...)
	sort.Slice(sorted, func(a, b int) bool { return sorted[a].FirstIMSI < sorted[b].FirstIMSI })
	var gaps []string
	next := lo // the first IMSI not yet known to be routed
	for _, r := range sorted {
		if next > hi {
			break
		}
		if r.LastIMSI < next {
			continue
		}
		if r.FirstIMSI > next {
			gaps = append(gaps, fmt.Sprintf("%d…%d", next, min(r.FirstIMSI-1, hi)))
		}
		next = max(next, r.LastIMSI+1)
	}
	if next <= hi {
		gaps = append(gaps, fmt.Sprintf("%d…%d", next, hi))
	}
	if len(gaps) > 0 {
		v.badRoutes("want a route for every card's IMSI (population %d…%d), got none for %s",
			lo, hi, strings.Join(gaps, ", "))
	}
}

// OCSInstanceName is the name of the i-th (from 0) front end of the
// embedded OCS, as outage events name it.
func OCSInstanceName(i int) string { return fmt.Sprintf("ocs-%d", i+1) }

func (v *validator) clock(f *file, s *Scenario) {
	if tomlcfg.Check(v.Checker, "clock.start", &f.Clock.Start) {
		s.ClockStart = time.Time(f.Clock.Start.V)
	}
	if f.Clock.Speed < 0 || f.Clock.Speed > 1e7 {
		v.Bad("clock.speed", "want 0 (frozen) to 10000000 virtual seconds per second, got %g", f.Clock.Speed)
	}
	if f.Clock.Speed > 0 {
		s.ClockSpeed = f.Clock.Speed
	}
}

func (v *validator) simConfig(f *file, s *Scenario) {
	v.SimConfig(&s.Sim, &f.Population, f.Plans, &f.Rules)
	s.Sim.Population.Seed = s.Seed
	if s.Sim.Population.Count == 0 {
		s.Sim.Population.Count = 10_000
	}
	v.CheckSim(s.Sim, s.ClockStart)
}

func (v *validator) cohort(key string, c *cohortSection) sim.Cohort {
	if c == nil {
		return sim.Cohort{}
	}
	if c.First < 0 {
		v.Bad(key+".first", "want a card index >= 0, got %d", c.First)
	}
	if c.Count < 0 {
		v.Bad(key+".count", "want a count >= 0 (0: to the end), got %d", c.Count)
	}
	return sim.Cohort{First: c.First, Count: c.Count, Plans: c.Plans, Regions: c.Regions}
}

func (v *validator) phase(i int, l *loadSection, s *Scenario) {
	key := fmt.Sprintf("load[%d]", i)
	p := Phase{Name: l.Name, Line: v.Lines.Line(key)}
	if p.Name == "" {
		p.Name = fmt.Sprintf("load-%d", i+1)
	}
	switch Interface(l.Interface) {
	case Gy, GTP:
		p.Interface = Interface(l.Interface)
	case "":
		p.Interface = Gy
	default:
		v.Bad(key+".interface", "want gy or gtp, got %q", l.Interface)
	}
	if tomlcfg.Check(v.Checker, key+".start", &l.Start) {
		p.Start = time.Duration(l.Start.V)
	}
	p.Duration = s.Duration - p.Start
	if tomlcfg.Check(v.Checker, key+".duration", &l.Duration) {
		p.Duration = time.Duration(l.Duration.V)
	}
	if p.Start < 0 || p.Start >= s.Duration && s.Duration > 0 {
		v.Bad(key+".start", "want an offset inside the scenario's %s, got %q", s.Duration, l.Start.Raw)
	}
	if s.Duration > 0 && (p.Duration <= 0 || p.Start+p.Duration > s.Duration) {
		v.Bad(key+".duration", "want a duration > 0 ending within the scenario's %s, got %s from %s", s.Duration, p.Duration, p.Start)
	}
	if !tomlcfg.Check(v.Checker, key+".rate", &l.Rate) || l.Rate.V <= 0 {
		if l.Rate.Err == nil {
			v.Bad(key+".rate", "want a session arrival rate > 0 such as \"500/s\", got %q", l.Rate.Raw)
		}
	} else {
		p.Rate = l.Rate.V
	}
	if tomlcfg.Check(v.Checker, key+".ramp_to", &l.RampTo) {
		p.RampTo = l.RampTo.V
	}
	if max(p.Rate, p.RampTo) > 5_000_000 {
		v.Bad(key+".rate", "want at most 5000000/s sessions, got %g/s", float64(max(p.Rate, p.RampTo)))
	}
	p.Cohort = v.cohort(key+".cohort", l.Cohort)
	p.Updates = sim.CountDist{Dist: sim.Const(2)}
	if tomlcfg.Check(v.Checker, key+".updates", &l.Updates) {
		p.Updates = l.Updates.V
	}
	p.Interval = sim.DurationDist{Dist: sim.Const(1)}
	if tomlcfg.Check(v.Checker, key+".interval", &l.Interval) {
		p.Interval = l.Interval.V
	}
	p.Usage = sim.BytesDist{Dist: sim.Exp(64 << 10)}
	if tomlcfg.Check(v.Checker, key+".usage", &l.Usage) {
		p.Usage = l.Usage.V
	}
	if tomlcfg.Check(v.Checker, key+".request", &l.Request) {
		p.Request = l.Request.V
	}
	if l.Roaming != "" {
		v.Bad(key+".roaming", "roaming is an event (kind = \"roam\"), not a phase key")
	}
	s.Phases = append(s.Phases, p)
}

func (v *validator) event(i int, e *eventSection, s *Scenario) {
	key := fmt.Sprintf("events[%d]", i)
	ev := Event{Name: e.Name, Kind: EventKind(e.Kind), Line: v.Lines.Line(key)}
	known := false
	for _, k := range eventKinds {
		known = known || k == ev.Kind
	}
	if !known {
		names := make([]string, len(eventKinds))
		for j, k := range eventKinds {
			names[j] = string(k)
		}
		v.Bad(key+".kind", "want one of %s, got %q", strings.Join(names, ", "), e.Kind)
		return
	}
	if ev.Name == "" {
		ev.Name = fmt.Sprintf("%s-%d", ev.Kind, i+1)
	}
	if !tomlcfg.Check(v.Checker, key+".at", &e.At) && e.At.Err == nil {
		v.Bad(key+".at", "want the event's offset from the start, such as \"20s\", got none")
	}
	ev.At = time.Duration(e.At.V)
	if ev.At < 0 || ev.At >= s.Duration && s.Duration > 0 {
		v.Bad(key+".at", "want an offset inside the scenario's %s, got %q", s.Duration, e.At.Raw)
	}
	if tomlcfg.Check(v.Checker, key+".duration", &e.Duration) {
		ev.Duration = time.Duration(e.Duration.V)
	}
	if s.Carrier.External && needsEmbedded[ev.Kind] {
		v.Bad(key+".kind", "%s acts inside the carrier and needs carrier.mode = \"embedded\"", ev.Kind)
	}
	need := func(sub, what string, ok bool) {
		if !ok {
			v.Bad(key+"."+sub, "%s needs %s", ev.Kind, what)
		}
	}
	switch ev.Kind {
	case EventOutage:
		n, err := sim.ParseNode(e.Node)
		if err != nil {
			v.Bad(key+".node", "%v", err)
		}
		ev.Node = n
		m, err := sim.ParseOutageMode(e.Mode)
		if err != nil {
			v.Bad(key+".mode", "%v", err)
		}
		ev.Mode = m
		if e.Instance != "" {
			ok := false
			for i := range s.Carrier.OCSInstances {
				ok = ok || e.Instance == OCSInstanceName(i)
			}
			switch {
			case n != sim.NodeOCS:
				v.Bad(key+".instance", "only the OCS has instances (carrier.ocs_instances), not the %s", n)
			case !ok:
				v.Bad(key+".instance", "want one of the OCS front ends ocs-1 … ocs-%d (carrier.ocs_instances), got %q",
					s.Carrier.OCSInstances, e.Instance)
			}
			ev.Instance = e.Instance
		}
	case EventMaintenance:
		for j, t := range e.TACs {
			if t < 0 || t > 0xFFFF {
				v.Bad(fmt.Sprintf("%s.tacs[%d]", key, j), "want a tracking-area code 0..65535, got %d", t)
			}
			ev.Target.TACs = append(ev.Target.TACs, uint16(t))
		}
		for j, c := range e.Cells {
			if c < 0 || c >= 1<<28 {
				v.Bad(fmt.Sprintf("%s.cells[%d]", key, j), "want a 28-bit E-UTRAN cell id, got %d", c)
			}
			ev.Target.Cells = append(ev.Target.Cells, uint32(c))
		}
		ev.Target.Regions = e.Regions
		need("regions", "regions, tacs or cells", len(e.Regions)+len(e.TACs)+len(e.Cells) > 0)
	case EventStorm:
		ev.Cohort = v.cohort(key+".cohort", e.Cohort)
		need("cohort", "a cohort", e.Cohort != nil)
		if tomlcfg.Check(v.Checker, key+".rate", &e.Rate) {
			ev.Rate = e.Rate.V
		}
		need("rate", "a session rate such as \"2000/s\"", ev.Rate > 0)
		ev.Usage = sim.BytesDist{Dist: sim.Const(float64(4 * sim.MB))}
		if tomlcfg.Check(v.Checker, key+".usage", &e.Usage) {
			ev.Usage = e.Usage.V
		}
	case EventRoam:
		ev.Cohort = v.cohort(key+".cohort", e.Cohort)
		need("cohort", "a cohort", e.Cohort != nil)
		ev.To = e.To
		need("to", "a destination region (to = \"Xinjiang\")", e.To != "")
	case EventStop, EventResume, EventSwap:
		ev.Cohort = v.cohort(key+".cohort", e.Cohort)
		need("cohort", "a cohort", e.Cohort != nil)
	case EventRecharge:
		ev.Cohort = v.cohort(key+".cohort", e.Cohort)
		need("cohort", "a cohort", e.Cohort != nil)
		if tomlcfg.Check(v.Checker, key+".amount", &e.Amount) {
			ev.Amount = e.Amount.V
		}
		need("amount", "an amount > 0 such as \"50\"", ev.Amount > 0)
	case EventClock:
		if tomlcfg.Check(v.Checker, key+".advance", &e.Advance) {
			ev.Advance = time.Duration(e.Advance.V)
		}
		if tomlcfg.Check(v.Checker, key+".set", &e.Set) {
			ev.Set = time.Time(e.Set.V)
		}
		need("advance", "advance = \"720h\" or set = \"2026-04-01T00:00:00+08:00\" (one of them)", (ev.Advance > 0) != !ev.Set.IsZero())
	case EventLatency, EventLoss:
		switch Interface(e.Path) {
		case Gy, GTP:
			ev.Path = Interface(e.Path)
		default:
			v.Bad(key+".path", "want gy or gtp, got %q", e.Path)
		}
		if tomlcfg.Check(v.Checker, key+".delay", &e.Delay) {
			ev.Delay = time.Duration(e.Delay.V)
		}
		if tomlcfg.Check(v.Checker, key+".loss", &e.Loss) {
			ev.Loss = float64(e.Loss.V)
		}
		if ev.Kind == EventLatency {
			need("delay", "a delay > 0 such as \"20ms\"", ev.Delay > 0)
		} else {
			need("loss", "a share > 0 such as \"5%\"", ev.Loss > 0)
		}
	}
	s.Events = append(s.Events, ev)
}

var (
	metricNames = map[string]bool{"latency": true, "count": true, "ratio": true, "late": true, "events": true, "cards": true}
	ops         = map[string]bool{"<": true, "<=": true, ">": true, ">=": true, "==": true, "!=": true}
	stats       = map[string]bool{"p50": true, "p90": true, "p99": true, "p999": true, "max": true, "mean": true}
	classes     = map[string]bool{"ok": true, "refused": true, "error": true, "timeout": true}
	blames      = map[string]bool{"card": true, "network": true, "device": true}
	evKinds     = map[string]bool{"refused": true, "stopped": true, "resumed": true, "bound": true, "fee": true, "rollover": true, "recharged": true, "renewed": true}
	embedded    = map[string]bool{"events": true, "cards": true}
)

func (v *validator) threshold(i int, t *thresholdSection, s *Scenario) {
	key := fmt.Sprintf("thresholds[%d]", i)
	th := Threshold{Name: t.Name, Metric: t.Metric, Message: t.Message, Stat: t.Stat, Class: t.Class,
		Blame: t.Blame, Reason: t.Reason, Region: t.Region, Event: t.Event, During: t.During, Outside: t.Outside,
		Op: t.Op, Abort: t.Abort, Line: v.Lines.Line(key)}
	if !metricNames[t.Metric] {
		v.Bad(key+".metric", "want latency, count, ratio, late, events or cards, got %q", t.Metric)
		return
	}
	if embedded[t.Metric] && s.Carrier.External {
		v.Bad(key+".metric", "%s reads the carrier's own records and needs carrier.mode = \"embedded\"", t.Metric)
	}
	if !ops[t.Op] {
		v.Bad(key+".op", "want <, <=, >, >=, == or !=, got %q", t.Op)
	}
	if t.Metric == "latency" {
		if !stats[t.Stat] {
			v.Bad(key+".stat", "want p50, p90, p99, p999, max or mean, got %q", t.Stat)
		}
		if t.Message == "" {
			v.Bad(key+".message", "latency needs a message such as \"CCR-U\" or \"CreateSession\"")
		}
	} else if t.Stat != "" {
		v.Bad(key+".stat", "only latency takes a stat, got %q for %s", t.Stat, t.Metric)
	}
	if t.Class != "" && !classes[t.Class] {
		v.Bad(key+".class", "want ok, refused, error or timeout, got %q", t.Class)
	}
	if t.Blame != "" && !blames[t.Blame] {
		v.Bad(key+".blame", "want card, network or device, got %q", t.Blame)
	}
	if t.Reason != "" {
		if _, ok := sim.ParseReason(t.Reason); !ok {
			v.Bad(key+".reason", "want a reason such as over_quota, barred_region or maintenance, got %q", t.Reason)
		}
	}
	if t.Event != "" && !evKinds[t.Event] {
		v.Bad(key+".event", "want refused, stopped, resumed, bound, fee, rollover, recharged or renewed, got %q", t.Event)
	}
	if t.Metric == "events" && t.Event == "" {
		th.Event = "refused"
	}
	if t.Code < 0 || t.Code > 1<<32-1 {
		v.Bad(key+".code", "want a result code or cause, got %d", t.Code)
	}
	th.Code = uint32(t.Code)
	for _, w := range append(append([]string{}, t.During...), t.Outside...) {
		found := false
		for _, e := range s.Events {
			found = found || e.Name == w || string(e.Kind) == w
		}
		if !found {
			v.Bad(key+".during", "want the name or kind of a timeline event, got %q", w)
		}
	}
	if t.Metric == "cards" && (len(t.During) > 0 || len(t.Outside) > 0) {
		v.Bad(key+".during", "cards counts the cards at the end of the run; it takes no window")
	}
	th.Value = v.thresholdValue(key+".value", t.Metric, t.Value)
	s.Thresholds = append(s.Thresholds, th)
}

func (v *validator) thresholdValue(key, metric string, val any) float64 {
	switch metric {
	case "latency":
		sv, ok := val.(string)
		var d Duration
		if !ok || d.UnmarshalText([]byte(sv)) != nil {
			v.Bad(key, "want a latency such as \"2ms\", got %v", val)
			return 0
		}
		return float64(time.Duration(d)) / float64(time.Millisecond)
	case "ratio":
		var p Percent
		switch x := val.(type) {
		case string:
			if err := p.UnmarshalText([]byte(x)); err != nil {
				v.Bad(key, "%v", err)
			}
		case float64:
			p = Percent(x)
		case int64:
			p = Percent(x)
		default:
			v.Bad(key, "want a share such as \"1%%\" or 0.01, got %v", val)
		}
		return float64(p)
	default:
		switch x := val.(type) {
		case int64:
			if x >= 0 {
				return float64(x)
			}
		case float64:
			if x >= 0 {
				return x
			}
		}
		v.Bad(key, "want a count >= 0, got %v", val)
		return 0
	}
}

func (v *validator) capacity(c *capacitySection, s *Scenario) {
	cp := &Capacity{Interface: Interface(c.Interface), Message: c.Message}
	if cp.Interface == "" {
		cp.Interface = Gy
	}
	if cp.Interface != Gy && cp.Interface != GTP {
		v.Bad("capacity.interface", "want gy or gtp, got %q", c.Interface)
	}
	if tomlcfg.Check(v.Checker, "capacity.from", &c.From) {
		cp.From = c.From.V
	}
	if tomlcfg.Check(v.Checker, "capacity.step", &c.Step) {
		cp.Step = c.Step.V
	}
	if tomlcfg.Check(v.Checker, "capacity.max", &c.Max) {
		cp.Max = c.Max.V
	}
	if cp.From <= 0 || cp.Step <= 0 || cp.Max < cp.From {
		v.Bad("capacity", "want from > 0, step > 0 and max >= from, got from %v step %v max %v", float64(cp.From), float64(cp.Step), float64(cp.Max))
	}
	cp.Hold = 5 * time.Second
	if tomlcfg.Check(v.Checker, "capacity.hold", &c.Hold) {
		cp.Hold = time.Duration(c.Hold.V)
	}
	cp.P99Bound = 10 * time.Millisecond
	if tomlcfg.Check(v.Checker, "capacity.p99_bound", &c.P99Bound) {
		cp.P99Bound = time.Duration(c.P99Bound.V)
	}
	cp.ErrorRate = 0.01
	if tomlcfg.Check(v.Checker, "capacity.error_bound", &c.ErrorRate) {
		cp.ErrorRate = float64(c.ErrorRate.V)
	}
	if cp.Message == "" {
		cp.Message = "CCR-U"
		if cp.Interface == GTP {
			cp.Message = "CreateSession"
		}
	}
	s.Capacity = cp
}

// Compress shortens every time in the scenario by factor f (0 < f <= 1):
// duration, phase offsets and lengths, report intervals, event times and the
// capacity hold. Rates, volumes and clock jumps are kept, so a compressed run
// exercises the same rules in less time. Tests use it to run the bundled
// scenarios in seconds.
func (s *Scenario) Compress(f float64) {
	if f <= 0 || f >= 1 {
		return
	}
	sum := sha256.Sum256([]byte(s.Digest + "×" + strconv.FormatFloat(f, 'g', -1, 64)))
	s.Digest = hex.EncodeToString(sum[:8])
	sc := func(d time.Duration) time.Duration { return time.Duration(float64(d) * f) }
	s.Duration = sc(s.Duration)
	for i := range s.Phases {
		p := &s.Phases[i]
		p.Start, p.Duration = sc(p.Start), sc(p.Duration)
		p.Interval = sim.DurationDist{Dist: p.Interval.Dist.Scaled(f)}
	}
	for i := range s.Events {
		e := &s.Events[i]
		e.At, e.Duration = sc(e.At), sc(e.Duration)
	}
	if s.Capacity != nil {
		s.Capacity.Hold = sc(s.Capacity.Hold)
	}
}
