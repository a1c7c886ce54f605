package results

import (
	"fmt"
	"time"

	"github.com/carriersim/carriersim/metrics"
)

// SchemaVersion names the summary.json schema; it changes only when a field
// changes meaning or disappears (adding fields keeps it).
const SchemaVersion = "carriersim.summary/v1"

// Summary is summary.json. Latencies are in milliseconds, measured from each
// request's intended send time.
type Summary struct {
	Schema      string `json:"schema"`
	Scenario    string `json:"scenario"`
	Description string `json:"description,omitempty"`
	File        string `json:"file,omitempty"`
	Carrier     string `json:"carrier"` // "embedded" or "external gy=... gtpc=..."
	Seed        uint64 `json:"seed"`
	// Digest identifies the scenario's content (and its compression): the
	// shards of one run share it, and Merge refuses shards that differ.
	Digest string `json:"digest,omitempty"`
	// Shard is "I/N" when the run is one shard of several.
	Shard string `json:"shard,omitempty"`
	// Merged says which shards a merged result was made of (Merge).
	Merged      *MergeInfo `json:"merged,omitempty"`
	Started     time.Time  `json:"started"`
	Finished    time.Time  `json:"finished"`
	Seconds     float64    `json:"seconds"`
	Interrupted bool       `json:"interrupted"`
	// Aborted names the threshold that ended the run early, if any.
	Aborted  string                     `json:"aborted,omitempty"`
	Messages map[string]*MessageSummary `json:"messages"`
	// Codes counts answers by "MESSAGE:code" ("CCR-U:4012", "CCR-I:timeout").
	Codes map[string]uint64 `json:"codes"`
	// Blame counts refused and failed requests by who is responsible.
	Blame map[string]uint64 `json:"blame"`
	// Reasons counts refusals by rule (embedded carrier: from its records).
	Reasons map[string]uint64 `json:"reasons,omitempty"`
	// Late counts requests that could not be sent at their intended time.
	Late uint64 `json:"late"`
	// Lost counts requests never answered (timeouts after retransmission).
	Lost uint64 `json:"lost"`
	// Cards counts the embedded carrier's cards by state at the end.
	Cards map[string]int `json:"cards,omitempty"`
	// EventsDropped counts card events lost to a full buffer (should be 0).
	EventsDropped uint64         `json:"events_dropped"`
	Timeline      []Mark         `json:"timeline"`
	Thresholds    []Verdict      `json:"thresholds"`
	Pass          bool           `json:"pass"`
	Capacity      *CapacityKnee  `json:"capacity,omitempty"`
	Extra         map[string]any `json:"extra,omitempty"`
}

// MessageSummary is one message type's figures over the whole run.
type MessageSummary struct {
	Count   uint64            `json:"count"`
	Rate    float64           `json:"rate_per_second"`
	ByClass map[string]uint64 `json:"by_class"`
	P50     float64           `json:"p50_ms"`
	P90     float64           `json:"p90_ms"`
	P99     float64           `json:"p99_ms"`
	P999    float64           `json:"p999_ms"`
	Max     float64           `json:"max_ms"`
	Mean    float64           `json:"mean_ms"`
	Late    uint64            `json:"late"`
}

// Mark is a timeline event as it happened in the run.
type Mark struct {
	Name  string  `json:"name"`
	Kind  string  `json:"kind"`
	Start float64 `json:"start_s"`
	End   float64 `json:"end_s"` // == Start for instantaneous events
	Note  string  `json:"note,omitempty"`
}

// Verdict is a threshold's outcome.
type Verdict struct {
	Name     string  `json:"name"`
	Rule     string  `json:"rule"`
	Observed float64 `json:"observed"`
	Pass     bool    `json:"pass"`
	Line     int     `json:"line,omitempty"`
	Detail   string  `json:"detail,omitempty"`
	// Check is the rule as data, so that Merge can judge it again on the
	// merged figures of several shards.
	Check *Rule `json:"check,omitempty"`
}

