package results

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/carriersim/carriersim/metrics"
)

func sampleResult(t *testing.T) *Result {
	t.Helper()
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	run := metrics.NewRun(start, 2)
	ccri, ccru := run.Message("CCR-I"), run.Message("CCR-U")
	for sec := 0; sec < 5; sec++ {
		for i := 0; i < 100; i++ {
			run.Observe(i%2, metrics.Sample{Msg: ccri, Class: metrics.ClassOK, Code: 2001, Latency: time.Duration(100+i) * time.Microsecond})
			run.Observe(i%2, metrics.Sample{Msg: ccru, Class: metrics.ClassOK, Code: 2001, Latency: time.Duration(200+i) * time.Microsecond})
		}
		run.Observe(0, metrics.Sample{Msg: ccru, Class: metrics.ClassRefused, Code: 4012, Blame: "card", Latency: time.Millisecond})
		if sec == 3 {
			run.Observe(1, metrics.Sample{Msg: ccri, Class: metrics.ClassTimeout, Blame: "network", Latency: 2 * time.Second})
		}
		run.Tick(start.Add(time.Duration(sec)*time.Second + 999*time.Millisecond))
	}
	r := &Result{Summary: Summary{Scenario: "unit", Carrier: "embedded", Started: start, Finished: start.Add(5 * time.Second),
		Seconds: 5, Pass: false, Timeline: []Mark{{Name: "ocs-down", Kind: "outage", Start: 3, End: 4}},
		Thresholds: []Verdict{{Name: "p99", Rule: "latency.p99{message=CCR-U} < 1ms", Observed: 0.3, Pass: true},
			{Name: "no timeouts", Rule: "count{class=timeout} == 0", Observed: 1, Pass: false}},
		Reasons: map[string]uint64{"over_quota": 5}}}
	FromRun(&r.Summary, run, 5)
	r.Series, r.Latencies = run.Series(), run.Latencies()
	return r
}

func TestWriteEveryFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := sampleResult(t)
	ew, err := CreateEvents(dir)
	if err != nil {
		t.Fatal(err)
	}
	_ = ew.Write(&EventRow{Time: r.Summary.Started, SIM: 7, IMSI: "460040000000007", Kind: "refused", Reason: "over_quota", Blame: "card", Outcome: "credit_limit", Region: "Guangdong", TAC: "4864", ECI: "1234"})
	if err := ew.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir, r); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"summary.json", "timeseries.csv", "events.csv", "CCR-I.hgrm", "CCR-U.hdr", "junit.xml", "report.html"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	var s Summary
	b, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != SchemaVersion || s.Messages["CCR-U"].Count != 505 || s.Messages["CCR-I"].ByClass["timeout"] != 1 ||
		s.Codes["CCR-U:4012"] != 5 || s.Blame["network"] != 1 || s.Lost != 1 {
		t.Fatalf("summary: %s", b)
	}
	ts, _ := os.ReadFile(filepath.Join(dir, "timeseries.csv"))
	lines := strings.Split(strings.TrimSpace(string(ts)), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "t_s,CCR-I_per_s,") || !strings.Contains(lines[0], "blame_network") {
		t.Fatalf("timeseries:\n%s", ts)
	}
	for _, l := range lines {
		if strings.Count(l, ",") != strings.Count(lines[0], ",") {
			t.Fatalf("ragged row %q", l)
		}
	}
	var ju struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	jb, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err := xml.Unmarshal(jb, &ju); err != nil || ju.Tests != 2 || ju.Failures != 1 {
		t.Fatalf("junit %+v %v\n%s", ju, err, jb)
	}
	h, _ := os.ReadFile(filepath.Join(dir, "CCR-U.hdr"))
	if hh, err := metrics.DecodeHist(h); err != nil || hh.Count() != 505 {
		t.Fatalf("hdr: %v", err)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	for _, want := range []string{"<svg", "FAIL", "ocs-down", "no timeouts", "over_quota"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "src=\"http", "href=\"http", "@import"} {
		if strings.Contains(string(html), bad) {
			t.Errorf("report is not self-contained: %q", bad)
		}
	}
	ev, _ := os.ReadFile(filepath.Join(dir, "events.csv"))
	if !strings.Contains(string(ev), "460040000000007,refused,over_quota,card,credit_limit") {
		t.Fatalf("events:\n%s", ev)
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	old := &Summary{Messages: map[string]*MessageSummary{"CCR-U": {Rate: 1000, P50: 1, P99: 2, P999: 3, ByClass: map[string]uint64{}}}}
	cur := &Summary{Messages: map[string]*MessageSummary{"CCR-U": {Rate: 1010, P50: 1, P99: 3, P999: 3, ByClass: map[string]uint64{"timeout": 4}}}}
	c := Compare(old, cur, 0.05)
	if c.Worse != 2 || c.Better != 0 {
		t.Fatalf("%+v", c)
	}
	var b strings.Builder
	if err := c.WriteTable(&b, "old", "new"); err != nil || !strings.Contains(b.String(), "verdict: slower: 2 figures worse") || !strings.Contains(b.String(), "+50.0%") {
		t.Fatalf("%v\n%s", err, b.String())
	}
}
