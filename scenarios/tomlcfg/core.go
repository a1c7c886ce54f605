package tomlcfg

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// The [population], [[plans]] and [rules] sections configure the carrier
// core (sim.Config) in a scenario file and in the configuration of
// `carriersim serve` alike; scenarios/REFERENCE.md documents their keys.

// Population is the [population] section: the cards a carrier starts with,
// generated (count, plans, regions, …) or read from a CSV file.
type Population struct {
	Count        int                         `toml:"count"`
	CSV          string                      `toml:"csv"`
	FirstIMSI    int64                       `toml:"first_imsi"`
	FirstMSISDN  int64                       `toml:"first_msisdn"`
	Plans        map[string]float64          `toml:"plans"`
	Regions      map[string]float64          `toml:"regions"`
	Balance      Text[sim.Money, *sim.Money] `toml:"balance"`
	ExpiresIn    Text[Duration, *Duration]   `toml:"expires_in"`
	ExpirySpread Text[Duration, *Duration]   `toml:"expiry_spread"`
	Bound        *float64                    `toml:"bound"`
	Unregistered float64                     `toml:"unregistered"`
}

// Plan is one [[plans]] section: a tariff the cards can be on.
type Plan struct {
	Name         string                          `toml:"name"`
	Allowance    Text[sim.Bytes, *sim.Bytes]     `toml:"allowance"`
	Cycle        Text[sim.Cycle, *sim.Cycle]     `toml:"cycle"`
	Price        Text[sim.Money, *sim.Money]     `toml:"price"`
	Overage      Text[sim.Overage, *sim.Overage] `toml:"overage"`
	OveragePerMB Text[sim.Money, *sim.Money]     `toml:"overage_per_mb"`
	SMS          bool                            `toml:"sms"`
	Voice        bool                            `toml:"voice"`
	FinalAction  string                          `toml:"final_action"`
}

// Rules is the [rules] section: barred regions, policies, validity and
// grants.
type Rules struct {
	Barred        *[]string                     `toml:"barred"`
	BarredPolicy  Text[sim.Policy, *sim.Policy] `toml:"barred_policy"`
	ServicePolicy Text[sim.Policy, *sim.Policy] `toml:"service_policy"`
	TimeZone      string                        `toml:"time_zone"`
	Validity      Text[Duration, *Duration]     `toml:"validity"`
	DefaultGrant  Text[sim.Bytes, *sim.Bytes]   `toml:"default_grant"`
	MaxGrant      Text[sim.Bytes, *sim.Bytes]   `toml:"max_grant"`
}

// SimConfig sets cfg's population (Population and CSV, a relative CSV
// resolved against the file's folder), plans and rules from their sections,
// and reports every bad value at its key. It leaves the rest of cfg alone;
// the caller adds what its file says elsewhere (the seed, a default count)
// and then has the carrier core check the whole with CheckSim.
func (c *Checker) SimConfig(cfg *sim.Config, p *Population, plans []Plan, r *Rules) {
	cfg.CSV = c.Rel(p.CSV)
	if cfg.CSV != "" {
		if _, err := os.Stat(cfg.CSV); err != nil {
			c.Bad("population.csv", "want a readable CSV file, got %v", err)
		}
	}
	if p.Count < 0 || p.Count > 50_000_000 {
		c.Bad("population.count", "want 1..50000000 cards, got %d", p.Count)
	}
	if p.FirstIMSI < 0 {
		c.Bad("population.first_imsi", "want a 6..15 digit IMSI such as 460040000000000, got %d", p.FirstIMSI)
	}
	if p.FirstMSISDN < 0 {
		c.Bad("population.first_msisdn", "want an MSISDN of at most 15 digits such as 861440000000000, got %d", p.FirstMSISDN)
	}
	cfg.Population = sim.Spec{Count: p.Count, FirstIMSI: uint64(max(p.FirstIMSI, 0)), FirstMSISDN: uint64(max(p.FirstMSISDN, 0)),
		Plans: p.Plans, Regions: p.Regions, Bound: p.Bound, Unregistered: p.Unregistered}
	if Check(c, "population.balance", &p.Balance) {
		cfg.Population.Balance = p.Balance.V
	}
	if Check(c, "population.expires_in", &p.ExpiresIn) {
		cfg.Population.ExpiresIn = time.Duration(p.ExpiresIn.V)
	}
	if Check(c, "population.expiry_spread", &p.ExpirySpread) {
		cfg.Population.ExpirySpread = time.Duration(p.ExpirySpread.V)
	}
	for i := range plans {
		pl := &plans[i]
		key := fmt.Sprintf("plans[%d]", i)
		sp := sim.Plan{Name: pl.Name, SMS: pl.SMS, Voice: pl.Voice, FinalActionName: pl.FinalAction}
		if Check(c, key+".allowance", &pl.Allowance) {
			sp.Allowance = pl.Allowance.V
		}
		if Check(c, key+".cycle", &pl.Cycle) {
			sp.Cycle = pl.Cycle.V
		}
		if Check(c, key+".price", &pl.Price) {
			sp.Price = pl.Price.V
		}
		if Check(c, key+".overage", &pl.Overage) {
			sp.Overage = pl.Overage.V
		}
		if Check(c, key+".overage_per_mb", &pl.OveragePerMB) {
			sp.OveragePerMB = pl.OveragePerMB.V
		}
		cfg.Plans = append(cfg.Plans, sp)
	}
	if r.Barred != nil {
		cfg.Barred = append([]string{}, (*r.Barred)...)
	}
	if Check(c, "rules.barred_policy", &r.BarredPolicy) {
		cfg.BarredPolicy = r.BarredPolicy.V
	}
	if Check(c, "rules.service_policy", &r.ServicePolicy) {
		cfg.ServicePolicy = r.ServicePolicy.V
	}
	cfg.TimeZone = r.TimeZone
	if Check(c, "rules.validity", &r.Validity) {
		cfg.Validity = time.Duration(r.Validity.V)
	}
	if Check(c, "rules.default_grant", &r.DefaultGrant) {
		cfg.DefaultGrant = r.DefaultGrant.V
	}
	if Check(c, "rules.max_grant", &r.MaxGrant) {
		cfg.MaxGrant = r.MaxGrant.V
	}
}

// CheckSim has the carrier core validate cfg's plans, regions, population
// spec and rules, by building one card on a clock frozen at start, and
// reports its problems at the file's keys: the core's messages start with
// the key path ("plans[1].name: …"), the rules' without "rules.". A CSV
// population is left to the carrier's start, which reads the file.
func (c *Checker) CheckSim(cfg sim.Config, start time.Time) {
	if cfg.CSV != "" {
		return
	}
	cfg.Population.Count = 1
	cfg.Clock = sim.NewClock(start, 0)
	_, err := sim.New(cfg)
	if err == nil {
		return
	}
	msg := strings.TrimPrefix(err.Error(), "sim: invalid configuration:\n")
	for _, line := range strings.Split(msg, "\n") {
		key, rest, ok := strings.Cut(line, ": ")
		if !ok || strings.ContainsAny(key, " ") {
			c.Bad("", "%s", line)
			continue
		}
		switch {
		case strings.HasPrefix(key, "barred"), key == "time_zone", key == "default_grant", key == "validity",
			key == "threshold_percent":
			key = "rules." + key
		}
		c.Bad(key, "%s", rest)
	}
}
