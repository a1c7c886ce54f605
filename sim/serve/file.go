package serve

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/carriersim/carriersim/scenarios"
	"github.com/carriersim/carriersim/sim"
)

// The configuration file of `carriersim serve`, decoded strictly: an
// unknown key is an error, and every problem is reported at once as
// file:line: key: what was expected, what was found (the house pattern of
// package scenarios, whose population, plans and rules keys it shares).
// README.md in this directory documents every key.

type file struct {
	Shard    string          `toml:"shard"`
	Journal  int             `toml:"journal"`
	Listen   listenSection   `toml:"listen"`
	Identity identitySection `toml:"identity"`
	Gateway  gatewaySection  `toml:"gateway"`
	Clock    clockSection    `toml:"clock"`
	State    stateSection    `toml:"state"`
	API      apiSection      `toml:"api"`

	Population populationSection `toml:"population"`
	Plans      []planSection     `toml:"plans"`
	Rules      rulesSection      `toml:"rules"`
	Faults     []faultSection    `toml:"faults"`
}

type duration = scenarios.Text[scenarios.Duration, *scenarios.Duration]

type listenSection struct {
	Gy      string `toml:"gy"`
	GTPC    string `toml:"gtpc"`
	GTPU    string `toml:"gtpu"`
	API     string `toml:"api"`
	Metrics string `toml:"metrics"`
	Network string `toml:"network"`
}

type identitySection struct {
	OriginHost     string `toml:"origin_host"`
	OriginRealm    string `toml:"origin_realm"`
	RedirectServer string `toml:"redirect_server"`
}

type gatewaySection struct {
	Charging string   `toml:"charging"`
	APNs     []string `toml:"apns"`
}

type clockSection struct {
	Start scenarios.Text[scenarios.Time, *scenarios.Time] `toml:"start"`
	Speed *float64                                        `toml:"speed"`
}

type stateSection struct {
	File  string   `toml:"file"`
	Every duration `toml:"every"`
}

type apiSection struct {
	Token     string                              `toml:"token"`
	RateLimit scenarios.Text[sim.Rate, *sim.Rate] `toml:"rate_limit"`
}

type populationSection struct {
	Count        int                                   `toml:"count"`
	Seed         int64                                 `toml:"seed"`
	CSV          string                                `toml:"csv"`
	FirstIMSI    int64                                 `toml:"first_imsi"`
	FirstMSISDN  int64                                 `toml:"first_msisdn"`
	Plans        map[string]float64                    `toml:"plans"`
	Regions      map[string]float64                    `toml:"regions"`
	Balance      scenarios.Text[sim.Money, *sim.Money] `toml:"balance"`
	ExpiresIn    duration                              `toml:"expires_in"`
	ExpirySpread duration                              `toml:"expiry_spread"`
	Bound        *float64                              `toml:"bound"`
	Unregistered float64                               `toml:"unregistered"`
}

type planSection struct {
	Name         string                                    `toml:"name"`
	Allowance    scenarios.Text[sim.Bytes, *sim.Bytes]     `toml:"allowance"`
	Cycle        scenarios.Text[sim.Cycle, *sim.Cycle]     `toml:"cycle"`
	Price        scenarios.Text[sim.Money, *sim.Money]     `toml:"price"`
	Overage      scenarios.Text[sim.Overage, *sim.Overage] `toml:"overage"`
	OveragePerMB scenarios.Text[sim.Money, *sim.Money]     `toml:"overage_per_mb"`
	SMS          bool                                      `toml:"sms"`
	Voice        bool                                      `toml:"voice"`
	FinalAction  string                                    `toml:"final_action"`
}

type rulesSection struct {
	Barred        *[]string                               `toml:"barred"`
	BarredPolicy  scenarios.Text[sim.Policy, *sim.Policy] `toml:"barred_policy"`
	ServicePolicy scenarios.Text[sim.Policy, *sim.Policy] `toml:"service_policy"`
	TimeZone      string                                  `toml:"time_zone"`
	Validity      duration                                `toml:"validity"`
	DefaultGrant  scenarios.Text[sim.Bytes, *sim.Bytes]   `toml:"default_grant"`
	MaxGrant      scenarios.Text[sim.Bytes, *sim.Bytes]   `toml:"max_grant"`
}

type faultSection struct {
	Kind     string   `toml:"kind"`
	Node     string   `toml:"node"`
	Mode     string   `toml:"mode"`
	Instance string   `toml:"instance"`
	Regions  []string `toml:"regions"`
	TACs     []int64  `toml:"tacs"`
	Cells    []int64  `toml:"cells"`
	Duration duration `toml:"duration"`
}

// ErrInvalid is wrapped by the errors of LoadConfig and ParseConfig that
// say the configuration is invalid, as opposed to unreadable.
var ErrInvalid = errors.New("invalid configuration")

// Problem is one thing wrong with a configuration file.
type Problem struct {
	Line int
	Key  string
	Msg  string
}

