package diameter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// LoadConfig configures the Gy load client. The zero value of every field
// but Addrs and Devices means its default; StartLoad fills the defaults in
// one place and reports every problem at once.
type LoadConfig struct {
	// Addrs are the OCS addresses, in failover order: every connection
	// starts on the first that answers and moves to the next when its
	// connection fails. With more than one, each worker also keeps a
	// standby connection to each alternate, carrying no new requests while
	// a connection to the primary is up: retransmissions (T flag) and
	// answers of 3004 TOO_BUSY or 3002 UNABLE_TO_DELIVER go there at once
	// (RFC 6733 §5.5.4, §7.1.3; RFC 4006 §5.5), as a PCEF with a primary
	// and a secondary OCS does.
	Addrs []string
	// Network is NetworkTCP (default) or NetworkSCTP.
	Network string
	// OriginHost and OriginRealm identify the emulated gateway (defaults
	// "pgw.carriersim.test" and "pgw.carriersim.test"); DestinationRealm
	// is the OCS's realm (default "carriersim.test").
	OriginHost, OriginRealm, DestinationRealm string
	// Connections is the number of connections (default Workers).
	Connections int
	// Timeout is how long to wait for an answer before retransmitting
	// (default 2s); Retries how often to retransmit, with the T flag and
	// to the alternate peer, before counting a timeout (default 1; set
	// NoRetries for none).
	Timeout   time.Duration
	Retries   int
	NoRetries bool
	// Run receives every finished request under the message names
	// "CCR-I", "CCR-U", "CCR-T" and "CCR-E" (default: a Run of its own).
	Run *metrics.Run
	// Devices gives each card's identity, location and IMEI (required).
	Devices *sim.Devices
	// Workers is the number of sending goroutines (default GOMAXPROCS, at
	// most 8); Seed drives every random draw (default 1); MaxInFlight caps
	// requests awaiting an answer (default 65536): past it, sends wait and
	// count as late when they go out late.
	Workers     int
	Seed        uint64
	MaxInFlight int

	// UserName puts the card's IMSI in User-Name (RFC 6733 §8.14) on every
	// CCR, so that a Diameter routing agent can route by subscriber: to the
	// carrier shard that owns the card (freeDiameter's rt_default: un=…).
	// Off by default; the OCS itself reads the IMSI from Subscription-Id.
	UserName bool

	// RatingGroup is the Rating-Group of every MSCC (default 1).
	RatingGroup uint32
	// ServiceContextID names the service (default "32251@3gpp.org", data).
	ServiceContextID string
	// EventShare is the share of arrivals sent as one CCR-EVENT (direct
	// debit of the phase's Request) instead of a session (default 0).
	EventShare float64
	// LateAfter is how far past its intended time a request may go out
	// before it counts as late (default 10ms).
	LateAfter time.Duration
	// WatchdogInterval is how long a connection may be quiet before a DWR
	// (default 6s; RFC 3539 Tw); three intervals without an answer take it
	// down.
	WatchdogInterval time.Duration
	// BufferSize is each connection's read buffer (default 256 KiB).
	BufferSize int
	// Logf, if set, receives connection problems.
	Logf func(format string, args ...any)
}

func (c *LoadConfig) fillDefaults() {
	if c.OriginHost == "" {
		c.OriginHost = "pgw.carriersim.test"
	}
	if c.OriginRealm == "" {
		c.OriginRealm = "pgw.carriersim.test"
	}
	if c.DestinationRealm == "" {
		c.DestinationRealm = "carriersim.test"
	}
	if c.Workers == 0 {
		c.Workers = min(runtime.GOMAXPROCS(0), 8)
	}
	if c.Connections == 0 {
		c.Connections = c.Workers
	}
	if c.Workers > c.Connections && c.Connections > 0 {
		c.Workers = c.Connections
	}
	if c.Timeout == 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Retries == 0 && !c.NoRetries {
		c.Retries = 1
	}
	if c.NoRetries {
		c.Retries = 0
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 65536
	}
	if c.RatingGroup == 0 {
		c.RatingGroup = 1
	}
	if c.ServiceContextID == "" {
		c.ServiceContextID = contextPS
	}
	if c.LateAfter == 0 {
		c.LateAfter = 10 * time.Millisecond
	}
	if c.WatchdogInterval == 0 {
		c.WatchdogInterval = 6 * time.Second
	}
	if c.BufferSize == 0 {
		c.BufferSize = 256 << 10
	}
}

