package metrics

import (
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/sim/netyield"
)

// Class is how a request ended, from the load generator's side.
type Class uint8

// Classes.
const (
	ClassOK      Class = iota // answered with success
	ClassRefused              // answered with a refusal (result code or cause)
	ClassError                // answered with a protocol or server error (3xxx, 5xxx other than refusals)
	ClassTimeout              // not answered in time (after retransmissions)
	numClasses
)

var classNames = [numClasses]string{"ok", "refused", "error", "timeout"}

// String returns "ok", "refused", "error" or "timeout".
func (c Class) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// MsgID is a message type registered with Run.Message.
type MsgID uint8

// MaxMessages is how many message types a Run can hold.
const MaxMessages = 32

// Sample is one finished request as a load generator observed it.
type Sample struct {
	Msg   MsgID
	Class Class
	// Code is the result code (Diameter) or cause (GTP); 0 on timeout.
	Code uint32
	// Blame is who is responsible for a refusal or failure: "card",
	// "network", "device" or "" when it succeeded.
	Blame string
	// Latency is measured from the intended send time, not the actual one,
	// so a generator that falls behind shows it (coordinated omission).
	Latency time.Duration
}

// Run collects what a load run measures: latency histograms per message and
// class (overall and per second), answers by code and by blame, requests
// sent late and lost. Load generators call Observe from their workers; the
// runner calls Tick once a second and Summary at the end.
//
// A Run is safe for concurrent use. Each worker index has its own shard, so
// workers do not contend.
type Run struct {
	start  time.Time
	names  []string
	nameMu sync.Mutex
	shards []runShard
	tickMu sync.Mutex
	// spare holds each shard's other shardData, empty, between ticks;
	// tickLat and tickAll are the tick's scratch histograms. All are kept
	// from tick to tick: a histogram is 170 KB to allocate and clear.
	spare   []*shardData
	tickLat [MaxMessages][numClasses]*Hist
	tickAll *Hist
	// blames interns Sample.Blame; (*blames)[0] is "". Read without a
	// lock; replaced whole, under nameMu, when a blame is added.
	blames  atomic.Pointer[[]string]
	series  []Second
	lastSec int
	label   string
	// spans records when each label came into force; Observe attributes a
	// sample to the label in force at its intended send time, so a request
	// sent during an outage and timing out after it counts as during.
	spans atomic.Pointer[[]labelSpan]
	// tally keeps the totals per label (the set of timeline events in
	// force), so thresholds can be judged "during an outage" or "outside
	// maintenance" exactly, from merged histograms rather than per-second
	// percentiles.
	tally *Tally
	// onInterval, if set, receives each closed interval's histogram per
	// message (see OnInterval).
	onInterval func(sec int, msg string, h *Hist)
}

type labelSpan struct {
	from  time.Time
	label string
}

type labelTotals struct {
	lat    [MaxMessages][numClasses]*Hist
	counts map[countKey]uint64
	late   [MaxMessages]uint64
}

// shardData is what one shard collected since the last tick. Each shard has
// two: workers fill one while the tick drains the other, so that a tick
// holds a shard's lock only to swap them.
type shardData struct {
	lat    [MaxMessages][numClasses]*Hist
	counts map[countKey]uint64
	late   [MaxMessages]uint64
	// byLabel collects the same samples by label. Entries are kept across
	// ticks (emptied, not dropped) so that their histograms are reused.
	byLabel map[string]*labelTotals
	// lastLabel and lastLT are the entry of the label seen last: labels
	// change rarely, and this spares a string hash per sample.
	lastLabel string
	lastLT    *labelTotals
}

func newShardData() *shardData {
	return &shardData{counts: map[countKey]uint64{}, byLabel: map[string]*labelTotals{}}
}

// labelTotals returns the entry of label lbl.
func (d *shardData) labelTotals(lbl string) *labelTotals {
	if d.lastLT != nil && d.lastLabel == lbl {
		return d.lastLT
	}
	lt := d.byLabel[lbl]
	if lt == nil {
		lt = &labelTotals{counts: map[countKey]uint64{}}
		d.byLabel[lbl] = lt
	}
	d.lastLabel, d.lastLT = lbl, lt
	return lt
}

type runShard struct {
	mu  sync.Mutex
	cur *shardData
	_   [48]byte
}

// countKey keys the answer counts. Blame is interned (see Run.blameID): a
// key without a string hashes in a few nanoseconds.
type countKey struct {
	msg   MsgID
	class Class
	blame uint16
	code  uint32
}

// NewRun returns a Run starting at start with workers shards.
func NewRun(start time.Time, workers int) *Run {
	r := &Run{start: start, shards: make([]runShard, max(workers, 1)), lastSec: -1, tally: NewTally()}
	r.blames.Store(&[]string{""})
	r.spare = make([]*shardData, len(r.shards))
	for i := range r.shards {
		r.shards[i].cur = newShardData()
		r.spare[i] = newShardData()
	}
	r.spans.Store(&[]labelSpan{{label: ""}})
	return r
}