// ConfigError lists every problem of a configuration file, sorted by line.
type ConfigError struct {
	Path     string
	Problems []Problem
}

// Error lists the problems one per line as file:line: key: message.
func (e *ConfigError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Path)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
		if p.Key != "" {
			b.WriteString(p.Key + ": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true for configuration errors.
func (e *ConfigError) Is(target error) bool { return target == ErrInvalid }

// LoadConfig reads and validates a configuration file.
func LoadConfig(path string) (Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("serve: %w", err)
	}
	return ParseConfig(path, src)
}

// ParseConfig validates a configuration from its text; path names it in
// messages and anchors a relative population CSV or state file. Every
// problem is reported at once (a *ConfigError). The result has its
// defaults filled.
func ParseConfig(path string, src []byte) (Config, error) {
	var f file
	md, err := toml.NewDecoder(strings.NewReader(string(src))).Decode(&f)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Config{}, &ConfigError{Path: path, Problems: []Problem{{Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}}}
		}
		return Config{}, &ConfigError{Path: path, Problems: []Problem{{Msg: err.Error()}}}
	}
	v := &validator{path: path, lines: indexLines(string(src))}
	seen := map[string]bool{}
	for _, k := range md.Undecoded() {
		key := k.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		for _, l := range v.lines.all(key) {
			v.problems = append(v.problems, Problem{Line: l, Key: key, Msg: "unknown key (see sim/serve/README.md for the keys each section takes)"})
		}
	}
	cfg := v.config(&f)
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		// Validate names keys as the file does: give them their lines.
		msg := strings.TrimPrefix(err.Error(), "serve: invalid configuration:\n")
		for _, line := range strings.Split(msg, "\n") {
			key, rest, _ := strings.Cut(line, ": ")
			v.bad(key, "%s", rest)
		}
	}
	if len(v.problems) > 0 {
		sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Line < v.problems[j].Line })
		return Config{}, &ConfigError{Path: path, Problems: v.problems}
	}
	return cfg, nil
}

type validator struct {
	path     string
	lines    *keyLines
	problems []Problem
}