func (c *LoadConfig) validate() error {
	var errs []error
	if len(c.Addrs) == 0 {
		errs = append(errs, errors.New("addrs: want at least one OCS address, got none"))
	}
	if len(c.Addrs) > 16 {
		errs = append(errs, fmt.Errorf("addrs: want at most 16 OCS addresses, got %d", len(c.Addrs)))
	}
	if c.Devices == nil {
		errs = append(errs, errors.New("devices: want a *sim.Devices, got nil"))
	}
	if len(c.OriginHost) > 64 {
		errs = append(errs, fmt.Errorf("origin_host: want at most 64 bytes, got %d", len(c.OriginHost)))
	}
	if c.Connections < 1 || c.Connections > 1024 {
		errs = append(errs, fmt.Errorf("connections: want 1..1024, got %d", c.Connections))
	}
	if c.Workers < 1 || c.Workers > maxWorkers {
		errs = append(errs, fmt.Errorf("workers: want 1..%d, got %d", maxWorkers, c.Workers))
	}
	if c.Timeout < time.Millisecond {
		errs = append(errs, fmt.Errorf("timeout: want at least 1ms, got %s", c.Timeout))
	}
	if c.Retries < 0 || c.Retries > 10 {
		errs = append(errs, fmt.Errorf("retries: want 0..10, got %d", c.Retries))
	}
	if c.MaxInFlight < c.Workers || c.MaxInFlight > maxWorkers*flightSlots {
		errs = append(errs, fmt.Errorf("max_in_flight: want %d..%d, got %d", c.Workers, maxWorkers*flightSlots, c.MaxInFlight))
	}
	if c.EventShare < 0 || c.EventShare > 1 || math.IsNaN(c.EventShare) {
		errs = append(errs, fmt.Errorf("event_share: want 0..1, got %g", c.EventShare))
	}
	if c.WatchdogInterval < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("watchdog_interval: want at least 10ms, got %s", c.WatchdogInterval))
	}
	if c.BufferSize < 128<<10 {
		errs = append(errs, fmt.Errorf("buffer_size: want at least 128 KiB, got %d", c.BufferSize))
	}
	if len(errs) > 0 {
		return fmt.Errorf("diameter: invalid load configuration:\n%w", errors.Join(errs...))
	}
	return nil
}

// Load is an open-loop Gy load generator emulating PCEF/PGW peers: it
// opens credit-control sessions for cards at the intended times of the
// phases it is given, pipelines many requests per connection, matches
// answers by Hop-by-Hop-Identifier, retransmits on timeout with the T flag
// to the alternate peer, and measures every request from its intended send
// time into the Run. It drives any OCS at an address, not only ours.
//
// A Load is safe for concurrent use.
type Load struct {
	cfg     LoadConfig
	run     *metrics.Run
	dev     *sim.Devices
	cr      *sim.Carrier
	id      clientIdentity
	epoch   time.Time
	sidBase []byte
	ctxID   []byte
	msgs    [4]metrics.MsgID

	conns   []*clientConn
	workers []*worker

	phaseMu sync.Mutex
	phases  []*sim.Phase

	delay    atomic.Int64  // impairment: added one-way delay, ns
	loss     atomic.Uint64 // impairment: loss probability, float64 bits
	draining atomic.Bool
	closed   atomic.Bool
	done     chan struct{}
	wg       sync.WaitGroup
}

// Message kinds, indexes of Load.msgs.
const (
	msgI = iota
	msgU
	msgT
	msgE
)

var msgNames = [4]string{"CCR-I", "CCR-U", "CCR-T", "CCR-E"}

// StartLoad connects to the OCS (CER/CEA on every connection, each trying
// the addresses in order), starts the watchdogs and the workers, and
// returns a Load with nothing scheduled; give it phases with Run.
func StartLoad(ctx context.Context, cfg LoadConfig) (*Load, error) {
	cfg.fillDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	now := time.Now()
	l := &Load{
		cfg: cfg, run: cfg.Run, dev: cfg.Devices, cr: cfg.Devices.Carrier(),
		id: clientIdentity{originHost: []byte(cfg.OriginHost), originRealm: []byte(cfg.OriginRealm),
			destRealm: []byte(cfg.DestinationRealm), productName: []byte("carriersim-load")},
		epoch: now, ctxID: []byte(cfg.ServiceContextID), done: make(chan struct{}),
	}
	l.sidBase = []byte(cfg.OriginHost + ";" + strconv.FormatInt(now.Unix(), 10) + ";")
	if l.run == nil {
		l.run = metrics.NewRun(now, cfg.Workers)
	}
	for i, n := range msgNames {
		l.msgs[i] = l.run.Message(n)
	}
	for i := range cfg.Workers {
		w, err := newWorker(l, i)
		if err != nil {
			for _, w := range l.workers {
				w.pace.close()
			}
			return nil, err
		}
		l.workers = append(l.workers, w)
	}
	timeout := min(cfg.Timeout, 5*time.Second)
	for i := range cfg.Connections {
		cc := newClientConn(i, cfg.Addrs, &l.id, l, cfg.WatchdogInterval, cfg.BufferSize, cfg.Logf)
		cc.network = cfg.Network
		l.conns = append(l.conns, cc)
	}
	// Standbys: one per worker per alternate address, its failover order
	// starting at that alternate.
	for k := 1; k < len(cfg.Addrs); k++ {
		order := append(append([]string(nil), cfg.Addrs[k:]...), cfg.Addrs[:k]...)
		for range cfg.Workers {
			cc := newClientConn(len(l.conns), order, &l.id, l, cfg.WatchdogInterval, cfg.BufferSize, cfg.Logf)
			cc.network, cc.standby, cc.first = cfg.Network, true, k
			l.conns = append(l.conns, cc)
		}
	}
	errc := make(chan error, len(l.conns))
	for _, cc := range l.conns {
		go func() { errc <- cc.start(timeout) }()
	}
	var errs []error
	for range l.conns {
		if err := <-errc; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		for _, cc := range l.conns {
			cc.close()
		}
		return nil, fmt.Errorf("diameter: load: %d of %d connections failed: %w", len(errs), len(l.conns), errs[0])
	}
	if err := ctx.Err(); err != nil {
		l.Close()
		return nil, err
	}
	for i, cc := range l.conns {
		j := i // primaries dealt out in turn, then each worker a standby per alternate
		if cc.standby {
			j -= cfg.Connections
		}
		w := l.workers[j%len(l.workers)]
		w.conns = append(w.conns, cc)
	}
	for _, w := range l.workers {
		w.touchedSet = make([]bool, len(l.conns)) // indexed by Load.conns
	}
	for _, w := range l.workers {
		l.wg.Add(1)
		go w.loop()
	}
	return l, nil
}

