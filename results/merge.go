package results

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/metrics"
)

// CapacityLabel is the label a capacity search's step puts on what it
// measures ("capacity-0", "capacity-1", …); Merge reads the steps of the
// merged tally by it.
func CapacityLabel(step int) string { return "capacity-" + strconv.Itoa(step) }

// MergeInfo says what a merged result was made of.
type MergeInfo struct {
	// Shards is N, the number of shards the run was cut into.
	Shards int `json:"shards"`
	// Merged lists the shard indexes merged, Missing those not found.
	Merged  []int `json:"merged"`
	Missing []int `json:"missing,omitempty"`
	// Dirs are the merged results folders, in shard order.
	Dirs []string `json:"dirs"`
	// Warnings say what makes the merged figures less than exact or
	// complete: missing shards, shards that did not start together.
	Warnings []string `json:"warnings,omitempty"`
}

// ErrMismatch is wrapped by Merge's error when the folders are not shards
// of one run: another scenario, seed or shard count, or a shard twice.
var ErrMismatch = errors.New("results are not shards of one run")

// shard is one results folder read for Merge.
type shard struct {
	dir          string
	sum          *Summary
	index, count int
	tally        *metrics.Tally
	events       map[EventKey]uint64
	series       []metrics.Second
	intervals    []Interval
	lat          map[string]*metrics.Hist
	shift        int     // whole seconds from the merged start
	offset       float64 // seconds from the merged start
}