func (v *validator) bad(key, format string, args ...any) {
	v.problems = append(v.problems, Problem{Line: v.lines.line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// text reports a Text field's parse error; it returns whether the value is
// set and good.
func text[T any, P interface {
	*T
	UnmarshalText([]byte) error
}](v *validator, key string, t *scenarios.Text[T, P]) bool {
	if t.Err != nil {
		v.bad(key, "%v", t.Err)
		return false
	}
	return t.Set
}

// rel resolves a file name against the configuration file's folder.
func (v *validator) rel(name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(filepath.Dir(v.path), name)
}

func (v *validator) config(f *file) Config {
	c := Config{Journal: f.Journal}
	l := &f.Listen
	c.Gy, c.GTPC, c.GTPU, c.API, c.Metrics, c.Network = l.Gy, l.GTPC, l.GTPU, l.API, l.Metrics, l.Network
	c.OriginHost, c.OriginRealm, c.RedirectServer = f.Identity.OriginHost, f.Identity.OriginRealm, f.Identity.RedirectServer
	c.Charging, c.APNs = f.Gateway.Charging, f.Gateway.APNs
	if text(v, "clock.start", &f.Clock.Start) {
		c.ClockStart = time.Time(f.Clock.Start.V)
	}
	if f.Clock.Speed != nil {
		c.ClockSpeed, c.FreezeClock = *f.Clock.Speed, *f.Clock.Speed == 0
	}
	c.StateFile = v.rel(f.State.File)
	if text(v, "state.every", &f.State.Every) {
		c.SnapshotEvery = time.Duration(f.State.Every.V)
		if c.SnapshotEvery <= 0 {
			v.bad("state.every", "want a duration > 0 such as \"30s\", got %q", f.State.Every.Raw)
		}
	}
	c.Token = f.API.Token
	if text(v, "api.rate_limit", &f.API.RateLimit) {
		c.RateLimit = float64(f.API.RateLimit.V)
	}
	if f.Shard != "" {
		i, n, err := ParseShard(f.Shard)
		if err != nil {
			v.bad("shard", "%v", err)
		}
		c.ShardIndex, c.ShardCount = i, n
	}
	v.simConfig(f, &c)
	for i := range f.Faults {
		c.Faults = append(c.Faults, v.fault(i, &f.Faults[i]))
	}
	return c
}

// ParseShard reads "I/N" (0 <= I < N).
func ParseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("want I/N with 0 <= I < N such as 0/4, got %q", s)
	}
	return i, n, nil
}

func (v *validator) simConfig(f *file, c *Config) {
	cfg := &c.Sim
	p := &f.Population
	cfg.CSV = v.rel(p.CSV)
	if cfg.CSV != "" {
		if _, err := os.Stat(cfg.CSV); err != nil {
			v.bad("population.csv", "want a readable CSV file, got %v", err)
		}
	}
	if p.Count < 0 || p.Count > 50_000_000 {
		v.bad("population.count", "want 1..50000000 cards, got %d", p.Count)
	}
	if p.Seed < 0 {
		v.bad("population.seed", "want a seed >= 0, got %d", p.Seed)
	}
	cfg.Population = sim.Spec{Count: p.Count, Seed: uint64(max(p.Seed, 0)), FirstIMSI: uint64(max(p.FirstIMSI, 0)),
		FirstMSISDN: uint64(max(p.FirstMSISDN, 0)), Plans: p.Plans, Regions: p.Regions, Bound: p.Bound, Unregistered: p.Unregistered}
	if text(v, "population.balance", &p.Balance) {
		cfg.Population.Balance = p.Balance.V
	}
	if text(v, "population.expires_in", &p.ExpiresIn) {
		cfg.Population.ExpiresIn = time.Duration(p.ExpiresIn.V)
	}
	if text(v, "population.expiry_spread", &p.ExpirySpread) {
		cfg.Population.ExpirySpread = time.Duration(p.ExpirySpread.V)
	}
	for i := range f.Plans {
		pl := &f.Plans[i]
		key := fmt.Sprintf("plans[%d]", i)
		sp := sim.Plan{Name: pl.Name, SMS: pl.SMS, Voice: pl.Voice, FinalActionName: pl.FinalAction}
		if text(v, key+".allowance", &pl.Allowance) {
			sp.Allowance = pl.Allowance.V
		}
		if text(v, key+".cycle", &pl.Cycle) {
			sp.Cycle = pl.Cycle.V
		}
		if text(v, key+".price", &pl.Price) {
			sp.Price = pl.Price.V
		}
		if text(v, key+".overage", &pl.Overage) {
			sp.Overage = pl.Overage.V
		}
		if text(v, key+".overage_per_mb", &pl.OveragePerMB) {
			sp.OveragePerMB = pl.OveragePerMB.V
		}
		cfg.Plans = append(cfg.Plans, sp)
	}
	r := &f.Rules
	if r.Barred != nil {
		cfg.Barred = append([]string{}, (*r.Barred)...)
	}
	if text(v, "rules.barred_policy", &r.BarredPolicy) {
		cfg.BarredPolicy = r.BarredPolicy.V
	}
	if text(v, "rules.service_policy", &r.ServicePolicy) {
		cfg.ServicePolicy = r.ServicePolicy.V
	}
	cfg.TimeZone = r.TimeZone
	if text(v, "rules.validity", &r.Validity) {
		cfg.Validity = time.Duration(r.Validity.V)
	}
	if text(v, "rules.default_grant", &r.DefaultGrant) {
		cfg.DefaultGrant = r.DefaultGrant.V
	}
	if text(v, "rules.max_grant", &r.MaxGrant) {
		cfg.MaxGrant = r.MaxGrant.V
	}
	if cfg.CSV == "" {
		// The carrier core checks plans, regions, the population and the
		// rules; its messages start with the key path. Build one card.
		check := *cfg
		check.Population.Count = 1
		check.Clock = sim.NewClock(time.Time{}, 0)
		if _, err := sim.New(check); err != nil {
			msg := strings.TrimPrefix(err.Error(), "sim: invalid configuration:\n")
			for _, line := range strings.Split(msg, "\n") {
				key, rest, ok := strings.Cut(line, ": ")
				if !ok || strings.ContainsAny(key, " ") {
					v.bad("", "%s", line)
					continue
				}
				switch {
				case strings.HasPrefix(key, "barred"), key == "time_zone", key == "default_grant", key == "validity",
					key == "threshold_percent":
					key = "rules." + key
				}
				v.bad(key, "%s", rest)
			}
		}
	}
}

func (v *validator) fault(i int, fs *faultSection) Fault {
	key := fmt.Sprintf("faults[%d]", i)
	f := Fault{Kind: fs.Kind, Instance: fs.Instance}
	switch fs.Kind {
	case "outage":
		n, err := sim.ParseNode(fs.Node)
		if err != nil {
			v.bad(key+".node", "%v", err)
		}
		m, err := sim.ParseOutageMode(fs.Mode)
		if err != nil {
			v.bad(key+".mode", "%v", err)
		}
		f.Node, f.Mode = n, m
	case "maintenance":
		for j, t := range fs.TACs {
			if t < 0 || t > 0xFFFF {
				v.bad(fmt.Sprintf("%s.tacs[%d]", key, j), "want a tracking-area code 0..65535, got %d", t)
			}
			f.Target.TACs = append(f.Target.TACs, uint16(t))
		}
		for j, c := range fs.Cells {
			if c < 0 || c >= 1<<28 {
				v.bad(fmt.Sprintf("%s.cells[%d]", key, j), "want a 28-bit E-UTRAN cell id, got %d", c)
			}
			f.Target.Cells = append(f.Target.Cells, uint32(c))
		}
		f.Target.Regions = fs.Regions
	}
	if text(v, key+".duration", &fs.Duration) {
		f.Duration = time.Duration(fs.Duration.V)
	}
	return f
}
