package scenarios

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/results"
	"github.com/carriersim/carriersim/sim"
)

// action is one step of the timeline: an event starting or ending.
type action struct {
	at    time.Duration
	ev    int
	start bool
}

// lasting reports whether an event kind has an end that undoes it.
func lasting(k EventKind) bool {
	switch k {
	case EventOutage, EventMaintenance, EventStorm, EventRoam, EventLatency, EventLoss, EventSwap:
		return true
	}
	return false
}

// timeline applies the scenario's events at their times, labels the metrics
// with the events in force, and records what happened for the report.
func (r *Runner) timeline(ctx context.Context, start time.Time, run *metrics.Run, c *sim.Carrier, d *sim.Devices,
	stack *Stack, cohorts []*sim.CohortSet, mark func(results.Mark)) {
	sc := r.sc
	var acts []action
	for i := range sc.Events {
		e := &sc.Events[i]
		acts = append(acts, action{at: e.At, ev: i, start: true})
		if lasting(e.Kind) && e.Duration > 0 && e.At+e.Duration < sc.Duration {
			acts = append(acts, action{at: e.At + e.Duration, ev: i})
		}
	}
	sort.SliceStable(acts, func(a, b int) bool { return acts[a].at < acts[b].at })
	faults := map[int]sim.FaultID{}
	for _, a := range acts {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Until(start.Add(a.at))):
		}
		e := &sc.Events[a.ev]
		note, err := r.apply(e, a.start, c, d, stack, cohorts[a.ev], faults, a.ev)
		if err != nil {
			note = "failed: " + err.Error()
		}
		now := time.Now()
		r.mu.Lock()
		if a.start && lasting(e.Kind) {
			r.active[e.Name] = true
		} else {
			delete(r.active, e.Name)
		}
		label := r.labelLocked()
		r.mu.Unlock()
		r.label.Store(label)
		run.SetLabel(now, label)
		if a.start {
			m := results.Mark{Name: e.Name, Kind: string(e.Kind), Start: now.Sub(start).Seconds(), Note: note}
			m.End = m.Start
			if lasting(e.Kind) {
				m.End = e.End(sc.Duration).Seconds()
			}
			mark(m)
		} else if note != "" {
			mark(results.Mark{Name: e.Name + " end", Kind: string(e.Kind), Start: now.Sub(start).Seconds(), End: now.Sub(start).Seconds(), Note: note})
		}
	}
}

