package scenarios

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
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
	// Seed drives the load generators' random draws: the scenario's seed,
	// mixed with the shard index when the run is one shard of several (so
	// that shards do not draw in lockstep). The population is built from
	// the scenario's seed alone, identically in every shard.
	Seed uint64
	// ShardIndex and ShardCount are the run's shard (0 of 1 when whole).
	ShardIndex, ShardCount int
}

// Backends starts the carrier side (when embedded) and the load generators.
// The default, set by package wiring in cmd (see scenarios/wiring), starts
// our OCS and PGW on loopback; tests may start the same real parts.
type Backends func(ctx context.Context, cfg StackConfig) (*Stack, error)

// Options tune a run.
type Options struct {
	// OutDir is the results folder; empty means results/<name>-<UTC time>
	// (with -shard-I for a shard).
	OutDir string
	// ResultsBase is the parent of the default folder (default "results").
	ResultsBase string
	// Backends starts the carrier and drivers (required).
	Backends Backends
	// Lead is the pause between set-up and the first intended send
	// (default 300ms), so that the first second is not spent connecting.
	Lead time.Duration
	// ShardIndex and ShardCount, when ShardCount > 1, run shard I of N:
	// the cards c with c mod N == I (in every cohort, for load phases and
	// events alike, and for the census and card events reported), and 1/N
	// of every arrival schedule (load phases, overage storms, capacity
	// steps): arrival n of the whole schedule is shard n mod N's, so the N
	// shards together send exactly what one run sends. A cohort whose
	// cards fall in fewer than N shards has its schedule split among those.
	// Events that act on the carrier as a whole (outage, maintenance,
	// clock) apply to every shard's own embedded carrier.
	ShardIndex, ShardCount int
	// StartAt, when set, is the agreed wall-clock start of the timeline:
	// shards given the same instant share their seconds, so their time
	// series line up when merged. Set-up happens before it; a shard that
	// starts late sends its first arrivals late (and counts them as late).
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

	// slice is this shard's cards (nil when the run is not sharded);
	// stormShare the place of this shard among those with cards in each
	// overage storm's cohort, by event index (see share).
	slice       *sim.CohortSet
	stormShare  map[int][2]int
	eventCounts map[results.EventKey]uint64
	reasons     map[string]uint64
	active      map[string]bool
	label       atomic.Value // string
	abortedBy   string
}

