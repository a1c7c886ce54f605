package serve

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/scenarios/tomlcfg"
	"github.com/carriersim/carriersim/sim"
)

// The configuration file of `carriersim serve`, decoded strictly: an
// unknown key is an error, and every problem is reported at once as
// file:line: key: what was expected, what was found, by package
// scenarios/tomlcfg, which also gives it the population, plans and rules
// sections of a scenario file.
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
	Plans      []tomlcfg.Plan    `toml:"plans"`
	Rules      tomlcfg.Rules     `toml:"rules"`
	Faults     []faultSection    `toml:"faults"`
}

type duration = tomlcfg.Text[tomlcfg.Duration, *tomlcfg.Duration]

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
	Start tomlcfg.Text[tomlcfg.Time, *tomlcfg.Time] `toml:"start"`
	Speed *float64                                  `toml:"speed"`
}

type stateSection struct {
	File  string   `toml:"file"`
	Every duration `toml:"every"`
}

type apiSection struct {
	Token     string                            `toml:"token"`
	RateLimit tomlcfg.Text[sim.Rate, *sim.Rate] `toml:"rate_limit"`
}

// populationSection is a scenario file's [population] with a seed of its
// own (a scenario's is the top-level seed).
type populationSection struct {
	tomlcfg.Population
	Seed int64 `toml:"seed"`
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

// Problem is one thing wrong with a configuration file: its line, key
// path and message.
type Problem = tomlcfg.Problem

// ConfigError lists every problem of a configuration file, sorted by line.
type ConfigError struct {
	Path     string
	Problems []Problem
}

// Error lists the problems one per line as file:line: key: message.
func (e *ConfigError) Error() string { return tomlcfg.Format(e.Path, e.Problems) }

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
	c, ok := tomlcfg.Decode(path, src, &f, "sim/serve/README.md")
	if !ok {
		return Config{}, &ConfigError{Path: path, Problems: c.Problems}
	}
	v := &validator{c}
	cfg := v.config(&f)
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		// Validate names keys as the file does: give them their lines.
		msg := strings.TrimPrefix(err.Error(), "serve: invalid configuration:\n")
		for _, line := range strings.Split(msg, "\n") {
			key, rest, _ := strings.Cut(line, ": ")
			v.Bad(key, "%s", rest)
		}
	}
	if ps := v.Sorted(); len(ps) > 0 {
		return Config{}, &ConfigError{Path: path, Problems: ps}
	}
	return cfg, nil
}

// validator validates a decoded file into a Config.
type validator struct{ *tomlcfg.Checker }

func (v *validator) config(f *file) Config {
	c := Config{Journal: f.Journal}
	l := &f.Listen
	c.Gy, c.GTPC, c.GTPU, c.API, c.Metrics, c.Network = l.Gy, l.GTPC, l.GTPU, l.API, l.Metrics, l.Network
	c.OriginHost, c.OriginRealm, c.RedirectServer = f.Identity.OriginHost, f.Identity.OriginRealm, f.Identity.RedirectServer
	c.Charging, c.APNs = f.Gateway.Charging, f.Gateway.APNs
	if tomlcfg.Check(v.Checker, "clock.start", &f.Clock.Start) {
		c.ClockStart = time.Time(f.Clock.Start.V)
	}
	if f.Clock.Speed != nil {
		c.ClockSpeed, c.FreezeClock = *f.Clock.Speed, *f.Clock.Speed == 0
	}
	c.StateFile = v.Rel(f.State.File)
	if tomlcfg.Check(v.Checker, "state.every", &f.State.Every) {
		c.SnapshotEvery = time.Duration(f.State.Every.V)
		if c.SnapshotEvery <= 0 {
			v.Bad("state.every", "want a duration > 0 such as \"30s\", got %q", f.State.Every.Raw)
		}
	}
	c.Token = f.API.Token
	if tomlcfg.Check(v.Checker, "api.rate_limit", &f.API.RateLimit) {
		c.RateLimit = float64(f.API.RateLimit.V)
	}
	if f.Shard != "" {
		i, n, err := ParseShard(f.Shard)
		if err != nil {
			v.Bad("shard", "%v", err)
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
	p := &f.Population
	v.SimConfig(&c.Sim, &p.Population, f.Plans, &f.Rules)
	if p.Seed < 0 {
		v.Bad("population.seed", "want a seed >= 0, got %d", p.Seed)
	}
	c.Sim.Population.Seed = uint64(max(p.Seed, 0))
	v.CheckSim(c.Sim, time.Time{})
}

func (v *validator) fault(i int, fs *faultSection) Fault {
	key := fmt.Sprintf("faults[%d]", i)
	f := Fault{Kind: fs.Kind, Instance: fs.Instance}
	switch fs.Kind {
	case "outage":
		n, err := sim.ParseNode(fs.Node)
		if err != nil {
			v.Bad(key+".node", "%v", err)
		}
		m, err := sim.ParseOutageMode(fs.Mode)
		if err != nil {
			v.Bad(key+".mode", "%v", err)
		}
		f.Node, f.Mode = n, m
	case "maintenance":
		for j, t := range fs.TACs {
			if t < 0 || t > 0xFFFF {
				v.Bad(fmt.Sprintf("%s.tacs[%d]", key, j), "want a tracking-area code 0..65535, got %d", t)
			}
			f.Target.TACs = append(f.Target.TACs, uint16(t))
		}
		for j, c := range fs.Cells {
			if c < 0 || c >= 1<<28 {
				v.Bad(fmt.Sprintf("%s.cells[%d]", key, j), "want a 28-bit E-UTRAN cell id, got %d", c)
			}
			f.Target.Cells = append(f.Target.Cells, uint32(c))
		}
		f.Target.Regions = fs.Regions
	}
	if tomlcfg.Check(v.Checker, key+".duration", &fs.Duration) {
		f.Duration = time.Duration(fs.Duration.V)
	}
	return f
}
