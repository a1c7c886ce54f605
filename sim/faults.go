package sim

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Node is a core network node that can suffer an outage.
type Node uint8

// Nodes.
const (
	NodeOCS     Node = iota // the online charging server (Gy)
	NodeGateway             // the packet gateway (GTP)
	numNodes
)

// String returns "ocs" or "gateway".
func (n Node) String() string {
	if n == NodeGateway {
		return "gateway"
	}
	return "ocs"
}

// ParseNode reads "ocs" or "gateway" (also "charging", "pgw").
func ParseNode(s string) (Node, error) {
	switch s {
	case "ocs", "charging", "gy":
		return NodeOCS, nil
	case "gateway", "pgw", "gtp":
		return NodeGateway, nil
	}
	return 0, fmt.Errorf("want ocs or gateway, got %q", s)
}

// OutageMode is how a node behaves while it is out.
type OutageMode uint8

// Outage modes.
const (
	// OutageSilent: the node does not answer at all (and its watchdog goes quiet).
	OutageSilent OutageMode = iota + 1
	// OutageBusy: the node answers "too busy" (Diameter 3004, GTP "no resources").
	OutageBusy
	// OutageUnable: the node answers "unable to deliver" (Diameter 3002, GTP "system failure").
	OutageUnable
)

// String returns "silent", "busy" or "unable".
func (m OutageMode) String() string {
	switch m {
	case OutageSilent:
		return "silent"
	case OutageBusy:
		return "busy"
	case OutageUnable:
		return "unable"
	}
	return "none"
}

// ParseOutageMode reads "silent", "busy" or "unable".
func ParseOutageMode(s string) (OutageMode, error) {
	switch s {
	case "silent", "":
		return OutageSilent, nil
	case "busy":
		return OutageBusy, nil
	case "unable", "unable_to_deliver":
		return OutageUnable, nil
	}
	return 0, fmt.Errorf("want silent, busy or unable, got %q", s)
}

// Target is what a maintenance window takes offline: any mix of cells (by
// 28-bit E-UTRAN cell id), tracking areas and whole regions (by name).
type Target struct {
	Cells   []uint32 `toml:"cells" json:"cells,omitempty"`
	TACs    []uint16 `toml:"tacs" json:"tacs,omitempty"`
	Regions []string `toml:"regions" json:"regions,omitempty"`
}

// FaultID identifies a maintenance window or an outage so it can be ended.
type FaultID uint64

// Faults holds maintenance windows and node outages on the virtual clock.
// Queries (LocationDown, Outage) are lock-free reads of an immutable snapshot,
// cheap enough for every request; changes rebuild the snapshot.
//
// Faults is safe for concurrent use. Use Carrier.Faults to get one.
type Faults struct {
	clock   *Clock
	regions *regionTable

	mu       sync.Mutex
	nextID   FaultID
	maint    []maintWindow
	outages  []outageWindow
	watchers []func()

	snap atomic.Pointer[faultSnap]
}

type maintWindow struct {
	id       FaultID
	from, to int64 // virtual unix nanos; to == MaxInt64 while open-ended
	target   Target
	regions  regionSet
	tacs     *[1 << 10]uint64 // bit set over TACs, nil when none
	cells    map[uint32]struct{}
}

type outageWindow struct {
	id       FaultID
	node     Node
	instance string // "" takes out every instance of node
	mode     OutageMode
	from, to int64
}

type faultSnap struct {
	maint   []maintWindow
	outages []outageWindow
}

func newFaults(c *Clock, rt *regionTable) *Faults {
	f := &Faults{clock: c, regions: rt}
	f.snap.Store(&faultSnap{})
	return f
}

// ErrNoSuchFault is returned when ending a fault that does not exist.
var ErrNoSuchFault = errors.New("sim: no such fault")

// StartMaintenance takes target offline from now until EndMaintenance.
func (f *Faults) StartMaintenance(t Target) (FaultID, error) {
	return f.ScheduleMaintenance(t, f.clock.Now(), time.Time{})
}