// NewRunner prepares a run of sc.
func NewRunner(sc *Scenario, opts Options) *Runner {
	if opts.Lead == 0 {
		opts.Lead = 300 * time.Millisecond
	}
	if opts.ResultsBase == "" {
		opts.ResultsBase = "results"
	}
	r := &Runner{sc: sc, opts: opts, eventCounts: map[results.EventKey]uint64{}, stormShare: map[int][2]int{}, reasons: map[string]uint64{}, active: map[string]bool{}}
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
// threshold failed, or it was interrupted or aborted; the result is
// complete. A shard (Options.ShardCount > 1) judges its thresholds on its
// own slice, for the record, but does not fail by them: they are judged on
// the merged figures (results.Merge). Its interruption or abort by a
// threshold does fail it.
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
	if r.opts.ShardCount > 1 {
		if !r.opts.StartAt.IsZero() && time.Now().After(r.opts.StartAt.Add(sc.Duration)) {
			return "", nil, fmt.Errorf("scenarios: %s: start at %s: the run would already be over", sc.Path, r.opts.StartAt.Format(time.RFC3339))
		}
		all, err := carrier.Resolve(sim.Cohort{})
		if err != nil {
			return "", nil, fmt.Errorf("scenarios: %s: population: %w", sc.Path, err)
		}
		if r.slice, err = all.Shard(r.opts.ShardIndex, r.opts.ShardCount); err != nil {
			return "", nil, fmt.Errorf("scenarios: %s: %w", sc.Path, err)
		}
		if r.slice.Len() == 0 {
			return "", nil, fmt.Errorf("scenarios: %s: shard %d of %d has no cards: the population has %d", sc.Path,
				r.opts.ShardIndex, r.opts.ShardCount, all.Len())
		}
	}
	// Resolve every cohort before anything starts, so a bad one fails fast.
	// A phase whose cohort has no card in this shard does not run here.
	var phases []sim.Phase
	var phaseIfaces []Interface
	var phaseStarts []time.Duration
	ifaces := map[Interface]bool{}
	for i := range sc.Phases {
		p := &sc.Phases[i]
		co, idx, cnt, err := r.share(carrier, p.Cohort)
		if err != nil {
			return "", nil, fmt.Errorf("scenarios: %s:%d: load[%d].cohort: %w", sc.Path, p.Line, i, err)
		}
		ifaces[p.Interface] = true
		if co.Len() == 0 {
			continue
		}
		phases = append(phases, sim.Phase{Name: p.Name, Duration: p.Duration, Rate: p.Rate, RampTo: p.RampTo, Cohort: co,
			Updates: p.Updates, Interval: p.Interval, Usage: p.Usage, Request: uint64(p.Request), ShardIndex: idx, ShardCount: cnt})
		phaseIfaces, phaseStarts = append(phaseIfaces, p.Interface), append(phaseStarts, p.Start)
	}
	cohorts := make([]*sim.CohortSet, len(sc.Events))
	for i := range sc.Events {
		e := &sc.Events[i]
		switch e.Kind {
		case EventStorm:
			co, idx, cnt, err := r.share(carrier, e.Cohort)
			if err != nil {
				return "", nil, fmt.Errorf("scenarios: %s:%d: events[%d].cohort: %w", sc.Path, e.Line, i, err)
			}
			cohorts[i] = co
			r.stormShare[i] = [2]int{idx, cnt}
		case EventRoam, EventStop, EventResume, EventRecharge, EventSwap:
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
	seed := sc.Seed
	if r.opts.ShardCount > 1 {
		seed ^= uint64(r.opts.ShardIndex+1) * 0x9E3779B97F4A7C15
	}
	stack, err := r.opts.Backends(ctx, StackConfig{Scenario: sc, Carrier: carrier, Devices: devices, Run: run, Interfaces: list, Seed: seed,
		ShardIndex: r.opts.ShardIndex, ShardCount: max(r.opts.ShardCount, 1)})
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
		if r.opts.ShardCount > 1 {
			// Shards on one machine share the start: one folder each.
			dir += "-shard-" + strconv.Itoa(r.opts.ShardIndex)
		}
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
	ilog, err := results.CreateIntervalLog(dir, start)
	if err != nil {
		ew.Close()
		stack.Close()
		return "", nil, err
	}
	run.OnInterval(func(sec int, msg string, h *metrics.Hist) { _ = ilog.Write(sec, msg, h) })
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
		phases[i].Start = start.Add(phaseStarts[i])
		stack.Drivers[phaseIfaces[i]].Run(phases[i])
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
		ilog.Close()
		return dir, nil, err
	}
	if err := ilog.Close(); err != nil {
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
	// A shard's verdicts are judged on its slice alone; the verdict of the
	// run is the merged result's. Interruptions and aborts still count.
	shardOnly := r.opts.ShardCount > 1 && !interrupted && r.abortedBy == ""
	if !res.Summary.Pass && !shardOnly {
		return dir, res, fmt.Errorf("scenarios: %s: %w", sc.Name, ErrThresholds)
	}
	return dir, res, nil
}

// cohort resolves co to the cards of this shard (possibly none).
func (r *Runner) cohort(c *sim.Carrier, co sim.Cohort) (*sim.CohortSet, error) {
	set, err := c.Resolve(co)
	if err != nil || r.opts.ShardCount <= 1 {
		return set, err
	}
	return set.Shard(r.opts.ShardIndex, r.opts.ShardCount)
}

// share resolves the cohort of an arrival schedule: this shard's cards, and
// this shard's place among the shards that have cards in it (index, count
// for sim.Phase), so that those shards together send the whole schedule.
func (r *Runner) share(c *sim.Carrier, co sim.Cohort) (*sim.CohortSet, int, int, error) {
	set, err := c.Resolve(co)
	n := r.opts.ShardCount
	if err != nil || n <= 1 {
		return set, 0, 1, err
	}
	mine, err := set.Shard(r.opts.ShardIndex, n)
	if err != nil {
		return nil, 0, 0, err
	}
	owners := make([]bool, n)
	found := 0
	for k := 0; k < set.Len() && found < n; k++ {
		if i := int(set.At(k) % uint32(n)); !owners[i] {
			owners[i] = true
			found++
		}
	}
	idx := 0
	for i := 0; i < r.opts.ShardIndex; i++ {
		if owners[i] {
			idx++
		}
	}
	return mine, idx, found, nil
}

// inSlice reports whether card i is this shard's (always, unsharded).
func (r *Runner) inSlice(i uint32) bool { return r.slice == nil || r.slice.Contains(i) }

// consumeEvents writes the carrier's events to events.csv and counts them
// under the label in force, for thresholds.
func (r *Runner) consumeEvents(c *sim.Carrier, sub *sim.Subscription, ew *results.EventWriter, start time.Time) {
	for e := range sub.C {
		// Every shard's carrier holds every card, and carrier-wide events
		// (a clock jump) change them all: each shard reports its own.
		if !r.inSlice(e.SIM) {
			continue
		}
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
		r.eventCounts[results.EventKey{Label: label, Kind: row.Kind, Reason: row.Reason, Blame: row.Blame, Region: row.Region}]++
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
	rule := results.Rule{During: during, Outside: outside}
	return rule.Keep()
}

// observe evaluates a threshold on the figures so far, as results.Judge
// does on finished or merged figures.
func (r *Runner) observe(t *Threshold, run *metrics.Run, c *sim.Carrier) float64 {
	rule := t.Check()
	figs := &results.Figures{Requests: run}
	switch t.Metric {
	case "events":
		figs.Events = r.eventSnapshot()
	case "cards":
		figs.Cards = r.census(c)
	}
	return figs.Observe(&rule)
}

// eventSnapshot copies the card event counts.
func (r *Runner) eventSnapshot() map[results.EventKey]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[results.EventKey]uint64, len(r.eventCounts))
	for k, v := range r.eventCounts {
		out[k] = v
	}
	return out
}

// census counts this shard's cards by state: "active" and each stop reason.
func (r *Runner) census(c *sim.Carrier) map[string]int {
	cen := c.Census()
	if r.slice != nil {
		cen = c.CensusOf(r.slice)
	}
	out := map[string]int{"active": cen.Active}
	for reason, n := range cen.ByReason {
		out[reason.String()] = n
	}
	return out
}

func compare(op string, a, b float64) bool {
	rule := results.Rule{Op: op, Value: b}
	return rule.Holds(a)
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
	s := results.Summary{Scenario: sc.Name, Description: sc.Description, File: sc.Path, Seed: sc.Seed, Digest: sc.Digest,
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
		s.Cards = r.census(c)
		if sub != nil {
			s.EventsDropped = sub.Dropped()
		}
	}
	res := &results.Result{Series: run.Series(), Latencies: run.Latencies(), Tally: run.Tally(), Events: r.eventSnapshot()}
	figs := &results.Figures{Requests: res.Tally, Events: res.Events, Cards: s.Cards}
	s.Pass = !interrupted && r.abortedBy == ""
	for i := range sc.Thresholds {
		t := &sc.Thresholds[i]
		v := results.Judge(t.String(), t.Line, t.Check(), figs)
		s.Pass = s.Pass && v.Pass
		s.Thresholds = append(s.Thresholds, v)
	}
	res.Summary = s
	return res
}
