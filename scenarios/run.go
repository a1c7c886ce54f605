package scenarios

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/results"
	"github.com/carriersim/carriersim/sim"
)

// Driver is a running protocol load generator: diameter.Load and gtp.Load
// satisfy it. The runner hands it phases and path impairments.
type Driver interface {
	Run(p sim.Phase)
	Impair(delay time.Duration, loss float64)
	Drain(ctx context.Context) error
	Close() error
}

// DriverStats is what the progress display shows of a driver.
type DriverStats struct {
	Open, InFlight, Sent, Answered, Late, Timeouts uint64
}

// Stack is a started carrier and its load generators. Backends builds it,
// so that this package's runner logic does not depend on how the protocol
// packages are started.
type Stack struct {
	Drivers map[Interface]Driver
	// Stats returns a driver's live figures for the progress display.
	Stats func(Interface) DriverStats
	// Addrs names what the load drives, for the summary ("gy=127.0.0.1:40001").
	Addrs string
	// Close stops the embedded carrier (after the drivers are drained).
	Close func() error
}

// StackConfig is what Backends gets to start a stack.
type StackConfig struct {
	Scenario *Scenario
	Carrier  *sim.Carrier // embedded carrier, or the model of an external one's cards
	Devices  *sim.Devices
	Run      *metrics.Run
	// Interfaces lists the interfaces the scenario drives.
	Interfaces []Interface
}

// Backends starts the carrier side (when embedded) and the load generators.
// The default, set by package wiring in cmd (see scenarios/wiring), starts
// our OCS and PGW on loopback; tests may start the same real parts.
type Backends func(ctx context.Context, cfg StackConfig) (*Stack, error)

// Options tune a run.
type Options struct {
	// OutDir is the results folder; empty means results/<name>-<UTC time>.
	OutDir string
	// ResultsBase is the parent of the default folder (default "results").
	ResultsBase string
	// Backends starts the carrier and drivers (required).
	Backends Backends
	// Lead is the pause between set-up and the first intended send
	// (default 300ms), so that the first second is not spent connecting.
	Lead time.Duration
	// Shard, when N > 1, runs the I-th of N disjoint slices of the load.
	ShardIndex, ShardCount int
	// StartAt, when set, is the agreed wall-clock start of the timeline.
	StartAt time.Time
}

// Progress is a cheap snapshot of a running scenario for displays.
type Progress struct {
	Elapsed, Duration time.Duration
	// Active lists the timeline events in force.
	Active []string
	// Next is the next timeline event and when it starts.
	Next   string
	NextAt time.Duration
	// PerInterface figures of the drivers.
	Drivers map[Interface]DriverStats
	// Last is the last complete second of the time series.
	Last metrics.Second
	Done bool
}

// Runner runs one scenario. Create it with NewRunner, call Run once; Progress
// may be called from another goroutine at any time.
type Runner struct {
	sc   *Scenario
	opts Options

	mu       sync.Mutex
	progress Progress
	stack    *Stack
	started  time.Time

	eventCounts map[eventKey]uint64
	reasons     map[string]uint64
	active      map[string]bool
	label       atomic.Value // string
	abortedBy   string
}

type eventKey struct {
	label, kind, reason, blame, region string
}

// NewRunner prepares a run of sc.
func NewRunner(sc *Scenario, opts Options) *Runner {
	if opts.Lead == 0 {
		opts.Lead = 300 * time.Millisecond
	}
	if opts.ResultsBase == "" {
		opts.ResultsBase = "results"
	}
	r := &Runner{sc: sc, opts: opts, eventCounts: map[eventKey]uint64{}, reasons: map[string]uint64{}, active: map[string]bool{}}
	r.label.Store("")
	r.progress.Duration = sc.Duration
	return r
}