// Start returns the run's start time.
func (r *Run) Start() time.Time { return r.start }

// Message registers (or finds) a message type by name, e.g. "CCR-U".
// Register at set-up, not per request.
func (r *Run) Message(name string) MsgID {
	r.nameMu.Lock()
	defer r.nameMu.Unlock()
	for i, n := range r.names {
		if n == name {
			return MsgID(i)
		}
	}
	if len(r.names) >= MaxMessages {
		panic("metrics: too many message types")
	}
	r.names = append(r.names, name)
	return MsgID(len(r.names) - 1)
}

// Name returns a registered message type's name.
func (r *Run) Name(m MsgID) string {
	r.nameMu.Lock()
	defer r.nameMu.Unlock()
	if int(m) < len(r.names) {
		return r.names[m]
	}
	return ""
}

// Observe records a finished request from worker w.
func (r *Run) Observe(w int, s Sample) {
	blame := r.blameID(s.Blame)
	lbl := r.labelAt(time.Now().Add(-s.Latency))
	sh := &r.shards[uint(w)%uint(len(r.shards))]
	sh.mu.Lock()
	d := sh.cur
	h := d.lat[s.Msg][s.Class]
	if h == nil {
		h = NewHist()
		d.lat[s.Msg][s.Class] = h
	}
	h.Record(s.Latency) // for a timeout: the time waited before giving up
	key := countKey{msg: s.Msg, class: s.Class, blame: blame, code: s.Code}
	d.counts[key]++
	lt := d.labelTotals(lbl)
	if lt.lat[s.Msg][s.Class] == nil {
		lt.lat[s.Msg][s.Class] = NewHist()
	}
	lt.lat[s.Msg][s.Class].Record(s.Latency)
	lt.counts[key]++
	sh.mu.Unlock()
}

// blameID returns the interned id of blame.
func (r *Run) blameID(blame string) uint16 {
	if blame == "" {
		return 0
	}
	if id, ok := indexOf(*r.blames.Load(), blame); ok {
		return id
	}
	r.nameMu.Lock()
	defer r.nameMu.Unlock()
	list := *r.blames.Load()
	if id, ok := indexOf(list, blame); ok {
		return id
	}
	if len(list) == maxBlames {
		// Blames are a few fixed words; should a generator invent more,
		// the rest count under the last one rather than fail a run.
		return maxBlames - 1
	}
	list = append(list[:len(list):len(list)], blame)
	r.blames.Store(&list)
	return uint16(len(list) - 1)
}

func indexOf(list []string, s string) (uint16, bool) {
	for i, b := range list {
		if b == s {
			return uint16(i), true
		}
	}
	return 0, false
}

// maxBlames is how many distinct blames a Run tells apart.
const maxBlames = 1 << 16

// blameName returns the blame interned as id.
func (r *Run) blameName(id uint16) string {
	if list := *r.blames.Load(); int(id) < len(list) {
		return list[id]
	}
	return ""
}

// Late records that worker w could not send a request of msg at its intended
// time (the generator is saturated). The request is still sent, late, and
// its latency counts from the intended time.
func (r *Run) Late(w int, msg MsgID) {
	lbl := r.labelAt(time.Now())
	sh := &r.shards[uint(w)%uint(len(r.shards))]
	sh.mu.Lock()
	d := sh.cur
	d.late[msg]++
	d.labelTotals(lbl).late[msg]++
	sh.mu.Unlock()
}

// MsgSecond is one message type's figures for one second.
type MsgSecond struct {
	Count   uint64            `json:"count"`
	ByClass map[string]uint64 `json:"by_class"`
	P50     float64           `json:"p50_ms"`
	P90     float64           `json:"p90_ms"`
	P99     float64           `json:"p99_ms"`
	Max     float64           `json:"max_ms"`
	Late    uint64            `json:"late"`
}

// Second is the run's figures for one second of elapsed time.
type Second struct {
	T       int                   `json:"t"` // seconds since the start
	Msgs    map[string]*MsgSecond `json:"messages"`
	Codes   map[string]uint64     `json:"codes"`   // "CCR-U:2001" -> count
	Blame   map[string]uint64     `json:"blame"`   // "network" -> count
	Classes map[string]uint64     `json:"classes"` // "timeout" -> count
}

// SetLabel closes the interval ending now (as Tick) and attributes what is
// observed from now on to label, until the next SetLabel. A runner labels
// each stretch of a run with the timeline events in force.
func (r *Run) SetLabel(now time.Time, label string) {
	r.tickMu.Lock()
	defer r.tickMu.Unlock()
	r.tickLocked(now)
	r.label = label
	list := append(append([]labelSpan{}, *r.spans.Load()...), labelSpan{from: now, label: label})
	r.spans.Store(&list)
}

