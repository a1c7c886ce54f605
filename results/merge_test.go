package results

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carriersim/carriersim/metrics"
)

// fakeRun is a run of a few seconds whose samples are a fixed function of
// their number, so that a run of all of them and n runs of every n-th one
// can be compared figure by figure.
type fakeRun struct {
	start   time.Time
	seconds int
	perSec  int
}

// sample returns sample k of second sec: its message, class, code, blame
// and latency.
func (f fakeRun) sample(sec, k int) (string, metrics.Sample) {
	msg := "CCR-U"
	if k%4 == 0 {
		msg = "CCR-I"
	}
	s := metrics.Sample{Class: metrics.ClassOK, Code: 2001,
		Latency: time.Duration(50+(k*7919+sec*104729)%20000) * time.Microsecond}
	switch {
	case k%11 == 0:
		s.Class, s.Code, s.Blame = metrics.ClassRefused, 4012, "card"
	case k%199 == 0:
		s.Class, s.Code, s.Blame, s.Latency = metrics.ClassTimeout, 0, "network", 2*time.Second+time.Duration(k)*time.Millisecond
	}
	return msg, s
}

// write runs shard i of n (n == 1: the whole run) and writes its results
// folder as the scenario runner does.
func (f fakeRun) write(t *testing.T, dir string, i, n int, seed uint64, start time.Time) *Result {
	t.Helper()
	run := metrics.NewRun(start, 4)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ilog, err := CreateIntervalLog(dir, start)
	if err != nil {
		t.Fatal(err)
	}
	run.OnInterval(func(sec int, msg string, h *metrics.Hist) { _ = ilog.Write(sec, msg, h) })
	ew, err := CreateEvents(dir)
	if err != nil {
		t.Fatal(err)
	}
	events := map[EventKey]uint64{}
	for sec := 0; sec < f.seconds; sec++ {
		for k := 0; k < f.perSec; k++ {
			if k%n != i {
				continue
			}
			msg, s := f.sample(sec, k)
			s.Msg = run.Message(msg)
			run.Observe(k, s)
			if k%5 == 0 {
				run.Late(k, s.Msg)
			}
			if s.Class == metrics.ClassRefused {
				events[EventKey{Kind: "refused", Reason: "over_quota", Blame: "card", Region: "Beijing"}]++
				_ = ew.Write(&EventRow{Time: start, Elapsed: float64(sec) + float64(k)/float64(f.perSec), SIM: int64(k),
					Kind: "refused", Reason: "over_quota", Blame: "card"})
			}
		}
		run.Tick(start.Add(time.Duration(sec)*time.Second + 900*time.Millisecond))
	}
	if err := ew.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ilog.Close(); err != nil {
		t.Fatal(err)
	}
	secs := float64(f.seconds)
	r := &Result{Summary: Summary{Scenario: "fake", Carrier: "embedded gy=127.0.0.1:1", Seed: seed, Digest: "d1",
		Started: start, Finished: start.Add(time.Duration(f.seconds) * time.Second), Seconds: secs,
		Timeline: []Mark{{Name: "gd", Kind: "maintenance", Start: 1, End: 2, Note: "regions Guangdong"}},
		Cards:    map[string]int{"active": 99 / n}},
		Tally: run.Tally(), Events: events}
	if n > 1 {
		r.Summary.Shard = fmt.Sprintf("%d/%d", i, n)
	}
	FromRun(&r.Summary, run, secs)
	r.Series, r.Latencies = run.Series(), run.Latencies()
	figs := &Figures{Requests: r.Tally, Events: r.Events, Cards: r.Summary.Cards}
	r.Summary.Pass = true
	for _, rule := range []Rule{
		{Metric: "count", Class: "timeout", Op: "<", Value: 12},
		{Metric: "latency", Stat: "p99", Message: "CCR-U", Op: "<", Value: 100},
		{Metric: "events", Event: "refused", Blame: "card", Op: ">", Value: 0},
		{Metric: "ratio", Message: "CCR-I", Class: "ok", Op: ">=", Value: 0.5},
		{Metric: "cards", Reason: "active", Op: ">=", Value: 30},
	} {
		v := Judge(rule.String(), 0, rule, figs)
		r.Summary.Pass = r.Summary.Pass && v.Pass
		r.Summary.Thresholds = append(r.Summary.Thresholds, v)
	}
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestMergeEqualsOneRun: three shards merged give exactly the figures of
// one run of all the samples: histograms (count, min, max, every
// percentile), counts, per-second series, and thresholds judged anew.
func TestMergeEqualsOneRun(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	f := fakeRun{seconds: 4, perSec: 900}
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	whole := f.write(t, filepath.Join(base, "whole"), 0, 1, 7, start)
	const n = 3
	var dirs []string
	for i := n - 1; i >= 0; i-- { // any order
		d := filepath.Join(base, "shard-"+strconv.Itoa(i))
		sh := f.write(t, d, i, n, 7, start)
		if !sh.Summary.Pass {
			t.Fatalf("shard %d fails its own thresholds: %+v", i, sh.Summary.Thresholds)
		}
		dirs = append(dirs, d)
	}
	m, err := Merge(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	s, w := &m.Summary, &whole.Summary
	if s.Merged == nil || s.Merged.Shards != n || len(s.Merged.Merged) != n || len(s.Merged.Warnings) != 0 {
		t.Fatalf("merge info %+v", s.Merged)
	}
	for name, wh := range whole.Latencies {
		mh := m.Latencies[name]
		if mh == nil || mh.Count() != wh.Count() || mh.Min() != wh.Min() || mh.Max() != wh.Max() || mh.Mean() != wh.Mean() {
			t.Fatalf("%s: merged histogram differs from one run's", name)
		}
		for _, q := range []float64{0.5, 0.9, 0.99, 0.999, 0.9999} {
			if mh.Quantile(q) != wh.Quantile(q) {
				t.Errorf("%s q%v: merged %s, one run %s", name, q, mh.Quantile(q), wh.Quantile(q))
			}
		}
		ms, ws := s.Messages[name], w.Messages[name]
		if ms.Count != ws.Count || ms.P99 != ws.P99 || ms.P999 != ws.P999 || ms.Max != ws.Max || ms.Late != ws.Late ||
			fmt.Sprint(ms.ByClass) != fmt.Sprint(ws.ByClass) {
			t.Errorf("%s summary: merged %+v, one run %+v", name, ms, ws)
		}
	}
	if fmt.Sprint(s.Codes) != fmt.Sprint(w.Codes) || fmt.Sprint(s.Blame) != fmt.Sprint(w.Blame) || s.Late != w.Late || s.Lost != w.Lost {
		t.Errorf("counts: merged %v %v %d %d, one run %v %v %d %d", s.Codes, s.Blame, s.Late, s.Lost, w.Codes, w.Blame, w.Late, w.Lost)
	}
	if len(m.Series) != len(whole.Series) {
		t.Fatalf("%d merged seconds, one run has %d", len(m.Series), len(whole.Series))
	}
	for i, ws := range whole.Series {
		ms := m.Series[i]
		if ms.T != ws.T || fmt.Sprint(ms.Codes) != fmt.Sprint(ws.Codes) || fmt.Sprint(ms.Classes) != fmt.Sprint(ws.Classes) {
			t.Fatalf("second %d: merged %+v, one run %+v", i, ms, ws)
		}
		for name, wm := range ws.Msgs {
			mm := ms.Msgs[name]
			if mm.Count != wm.Count || mm.P50 != wm.P50 || mm.P90 != wm.P90 || mm.P99 != wm.P99 || mm.Max != wm.Max || mm.Late != wm.Late {
				t.Errorf("second %d %s: merged %+v, one run %+v", ws.T, name, mm, wm)
			}
		}
	}
	// Each shard saw under 12 timeouts; together they did not.
	if len(s.Thresholds) != len(w.Thresholds) {
		t.Fatalf("%d thresholds, want %d", len(s.Thresholds), len(w.Thresholds))
	}
	for i, v := range s.Thresholds {
		if v.Pass != w.Thresholds[i].Pass || v.Observed != w.Thresholds[i].Observed {
			t.Errorf("threshold %s: merged %v (%g), one run %v (%g)", v.Name, v.Pass, v.Observed, w.Thresholds[i].Pass, w.Thresholds[i].Observed)
		}
	}
	if w.Thresholds[0].Pass || s.Pass || !strings.HasPrefix(s.Thresholds[0].Rule, "count{class=timeout} < 12") {
		t.Fatalf("timeouts threshold: merged %+v, one run %+v", s.Thresholds[0], w.Thresholds[0])
	}
	if s.Cards["active"] != 99 || len(s.Timeline) != 1 || s.Timeline[0].Note != "regions Guangdong" {
		t.Errorf("cards %v, timeline %+v", s.Cards, s.Timeline)
	}

	out := filepath.Join(base, "merged")
	if err := Write(out, m); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"summary.json", "timeseries.csv", "events.csv", "CCR-U.hdr", "CCR-I.hgrm", "figures.json", "latency.hlog", "junit.xml", "report.html"} {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	wantCSV, _ := os.ReadFile(filepath.Join(base, "whole", "timeseries.csv"))
	gotCSV, _ := os.ReadFile(filepath.Join(out, "timeseries.csv"))
	if string(gotCSV) != string(wantCSV) {
		t.Errorf("timeseries.csv differs:\nmerged\n%s\none run\n%s", gotCSV, wantCSV)
	}
	ef, _ := os.Open(filepath.Join(out, "events.csv"))
	rows, err := csv.NewReader(ef).ReadAll()
	ef.Close()
	if err != nil || len(rows)-1 != int(s.Codes["CCR-I:4012"]+s.Codes["CCR-U:4012"]) {
		t.Fatalf("events.csv: %d rows, %v", len(rows)-1, err)
	}
	for i := 2; i < len(rows); i++ {
		a, _ := strconv.ParseFloat(rows[i-1][1], 64)
		b, _ := strconv.ParseFloat(rows[i][1], 64)
		if b < a {
			t.Fatalf("events.csv row %d at %g after %g", i, b, a)
		}
	}
	// A merged result merges again only as the whole it is: refused.
	if _, err := Merge(out); !errors.Is(err, ErrMismatch) {
		t.Fatalf("merging a merged result: %v", err)
	}
	// The merged folder reads back, and merging one run alone is that run.
	if back, err := ReadSummary(out); err != nil || back.Merged == nil || back.Thresholds[0].Check == nil {
		t.Fatalf("read back: %v", err)
	}
	one, err := Merge(filepath.Join(base, "whole"))
	if err != nil || one.Summary.Messages["CCR-U"].P99 != w.Messages["CCR-U"].P99 {
		t.Fatalf("one run merged: %v", err)
	}
}

// TestMergeRefusesMismatches: folders that are not the shards of one run
// are refused, naming the folder and the field; missing shards and shards
// that did not start together are warnings.
func TestMergeRefusesMismatches(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	f := fakeRun{seconds: 2, perSec: 60}
	start := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	dir := func(name string) string { return filepath.Join(base, name) }
	f.write(t, dir("a0"), 0, 3, 7, start)
	f.write(t, dir("a1"), 1, 3, 7, start)
	f.write(t, dir("a1-again"), 1, 3, 7, start)
	f.write(t, dir("seed8"), 2, 3, 8, start)
	f.write(t, dir("of4"), 2, 4, 7, start)
	f.write(t, dir("late"), 2, 3, 7, start.Add(2*time.Second))
	other := f.write(t, dir("other"), 2, 3, 7, start)
	other.Summary.Scenario = "another"
	if err := Write(dir("other"), other); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		dirs  []string
		wants []string
	}{
		{"seed", []string{"a0", "a1", "seed8"}, []string{"seed8", "seed", "want \"7\""}},
		{"shard count", []string{"a0", "of4"}, []string{"of4", "shard count", "want \"3\"", "got \"4\""}},
		{"duplicate", []string{"a0", "a1", "a1-again"}, []string{"a1", "1/3 is also"}},
		{"scenario", []string{"a0", "other"}, []string{"other", "scenario", "want \"fake\"", "got \"another\""}},
	}
	for _, tt := range tests {
		var ds []string
		for _, d := range tt.dirs {
			ds = append(ds, dir(d))
		}
		_, err := Merge(ds...)
		if !errors.Is(err, ErrMismatch) {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		for _, w := range tt.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tt.name, err, w)
			}
		}
	}
	if _, err := Merge(dir("a0"), filepath.Join(base, "nowhere")); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("missing folder: %v", err)
	}
	os.Remove(filepath.Join(base, "a1", "figures.json"))
	if _, err := Merge(dir("a0"), dir("a1")); err == nil || !strings.Contains(err.Error(), "a1: figures.json: missing") {
		t.Errorf("no figures.json: %v", err)
	}
	m, err := Merge(dir("a0"), dir("late"))
	if err != nil {
		t.Fatal(err)
	}
	warn := strings.Join(m.Summary.Merged.Warnings, "\n")
	if !strings.Contains(warn, "shards missing: 1 of 3") || !strings.Contains(warn, "2s apart") || fmt.Sprint(m.Summary.Merged.Missing) != "[1]" {
		t.Fatalf("warnings %q", warn)
	}
	if html := string(Report(m)); !strings.Contains(html, "merged from 2 of 3 shards") || !strings.Contains(html, "shards missing: 1 of 3") {
		t.Error("the report does not say what was merged and what is missing")
	}
	// The late shard's seconds land two seconds on.
	if last := m.Series[len(m.Series)-1]; last.T != 3 || m.Summary.Seconds != 4 {
		t.Fatalf("last second %d, %gs", last.T, m.Summary.Seconds)
	}
}

func TestReadIntervalsNamesTheLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "latency.hlog")
	os.WriteFile(path, []byte("#[StartTime: 1700000000.000 (seconds since epoch), x]\n\"StartTimestamp\"\nTag=CCR-I,1.000,1.000,0.5,HISTF\nTag=CCR-I,x,1.000,0.5,HISTF\n"), 0o644)
	if _, _, err := ReadIntervals(path); err == nil || !strings.Contains(err.Error(), "latency.hlog:4: StartTimestamp") {
		t.Fatalf("%v", err)
	}
}
