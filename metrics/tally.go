package metrics

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Tally is what a run measured, by label (the timeline events in force):
// latency histograms by message and class, answers by message, class, code
// and blame, and late sends by message. Thresholds are judged on it, and
// because every figure is a histogram or a count, the tallies of several
// processes add up exactly (Merge): shards of one run merge into the tally a
// single process would have measured.
//
// Messages are named, not numbered, so that tallies of different processes
// line up. A Tally is not safe for concurrent use; Run keeps one under its
// lock and hands out copies. The zero value is not usable: call NewTally.
type Tally struct {
	lat   map[latKey]*Hist
	count map[tallyCount]uint64
	late  map[lateKey]uint64
}

type latKey struct {
	label, msg string
	class      Class
}

type tallyCount struct {
	label, msg string
	class      Class
	code       uint32
	blame      string
}

type lateKey struct{ label, msg string }

// NewTally returns an empty tally.
func NewTally() *Tally {
	return &Tally{lat: map[latKey]*Hist{}, count: map[tallyCount]uint64{}, late: map[lateKey]uint64{}}
}

func (t *Tally) addLatency(k latKey, h *Hist) {
	if h == nil || h.Count() == 0 {
		return
	}
	if cur := t.lat[k]; cur != nil {
		cur.Merge(h)
		return
	}
	t.lat[k] = h.Clone()
}

// Merge adds o's figures to t. Histograms merge exactly; counts add.
func (t *Tally) Merge(o *Tally) {
	for k, h := range o.lat {
		t.addLatency(k, h)
	}
	for k, v := range o.count {
		t.count[k] += v
	}
	for k, v := range o.late {
		t.late[k] += v
	}
}

// Clone returns an independent copy.
func (t *Tally) Clone() *Tally {
	c := NewTally()
	c.Merge(t)
	return c
}

// LatencyWhere merges the histograms of message msg, of the given classes
// (nil: all), over the labels keep accepts.
func (t *Tally) LatencyWhere(msg string, classes []Class, keep func(label string) bool) *Hist {
	out := NewHist()
	for k, h := range t.lat {
		if k.msg == msg && (classes == nil || slicesContains(classes, k.class)) && keep(k.label) {
			out.Merge(h)
		}
	}
	return out
}

// CountWhere counts answers matching f over the labels keep accepts. A
// Code filter never matches a timeout (it has no code).
func (t *Tally) CountWhere(f Filter, keep func(label string) bool) uint64 {
	var n uint64
	for k, v := range t.count {
		if (f.Message == "" || k.msg == f.Message) && (f.Class == "" || k.class.String() == f.Class) &&
			(f.Code == 0 || (k.code == f.Code && k.class != ClassTimeout)) && (f.Blame == "" || k.blame == f.Blame) && keep(k.label) {
			n += v
		}
	}
	return n
}

// LateWhere counts late sends of msg ("" for all) over the labels kept.
func (t *Tally) LateWhere(msg string, keep func(label string) bool) uint64 {
	var n uint64
	for k, v := range t.late {
		if (msg == "" || k.msg == msg) && keep(k.label) {
			n += v
		}
	}
	return n
}

// Latencies returns, per message, the histogram of every answered or
// timed-out request (all classes and labels merged).
func (t *Tally) Latencies() map[string]*Hist {
	out := map[string]*Hist{}
	for k, h := range t.lat {
		if out[k.msg] == nil {
			out[k.msg] = NewHist()
		}
		out[k.msg].Merge(h)
	}
	return out
}