// ScheduleMaintenance takes target offline from from until to on the virtual
// clock; a zero to means until EndMaintenance.
func (f *Faults) ScheduleMaintenance(t Target, from, to time.Time) (FaultID, error) {
	w := maintWindow{from: from.UnixNano(), to: math.MaxInt64, target: t}
	if !to.IsZero() {
		w.to = to.UnixNano()
	}
	if w.to <= w.from {
		return 0, fmt.Errorf("sim: maintenance window ends (%s) before it starts (%s)", to, from)
	}
	for _, name := range t.Regions {
		id, err := f.regions.lookup(name)
		if err != nil {
			return 0, fmt.Errorf("sim: maintenance target region: %w", err)
		}
		w.regions.add(id)
	}
	if len(t.TACs) > 0 {
		w.tacs = new([1 << 10]uint64)
		for _, tac := range t.TACs {
			w.tacs[tac>>6] |= 1 << (tac & 63)
		}
	}
	if len(t.Cells) > 0 {
		w.cells = make(map[uint32]struct{}, len(t.Cells))
		for _, c := range t.Cells {
			if c >= 1<<28 {
				return 0, fmt.Errorf("sim: maintenance target cell: want a 28-bit E-UTRAN cell id, got %d", c)
			}
			w.cells[c] = struct{}{}
		}
	}
	if len(t.Regions) == 0 && len(t.TACs) == 0 && len(t.Cells) == 0 {
		return 0, errors.New("sim: maintenance target: want cells, tacs or regions, got none")
	}
	f.mu.Lock()
	f.nextID++
	w.id = f.nextID
	f.maint = append(f.maint, w)
	f.publishLocked()
	f.mu.Unlock()
	f.notify()
	return w.id, nil
}

// EndMaintenance ends a maintenance window now.
func (f *Faults) EndMaintenance(id FaultID) error {
	return f.end(id, func() bool {
		for i := range f.maint {
			if f.maint[i].id == id {
				f.maint = append(f.maint[:i], f.maint[i+1:]...)
				return true
			}
		}
		return false
	})
}

// StartOutage takes every instance of node out from now until EndOutage.
func (f *Faults) StartOutage(n Node, mode OutageMode) (FaultID, error) {
	return f.ScheduleOutage(n, mode, f.clock.Now(), time.Time{})
}

// ScheduleOutage takes every instance of node out from from until to (zero:
// until EndOutage).
func (f *Faults) ScheduleOutage(n Node, mode OutageMode, from, to time.Time) (FaultID, error) {
	return f.ScheduleInstanceOutage(n, "", mode, from, to)
}

// StartInstanceOutage takes one named instance of node out from now until
// EndOutage: one OCS of a pair, say, so that clients fail over to the other.
// An empty instance means every instance, as StartOutage.
func (f *Faults) StartInstanceOutage(n Node, instance string, mode OutageMode) (FaultID, error) {
	return f.ScheduleInstanceOutage(n, instance, mode, f.clock.Now(), time.Time{})
}

// ScheduleInstanceOutage is ScheduleOutage for one named instance of node
// (see StartInstanceOutage).
func (f *Faults) ScheduleInstanceOutage(n Node, instance string, mode OutageMode, from, to time.Time) (FaultID, error) {
	if n >= numNodes {
		return 0, fmt.Errorf("sim: outage: unknown node %d", n)
	}
	if mode < OutageSilent || mode > OutageUnable {
		return 0, fmt.Errorf("sim: outage: want mode silent, busy or unable, got %d", mode)
	}
	w := outageWindow{node: n, instance: instance, mode: mode, from: from.UnixNano(), to: math.MaxInt64}
	if !to.IsZero() {
		w.to = to.UnixNano()
	}
	if w.to <= w.from {
		return 0, fmt.Errorf("sim: outage ends (%s) before it starts (%s)", to, from)
	}
	f.mu.Lock()
	f.nextID++
	w.id = f.nextID
	f.outages = append(f.outages, w)
	f.publishLocked()
	f.mu.Unlock()
	f.notify()
	return w.id, nil
}