// Progress returns a snapshot of the run.
func (r *Runner) Progress() Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.progress
	if !r.started.IsZero() && !p.Done {
		p.Elapsed = min(time.Since(r.started), r.sc.Duration)
	}
	if r.stack != nil && r.stack.Stats != nil {
		p.Drivers = map[Interface]DriverStats{}
		for i := range r.stack.Drivers {
			p.Drivers[i] = r.stack.Stats(i)
		}
	}
	return p
}

// ErrThresholds is wrapped by Run's error when the run finished but a
// threshold failed; the result is complete.
var ErrThresholds = errors.New("thresholds failed")

// Run carries out the scenario and writes its results. ctx cancellation
// (Ctrl-C) stops the load, drains it and still writes complete results,
// marked interrupted. It returns the result folder and the result; the error
// wraps ErrThresholds when a threshold failed.
func (r *Runner) Run(ctx context.Context) (string, *results.Result, error) {
	sc := r.sc
	if r.opts.Backends == nil {
		return "", nil, errors.New("scenarios: no backends to start the carrier and load generators")
	}
	clock := sim.NewClock(sc.ClockStart, sc.ClockSpeed)
	cfg := sc.Sim
	cfg.Clock = clock
	carrier, err := sim.New(cfg)
	if err != nil {
		return "", nil, fmt.Errorf("scenarios: %s: %w", sc.Path, err)
	}
	devices := sim.NewDevices(carrier)
	// Resolve every cohort before anything starts, so a bad one fails fast.
	phases := make([]sim.Phase, len(sc.Phases))
	ifaces := map[Interface]bool{}
	for i := range sc.Phases {
		p := &sc.Phases[i]
		co, err := r.cohort(carrier, p.Cohort)
		if err != nil {
			return "", nil, fmt.Errorf("scenarios: %s:%d: load[%d].cohort: %w", sc.Path, p.Line, i, err)
		}
		rate, ramp := p.Rate, p.RampTo
		if r.opts.ShardCount > 1 {
			rate /= sim.Rate(r.opts.ShardCount)
			ramp /= sim.Rate(r.opts.ShardCount)
		}
		phases[i] = sim.Phase{Name: p.Name, Duration: p.Duration, Rate: rate, RampTo: ramp, Cohort: co,
			Updates: p.Updates, Interval: p.Interval, Usage: p.Usage, Request: uint64(p.Request)}
		ifaces[p.Interface] = true
	}
	cohorts := make([]*sim.CohortSet, len(sc.Events))
	for i := range sc.Events {
		e := &sc.Events[i]
		switch e.Kind {
		case EventStorm, EventRoam, EventStop, EventResume, EventRecharge, EventSwap:
			co, err := r.cohort(carrier, e.Cohort)
			if err != nil {
				return "", nil, fmt.Errorf("scenarios: %s:%d: events[%d].cohort: %w", sc.Path, e.Line, i, err)
			}
			cohorts[i] = co
		}
		if e.Kind == EventRoam {
			if _, err := carrier.RegionID(e.To); err != nil {
				return "", nil, fmt.Errorf("scenarios: %s:%d: events[%d].to: %w", sc.Path, e.Line, i, err)
			}
		}
		if e.Kind == EventLatency || e.Kind == EventLoss {
			ifaces[e.Path] = true
		}
	}
	var capCohort *sim.CohortSet
	if sc.Capacity != nil {
		ifaces[sc.Capacity.Interface] = true
		if capCohort, err = r.cohort(carrier, sim.Cohort{}); err != nil {
			return "", nil, fmt.Errorf("scenarios: %s: capacity: %w", sc.Path, err)
		}
	}
	var list []Interface
	for i := range ifaces {
		list = append(list, i)
	}
	sort.Slice(list, func(a, b int) bool { return list[a] < list[b] })

	run := metrics.NewRun(time.Now(), 64)
	stack, err := r.opts.Backends(ctx, StackConfig{Scenario: sc, Carrier: carrier, Devices: devices, Run: run, Interfaces: list})
	if err != nil {
		return "", nil, fmt.Errorf("scenarios: starting %s: %w", sc.Name, err)
	}
	r.mu.Lock()
	r.stack = stack
	r.mu.Unlock()

	start := time.Now().Add(r.opts.Lead)
	if !r.opts.StartAt.IsZero() {
		start = r.opts.StartAt
	}
	dir := r.opts.OutDir
	if dir == "" {
		dir = results.Dir(r.opts.ResultsBase, sc.Name, start)
	}
	if err := mkdir(dir); err != nil {
		stack.Close()
		return "", nil, err
	}
	ew, err := results.CreateEvents(dir)
	if err != nil {
		stack.Close()
		return "", nil, err
	}
	var sub *sim.Subscription
	var evWG sync.WaitGroup
	if !sc.Carrier.External {
		sub = carrier.Subscribe(1 << 18)
		evWG.Add(1)
		go func() {
			defer evWG.Done()
			r.consumeEvents(carrier, sub, ew, start)
		}()
	}
	run.SetStart(start)
	r.mu.Lock()
	r.started = start
	r.mu.Unlock()
	time.Sleep(time.Until(start))

	for i := range phases {
		phases[i].Start = start.Add(sc.Phases[i].Start)
		stack.Drivers[sc.Phases[i].Interface].Run(phases[i])
	}
	var marks []results.Mark
	var marksMu sync.Mutex
	mark := func(m results.Mark) {
		marksMu.Lock()
		marks = append(marks, m)
		marksMu.Unlock()
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var tlWG sync.WaitGroup
	tlWG.Add(1)
	go func() {
		defer tlWG.Done()
		r.timeline(runCtx, start, run, carrier, devices, stack, cohorts, mark)
	}()
	var knee *results.CapacityKnee
	if sc.Capacity != nil {
		tlWG.Add(1)
		go func() {
			defer tlWG.Done()
			knee = r.capacity(runCtx, run, stack, capCohort, cancel)
		}()
	}
	end := start.Add(sc.Duration)
	tick := time.NewTicker(time.Second)
	interrupted := false
loop:
	for {
		select {
		case <-ctx.Done():
			interrupted = true
			break loop
		case now := <-tick.C:
			run.Tick(now)
			if name := r.checkAborts(run, carrier); name != "" {
				r.abortedBy = name
				break loop
			}
			r.publishProgress(run, start)
			if !now.Before(end) {
				break loop
			}
		case <-time.After(time.Until(end)):
			break loop
		}
	}
	tick.Stop()
	cancel()
	tlWG.Wait()
	drainCtx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	for _, d := range stack.Drivers {
		_ = d.Drain(drainCtx)
	}
	dcancel()
	finished := time.Now()
	run.Tick(finished)
	for _, d := range stack.Drivers {
		_ = d.Close()
	}
	closeErr := stack.Close()
	if sub != nil {
		sub.Close()
		evWG.Wait()
	}
	if err := ew.Close(); err != nil {
		return dir, nil, err
	}

	res := r.result(run, carrier, start, finished, interrupted, stack.Addrs, marks, sub)
	res.Summary.Capacity = knee
	if err := results.Write(dir, res); err != nil {
		return dir, res, err
	}
	r.mu.Lock()
	r.progress.Done = true
	r.mu.Unlock()
	if closeErr != nil {
		return dir, res, fmt.Errorf("scenarios: stopping the carrier: %w", closeErr)
	}
	if !res.Summary.Pass {
		return dir, res, fmt.Errorf("scenarios: %s: %w", sc.Name, ErrThresholds)
	}
	return dir, res, nil
}

func (r *Runner) cohort(c *sim.Carrier, co sim.Cohort) (*sim.CohortSet, error) {
	set, err := c.Resolve(co)
	if err != nil || r.opts.ShardCount <= 1 {
		return set, err
	}
	return set.Shard(r.opts.ShardIndex, r.opts.ShardCount)
}

// consumeEvents writes the carrier's events to events.csv and counts them
// under the label in force, for thresholds.
func (r *Runner) consumeEvents(c *sim.Carrier, sub *sim.Subscription, ew *results.EventWriter, start time.Time) {
	for e := range sub.C {
		row := results.EventRow{Time: e.When(), Elapsed: time.Since(start).Seconds(), SIM: int64(e.SIM),
			Kind: e.Kind.String(), Outcome: "", Region: c.RegionName(e.Region)}
		if int(e.SIM) < c.Len() {
			row.IMSI = strconv.FormatUint(c.Identity(e.SIM).IMSI, 10)
		}
		if e.Reason != sim.ReasonNone {
			row.Reason = e.Reason.String()
		}
		if e.Blame != sim.BlameNone {
			row.Blame = e.Blame.String()
		}
		if e.Kind == sim.EventRefused {
			row.Outcome = e.Outcome.String()
		}
		if e.Loc.HasTAI {
			row.TAC = strconv.Itoa(int(e.Loc.TAC))
		}
		if e.Loc.HasECGI {
			row.ECI = strconv.Itoa(int(e.Loc.ECI))
		}
		switch e.Kind {
		case sim.EventFee, sim.EventRecharged:
			row.Value = sim.Money(e.Value).String()
		case sim.EventBound:
			row.Value = strconv.FormatUint(sim.FullIMEI(uint64(e.Value)), 10)
		case sim.EventPlanChanged:
			if int(e.Value) < len(c.Plans()) {
				row.Value = c.Plans()[e.Value].Name
			}
		}
		_ = ew.Write(&row)
		label, _ := r.label.Load().(string)
		r.mu.Lock()
		r.eventCounts[eventKey{label, row.Kind, row.Reason, row.Blame, row.Region}]++
		if e.Kind == sim.EventRefused {
			r.reasons[row.Reason]++
		}
		r.mu.Unlock()
	}
}

func mkdir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("scenarios: results folder: %w", err)
	}
	return nil
}

