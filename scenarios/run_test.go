package scenarios

import (
	"math"
	"testing"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

func TestKeepForLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		during, outside []string
		label           string
		want            bool
	}{
		{name: "no window keeps all", label: "ocs-down+outage", want: true},
		{name: "during by kind", during: []string{"outage"}, label: "ocs-down+outage", want: true},
		{name: "during by name", during: []string{"ocs-down"}, label: "ocs-down+outage", want: true},
		{name: "during misses quiet time", during: []string{"outage"}, label: "", want: false},
		{name: "outside excludes", outside: []string{"maintenance"}, label: "gd+maintenance", want: false},
		{name: "outside keeps others", outside: []string{"maintenance"}, label: "ocs-down+outage", want: true},
		{name: "no substring match", during: []string{"out"}, label: "ocs-down+outage", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := keepFor(tt.during, tt.outside)(tt.label); got != tt.want {
				t.Fatalf("keep(%q) = %v", tt.label, got)
			}
		})
	}
}

// TestThresholdsOnLabelledRun: thresholds judged during and outside an
// event read exactly the samples of those stretches.
func TestThresholdsOnLabelledRun(t *testing.T) {
	t.Parallel()
	// Samples are attributed to the label in force at their intended send
	// time (now - latency): label a stretch that began 5s ago.
	start := time.Now().Add(-10 * time.Second)
	run := metrics.NewRun(start, 1)
	u := run.Message("CCR-U")
	for i := 0; i < 100; i++ {
		run.Observe(0, metrics.Sample{Msg: u, Class: metrics.ClassOK, Code: 2001, Latency: time.Millisecond})
	}
	run.SetLabel(time.Now().Add(-5*time.Second), "ocs-down+outage")
	for i := 0; i < 10; i++ {
		run.Observe(0, metrics.Sample{Msg: u, Class: metrics.ClassTimeout, Blame: "network", Latency: 2 * time.Second})
	}
	run.SetLabel(time.Now(), "")
	// Requests sent during the outage but answered after it still count
	// as during.
	run.Observe(0, metrics.Sample{Msg: u, Class: metrics.ClassTimeout, Blame: "network", Latency: 2 * time.Second})
	run.Tick(time.Now())
	r := NewRunner(&Scenario{Duration: time.Minute}, Options{})
	th := func(metric, stat, class string, during, outside []string) *Threshold {
		return &Threshold{Metric: metric, Message: "CCR-U", Stat: stat, Class: class, During: during, Outside: outside}
	}
	if v := r.observe(th("latency", "p99", "", nil, []string{"outage"}), run, nil); v != 1 {
		t.Fatalf("p99 outside the outage = %vms, want 1", v)
	}
	if v := r.observe(th("latency", "max", "", []string{"outage"}, nil), run, nil); v < 1990 {
		t.Fatalf("max during the outage = %vms", v)
	}
	if v := r.observe(th("count", "", "timeout", []string{"ocs-down"}, nil), run, nil); v != 11 {
		t.Fatalf("timeouts during = %v", v)
	}
	if v := r.observe(th("count", "", "timeout", nil, []string{"outage"}), run, nil); v != 0 {
		t.Fatalf("timeouts outside = %v", v)
	}
	if v := r.observe(th("ratio", "", "ok", nil, nil), run, nil); math.Abs(v-100.0/111) > 1e-9 {
		t.Fatalf("ok ratio = %v", v)
	}
	if v := r.observe(th("latency", "p99", "", []string{"maintenance"}, nil), run, nil); !math.IsNaN(v) || compare("<", v, 5) {
		t.Fatalf("no data must fail, got %v", v)
	}
}

// TestShareSplitsSchedulesAmongOwners: each shard's slice of a cohort is
// its own cards, and a cohort with cards in fewer shards than there are has
// its arrival schedule split among those that have some.
func TestShareSplitsSchedulesAmongOwners(t *testing.T) {
	t.Parallel()
	sc, err := Parse("share.toml", []byte("duration = \"1s\"\n[population]\ncount = 100\n[[load]]\nrate = \"1/s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := sim.New(sc.Sim)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		co     sim.Cohort
		shard  int
		cards  int
		idx    int
		owners int
	}{
		{"everyone", sim.Cohort{}, 2, 25, 2, 4},
		{"two cards", sim.Cohort{First: 5, Count: 2}, 1, 1, 0, 2}, // cards 5, 6: shards 1 and 2
		{"two cards", sim.Cohort{First: 5, Count: 2}, 2, 1, 1, 2}, //
		{"not mine", sim.Cohort{First: 5, Count: 2}, 3, 0, 2, 2},  // no card: runs nothing
		{"one card", sim.Cohort{First: 40, Count: 1}, 0, 1, 0, 1}, // card 40: shard 0 sends it all
	}
	for _, tt := range tests {
		r := NewRunner(sc, Options{ShardIndex: tt.shard, ShardCount: 4})
		set, idx, owners, err := r.share(c, tt.co)
		if err != nil || set.Len() != tt.cards || owners != tt.owners || (tt.cards > 0 && idx != tt.idx) {
			t.Errorf("%s, shard %d: %d cards, %d of %d (%v); want %d cards, %d of %d", tt.name, tt.shard, set.Len(), idx, owners, err,
				tt.cards, tt.idx, tt.owners)
		}
		for k := 0; k < set.Len(); k++ {
			if set.At(k)%4 != uint32(tt.shard) {
				t.Errorf("%s: card %d in shard %d", tt.name, set.At(k), tt.shard)
			}
		}
	}
}