// labelLocked names the events in force: each by name and by kind, so a
// threshold can say during = ["outage"] or during = ["ocs-down"].
func (r *Runner) labelLocked() string {
	var parts []string
	for name := range r.active {
		parts = append(parts, name)
		for _, e := range r.sc.Events {
			if e.Name == name {
				parts = append(parts, string(e.Kind))
			}
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "+")
}

// apply starts (or ends) one event and returns a note for the report.
func (r *Runner) apply(e *Event, begin bool, c *sim.Carrier, d *sim.Devices, stack *Stack, co *sim.CohortSet,
	faults map[int]sim.FaultID, idx int) (string, error) {
	switch e.Kind {
	case EventOutage:
		if !begin {
			return "", c.Faults().EndOutage(faults[idx])
		}
		id, err := c.Faults().StartInstanceOutage(e.Node, e.Instance, e.Mode)
		faults[idx] = id
		if e.Instance != "" {
			return fmt.Sprintf("%s %s %s", e.Node, e.Instance, e.Mode), err
		}
		return fmt.Sprintf("%s %s", e.Node, e.Mode), err
	case EventMaintenance:
		if !begin {
			return "", c.Faults().EndMaintenance(faults[idx])
		}
		id, err := c.Faults().StartMaintenance(e.Target)
		faults[idx] = id
		return targetNote(e.Target), err
	case EventStorm:
		if !begin {
			return "", nil
		}
		dur := e.Duration
		if dur == 0 {
			dur = 10 * time.Second
		}
		iface := r.stormInterface()
		drv, ok := stack.Drivers[iface]
		if !ok {
			return "", fmt.Errorf("no %s load generator", iface)
		}
		if co.Len() == 0 {
			return fmt.Sprintf("no card of this shard on %s", iface), nil
		}
		// The scheduled instant, not now: shards' storms line up exactly.
		r.mu.Lock()
		at := r.started.Add(e.At)
		r.mu.Unlock()
		sh := r.stormShare[idx]
		drv.Run(sim.Phase{Name: e.Name, Start: at, Duration: dur, Rate: e.Rate, Cohort: co,
			Updates: sim.CountDist{Dist: sim.Const(3)}, Interval: sim.DurationDist{Dist: sim.Const(0.5)}, Usage: e.Usage,
			ShardIndex: sh[0], ShardCount: sh[1]})
		return fmt.Sprintf("%d cards on %s at %g/s", co.Len(), iface, float64(e.Rate)), nil
	case EventRoam:
		if !begin {
			d.Return(co)
			return "devices back home", nil
		}
		to, _ := c.RegionID(e.To)
		d.Roam(co, to)
		barred := ""
		if c.Barred(to) {
			barred = " (barred)"
		}
		return fmt.Sprintf("%d devices to %s%s", co.Len(), e.To, barred), nil
	case EventSwap:
		if !begin {
			d.Unswap(co)
			return "cards back in their devices", nil
		}
		d.Swap(co)
		return fmt.Sprintf("%d cards into other devices", co.Len()), nil
	case EventStop, EventResume, EventRecharge:
		failed := 0
		var first error
		for k := 0; k < co.Len(); k++ {
			i := co.At(k)
			var err error
			switch e.Kind {
			case EventStop:
				err = c.Stop(i)
			case EventResume:
				err = c.Resume(i)
			default:
				err = c.Recharge(i, e.Amount)
			}
			if err != nil {
				failed++
				if first == nil {
					first = err
				}
			}
		}
		note := fmt.Sprintf("%d cards, %d refused", co.Len(), failed)
		if first != nil {
			note += " (first: " + first.Error() + ")"
		}
		return note, nil
	case EventClock:
		if e.Advance > 0 {
			c.Clock().Advance(e.Advance)
		} else {
			c.Clock().Set(e.Set)
		}
		n := c.SettleAll()
		return fmt.Sprintf("clock now %s; %d cards changed", c.Clock().Now().In(c.Location()).Format(time.RFC3339), n), nil
	case EventLatency, EventLoss:
		drv, ok := stack.Drivers[e.Path]
		if !ok {
			return "", fmt.Errorf("no %s load generator", e.Path)
		}
		if !begin {
			drv.Impair(0, 0)
			return "path clear", nil
		}
		drv.Impair(e.Delay, e.Loss)
		return fmt.Sprintf("%s: +%s, %.1f%% loss", e.Path, e.Delay, e.Loss*100), nil
	}
	return "", fmt.Errorf("unknown event kind %q", e.Kind)
}

// stormInterface is where an overage storm's sessions go: the interface of
// the first load phase (Gy when there is none).
func (r *Runner) stormInterface() Interface {
	if len(r.sc.Phases) > 0 {
		return r.sc.Phases[0].Interface
	}
	return Gy
}

func targetNote(t sim.Target) string {
	var parts []string
	if len(t.Regions) > 0 {
		parts = append(parts, "regions "+strings.Join(t.Regions, ","))
	}
	if len(t.TACs) > 0 {
		parts = append(parts, fmt.Sprintf("%d tracking areas", len(t.TACs)))
	}
	if len(t.Cells) > 0 {
		parts = append(parts, fmt.Sprintf("%d cells", len(t.Cells)))
	}
	return strings.Join(parts, ", ")
}

// capacity steps the arrival rate up until p99 latency or the error ratio
// breaks its bound (or the maximum rate is reached), and reports the knee:
// the highest offered rate that stayed within bounds. It ends the run when
// done.
func (r *Runner) capacity(ctx context.Context, run *metrics.Run, stack *Stack, all *sim.CohortSet, stop func()) *results.CapacityKnee {
	cp := r.sc.Capacity
	drv, ok := stack.Drivers[cp.Interface]
	if !ok {
		return &results.CapacityKnee{Broke: "no " + string(cp.Interface) + " load generator"}
	}
	knee := &results.CapacityKnee{Message: cp.Message, P99Bound: float64(cp.P99Bound.Microseconds()) / 1000, ErrorBound: cp.ErrorRate}
	defer stop()
	for step, rate := 0, cp.From; rate <= cp.Max; step, rate = step+1, rate+cp.Step {
		label := results.CapacityLabel(step)
		run.SetLabel(time.Now(), label)
		r.label.Store(label)
		// A shard offers its 1/N of the step's arrivals (sim.Phase shards).
		drv.Run(sim.Phase{Name: label, Start: time.Now(), Duration: cp.Hold, Rate: rate, Cohort: all,
			Updates: sim.CountDist{Dist: sim.Const(1)}, Interval: sim.DurationDist{Dist: sim.Const(0.1)},
			Usage: sim.BytesDist{Dist: sim.Const(4096)}, ShardIndex: r.opts.ShardIndex, ShardCount: r.opts.ShardCount})
		select {
		case <-ctx.Done():
			return knee
		case <-time.After(cp.Hold):
		}
		// Sessions end within a second of the step; give their last
		// answers time to arrive and be attributed to the step.
		select {
		case <-ctx.Done():
			return knee
		case <-time.After(time.Second + r.sc.Carrier.Timeout/4):
		}
		run.SetLabel(time.Now(), "capacity-settle")
		keep := func(l string) bool { return l == label }
		total := run.CountWhere(metrics.Filter{}, keep)
		okN := run.CountWhere(metrics.Filter{Class: "ok"}, keep)
		h := run.LatencyWhere(cp.Message, nil, keep)
		// Achieved in the unit of Offered: sessions (their first message)
		// a second, not every request of them.
		started := run.CountWhere(metrics.Filter{Message: cp.Message}, keep)
		st := results.CapacityStep{Offered: float64(rate), Achieved: float64(started) / cp.Hold.Seconds()}
		if broke := st.Judge(total, okN, h, float64(cp.P99Bound.Microseconds())/1000, cp.ErrorRate); broke != "" {
			knee.Broke = broke
		} else {
			knee.Knee = st.Offered
		}
		knee.Steps = append(knee.Steps, st)
		if !st.OK {
			return knee
		}
	}
	knee.Broke = "reached max"
	return knee
}