// now returns nanoseconds since the Load started (monotonic).
func (l *Load) now() int64 { return int64(time.Since(l.epoch)) }

// Run schedules a phase: its sessions start at p.Start plus the arrival
// offsets of its rate, shared among the workers. It does not block; phases
// may overlap.
func (l *Load) Run(p sim.Phase) {
	if l.closed.Load() || l.draining.Load() {
		return
	}
	l.phaseMu.Lock()
	pp := &p
	l.phases = append(l.phases, pp)
	idx := len(l.phases) - 1
	l.phaseMu.Unlock()
	start := int64(p.Start.Sub(l.epoch))
	if p.Start.IsZero() {
		start = l.now()
	}
	for _, w := range l.workers {
		w.addPhase(pp, idx, start)
	}
}

// Impair applies a path impairment to the client's sends: delay is added
// one-way delay and loss the probability that a send is lost (it then
// times out and is retransmitted). Impair(0, 0) clears it.
func (l *Load) Impair(delay time.Duration, loss float64) {
	l.delay.Store(int64(max(delay, 0)))
	l.loss.Store(math.Float64bits(min(max(loss, 0), 1)))
	for _, w := range l.workers {
		w.wakeUp()
	}
}

// LoadProgress is a snapshot of a Load's counters.
type LoadProgress struct {
	// SessionsStarted counts sessions begun (events included); SessionsOpen
	// those not yet ended.
	SessionsStarted, SessionsOpen uint64
	// InFlight is the number of requests awaiting an answer.
	InFlight uint64
	// Sent counts requests written (retransmissions included), Answered
	// answers matched to a request, Late requests sent later than
	// LateAfter past their intended time, Timeouts requests given up after
	// their retransmissions, Retransmissions the resends with the T flag.
	Sent, Answered, Late, Timeouts, Retransmissions uint64
	// Lost counts sends dropped by the impairment.
	Lost uint64
	// Stale counts answers that matched no request in flight (an answer to
	// a request already retransmitted or given up).
	Stale uint64
	// Connections is how many connections are up; Failovers counts moves
	// to another address after a failure.
	Connections int
	Failovers   uint64
}

// Progress returns a snapshot of the counters. It takes no lock.
func (l *Load) Progress() LoadProgress {
	var p LoadProgress
	for _, w := range l.workers {
		c := &w.ctr
		p.SessionsStarted += c.started.Load()
		p.SessionsOpen += uint64(max(c.open.Load(), 0))
		p.InFlight += uint64(max(c.inflight.Load(), 0))
		p.Sent += c.sent.Load()
		p.Answered += c.answered.Load()
		p.Late += c.late.Load()
		p.Timeouts += c.timeouts.Load()
		p.Retransmissions += c.retrans.Load()
		p.Lost += c.lost.Load()
		p.Stale += c.stale.Load()
	}
	for _, cc := range l.conns {
		if cc.up.Load() {
			p.Connections++
		}
		p.Failovers += cc.failovers.Load()
	}
	return p
}

// Drain stops starting sessions and events, ends every open session with
// a CCR-T at once (a session waiting for an answer ends after it), and
// waits until nothing is open or in flight, or ctx is done.
func (l *Load) Drain(ctx context.Context) error {
	l.draining.Store(true)
	for _, w := range l.workers {
		w.drain()
	}
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		p := l.Progress()
		if p.SessionsOpen == 0 && p.InFlight == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("diameter: drain: %d sessions open, %d requests in flight: %w", p.SessionsOpen, p.InFlight, ctx.Err())
		case <-t.C:
		}
	}
}

// Close stops the workers and closes the connections (DPR first). Open
// sessions are abandoned; call Drain first to end them.
func (l *Load) Close() error {
	if !l.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(l.done)
	for _, w := range l.workers {
		w.wakeUp()
	}
	l.wg.Wait()
	for _, cc := range l.conns {
		cc.close()
	}
	return nil
}

// Metrics returns the metrics.Run the load reports into.
func (l *Load) Metrics() *metrics.Run { return l.run }