// Merge combines the results folders of the shards of one run (carriersim
// run --shard I/N) into the result one process would have written, exactly:
// latency histograms are merged (HdrHistogram's V2 encodings in *.hdr,
// figures.json and latency.hlog; percentiles are never averaged), counts
// are summed, time series are aligned by wall-clock second, and every
// threshold is judged again on the merged figures from the rule its verdict
// carries (Verdict.Check), so no scenario file is needed. Events.csv rows
// are merged in time order. Write the result with Write.
//
// Merge refuses, with an error wrapping ErrMismatch that names the folder
// and the field, folders of different scenarios (name or digest), seeds,
// shard counts or carrier modes, a shard given twice, and merged results.
// Missing shards and shards that did not start at the same instant are
// warnings, in Summary.Merged.Warnings.
func Merge(dirs ...string) (*Result, error) {
	if len(dirs) == 0 {
		return nil, errors.New("results: merge: no results folders")
	}
	var shards []*shard
	for _, d := range dirs {
		sh, err := readShard(d)
		if err != nil {
			return nil, err
		}
		shards = append(shards, sh)
	}
	sort.SliceStable(shards, func(i, j int) bool { return shards[i].index < shards[j].index })
	if err := checkShards(shards); err != nil {
		return nil, err
	}
	ref := shards[0]
	info := &MergeInfo{Shards: ref.count}
	present := map[int]bool{}
	for _, sh := range shards {
		info.Merged = append(info.Merged, sh.index)
		info.Dirs = append(info.Dirs, sh.dir)
		present[sh.index] = true
	}
	for i := 0; i < ref.count; i++ {
		if !present[i] {
			info.Missing = append(info.Missing, i)
		}
	}
	if len(info.Missing) > 0 {
		info.Warnings = append(info.Warnings, fmt.Sprintf("shards missing: %s of %d: the merged figures cover only %d of %d slices of the population and load",
			joinInts(info.Missing), ref.count, len(shards), ref.count))
	}

	// Align by wall-clock second: time zero is the earliest start.
	origin, finished := ref.sum.Started, ref.sum.Finished
	for _, sh := range shards {
		if sh.sum.Started.Before(origin) {
			origin = sh.sum.Started
		}
		if sh.sum.Finished.After(finished) {
			finished = sh.sum.Finished
		}
	}
	var spread time.Duration
	for _, sh := range shards {
		off := sh.sum.Started.Sub(origin)
		sh.offset = off.Seconds()
		sh.shift = int(math.Round(off.Seconds()))
		spread = max(spread, off)
	}
	if spread > 50*time.Millisecond {
		info.Warnings = append(info.Warnings, fmt.Sprintf("shards started up to %s apart: their time series are aligned to whole seconds of the earliest start; give every shard the same --start-at",
			spread.Round(time.Millisecond)))
	}

	res := &Result{Tally: metrics.NewTally(), Events: map[EventKey]uint64{}, Latencies: map[string]*metrics.Hist{}}
	s := &res.Summary
	*s = Summary{Scenario: ref.sum.Scenario, Description: ref.sum.Description, File: ref.sum.File, Seed: ref.sum.Seed,
		Digest: ref.sum.Digest, Merged: info, Started: origin, Finished: finished, Seconds: finished.Sub(origin).Seconds(),
		Messages: map[string]*MessageSummary{}, Codes: map[string]uint64{}, Blame: map[string]uint64{}}
	var carriers, aborted []string
	for _, sh := range shards {
		res.Tally.Merge(sh.tally)
		for k, v := range sh.events {
			res.Events[k] += v
		}
		for m, h := range sh.lat {
			if res.Latencies[m] == nil {
				res.Latencies[m] = metrics.NewHist()
			}
			res.Latencies[m].Merge(h)
		}
		x := sh.sum
		carriers = appendNew(carriers, x.Carrier)
		if x.Aborted != "" {
			aborted = appendNew(aborted, x.Aborted)
		}
		s.Interrupted = s.Interrupted || x.Interrupted
		addCounts(s.Codes, x.Codes)
		addCounts(s.Blame, x.Blame)
		if len(x.Reasons) > 0 {
			if s.Reasons == nil {
				s.Reasons = map[string]uint64{}
			}
			addCounts(s.Reasons, x.Reasons)
		}
		if len(x.Cards) > 0 {
			if s.Cards == nil {
				s.Cards = map[string]int{}
			}
			for k, v := range x.Cards {
				s.Cards[k] += v
			}
		}
		s.Late += x.Late
		s.Lost += x.Lost
		s.EventsDropped += x.EventsDropped
		for m, ms := range x.Messages {
			d := s.Messages[m]
			if d == nil {
				d = &MessageSummary{ByClass: map[string]uint64{}}
				s.Messages[m] = d
			}
			d.Count += ms.Count
			d.Late += ms.Late
			addCounts(d.ByClass, ms.ByClass)
		}
		res.eventSources = append(res.eventSources, eventSource{path: filepath.Join(sh.dir, "events.csv"), offset: sh.offset})
	}
	s.Carrier = strings.Join(carriers, "; ")
	s.Aborted = strings.Join(aborted, "; ")
	for m, d := range s.Messages {
		h := res.Latencies[m]
		if h == nil {
			h = metrics.NewHist()
		}
		d.P50, d.P90, d.P99, d.P999 = ms(h.Quantile(0.5)), ms(h.Quantile(0.9)), ms(h.Quantile(0.99)), ms(h.Quantile(0.999))
		d.Max, d.Mean = ms(h.Max()), ms(h.Mean())
		if s.Seconds > 0 {
			d.Rate = float64(d.Count) / s.Seconds
		}
	}
	s.Timeline = mergeMarks(shards)
	res.Series, res.Intervals = mergeSeries(shards)

	figs := &Figures{Requests: res.Tally, Events: res.Events, Cards: s.Cards}
	s.Pass = !s.Interrupted && s.Aborted == ""
	for i, v := range ref.sum.Thresholds {
		if v.Check == nil {
			return nil, fmt.Errorf("results: merge: %s: summary.json: thresholds[%d].check: missing (written before merging was supported); rerun the shards: %w",
				ref.dir, i, ErrMismatch)
		}
		j := Judge(v.Name, v.Line, *v.Check, figs)
		s.Pass = s.Pass && j.Pass
		s.Thresholds = append(s.Thresholds, j)
	}
	if ref.sum.Capacity != nil {
		s.Capacity = mergeCapacity(shards, res.Tally)
	}
	return res, nil
}

