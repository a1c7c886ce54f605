package scenarios

import (
	"github.com/carriersim/carriersim/scenarios/tomlcfg"
	"github.com/carriersim/carriersim/sim"
)

// file is the TOML document as written; Load validates it into a Scenario.
// Field types that parse text are Text wrappers so that every bad value is
// reported at once. docs/scenarios.md (REFERENCE.md beside this file)
// documents every key.
type file struct {
	Name        string                    `toml:"name"`
	Description string                    `toml:"description"`
	Duration    Text[Duration, *Duration] `toml:"duration"`
	Seed        int64                     `toml:"seed"`

	Carrier    carrierSection     `toml:"carrier"`
	Clock      clockSection       `toml:"clock"`
	Population tomlcfg.Population `toml:"population"`
	Plans      []tomlcfg.Plan     `toml:"plans"`
	Rules      tomlcfg.Rules      `toml:"rules"`
	Load       []loadSection      `toml:"load"`
	Events     []eventSection     `toml:"events"`
	Thresholds []thresholdSection `toml:"thresholds"`
	Capacity   *capacitySection   `toml:"capacity"`
}

type carrierSection struct {
	// Mode is "embedded" (default: our OCS and PGW started in process on
	// loopback) or "external" (a carrier at the addresses below).
	Mode             string                    `toml:"mode"`
	Gy               []string                  `toml:"gy"`
	GTPC             string                    `toml:"gtpc"`
	OriginHost       string                    `toml:"origin_host"`
	OriginRealm      string                    `toml:"origin_realm"`
	DestinationRealm string                    `toml:"destination_realm"`
	Connections      int                       `toml:"connections"`
	Timeout          Text[Duration, *Duration] `toml:"timeout"`
	Watchdog         Text[Duration, *Duration] `toml:"watchdog"`
	// OCSInstances is how many front ends the embedded OCS has (named
	// ocs-1, ocs-2, …), sharing its sessions; the load fails over in order.
	OCSInstances int `toml:"ocs_instances"`
	// UserName puts each card's IMSI in User-Name on every CCR, for a
	// Diameter routing agent that routes by subscriber.
	UserName bool `toml:"user_name"`
	// GTPCRoutes send each IMSI range's GTP sessions to its own PGW
	// (carrier shards) instead of GTPC.
	GTPCRoutes []gtpcRouteSection `toml:"gtpc_routes"`
}

// gtpcRouteSection is one of carrier.gtpc_routes: the PGW owning a range
// of IMSIs.
type gtpcRouteSection struct {
	FirstIMSI int64  `toml:"first_imsi"`
	LastIMSI  int64  `toml:"last_imsi"`
	GTPC      string `toml:"gtpc"`
	GTPU      string `toml:"gtpu"`
}

type clockSection struct {
	Start Text[Time, *Time] `toml:"start"`
	Speed float64           `toml:"speed"`
}

type cohortSection struct {
	First   int      `toml:"first"`
	Count   int      `toml:"count"`
	Plans   []string `toml:"plans"`
	Regions []string `toml:"regions"`
}

type loadSection struct {
	Name      string                                    `toml:"name"`
	Interface string                                    `toml:"interface"`
	Start     Text[Duration, *Duration]                 `toml:"start"`
	Duration  Text[Duration, *Duration]                 `toml:"duration"`
	Rate      Text[sim.Rate, *sim.Rate]                 `toml:"rate"`
	RampTo    Text[sim.Rate, *sim.Rate]                 `toml:"ramp_to"`
	Cohort    *cohortSection                            `toml:"cohort"`
	Updates   Text[sim.CountDist, *sim.CountDist]       `toml:"updates"`
	Interval  Text[sim.DurationDist, *sim.DurationDist] `toml:"interval"`
	Usage     Text[sim.BytesDist, *sim.BytesDist]       `toml:"usage"`
	Request   Text[sim.Bytes, *sim.Bytes]               `toml:"request"`
	Roaming   string                                    `toml:"roaming"`
}

type eventSection struct {
	Name     string                    `toml:"name"`
	At       Text[Duration, *Duration] `toml:"at"`
	Duration Text[Duration, *Duration] `toml:"duration"`
	Kind     string                    `toml:"kind"`
	// outage
	Node     string `toml:"node"`
	Mode     string `toml:"mode"`
	Instance string `toml:"instance"`
	// maintenance
	Regions []string `toml:"regions"`
	TACs    []int64  `toml:"tacs"`
	Cells   []int64  `toml:"cells"`
	// storm, roam, stop, resume, recharge, reattach
	Cohort *cohortSection                      `toml:"cohort"`
	Rate   Text[sim.Rate, *sim.Rate]           `toml:"rate"`
	Usage  Text[sim.BytesDist, *sim.BytesDist] `toml:"usage"`
	To     string                              `toml:"to"`
	Amount Text[sim.Money, *sim.Money]         `toml:"amount"`
	// clock
	Advance Text[Duration, *Duration] `toml:"advance"`
	Set     Text[Time, *Time]         `toml:"set"`
	// latency, loss
	Path  string                    `toml:"path"`
	Delay Text[Duration, *Duration] `toml:"delay"`
	Loss  Text[Percent, *Percent]   `toml:"loss"`
}

type thresholdSection struct {
	Name    string   `toml:"name"`
	Metric  string   `toml:"metric"`
	Message string   `toml:"message"`
	Stat    string   `toml:"stat"`
	Class   string   `toml:"class"`
	Code    int64    `toml:"code"`
	Blame   string   `toml:"blame"`
	Reason  string   `toml:"reason"`
	Region  string   `toml:"region"`
	Event   string   `toml:"event"`
	During  []string `toml:"during"`
	Outside []string `toml:"outside"`
	Op      string   `toml:"op"`
	Value   any      `toml:"value"`
	Abort   bool     `toml:"abort"`
}

type capacitySection struct {
	Interface string                    `toml:"interface"`
	From      Text[sim.Rate, *sim.Rate] `toml:"from"`
	Step      Text[sim.Rate, *sim.Rate] `toml:"step"`
	Max       Text[sim.Rate, *sim.Rate] `toml:"max"`
	Hold      Text[Duration, *Duration] `toml:"hold"`
	P99Bound  Text[Duration, *Duration] `toml:"p99_bound"`
	ErrorRate Text[Percent, *Percent]   `toml:"error_bound"`
	Message   string                    `toml:"message"`
}
