package main

import (
	"encoding/json"
	"os/exec"
	"testing"
)

// TestBenchGyCommand runs `carriersim bench gy --json` small, in one
// process and (where it can) split into pinned processes, and checks the
// object it prints: both OCSes measured, nothing lost, the mode and the
// CPU figures reported.
func TestBenchGyCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	bin := commandBinary(t)
	modes := []bool{false}
	if splitGyAvailable() {
		modes = append(modes, true)
	}
	for _, split := range modes {
		args := []string{"bench", "gy", "--json", "--cards", "2000", "--duration", "300ms", "--offered", "20000"}
		if !split {
			args = append(args, "--split=false")
		}
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("split %v: %v\n%s", split, err, out)
		}
		var res map[string]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("split %v: not one JSON object: %v\n%s", split, err, out)
		}
		for _, k := range []string{"ccr_per_second", "p50_ms", "p99_ms", "p999_ms", "lost", "baseline_ccr_per_second", "ratio",
			"split", "load_cpu_us_per_ccr", "ocs_cpu_us_per_ccr", "load_cpu_share", "ocs_cpu_share"} {
			if _, ok := res[k]; !ok {
				t.Errorf("split %v: no %q in %s", split, k, out)
			}
		}
		num := func(k string) float64 { f, _ := res[k].(float64); return f }
		if num("ccr_per_second") <= 0 || num("baseline_ccr_per_second") <= 0 || num("ratio") <= 0 ||
			num("p50_ms") <= 0 || num("p99_ms") < num("p50_ms") {
			t.Errorf("split %v: figures missing: %s", split, out)
		}
		if num("lost") != 0 || num("baseline_lost") != 0 {
			t.Errorf("split %v: lost %v, baseline lost %v", split, num("lost"), num("baseline_lost"))
		}
		if got, _ := res["split"].(bool); got != split {
			t.Errorf("asked split %v, the result says %v", split, got)
		}
		if num("load_cpu_us_per_ccr") <= 0 || num("load_cpu_share") <= 0 {
			t.Errorf("split %v: load CPU not measured: %s", split, out)
		}
		if !split && num("ocs_cpu_us_per_ccr") != 0 {
			t.Errorf("one process: an OCS CPU figure (%v) apart from the load's", num("ocs_cpu_us_per_ccr"))
		}
	}
}
