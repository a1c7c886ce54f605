package results

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"text/tabwriter"
)

// ReadSummary reads summary.json from a results folder (or the file itself).
func ReadSummary(path string) (*Summary, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "summary.json")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("results: %s: %w", path, err)
	}
	if s.Schema != SchemaVersion {
		return nil, fmt.Errorf("results: %s: want schema %q, got %q", path, SchemaVersion, s.Schema)
	}
	return &s, nil
}

// Change is one compared figure.
type Change struct {
	Message, Figure string
	Old, New        float64
	// Delta is (New-Old)/Old; +0.10 means 10% higher.
	Delta float64
	// Verdict is "better", "worse" or "same" (within Tolerance).
	Verdict string
}

// Comparison is the outcome of Compare.
type Comparison struct {
	Changes []Change
	// Worse counts figures that got worse beyond the tolerance.
	Worse, Better int
}

// Compare lines up two runs figure by figure: latency percentiles (lower is
// better), throughput (higher is better) and failures (lower is better).
// Changes within tolerance (e.g. 0.05 for 5%) are "same": runs on a shared
// machine drift by that much.
func Compare(old, cur *Summary, tolerance float64) Comparison {
	var c Comparison
	add := func(msg, fig string, o, n float64, lowerBetter bool) {
		ch := Change{Message: msg, Figure: fig, Old: o, New: n, Verdict: "same"}
		switch {
		case o == 0 && n == 0:
		case o == 0:
			ch.Delta = math.Inf(1)
		default:
			ch.Delta = (n - o) / o
		}
		if math.Abs(ch.Delta) > tolerance {
			worse := ch.Delta > 0 == lowerBetter
			if worse {
				ch.Verdict = "worse"
				c.Worse++
			} else {
				ch.Verdict = "better"
				c.Better++
			}
		}
		c.Changes = append(c.Changes, ch)
	}
	names := map[string]bool{}
	for m := range old.Messages {
		names[m] = true
	}
	for m := range cur.Messages {
		names[m] = true
	}
	var list []string
	for m := range names {
		list = append(list, m)
	}
	sort.Strings(list)
	for _, m := range list {
		o, n := old.Messages[m], cur.Messages[m]
		if o == nil {
			o = &MessageSummary{}
		}
		if n == nil {
			n = &MessageSummary{}
		}
		add(m, "rate/s", o.Rate, n.Rate, false)
		add(m, "p50 ms", o.P50, n.P50, true)
		add(m, "p99 ms", o.P99, n.P99, true)
		add(m, "p99.9 ms", o.P999, n.P999, true)
		add(m, "failures", float64(o.ByClass["error"]+o.ByClass["timeout"]), float64(n.ByClass["error"]+n.ByClass["timeout"]), true)
	}
	add("all", "late sends", float64(old.Late), float64(cur.Late), true)
	add("all", "lost", float64(old.Lost), float64(cur.Lost), true)
	return c
}

// WriteTable prints the comparison as an aligned table with a verdict line.
func (c Comparison) WriteTable(w io.Writer, oldName, newName string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "message\tfigure\t%s\t%s\tchange\tverdict\t\n", oldName, newName)
	for _, ch := range c.Changes {
		delta := "~"
		if !math.IsInf(ch.Delta, 0) && ch.Delta != 0 {
			delta = fmt.Sprintf("%+.1f%%", ch.Delta*100)
		} else if math.IsInf(ch.Delta, 1) {
			delta = "new"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", ch.Message, ch.Figure, fmtNum(ch.Old), fmtNum(ch.New), delta, ch.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verdict := "no significant change"
	switch {
	case c.Worse > 0 && c.Better > 0:
		verdict = fmt.Sprintf("mixed: %d figures worse, %d better", c.Worse, c.Better)
	case c.Worse > 0:
		verdict = fmt.Sprintf("slower: %d figures worse", c.Worse)
	case c.Better > 0:
		verdict = fmt.Sprintf("faster: %d figures better", c.Better)
	}
	_, err := fmt.Fprintln(w, "verdict:", verdict)
	return err
}