// labelAt returns the label in force at t.
func (r *Run) labelAt(t time.Time) string {
	list := *r.spans.Load()
	for i := len(list) - 1; i > 0; i-- {
		if !t.Before(list[i].from) {
			return list[i].label
		}
	}
	return list[0].label
}

// Tick closes the interval ending now and appends it to the time series as
// the second it falls in. Call it about once a second; intervals that fall
// in the same second merge.
func (r *Run) Tick(now time.Time) {
	r.tickMu.Lock()
	defer r.tickMu.Unlock()
	r.tickLocked(now)
}

func (r *Run) tickLocked(now time.Time) {
	sec := int(now.Sub(r.start) / time.Second)
	if sec < 0 {
		sec = 0
	}
	// A tick runs on the load's own CPUs: it yields between histogram
	// operations (each up to ~0.1 ms) so that the load's goroutines, parked
	// on their sockets, are not held up behind it. Done in one piece it
	// stalled bench gy's client 5-8 ms (GOMAXPROCS 1).
	ev := netyield.NewEvery(tickYieldEvery)
	defer ev.Close()
	lat := &r.tickLat
	counts := map[countKey]uint64{}
	var late [MaxMessages]uint64
	for i := range r.shards {
		sh := &r.shards[i]
		d := r.spare[i]
		sh.mu.Lock()
		sh.cur, d = d, sh.cur
		sh.mu.Unlock()
		for m := range d.lat {
			for c, h := range d.lat[m] {
				if h == nil || h.Count() == 0 {
					continue
				}
				if lat[m][c] == nil {
					lat[m][c] = NewHist()
				}
				lat[m][c].Merge(h)
				h.Reset()
				ev.Maybe()
			}
			late[m] += d.late[m]
			d.late[m] = 0
		}
		for k, v := range d.counts {
			counts[k] += v
		}
		clear(d.counts)
		for label, lt := range d.byLabel {
			for k, v := range lt.counts {
				r.tally.count[tallyCount{label, r.Name(k.msg), k.class, k.code, r.blameName(k.blame)}] += v
			}
			clear(lt.counts)
			for m := range lt.lat {
				if lt.late[m] > 0 {
					r.tally.late[lateKey{label, r.Name(MsgID(m))}] += lt.late[m]
					lt.late[m] = 0
				}
				for c, h := range lt.lat[m] {
					if h != nil && h.Count() > 0 {
						r.tally.addLatency(latKey{label, r.Name(MsgID(m)), Class(c)}, h)
						h.Reset()
						ev.Maybe()
					}
				}
			}
		}
		r.spare[i] = d
	}
	var s *Second
	if n := len(r.series); n > 0 && r.series[n-1].T == sec {
		s = &r.series[n-1]
	} else {
		r.series = append(r.series, Second{T: sec, Msgs: map[string]*MsgSecond{}, Codes: map[string]uint64{},
			Blame: map[string]uint64{}, Classes: map[string]uint64{}})
		s = &r.series[len(r.series)-1]
	}
	if r.tickAll == nil {
		r.tickAll = NewHist()
	}
	for m := range lat {
		all := r.tickAll
		any := false
		for _, h := range lat[m] {
			if h == nil || h.Count() == 0 {
				continue
			}
			any = true
			all.Merge(h)
			h.Reset()
			ev.Maybe()
		}
		if !any && late[m] == 0 {
			continue
		}
		name := r.Name(MsgID(m))
		ms := s.Msgs[name]
		if ms == nil {
			ms = &MsgSecond{ByClass: map[string]uint64{}}
			s.Msgs[name] = ms
		}
		ms.Late += late[m]
		if any && r.onInterval != nil {
			r.onInterval(sec, name, all)
		}
		if any {
			// Percentiles of the merged second (approximate when two ticks
			// fall in one second: the later tick's figures win).
			ms.Count += uint64(all.Count())
			ms.P50 = ms2(all.Quantile(0.5))
			ms.P90 = ms2(all.Quantile(0.9))
			ms.P99 = ms2(all.Quantile(0.99))
			ms.Max = ms2(all.Max())
			all.Reset()
			ev.Maybe()
		}
	}
	for k, v := range counts {
		name := r.Name(k.msg)
		s.Msgs[name].ByClass[k.class.String()] += v
		code := "timeout"
		if k.class != ClassTimeout {
			code = strconv.FormatUint(uint64(k.code), 10)
		}
		s.Codes[name+":"+code] += v
		if b := r.blameName(k.blame); b != "" {
			s.Blame[b] += v
		}
		s.Classes[k.class.String()] += v
	}
}