// CapacityKnee is the outcome of a capacity search.
type CapacityKnee struct {
	Steps []CapacityStep `json:"steps"`
	// Knee is the highest offered rate that stayed within bounds.
	Knee float64 `json:"knee_per_second"`
	// Broke says which bound the next step broke ("p99", "errors", "max").
	Broke string `json:"broke"`
	// Message, P99Bound (ms) and ErrorBound are the search's bounds, kept
	// so that Merge can judge the merged steps again.
	Message    string  `json:"message,omitempty"`
	P99Bound   float64 `json:"p99_bound_ms,omitempty"`
	ErrorBound float64 `json:"error_bound,omitempty"`
}

// Judge fills the step's P99 (of h, the latencies of the search's
// message) and error ratio (of total answers, ok of them successes) and
// marks it OK when both are within the bounds (p99Bound in ms, 0: none);
// otherwise it returns why not. The runner judges each step with it, and
// Merge the merged steps, so the two agree.
func (st *CapacityStep) Judge(total, ok uint64, h *metrics.Hist, p99Bound, errorBound float64) (broke string) {
	st.P99 = ms(h.Quantile(0.99))
	st.Errors, st.OK = 0, false
	if total > 0 {
		st.Errors = 1 - float64(ok)/float64(total)
	}
	switch {
	case h.Count() == 0 || total == 0:
		return "no answers"
	case p99Bound > 0 && st.P99 > p99Bound:
		return fmt.Sprintf("p99 %.2fms > %gms at %.0f/s", st.P99, p99Bound, st.Offered)
	case st.Errors > errorBound:
		return fmt.Sprintf("errors %.2f%% > %.2f%% at %.0f/s", st.Errors*100, errorBound*100, st.Offered)
	}
	st.OK = true
	return ""
}

// CapacityStep is one rate tried by a capacity search.
type CapacityStep struct {
	// Offered is the sessions a second asked for; Achieved the answers a
	// second to the search's Message (the first of each session, so the
	// two compare), whatever their outcome.
	Offered  float64 `json:"offered_per_second"`
	Achieved float64 `json:"achieved_per_second"`
	P99      float64 `json:"p99_ms"`
	Errors   float64 `json:"error_ratio"`
	OK       bool    `json:"ok"`
}

// Result is everything a finished run hands to Write.
type Result struct {
	Summary   Summary
	Series    []metrics.Second
	Latencies map[string]*metrics.Hist
	// Tally and Events are the figures thresholds are judged on; Write
	// puts them, with Series, in figures.json (when Tally is set), which
	// is what Merge adds up.
	Tally  *metrics.Tally
	Events map[EventKey]uint64
	// Intervals, when set, are written to latency.hlog. A runner streams
	// that file while it runs (IntervalLog) and leaves Intervals nil.
	Intervals []Interval

	// eventSources are the shards' events.csv files a merged result
	// writes as one (nil for a run, whose events.csv is streamed).
	eventSources []eventSource
}

// FromRun fills the message figures of s from a metrics.Run (call Tick last).
func FromRun(s *Summary, run *metrics.Run, seconds float64) {
	tot := run.Totals()
	s.Messages = map[string]*MessageSummary{}
	s.Codes, s.Blame = tot.Codes, tot.Blame
	for name, h := range run.Latencies() {
		m := &MessageSummary{Count: uint64(h.Count()), ByClass: map[string]uint64{},
			P50: ms(h.Quantile(0.5)), P90: ms(h.Quantile(0.9)), P99: ms(h.Quantile(0.99)),
			P999: ms(h.Quantile(0.999)), Max: ms(h.Max()), Mean: ms(h.Mean()), Late: tot.Late[name]}
		if seconds > 0 {
			m.Rate = float64(m.Count) / seconds
		}
		s.Messages[name] = m
	}
	for _, sec := range run.Series() {
		for name, m := range sec.Msgs {
			if sm := s.Messages[name]; sm != nil {
				for c, n := range m.ByClass {
					sm.ByClass[c] += n
				}
			}
		}
	}
	for _, n := range tot.Late {
		s.Late += n
	}
	s.Lost = tot.Classes["timeout"]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
