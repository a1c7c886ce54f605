package serve

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carriersim/carriersim/sim"
)

func TestReadmeConfigParses(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), "```toml\n")
	src, _, _ := strings.Cut(rest, "```")
	cfg, err := ParseConfig("README.md", []byte(src))
	if err != nil {
		t.Fatalf("the README's example: %v", err)
	}
	if cfg.ShardIndex != 0 || cfg.ShardCount != 4 || cfg.StateFile != "carrier.state" || cfg.SnapshotEvery != 30*time.Second ||
		cfg.RateLimit != 20 || len(cfg.Faults) != 2 || cfg.Faults[1].Mode != sim.OutageBusy || cfg.Sim.Population.Count != 100000 ||
		len(cfg.Sim.Plans) != 1 || cfg.ClockStart.IsZero() || cfg.ClockSpeed != 1 || cfg.Charging != "diameter" {
		t.Fatalf("config %+v", cfg)
	}
}

func TestConfigErrorsNameFileLineAndKey(t *testing.T) {
	t.Parallel()
	src := `shard = "4/4"

[listen]
gy = "nowhere"
api = "0.0.0.0:8080"
colour = "blue"

[gateway]
charging = "carrier pigeon"

[state]
every = "soon"

[[plans]]
name = "p"
allowance = "lots"

[[faults]]
kind = "outage"
mode = "loud"
`
	_, err := ParseConfig("carrier.toml", []byte(src))
	var ce *ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("want a *ConfigError, got %v", err)
	}
	want := []string{
		`carrier.toml:1: shard: want I/N with 0 <= I < N such as 0/4, got "4/4"`,
		`carrier.toml:4: listen.gy: want host:port such as 127.0.0.1:0, or off, got "nowhere"`,
		`carrier.toml:6: listen.colour: unknown key`,
		`carrier.toml:9: gateway.charging: want diameter or local, got "carrier pigeon"`,
		`carrier.toml:12: state.every: want a duration such as 30s`,
		`carrier.toml:16: plans[0].allowance: `,
		`carrier.toml:20: faults[0].mode: want silent, busy or unable, got "loud"`,
		`api.token: the API listens on 0.0.0.0:8080, not loopback, and wants a bearer token`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("missing %q in:\n%s", w, msg)
		}
	}
}

func TestEmptyConfigIsLoopbackDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig("empty.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Gy != "127.0.0.1:3868" || cfg.GTPC != "127.0.0.1:2123" || cfg.API != "127.0.0.1:8080" || cfg.ShardCount != 1 {
		t.Fatalf("defaults %+v", cfg)
	}
}

func TestShardOwnsAnIMSIRange(t *testing.T) {
	t.Parallel()
	cfg := Config{ShardIndex: 1, ShardCount: 4}
	cfg.Sim.Population.Count = 1000
	cfg.fillDefaults()
	scfg := cfg.simConfig(sim.NewClock(time.Time{}, 0))
	got := scfg.Population
	if got.Count != 250 || got.Offset != 250 {
		t.Fatalf("shard 1/4 of 1000: %d cards from card %d", got.Count, got.Offset)
	}
	// The shard's cards are those of the whole population, not a new
	// population renumbered: same IMSI, device, plan and home.
	part, err := sim.New(scfg)
	if err != nil {
		t.Fatal(err)
	}
	wcfg := scfg
	wcfg.Population.Count, wcfg.Population.Offset = 1000, 0
	whole, err := sim.New(wcfg)
	if err != nil {
		t.Fatal(err)
	}
	for k := uint32(0); k < 250; k += 7 {
		p, err1 := part.Card(k)
		w, err2 := whole.Card(250 + k)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if p.Identity != w.Identity || p.Plan != w.Plan || p.Home != w.Home || p.BoundIMEI != w.BoundIMEI {
			t.Fatalf("shard card %d is not card %d of the whole:\n%+v\n%+v", k, 250+k, p, w)
		}
	}
}

func TestStartWithFaultsAndStateFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `journal = 16
[listen]
gy = "127.0.0.1:0"
gtpc = "127.0.0.1:0"
gtpu = "127.0.0.1:0"
api = "off"
metrics = "127.0.0.1:0"
[population]
count = 50
[state]
file = "s.state"
[[faults]]
kind = "outage"
node = "gateway"
mode = "busy"
`
	path := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := c.Addrs()
	if a.Gy == "" || a.GTPC == "" || a.API != "" || !strings.HasSuffix(a.Metrics, "/metrics") {
		t.Fatalf("addrs %v", a)
	}
	if f := c.Sim().Faults().List(); len(f) != 1 || f[0].Node != sim.NodeGateway || !f[0].Active {
		t.Fatalf("faults %+v", f)
	}
	if err := c.Sim().SetUsage(3, 777); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.state")); err != nil {
		t.Fatalf("no snapshot at shutdown: %v", err)
	}
	c2, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if st, _ := c2.Sim().Card(3); st.Used != 777 {
		t.Fatalf("after the restart card 3 used %d", st.Used)
	}
}