// tickYieldEvery is how long a tick works between yields.
const tickYieldEvery = 100 * time.Microsecond

func ms2(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Series returns the time series so far (shared; do not modify).
func (r *Run) Series() []Second {
	r.tickMu.Lock()
	defer r.tickMu.Unlock()
	return append([]Second(nil), r.series...)
}

// AllLabels keeps every label.
func AllLabels(string) bool { return true }

// Latencies returns, per message type, the histogram of every answered or
// timed-out request so far (all classes merged), as of the last Tick.
func (r *Run) Latencies() map[string]*Hist {
	out := map[string]*Hist{}
	for m := 0; m < MaxMessages; m++ {
		name := r.Name(MsgID(m))
		if name == "" {
			continue
		}
		if h := r.LatencyWhere(name, nil, AllLabels); h.Count() > 0 {
			out[name] = h
		}
	}
	return out
}

// LatencyWhere merges the histograms of message msg, of the given classes
// (nil: all), over the labels keep accepts.
func (r *Run) LatencyWhere(msg string, classes []Class, keep func(label string) bool) *Hist {
	r.tickMu.Lock()
	defer r.tickMu.Unlock()
	return r.tally.LatencyWhere(msg, classes, keep)
}

func slicesContains(cs []Class, c Class) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// Filter selects answers for CountWhere; empty fields match anything.
type Filter struct {
	Message string
	Class   string
	Code    uint32
	Blame   string
}

// CountWhere counts answers matching f over the labels keep accepts.
func (r *Run) CountWhere(f Filter, keep func(label string) bool) uint64 {
	r.tickMu.Lock()
	defer r.tickMu.Unlock()
	return r.tally.CountWhere(f, keep)
}

// LateWhere counts late sends of msg ("" for all) over the labels kept.
func (r *Run) LateWhere(msg string, keep func(label string) bool) uint64 {
	r.tickMu.Lock()
	defer r.tickMu.Unlock()
	return r.tally.LateWhere(msg, keep)
}

// Tally returns a copy of the totals by label so far, as of the last Tick:
// what thresholds are judged on, in a form that merges across processes.
func (r *Run) Tally() *Tally {
	r.tickMu.Lock()
	defer r.tickMu.Unlock()
	return r.tally.Clone()
}

// OnInterval has fn called, from Tick and SetLabel, with each message's
// latency histogram of the interval just closed and the second of the
// series it is counted in (several intervals may fall in one second; their
// histograms add up). It is how a runner streams the per-second histograms
// to a log instead of keeping them. fn must not call into the Run and must
// not keep h. Set it before the first Tick.
func (r *Run) OnInterval(fn func(sec int, msg string, h *Hist)) {
	r.tickMu.Lock()
	r.onInterval = fn
	r.tickMu.Unlock()
}

// LatenciesByClass returns the histogram of one message type and class.
func (r *Run) LatenciesByClass(msg string, c Class) *Hist {
	return r.LatencyWhere(msg, []Class{c}, AllLabels)
}

// Totals sums the time series: counts by "MSG:code", by blame, by class,
// and late requests by message.
type Totals struct {
	Codes    map[string]uint64 `json:"codes"`
	Blame    map[string]uint64 `json:"blame"`
	Classes  map[string]uint64 `json:"classes"`
	Messages map[string]uint64 `json:"messages"`
	Late     map[string]uint64 `json:"late"`
}

// Totals returns the sums over the whole series (call Tick first).
func (r *Run) Totals() Totals {
	t := Totals{Codes: map[string]uint64{}, Blame: map[string]uint64{}, Classes: map[string]uint64{},
		Messages: map[string]uint64{}, Late: map[string]uint64{}}
	for _, s := range r.Series() {
		for k, v := range s.Codes {
			t.Codes[k] += v
		}
		for k, v := range s.Blame {
			t.Blame[k] += v
		}
		for k, v := range s.Classes {
			t.Classes[k] += v
		}
		for k, m := range s.Msgs {
			t.Messages[k] += m.Count
			if m.Late > 0 {
				t.Late[k] += m.Late
			}
		}
	}
	return t
}

// SortedKeys returns a map's keys in order, for stable output.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Gauge is a value that goes up and down (sessions open, in flight).
type Gauge struct{ v atomic.Int64 }

// Add adds d (negative to subtract).
func (g *Gauge) Add(d int64) { g.v.Add(d) }

// Load returns the value.
func (g *Gauge) Load() int64 { return g.v.Load() }

// SetStart moves the run's start (time zero of the series). Call it before
// the first Tick, when set-up took longer than planned.
func (r *Run) SetStart(t time.Time) {
	r.tickMu.Lock()
	r.start = t
	r.tickMu.Unlock()
}