// EndOutage ends an outage now.
func (f *Faults) EndOutage(id FaultID) error {
	return f.end(id, func() bool {
		for i := range f.outages {
			if f.outages[i].id == id {
				f.outages = append(f.outages[:i], f.outages[i+1:]...)
				return true
			}
		}
		return false
	})
}

func (f *Faults) end(id FaultID, remove func() bool) error {
	f.mu.Lock()
	ok := remove()
	if ok {
		f.publishLocked()
	}
	f.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w: %d", ErrNoSuchFault, id)
	}
	f.notify()
	return nil
}

// OnChange registers fn to be called (synchronously, after the change is
// visible) whenever a fault starts or ends by a call. Adapters use it to drop
// sessions in a maintained area or to silence a node. A scheduled window
// that begins later is not announced when it begins; poll Active for that.
func (f *Faults) OnChange(fn func()) {
	f.mu.Lock()
	f.watchers = append(f.watchers, fn)
	f.mu.Unlock()
}

func (f *Faults) notify() {
	f.mu.Lock()
	ws := append([]func(){}, f.watchers...)
	f.mu.Unlock()
	for _, w := range ws {
		w()
	}
}

func (f *Faults) publishLocked() {
	s := &faultSnap{
		maint:   append([]maintWindow(nil), f.maint...),
		outages: append([]outageWindow(nil), f.outages...),
	}
	f.snap.Store(s)
}

// LocationDown reports whether a location in region r is under maintenance
// at virtual time now. It allocates nothing and takes no lock.
func (f *Faults) LocationDown(r RegionID, l *Location, now int64) bool {
	s := f.snap.Load()
	for i := range s.maint {
		w := &s.maint[i]
		if now < w.from || now >= w.to {
			continue
		}
		if r != NoRegion && w.regions.has(r) {
			return true
		}
		if l.HasTAI && w.tacs != nil && w.tacs[l.TAC>>6]&(1<<(l.TAC&63)) != 0 {
			return true
		}
		if l.HasECGI && w.cells != nil {
			if _, ok := w.cells[l.ECI]; ok {
				return true
			}
		}
	}
	return false
}

// Outage returns the mode of node's outage at virtual time now, or 0 when
// the node is up. Only outages of every instance count; a named instance
// asks InstanceOutage.
func (f *Faults) Outage(n Node, now int64) OutageMode {
	return f.InstanceOutage(n, "", now)
}

// InstanceOutage returns the mode of the outage of the named instance of
// node at virtual time now (an outage of every instance, or of that one),
// or 0 when it is up. It allocates nothing and takes no lock.
func (f *Faults) InstanceOutage(n Node, instance string, now int64) OutageMode {
	s := f.snap.Load()
	for i := range s.outages {
		w := &s.outages[i]
		if w.node == n && now >= w.from && now < w.to && (w.instance == "" || w.instance == instance) {
			return w.mode
		}
	}
	return 0
}

// ActiveFault describes a fault for status displays.
type ActiveFault struct {
	ID       FaultID
	Kind     string // "maintenance" or "outage"
	Node     Node
	Instance string // the instance of Node an outage takes out; "" for every one
	Mode     OutageMode
	Target   Target
	From, To time.Time // To is zero while open-ended
	Active   bool      // in force at the time of the call
}

// List returns every known fault, in order of id.
func (f *Faults) List() []ActiveFault {
	now := f.clock.UnixNano()
	s := f.snap.Load()
	var out []ActiveFault
	to := func(v int64) time.Time {
		if v == math.MaxInt64 {
			return time.Time{}
		}
		return time.Unix(0, v)
	}
	for _, w := range s.maint {
		out = append(out, ActiveFault{ID: w.id, Kind: "maintenance", Target: w.target,
			From: time.Unix(0, w.from), To: to(w.to), Active: now >= w.from && now < w.to})
	}
	for _, w := range s.outages {
		out = append(out, ActiveFault{ID: w.id, Kind: "outage", Node: w.node, Instance: w.instance, Mode: w.mode,
			From: time.Unix(0, w.from), To: to(w.to), Active: now >= w.from && now < w.to})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