// Labels returns the labels the tally has figures for, sorted.
func (t *Tally) Labels() []string {
	set := map[string]bool{}
	for k := range t.lat {
		set[k.label] = true
	}
	for k := range t.count {
		set[k.label] = true
	}
	for k := range t.late {
		set[k.label] = true
	}
	out := make([]string, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// tallyJSON is a Tally on disk: rows sorted, so equal tallies encode alike.
type tallyJSON struct {
	Latency []latencyRow `json:"latency"`
	Counts  []countRow   `json:"counts"`
	Late    []lateRow    `json:"late"`
}

type latencyRow struct {
	Label   string `json:"label"`
	Message string `json:"message"`
	Class   string `json:"class"`
	// Hist is HdrHistogram's compressed V2 encoding (base64), as Encode
	// writes it.
	Hist string `json:"hist"`
}

type countRow struct {
	Label   string `json:"label"`
	Message string `json:"message"`
	Class   string `json:"class"`
	Code    uint32 `json:"code"`
	Blame   string `json:"blame,omitempty"`
	N       uint64 `json:"n"`
}

type lateRow struct {
	Label   string `json:"label"`
	Message string `json:"message"`
	N       uint64 `json:"n"`
}

// MarshalJSON writes the tally as three sorted lists of rows; histograms
// in HdrHistogram's compressed V2 encoding, which merges exactly.
func (t *Tally) MarshalJSON() ([]byte, error) {
	out := tallyJSON{Latency: []latencyRow{}, Counts: []countRow{}, Late: []lateRow{}}
	for k, h := range t.lat {
		enc, err := h.Encode()
		if err != nil {
			return nil, err
		}
		out.Latency = append(out.Latency, latencyRow{Label: k.label, Message: k.msg, Class: k.class.String(), Hist: string(enc)})
	}
	for k, v := range t.count {
		out.Counts = append(out.Counts, countRow{Label: k.label, Message: k.msg, Class: k.class.String(), Code: k.code, Blame: k.blame, N: v})
	}
	for k, v := range t.late {
		out.Late = append(out.Late, lateRow{Label: k.label, Message: k.msg, N: v})
	}
	sort.Slice(out.Latency, func(i, j int) bool {
		a, b := out.Latency[i], out.Latency[j]
		return a.Label+"\x00"+a.Message+"\x00"+a.Class < b.Label+"\x00"+b.Message+"\x00"+b.Class
	})
	sort.Slice(out.Counts, func(i, j int) bool {
		a, b := out.Counts[i], out.Counts[j]
		if ka, kb := a.Label+"\x00"+a.Message+"\x00"+a.Class, b.Label+"\x00"+b.Message+"\x00"+b.Class; ka != kb {
			return ka < kb
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Blame < b.Blame
	})
	sort.Slice(out.Late, func(i, j int) bool {
		a, b := out.Late[i], out.Late[j]
		return a.Label+"\x00"+a.Message < b.Label+"\x00"+b.Message
	})
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote, adding to t's figures.
func (t *Tally) UnmarshalJSON(b []byte) error {
	var in tallyJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if t.lat == nil {
		*t = *NewTally()
	}
	for i, r := range in.Latency {
		c, err := ParseClass(r.Class)
		if err != nil {
			return fmt.Errorf("metrics: tally latency[%d].class: %w", i, err)
		}
		h, err := DecodeHist([]byte(r.Hist))
		if err != nil {
			return fmt.Errorf("metrics: tally latency[%d].hist: %w", i, err)
		}
		t.addLatency(latKey{r.Label, r.Message, c}, h)
	}
	for i, r := range in.Counts {
		c, err := ParseClass(r.Class)
		if err != nil {
			return fmt.Errorf("metrics: tally counts[%d].class: %w", i, err)
		}
		t.count[tallyCount{r.Label, r.Message, c, r.Code, r.Blame}] += r.N
	}
	for _, r := range in.Late {
		t.late[lateKey{r.Label, r.Message}] += r.N
	}
	return nil
}

// ParseClass reads a class name: "ok", "refused", "error" or "timeout".
func ParseClass(s string) (Class, error) {
	for c := Class(0); c < numClasses; c++ {
		if classNames[c] == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("want ok, refused, error or timeout, got %q", s)
}
