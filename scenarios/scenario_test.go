package scenarios

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestBadScenarioReportsEverything: one load reports every problem, each
// with file:line, key path, what was wanted and what was found, in line order.
func TestBadScenarioReportsEverything(t *testing.T) {
	t.Parallel()
	_, err := Load("testdata/bad.toml")
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	msg := err.Error()
	for _, want := range []string{
		`testdata/bad.toml:1: name: want letters, digits, - and _`,
		`testdata/bad.toml:2: duration: want a duration such as 30s, 5m, 2h or 3d, got "forever"`,
		`testdata/bad.toml:7: carrier.gy[0]: want host:port such as 127.0.0.1:3868, got "nowhere"`,
		`testdata/bad.toml:12: population.colour: unknown key`,
		`testdata/bad.toml:15: load[0].interface: want gy or gtp, got "x25"`,
		`testdata/bad.toml:16: load[0].rate: want a rate >= 0 such as "5000/s", got "-5"`,
		`testdata/bad.toml:17: load[0].usage: want a volume such as 30MB or 1GiB, got "lots"`,
		`testdata/bad.toml:21: load[1].updates: uniform(a,b) wants a <= b, got "uniform(5,1)"`,
		`testdata/bad.toml:25: events[0].kind: want one of outage, maintenance`,
		`testdata/bad.toml:30: events[1].node: want ocs or gateway, got "hlr"`,
		`testdata/bad.toml:35: thresholds[0].stat: want p50, p90, p99, p999, max or mean, got "p42"`,
		`testdata/bad.toml:37: thresholds[0].value: want a latency such as "2ms", got fast`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("errors lack\n  %s\ngot:\n%s", want, msg)
		}
	}
	// Sorted by line.
	last := 0
	for _, p := range ve.Problems {
		if p.Line < last {
			t.Fatalf("problems not sorted by line:\n%s", msg)
		}
		last = p.Line
	}
}

func TestSyntaxErrorHasLine(t *testing.T) {
	t.Parallel()
	_, err := Parse("x.toml", []byte("name = \"a\"\nduration = \n"))
	if err == nil || !strings.HasPrefix(err.Error(), "x.toml:2:") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownPlanFromCarrierCore(t *testing.T) {
	t.Parallel()
	_, err := Parse("p.toml", []byte(`duration = "10s"
[population]
plans = { "gold" = 1 }
[[load]]
rate = "10/s"
`))
	if err == nil || !strings.Contains(err.Error(), `p.toml:3: population.plans: want names of configured plans, got unknown plan "gold"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestBundledScenariosValidate(t *testing.T) {
	t.Parallel()
	names := BundledNames()
	if len(names) < 9 {
		t.Fatalf("bundled: %v", names)
	}
	for _, n := range names {
		if _, err := Open(n); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, err := Open("no-such"); err == nil || !strings.Contains(err.Error(), "smoke") {
		t.Fatalf("unknown name: %v", err)
	}
}

// TestOutageInstances: an outage may name one front end of the embedded
// OCS, and only one that carrier.ocs_instances creates.
func TestOutageInstances(t *testing.T) {
	t.Parallel()
	src := func(instances int, node, instance string) []byte {
		return []byte(fmt.Sprintf(`duration = "10s"
[carrier]
ocs_instances = %d
[[load]]
interface = "gy"
rate = "10/s"
[[events]]
kind = "outage"
node = %q
instance = %q
mode = "silent"
at = "1s"
`, instances, node, instance))
	}
	sc, err := Parse("ok.toml", src(2, "ocs", "ocs-2"))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Carrier.OCSInstances != 2 || sc.Events[0].Instance != "ocs-2" {
		t.Errorf("instances %d, event instance %q", sc.Carrier.OCSInstances, sc.Events[0].Instance)
	}
	for _, c := range []struct {
		name, node, instance, want string
		instances                  int
	}{
		{"no such front end", "ocs", "ocs-3", `x.toml:10: events[0].instance: want one of the OCS front ends ocs-1 … ocs-2 (carrier.ocs_instances), got "ocs-3"`, 2},
		{"gateway", "gateway", "ocs-1", `x.toml:10: events[0].instance: only the OCS has instances`, 2},
		{"too many", "ocs", "", `x.toml:3: carrier.ocs_instances: want 1..8, got 9`, 9},
	} {
		_, err := Parse("x.toml", src(c.instances, c.node, c.instance))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %s", c.name, err, c.want)
		}
	}
}

// TestDigestAndUserName: the digest tells scenario texts and compressions
// apart (shards of one run share it); carrier.user_name reaches the load.
func TestDigestAndUserName(t *testing.T) {
	t.Parallel()
	src := "duration = \"10s\"\n[carrier]\nmode = \"external\"\ngy = [\"127.0.0.1:3868\"]\nuser_name = true\n[[load]]\nrate = \"10/s\"\n"
	a, err := Parse("a.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Parse("b.toml", []byte(src))
	c, err := Parse("a.toml", []byte("seed = 2\n"+src))
	if err != nil {
		t.Fatal(err)
	}
	if !a.Carrier.UserName || a.Digest == "" || a.Digest != b.Digest || a.Digest == c.Digest {
		t.Fatalf("user_name %v, digests %q %q %q", a.Carrier.UserName, a.Digest, b.Digest, c.Digest)
	}
	d := a.Digest
	a.Compress(0.1)
	b.Compress(0.5)
	if a.Digest == d || a.Digest == b.Digest {
		t.Fatalf("compressed digests %q %q, uncompressed %q", a.Digest, b.Digest, d)
	}
}
