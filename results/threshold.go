package results

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/metrics"
)

// Rule is a threshold as data: which figure, filtered how, compared how.
// The scenario runner judges its thresholds through Rules, and summary.json
// keeps each verdict's Rule (Verdict.Check), so that `carriersim results
// merge` judges the same rules again on the merged figures of several
// shards without reading the scenario file.
type Rule struct {
	// Metric is latency, count, ratio, late, events or cards.
	Metric string `json:"metric"`
	// Stat is the latency statistic: p50, p90, p99, p999, max or mean.
	Stat    string `json:"stat,omitempty"`
	Message string `json:"message,omitempty"`
	Class   string `json:"class,omitempty"`
	Code    uint32 `json:"code,omitempty"`
	Blame   string `json:"blame,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Region  string `json:"region,omitempty"`
	// Event is the card event an events rule counts (refused, stopped, …).
	Event string `json:"event,omitempty"`
	// During and Outside restrict the figure to the stretches where the
	// named timeline events (by name or kind) were, or were not, in force.
	During  []string `json:"during,omitempty"`
	Outside []string `json:"outside,omitempty"`
	Op      string   `json:"op"`
	// Value is a latency in milliseconds, a count, or a ratio as a fraction.
	Value float64 `json:"value"`
}

// String renders the rule, e.g. latency.p99{message=CCR-U,outside=outage} < 2ms
// or ratio{message=CCR-U,class=ok} >= 99.9%.
func (r *Rule) String() string {
	var b strings.Builder
	b.WriteString(r.Metric)
	if r.Stat != "" {
		b.WriteString("." + r.Stat)
	}
	var f []string
	for _, kv := range [][2]string{{"message", r.Message}, {"class", r.Class}, {"blame", r.Blame},
		{"reason", r.Reason}, {"region", r.Region}, {"event", r.Event}} {
		if kv[1] != "" {
			f = append(f, kv[0]+"="+kv[1])
		}
	}
	if r.Code != 0 {
		f = append(f, "code="+strconv.FormatUint(uint64(r.Code), 10))
	}
	if len(r.During) > 0 {
		f = append(f, "during="+strings.Join(r.During, "+"))
	}
	if len(r.Outside) > 0 {
		f = append(f, "outside="+strings.Join(r.Outside, "+"))
	}
	if len(f) > 0 {
		b.WriteString("{" + strings.Join(f, ",") + "}")
	}
	if r.Metric == "ratio" {
		// As written: "99.9%", not 0.9990000000000001.
		fmt.Fprintf(&b, " %s %s%%", r.Op, strconv.FormatFloat(r.Value*100, 'g', 6, 64))
	} else {
		fmt.Fprintf(&b, " %s %s", r.Op, strconv.FormatFloat(r.Value, 'f', -1, 64))
	}
	if r.Metric == "latency" {
		b.WriteString("ms")
	}
	return b.String()
}

// Holds reports whether observed satisfies the rule. NaN (nothing matched a
// latency or ratio rule) never does: no data fails rather than passing
// vacuously.
func (r *Rule) Holds(observed float64) bool {
	if math.IsNaN(observed) {
		return false
	}
	switch r.Op {
	case "<":
		return observed < r.Value
	case "<=":
		return observed <= r.Value
	case ">":
		return observed > r.Value
	case ">=":
		return observed >= r.Value
	case "==":
		return observed == r.Value
	case "!=":
		return observed != r.Value
	}
	return false
}

// Keep returns the filter of labels the rule's During and Outside lists
// accept. A label is the "+"-joined names and kinds of the timeline events
// in force ("" when none is).
func (r *Rule) Keep() func(label string) bool {
	during, outside := r.During, r.Outside
	return func(label string) bool {
		parts := map[string]bool{}
		for _, p := range strings.Split(label, "+") {
			if p != "" {
				parts[p] = true
			}
		}
		for _, d := range during {
			if !parts[d] {
				return false
			}
		}
		for _, o := range outside {
			if parts[o] {
				return false
			}
		}
		return true
	}
}

// Requests are the request figures rules are judged on: a *metrics.Run
// while a run goes on, a *metrics.Tally afterwards or merged.
type Requests interface {
	LatencyWhere(msg string, classes []metrics.Class, keep func(label string) bool) *metrics.Hist
	CountWhere(f metrics.Filter, keep func(label string) bool) uint64
	LateWhere(msg string, keep func(label string) bool) uint64
}

// EventKey identifies a count of the carrier's card events: under which
// label, of which kind, for which rule, blamed on whom, in which region.
type EventKey struct {
	Label, Kind, Reason, Blame, Region string
}

// Figures are what thresholds are judged on: the requests, the card events
// counted by EventKey, and the cards by state at the end (Summary.Cards).
// Fields may be nil when no rule needs them.
type Figures struct {
	Requests Requests
	Events   map[EventKey]uint64
	Cards    map[string]int
}

// Observe returns the rule's figure: a latency in milliseconds, a count or
// a ratio. It returns NaN when a latency or ratio rule matched nothing.
func (f *Figures) Observe(r *Rule) float64 {
	keep := r.Keep()
	switch r.Metric {
	case "latency":
		var classes []metrics.Class
		if r.Class != "" {
			c, err := metrics.ParseClass(r.Class)
			if err != nil {
				return math.NaN()
			}
			classes = []metrics.Class{c}
		}
		h := f.Requests.LatencyWhere(r.Message, classes, keep)
		if h.Count() == 0 {
			return math.NaN()
		}
		var d time.Duration
		switch r.Stat {
		case "p50":
			d = h.Quantile(0.5)
		case "p90":
			d = h.Quantile(0.9)
		case "p99":
			d = h.Quantile(0.99)
		case "p999":
			d = h.Quantile(0.999)
		case "max":
			d = h.Max()
		case "mean":
			d = h.Mean()
		default:
			return math.NaN()
		}
		return float64(d.Microseconds()) / 1000
	case "count":
		return float64(f.Requests.CountWhere(metrics.Filter{Message: r.Message, Class: r.Class, Code: r.Code, Blame: r.Blame}, keep))
	case "ratio":
		all := f.Requests.CountWhere(metrics.Filter{Message: r.Message}, keep)
		if all == 0 {
			return math.NaN()
		}
		return float64(f.Requests.CountWhere(metrics.Filter{Message: r.Message, Class: r.Class, Code: r.Code, Blame: r.Blame}, keep)) / float64(all)
	case "late":
		return float64(f.Requests.LateWhere(r.Message, keep))
	case "events":
		var n uint64
		for k, v := range f.Events {
			if k.Kind == r.Event && (r.Reason == "" || k.Reason == r.Reason) && (r.Blame == "" || k.Blame == r.Blame) &&
				(r.Region == "" || strings.EqualFold(k.Region, r.Region)) && keep(k.Label) {
				n += v
			}
		}
		return float64(n)
	case "cards":
		if r.Reason == "" || r.Reason == "active" {
			return float64(f.Cards["active"])
		}
		return float64(f.Cards[r.Reason])
	}
	return math.NaN()
}

// Judge observes the rule on f and returns its verdict under name (line
// is the threshold's line in the scenario file, 0 when unknown).
func Judge(name string, line int, r Rule, f *Figures) Verdict {
	v := f.Observe(&r)
	out := Verdict{Name: name, Rule: r.String(), Observed: v, Pass: r.Holds(v), Line: line, Check: &r}
	if math.IsNaN(v) {
		out.Observed = 0
		out.Detail = "no data: nothing matched the threshold's filters"
	}
	return out
}
