package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/results"
)

// shardScenario has a deterministic arrival schedule and session shape:
// 600 Gy sessions of exactly two updates each, on cards with allowance to
// spare, so one run and any number of shards send exactly 600 CCR-I, 1200
// CCR-U and 600 CCR-T. A customer stop of cards 0-9 after the load ends
// touches each shard's own cards only: 10 stopped cards in all.
const shardScenario = `
name = "sharded"
duration = "4s"
seed = 5

[population]
count = 3000
balance = "50"

[[load]]
name = "gy"
interface = "gy"
duration = "3s"
rate = "200/s"
updates = 2
interval = "100ms"
usage = "4KB"
request = "64KB"

[[events]]
name = "suspend"
kind = "stop"
at = "3500ms"
cohort = { first = 0, count = 10 }

[[thresholds]]
name = "nothing lost"
metric = "count"
class = "timeout"
op = "=="
value = 0

[[thresholds]]
name = "every session started"
metric = "count"
message = "CCR-I"
op = "=="
value = 600

[[thresholds]]
name = "ten cards stopped"
metric = "cards"
reason = "manual_stop"
op = "=="
value = 10

[[thresholds]]
name = "ten stop events"
metric = "events"
event = "stopped"
op = "=="
value = 10
`

// TestShardProcessesMergeToOneRun starts three `carriersim run --shard I/3`
// processes and one unsharded run of the same scenario, all on loopback
// with their own embedded carriers and one --start-at, merges the shards
// with `carriersim results merge`, and checks that the merged figures are
// the single run's where the scenario makes them deterministic (answers by
// message, code and class; card events; cards stopped; seconds of the time
// series) and that the merged histograms are exactly the shards' merged.
func TestShardProcessesMergeToOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and runs four processes; not with -short")
	}
	tmp := t.TempDir()
	bin := commandBinary(t)
	scenario := filepath.Join(tmp, "sharded.toml")
	if err := os.WriteFile(scenario, []byte(shardScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	// Environment without a stray Indexed Job around us.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JOB_COMPLETION_INDEX=") && !strings.HasPrefix(kv, "CARRIERSIM_") {
			env = append(env, kv)
		}
	}
	start := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339Nano)
	const n = 3
	type proc struct {
		dir      string
		args     []string
		env      []string
		out      bytes.Buffer
		err      error
		exitCode int
	}
	var procs []*proc
	for i := 0; i < n; i++ {
		dir := filepath.Join(tmp, "shards", "shard-"+strconv.Itoa(i))
		p := &proc{dir: dir, args: []string{"run", "--quiet", "--out", dir, "--start-at", start}, env: env}
		if i == 0 {
			// Shard 0 finds its shard as a Kubernetes Indexed Job gives it.
			p.env = append(append([]string{}, env...), "JOB_COMPLETION_INDEX=0", "CARRIERSIM_SHARDS=3")
		} else {
			p.args = append(p.args, "--shard", strconv.Itoa(i)+"/3")
		}
		procs = append(procs, p)
	}
	single := &proc{dir: filepath.Join(tmp, "single"), env: env}
	single.args = []string{"run", "--quiet", "--out", single.dir, "--start-at", start}
	procs = append(procs, single)
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, append(p.args, scenario)...)
			cmd.Env, cmd.Stdout, cmd.Stderr = p.env, &p.out, &p.out
			p.err = cmd.Run()
		}()
	}
	wg.Wait()
	for _, p := range procs {
		if p.err != nil {
			t.Fatalf("carriersim %s: %v\n%s", strings.Join(p.args, " "), p.err, p.out.String())
		}
	}

	merged := filepath.Join(tmp, "merged")
	cmd := exec.Command(bin, "results", "merge", "-o", merged, filepath.Join(tmp, "shards"))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("results merge: %v\n%s", err, out)
	} else if strings.Contains(string(out), "warning") || !strings.Contains(string(out), "merged from 3 of 3 shards") {
		t.Fatalf("results merge said:\n%s", out)
	}
	m, err := results.ReadSummary(merged)
	if err != nil {
		t.Fatal(err)
	}
	one, err := results.ReadSummary(single.dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Pass || !one.Pass {
		t.Fatalf("verdicts: merged %v %+v, single %v %+v", m.Pass, m.Thresholds, one.Pass, one.Thresholds)
	}
	for _, msg := range []string{"CCR-I", "CCR-U", "CCR-T"} {
		mm, om := m.Messages[msg], one.Messages[msg]
		if mm == nil || om == nil || mm.Count != om.Count || mm.ByClass["ok"] != om.ByClass["ok"] {
			t.Errorf("%s: merged %+v, single %+v", msg, mm, om)
		}
	}
	if m.Messages["CCR-I"].Count != 600 || m.Messages["CCR-U"].Count != 1200 || m.Messages["CCR-T"].Count != 600 {
		t.Errorf("merged counts: %d CCR-I, %d CCR-U, %d CCR-T", m.Messages["CCR-I"].Count, m.Messages["CCR-U"].Count, m.Messages["CCR-T"].Count)
	}
	if mustJSON(m.Codes) != mustJSON(one.Codes) || mustJSON(m.Blame) != mustJSON(one.Blame) || m.Lost != one.Lost {
		t.Errorf("codes/blame/lost: merged %v %v %d, single %v %v %d", m.Codes, m.Blame, m.Lost, one.Codes, one.Blame, one.Lost)
	}
	if m.Cards["manual_stop"] != 10 || one.Cards["manual_stop"] != 10 || m.Cards["active"] != one.Cards["active"] {
		t.Errorf("cards: merged %v, single %v", m.Cards, one.Cards)
	}
	if !m.Started.Equal(one.Started) {
		t.Errorf("started: merged %s, single %s (one --start-at)", m.Started, one.Started)
	}

	// The merged histograms are exactly the shards' histograms merged.
	for _, msg := range []string{"CCR-I", "CCR-U", "CCR-T"} {
		want := metrics.NewHist()
		for i := 0; i < n; i++ {
			want.Merge(readHist(t, filepath.Join(procs[i].dir, msg+".hdr")))
		}
		got := readHist(t, filepath.Join(merged, msg+".hdr"))
		if got.Count() != want.Count() || got.Max() != want.Max() || got.Min() != want.Min() {
			t.Errorf("%s: merged histogram %d/%s/%s, shards' %d/%s/%s", msg, got.Count(), got.Min(), got.Max(), want.Count(), want.Min(), want.Max())
		}
		for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
			if got.Quantile(q) != want.Quantile(q) || m.Messages[msg].P99 != float64(want.Quantile(0.99).Microseconds())/1000 {
				t.Errorf("%s q%v: merged %s, shards' %s", msg, q, got.Quantile(q), want.Quantile(q))
			}
		}
		if single := readHist(t, filepath.Join(single.dir, msg+".hdr")); single.Count() != got.Count() {
			t.Errorf("%s: merged %d samples, single run %d", msg, got.Count(), single.Count())
		}
	}
	// Time series: the same seconds; every second's sessions started
	// (CCR-I answered) add up as in the single run, give or take answers
	// that cross a second's edge.
	var ms, os1 struct {
		Series []metrics.Second `json:"series"`
	}
	readJSON(t, filepath.Join(merged, "figures.json"), &ms)
	readJSON(t, filepath.Join(single.dir, "figures.json"), &os1)
	if d := len(ms.Series) - len(os1.Series); d < -1 || d > 1 {
		t.Fatalf("merged %d seconds, single %d", len(ms.Series), len(os1.Series))
	}
	var sumM, sumO uint64
	for i := range min(len(ms.Series), len(os1.Series)) {
		a, b := ms.Series[i], os1.Series[i]
		if a.T != b.T {
			t.Fatalf("second %d: merged t=%d, single t=%d", i, a.T, b.T)
		}
		if x, y := a.Msgs["CCR-I"], b.Msgs["CCR-I"]; x != nil && y != nil {
			sumM, sumO = sumM+x.Count, sumO+y.Count
			if diff := int(x.Count) - int(y.Count); diff < -20 || diff > 20 {
				t.Errorf("second %d: merged %d CCR-I, single %d", a.T, x.Count, y.Count)
			}
		}
	}
	if sumM != 600 || sumO != 600 {
		t.Errorf("CCR-I over the series: merged %d, single %d", sumM, sumO)
	}
}