// readShard reads one results folder.
func readShard(dir string) (*shard, error) {
	sum, err := ReadSummary(dir)
	if err != nil {
		return nil, err
	}
	sh := &shard{dir: dir, sum: sum, count: 1}
	if sum.Merged != nil {
		return nil, fmt.Errorf("results: merge: %s: summary.json: merged: already a merged result; merge the shards' own folders: %w", dir, ErrMismatch)
	}
	if sum.Shard != "" {
		a, b, ok := strings.Cut(sum.Shard, "/")
		i, err1 := strconv.Atoi(a)
		n, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return nil, fmt.Errorf("results: merge: %s: summary.json: shard: want I/N with 0 <= I < N, got %q", dir, sum.Shard)
		}
		sh.index, sh.count = i, n
	}
	fig := filepath.Join(dir, "figures.json")
	if _, err := os.Stat(fig); err != nil {
		return nil, fmt.Errorf("results: merge: %s: figures.json: missing (results of a carriersim without merge support); rerun the shard", dir)
	}
	if sh.tally, sh.events, sh.series, err = readFigures(fig); err != nil {
		return nil, err
	}
	if _, sh.intervals, err = ReadIntervals(filepath.Join(dir, "latency.hlog")); err != nil {
		return nil, err
	}
	sh.lat = map[string]*metrics.Hist{}
	for m := range sum.Messages {
		path := filepath.Join(dir, fileName(m)+".hdr")
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("results: merge: %s: the latency histogram of %s: %w", dir, m, err)
		}
		h, err := metrics.DecodeHist(b)
		if err != nil {
			return nil, fmt.Errorf("results: merge: %s: %w", path, err)
		}
		if uint64(h.Count()) != sum.Messages[m].Count {
			return nil, fmt.Errorf("results: merge: %s: holds %d samples, summary.json counts %d %s", path, h.Count(), sum.Messages[m].Count, m)
		}
		sh.lat[m] = h
	}
	return sh, nil
}

// checkShards refuses folders that are not shards of one run. shards are
// sorted by index.
func checkShards(shards []*shard) error {
	ref := shards[0]
	mode := func(c string) string { f, _, _ := strings.Cut(c, " "); return f }
	rules := func(s *Summary) string {
		var b strings.Builder
		for _, v := range s.Thresholds {
			b.WriteString(v.Name + "\x00")
			if v.Check != nil {
				b.WriteString(v.Check.String())
			}
			b.WriteString("\x00")
		}
		return b.String()
	}
	for k, sh := range shards {
		if k > 0 && sh.index == shards[k-1].index {
			return fmt.Errorf("results: merge: %s: summary.json: shard: %d/%d is also %s: %w", sh.dir, sh.index, sh.count, shards[k-1].dir, ErrMismatch)
		}
		if k == 0 {
			continue
		}
		for _, f := range []struct{ field, want, got string }{
			{"scenario", ref.sum.Scenario, sh.sum.Scenario},
			{"digest", ref.sum.Digest, sh.sum.Digest},
			{"seed", strconv.FormatUint(ref.sum.Seed, 10), strconv.FormatUint(sh.sum.Seed, 10)},
			{"shard count", strconv.Itoa(ref.count), strconv.Itoa(sh.count)},
			{"carrier", mode(ref.sum.Carrier), mode(sh.sum.Carrier)},
			{"thresholds", rules(ref.sum), rules(sh.sum)},
		} {
			if f.want != f.got {
				if f.field == "thresholds" {
					f.want, f.got = "the same rules", "others"
				}
				return fmt.Errorf("results: merge: %s: summary.json: %s: want %q (as %s), got %q: %w", sh.dir, f.field, f.want, ref.dir, f.got, ErrMismatch)
			}
		}
	}
	return nil
}

// mergeSeries sums the shards' seconds, aligned by wall-clock second, and
// recomputes each second's percentiles from the merged interval histograms.
func mergeSeries(shards []*shard) ([]metrics.Second, []Interval) {
	secs := map[int]*metrics.Second{}
	get := func(t int) *metrics.Second {
		if s := secs[t]; s != nil {
			return s
		}
		s := &metrics.Second{T: t, Msgs: map[string]*metrics.MsgSecond{}, Codes: map[string]uint64{},
			Blame: map[string]uint64{}, Classes: map[string]uint64{}}
		secs[t] = s
		return s
	}
	msg := func(s *metrics.Second, name string) *metrics.MsgSecond {
		if m := s.Msgs[name]; m != nil {
			return m
		}
		m := &metrics.MsgSecond{ByClass: map[string]uint64{}}
		s.Msgs[name] = m
		return m
	}
	type key struct {
		t   int
		msg string
	}
	parts := map[key][][]byte{}
	for _, sh := range shards {
		for _, x := range sh.series {
			d := get(x.T + sh.shift)
			for name, m := range x.Msgs {
				dm := msg(d, name)
				dm.Count += m.Count
				dm.Late += m.Late
				addCounts(dm.ByClass, m.ByClass)
			}
			addCounts(d.Codes, x.Codes)
			addCounts(d.Blame, x.Blame)
			addCounts(d.Classes, x.Classes)
		}
		for _, iv := range sh.intervals {
			k := key{iv.Second + sh.shift, iv.Message}
			parts[k] = append(parts[k], iv.Hist)
		}
	}
	keys := make([]key, 0, len(parts))
	for k := range parts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].t != keys[j].t {
			return keys[i].t < keys[j].t
		}
		return keys[i].msg < keys[j].msg
	})
	ivs := make([]Interval, 0, len(keys))
	acc := metrics.NewHist()
	for _, k := range keys {
		acc.Reset()
		for _, enc := range parts[k] {
			if h, err := metrics.DecodeHist(enc); err == nil {
				acc.Merge(h)
			}
		}
		m := msg(get(k.t), k.msg)
		m.P50, m.P90, m.P99, m.Max = ms(acc.Quantile(0.5)), ms(acc.Quantile(0.9)), ms(acc.Quantile(0.99)), ms(acc.Max())
		enc, err := acc.Encode()
		if err != nil {
			continue
		}
		ivs = append(ivs, Interval{Second: k.t, Message: k.msg, Max: acc.Max(), Hist: enc})
	}
	out := make([]metrics.Second, 0, len(secs))
	for _, s := range secs {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].T < out[j].T })
	return out, ivs
}

