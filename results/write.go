package results

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/metrics"
)

// Dir returns the default results folder of a run: results/<scenario>-<UTC time>.
func Dir(base, scenario string, started time.Time) string {
	return filepath.Join(base, scenario+"-"+started.UTC().Format("20060102T150405Z"))
}

// Write writes every file of a finished run into dir: summary.json,
// timeseries.csv, the histograms, figures.json (when r.Tally is set),
// latency.hlog (when r.Intervals is set), junit.xml and report.html. A run
// streams events.csv (EventWriter) and latency.hlog (IntervalLog) itself; a
// merged result (Merge) writes them here. Files are written to a temporary
// name and renamed, so a reader never sees half a file.
func Write(dir string, r *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	r.Summary.Schema = SchemaVersion
	js, err := json.MarshalIndent(&r.Summary, "", "  ")
	if err != nil {
		return fmt.Errorf("results: summary: %w", err)
	}
	if err := writeFile(dir, "summary.json", append(js, '\n')); err != nil {
		return err
	}
	if err := writeFile(dir, "timeseries.csv", timeSeriesCSV(r.Series)); err != nil {
		return err
	}
	for _, name := range metrics.SortedKeys(r.Latencies) {
		h := r.Latencies[name]
		var buf bytes.Buffer
		if err := h.WritePercentiles(&buf); err != nil {
			return err
		}
		if err := writeFile(dir, fileName(name)+".hgrm", buf.Bytes()); err != nil {
			return err
		}
		enc, err := h.Encode()
		if err != nil {
			return err
		}
		if err := writeFile(dir, fileName(name)+".hdr", append(enc, '\n')); err != nil {
			return err
		}
	}
	if r.Tally != nil {
		if err := writeFigures(dir, r); err != nil {
			return err
		}
	}
	if r.Intervals != nil {
		if err := writeIntervals(dir, r.Summary.Started, r.Intervals); err != nil {
			return err
		}
	}
	if r.eventSources != nil {
		if err := mergeEvents(dir, r.eventSources); err != nil {
			return err
		}
	}
	if err := writeFile(dir, "junit.xml", junit(&r.Summary)); err != nil {
		return err
	}
	return writeFile(dir, "report.html", Report(r))
}

func writeFile(dir, name string, b []byte) error {
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	return nil
}

// fileName makes a message name safe as a file name.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

// timeSeriesCSV writes one row per second: for each message its count, p50,
// p99 and late sends; then answers by code and refusals by blame. Columns
// are the union over the run, so every row has the same shape.
func timeSeriesCSV(series []metrics.Second) []byte {
	msgs, codes, blames := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range series {
		for m := range s.Msgs {
			msgs[m] = true
		}
		for c := range s.Codes {
			codes[c] = true
		}
		for b := range s.Blame {
			blames[b] = true
		}
	}
	ms, cs, bs := sortedSet(msgs), sortedSet(codes), sortedSet(blames)
	var b bytes.Buffer
	b.WriteString("t_s")
	for _, m := range ms {
		fmt.Fprintf(&b, ",%s_per_s,%s_p50_ms,%s_p90_ms,%s_p99_ms,%s_max_ms,%s_late", m, m, m, m, m, m)
	}
	for _, c := range cs {
		b.WriteString(",code_" + strings.ReplaceAll(c, ":", "_"))
	}
	for _, bl := range bs {
		b.WriteString(",blame_" + bl)
	}
	b.WriteByte('\n')
	for _, s := range series {
		b.WriteString(strconv.Itoa(s.T))
		for _, m := range ms {
			if x := s.Msgs[m]; x != nil {
				fmt.Fprintf(&b, ",%d,%g,%g,%g,%g,%d", x.Count, x.P50, x.P90, x.P99, x.Max, x.Late)
			} else {
				b.WriteString(",0,,,,,0")
			}
		}
		for _, c := range cs {
			fmt.Fprintf(&b, ",%d", s.Codes[c])
		}
		for _, bl := range bs {
			fmt.Fprintf(&b, ",%d", s.Blame[bl])
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// junit renders the thresholds as JUnit test cases.
func junit(s *Summary) []byte {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type tc struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *failure `xml:"failure,omitempty"`
	}
	type suite struct {
		XMLName  xml.Name `xml:"testsuite"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Time     string   `xml:"time,attr"`
		Cases    []tc     `xml:"testcase"`
	}
	st := suite{Name: "carriersim." + s.Scenario, Tests: len(s.Thresholds), Time: strconv.FormatFloat(s.Seconds, 'f', 3, 64)}
	for _, v := range s.Thresholds {
		c := tc{Name: v.Name, Classname: "carriersim." + s.Scenario + ".thresholds", Time: "0"}
		if !v.Pass {
			st.Failures++
			c.Failure = &failure{Message: fmt.Sprintf("%s: observed %g", v.Rule, v.Observed), Text: v.Detail}
		}
		st.Cases = append(st.Cases, c)
	}
	if s.Interrupted {
		st.Tests++
		st.Failures++
		st.Cases = append(st.Cases, tc{Name: "run completed", Classname: "carriersim." + s.Scenario, Time: "0",
			Failure: &failure{Message: "the run was interrupted"}})
	}
	out, _ := xml.MarshalIndent(st, "", "  ")
	return append([]byte(xml.Header), append(out, '\n')...)
}