func readHist(t *testing.T, path string) *metrics.Hist {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := metrics.DecodeHist(b)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestParseShardAndStartAt: --shard and the Indexed Job's environment.
func TestParseShardAndStartAt(t *testing.T) {
	tests := []struct {
		name, flag, idx, cnt string
		i, n                 int
		err                  string
	}{
		{name: "none", i: 0, n: 1},
		{name: "flag", flag: "2/4", i: 2, n: 4},
		{name: "flag wins", flag: "1/2", idx: "3", cnt: "4", i: 1, n: 2},
		{name: "indexed job", idx: "3", cnt: "4", i: 3, n: 4},
		{name: "index without count", idx: "3", err: "CARRIERSIM_SHARDS is not set"},
		{name: "count without index", cnt: "4", err: "JOB_COMPLETION_INDEX is not set"},
		{name: "index out of range", idx: "4", cnt: "4", err: "want I/N with 0 <= I < N"},
		{name: "garbage", flag: "a/b", err: "want I/N"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("JOB_COMPLETION_INDEX", tt.idx)
			t.Setenv("CARRIERSIM_SHARDS", tt.cnt)
			i, n, err := parseShard(tt.flag)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || i != tt.i || n != tt.n {
				t.Fatalf("%d/%d %v, want %d/%d", i, n, err, tt.i, tt.n)
			}
		})
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	t.Setenv("CARRIERSIM_START_AT", "2026-11-23T10:00:30Z")
	if at, err := parseStartAt("", time.Minute, now); err != nil || !at.Equal(now.Add(30*time.Second)) {
		t.Fatalf("from the environment: %s %v", at, err)
	}
	for s, want := range map[string]string{
		"tomorrow-ish":         "RFC 3339",
		"2026-11-25T10:00:00Z": "within a day",
		"2026-11-23T09:58:00Z": "already be over",
	} {
		if _, err := parseStartAt(s, time.Minute, now); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", s, err, want)
		}
	}
	if at, err := parseStartAt("2026-11-23T09:59:30Z", time.Minute, now); err != nil || at.IsZero() {
		t.Errorf("a start 30s ago in a minute's run: %v", err)
	}
}