// mergeMarks lines up the shards' timelines: each event once, from its
// earliest start to its latest end; notes that differ are kept per shard.
func mergeMarks(shards []*shard) []Mark {
	type acc struct {
		m     Mark
		notes []string
		by    []string
	}
	var order []string
	marks := map[string]*acc{}
	for _, sh := range shards {
		seen := map[string]int{}
		for _, m := range sh.sum.Timeline {
			// The n-th mark of a name and kind in one shard lines up with
			// the n-th in the others.
			base := m.Name + "\x00" + m.Kind
			k := base + "\x00" + strconv.Itoa(seen[base])
			seen[base]++
			m.Start += sh.offset
			m.End += sh.offset
			a := marks[k]
			if a == nil {
				a = &acc{m: m}
				marks[k] = a
				order = append(order, k)
			}
			a.m.Start, a.m.End = math.Min(a.m.Start, m.Start), math.Max(a.m.End, m.End)
			a.notes = append(a.notes, m.Note)
			a.by = append(a.by, strconv.Itoa(sh.index))
		}
	}
	out := make([]Mark, 0, len(order))
	for _, k := range order {
		a := marks[k]
		same := true
		for _, n := range a.notes {
			same = same && n == a.notes[0]
		}
		if !same {
			var parts []string
			for i, n := range a.notes {
				parts = append(parts, "shard "+a.by[i]+": "+n)
			}
			a.m.Note = strings.Join(parts, "; ")
		}
		out = append(out, a.m)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// mergeCapacity judges the capacity search's steps again on the merged
// tally: a step is within bounds when the merged p99 and error ratio are,
// and every shard reached it.
func mergeCapacity(shards []*shard, t *metrics.Tally) *CapacityKnee {
	ref := shards[0].sum.Capacity
	k := &CapacityKnee{Message: ref.Message, P99Bound: ref.P99Bound, ErrorBound: ref.ErrorBound}
	steps := 0
	for _, sh := range shards {
		if c := sh.sum.Capacity; c != nil {
			steps = max(steps, len(c.Steps))
		}
	}
	for i := 0; i < steps; i++ {
		label := CapacityLabel(i)
		keep := func(l string) bool { return l == label }
		st := CapacityStep{}
		reached := 0
		for _, sh := range shards {
			if c := sh.sum.Capacity; c != nil && i < len(c.Steps) {
				st.Offered = c.Steps[i].Offered
				st.Achieved += c.Steps[i].Achieved
				reached++
			}
		}
		total := t.CountWhere(metrics.Filter{}, keep)
		okN := t.CountWhere(metrics.Filter{Class: "ok"}, keep)
		h := t.LatencyWhere(ref.Message, nil, keep)
		broke := st.Judge(total, okN, h, ref.P99Bound, ref.ErrorBound)
		switch {
		case reached < len(shards):
			st.OK = false
			k.Broke = fmt.Sprintf("only %d of %d shards reached %.0f/s", reached, len(shards), st.Offered)
		case broke != "":
			k.Broke = broke
		default:
			k.Knee = st.Offered
		}
		k.Steps = append(k.Steps, st)
		if !st.OK {
			return k
		}
	}
	k.Broke = "reached max"
	for _, sh := range shards {
		if c := sh.sum.Capacity; c != nil && c.Broke != "reached max" {
			k.Broke = fmt.Sprintf("shard %d stopped: %s", sh.index, c.Broke)
			break
		}
	}
	return k
}

func addCounts(dst, src map[string]uint64) {
	for k, v := range src {
		dst[k] += v
	}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