// keepFor returns the label filter of a threshold's during/outside lists.
// A label is the "+"-joined names and kinds of the events in force.
func keepFor(during, outside []string) func(string) bool {
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

// observe evaluates a threshold on the figures so far.
func (r *Runner) observe(t *Threshold, run *metrics.Run, c *sim.Carrier) float64 {
	keep := keepFor(t.During, t.Outside)
	switch t.Metric {
	case "latency":
		var classes []metrics.Class
		if t.Class != "" {
			for i := metrics.Class(0); i < 4; i++ {
				if i.String() == t.Class {
					classes = []metrics.Class{i}
				}
			}
		}
		h := run.LatencyWhere(t.Message, classes, keep)
		if h.Count() == 0 {
			return math.NaN()
		}
		var d time.Duration
		switch t.Stat {
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
		}
		return float64(d.Microseconds()) / 1000
	case "count":
		return float64(run.CountWhere(metrics.Filter{Message: t.Message, Class: t.Class, Code: t.Code, Blame: t.Blame}, keep))
	case "ratio":
		all := run.CountWhere(metrics.Filter{Message: t.Message}, keep)
		if all == 0 {
			return math.NaN()
		}
		return float64(run.CountWhere(metrics.Filter{Message: t.Message, Class: t.Class, Code: t.Code, Blame: t.Blame}, keep)) / float64(all)
	case "late":
		return float64(run.LateWhere(t.Message, keep))
	case "events":
		r.mu.Lock()
		defer r.mu.Unlock()
		var n uint64
		for k, v := range r.eventCounts {
			if keep(k.label) && k.kind == t.Event && (t.Reason == "" || k.reason == t.Reason) &&
				(t.Blame == "" || k.blame == t.Blame) && (t.Region == "" || strings.EqualFold(k.region, t.Region)) {
				n += v
			}
		}
		return float64(n)
	case "cards":
		census := c.Census()
		if t.Reason == "" || t.Reason == "active" {
			return float64(census.Active)
		}
		reason, _ := sim.ParseReason(t.Reason)
		return float64(census.ByReason[reason])
	}
	return math.NaN()
}

func compare(op string, a, b float64) bool {
	if math.IsNaN(a) {
		return false
	}
	switch op {
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "==":
		return a == b
	case "!=":
		return a != b
	}
	return false
}

// checkAborts returns the name of an abort threshold that already failed.
// Only thresholds whose verdict cannot recover are judged early: an upper
// bound on a count (count, late, events) that is already exceeded.
func (r *Runner) checkAborts(run *metrics.Run, c *sim.Carrier) string {
	for i := range r.sc.Thresholds {
		t := &r.sc.Thresholds[i]
		if !t.Abort {
			continue
		}
		switch t.Metric {
		case "count", "late", "events":
			// Counts only grow: once past an upper bound they cannot recover.
			if v := r.observe(t, run, c); (t.Op == "<" || t.Op == "<=" || t.Op == "==") && v > t.Value {
				return t.String()
			}
		case "latency", "ratio":
			if v := r.observe(t, run, c); !math.IsNaN(v) && !compare(t.Op, v, t.Value) && run.CountWhere(metrics.Filter{Message: t.Message}, metrics.AllLabels) > 1000 {
				return t.String()
			}
		}
	}
	return ""
}

func (r *Runner) publishProgress(run *metrics.Run, start time.Time) {
	series := run.Series()
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(series); n > 0 {
		r.progress.Last = series[n-1]
	}
	r.progress.Active = r.progress.Active[:0]
	for name := range r.active {
		r.progress.Active = append(r.progress.Active, name)
	}
	sort.Strings(r.progress.Active)
	el := time.Since(start)
	r.progress.Next, r.progress.NextAt = "", 0
	for _, e := range r.sc.Events {
		if e.At > el && (r.progress.Next == "" || e.At < r.progress.NextAt) {
			r.progress.Next, r.progress.NextAt = e.Name, e.At
		}
	}
}

// result assembles the summary.
func (r *Runner) result(run *metrics.Run, c *sim.Carrier, start, finished time.Time, interrupted bool, addrs string, marks []results.Mark, sub *sim.Subscription) *results.Result {
	sc := r.sc
	secs := finished.Sub(start).Seconds()
	s := results.Summary{Scenario: sc.Name, Description: sc.Description, File: sc.Path, Seed: sc.Seed,
		Started: start, Finished: finished, Seconds: secs, Interrupted: interrupted, Aborted: r.abortedBy, Timeline: marks}
	s.Carrier = "embedded " + addrs
	if sc.Carrier.External {
		s.Carrier = "external " + addrs
	}
	if r.opts.ShardCount > 1 {
		s.Shard = fmt.Sprintf("%d/%d", r.opts.ShardIndex, r.opts.ShardCount)
	}
	results.FromRun(&s, run, secs)
	r.mu.Lock()
	if len(r.reasons) > 0 {
		s.Reasons = map[string]uint64{}
		for k, v := range r.reasons {
			s.Reasons[k] = v
		}
	}
	r.mu.Unlock()
	if !sc.Carrier.External {
		census := c.Census()
		s.Cards = map[string]int{"active": census.Active}
		for reason, n := range census.ByReason {
			s.Cards[reason.String()] = n
		}
		if sub != nil {
			s.EventsDropped = sub.Dropped()
		}
	}
	s.Pass = !interrupted && r.abortedBy == ""
	for i := range sc.Thresholds {
		t := &sc.Thresholds[i]
		v := r.observe(t, run, c)
		ok := compare(t.Op, v, t.Value)
		verdict := results.Verdict{Name: t.String(), Rule: t.Rule(), Observed: v, Pass: ok, Line: t.Line}
		if math.IsNaN(v) {
			verdict.Observed = 0
			verdict.Detail = "no data: nothing matched the threshold's filters"
		}
		s.Pass = s.Pass && ok
		s.Thresholds = append(s.Thresholds, verdict)
	}
	return &results.Result{Summary: s, Series: run.Series(), Latencies: run.Latencies()}
}
