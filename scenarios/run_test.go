package scenarios

import (
	"math"
	"testing"
	"time"

	"github.com/carriersim/carriersim/metrics"
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
