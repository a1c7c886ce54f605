package gtp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// LoadConfig configures a load client. The zero value of every field means
// its default; StartLoad fills defaults in one place and reports every
// problem at once.
type LoadConfig struct {
	// PGW is the GTP-C address of the gateway to drive (any PGW, not only
	// ours), required unless Routes are given.
	PGW string
	// PGWUser is the gateway's GTP-U address for G-PDUs (default: the host
	// of PGW on port 2152).
	PGWUser string
	// Routes drive several gateways instead of PGW, each owning a range of
	// IMSIs (carrier shards, e.g. `carriersim serve --shard`): a session's
	// Create Session goes to the gateway whose range holds the card's IMSI,
	// and its later requests and G-PDUs follow it there. Ranges may not
	// overlap, and every card of Devices must fall in one (at most 256
	// routes). Empty means the one gateway at PGW.
	Routes []PGWRoute
	// LocalAddr is where the client's sockets are bound (default
	// "127.0.0.1:0"). With port 0 every worker has a socket of its own on
	// an ephemeral port; with a fixed port (2123 for a real PGW's
	// network-initiated requests) there is one worker.
	LocalAddr string
	// Run receives the measurements: message names "CreateSession",
	// "ModifyBearer", "DeleteSession" and "Echo" (required).
	Run *metrics.Run
	// Devices are the identities (Devices.Carrier().Identity), current
	// locations (ULI) and IMEIs (MEI) of the cards (required).
	Devices *sim.Devices
	// Workers is the number of client goroutines, each with its own socket
	// and sessions (default GOMAXPROCS).
	Workers int
	// Seed drives card choice and the phases' distributions (default 1).
	Seed uint64
	// T3 and N3: a request unanswered for T3 is sent again, up to N3 times,
	// then counted as a timeout (defaults 2s and 3; TS 29.274 §7.6).
	T3 time.Duration
	N3 int
	// MaxInFlight bounds the requests awaiting an answer across workers
	// (default 8192). A request due while the bound is reached waits and,
	// if it goes out later than LateAfter, is counted late. Keep it within
	// what the gateway's socket buffer holds: a larger burst against a
	// stalled gateway is lost to buffer overflow and comes back as
	// retransmissions.
	MaxInFlight int
	// Reattach is the backoff before a device whose session the network
	// deleted (Delete Bearer, e.g. maintenance, or the gateway's restart)
	// attaches again; 0 means never.
	Reattach time.Duration
	// APN is the access point name requested (default "cmiot").
	APN string
	// RAT is the radio access type reported (default EUTRAN).
	RAT wire.RATType
	// ModelledUsage sends no G-PDUs: the gateway accrues usage itself
	// (PGWConfig.ModelledThroughput). Otherwise each interval's usage is
	// sent as G-PDUs of up to 1400 octets at the start of the interval,
	// and the Modify Bearer at its end reports it.
	ModelledUsage bool
	// EchoInterval is how often each worker sends an Echo Request to the
	// gateway (default 60s); N3 unanswered in a row is a path failure.
	EchoInterval time.Duration
	// LateAfter is how far past its intended time a request may go out
	// before it counts as late (default 10ms).
	LateAfter time.Duration
	// MCC and MNC of the serving network and of the ULI (default: the first
	// five digits of the cards' IMSIs, a two-digit MNC).
	MCC, MNC string
}

// PGWRoute is a gateway of LoadConfig.Routes and the IMSIs it owns.
type PGWRoute struct {
	// FirstIMSI and LastIMSI bound the range, both included.
	FirstIMSI, LastIMSI uint64
	// Control is the gateway's GTP-C address (ip:port), required.
	Control string
	// User is its GTP-U address (default: the host of Control on port 2152).
	User string
}

// userOf is the default GTP-U address beside a GTP-C address.
func userOf(control string) string {
	if host, _, err := net.SplitHostPort(control); err == nil {
		return net.JoinHostPort(host, "2152")
	}
	return ""
}

func (c *LoadConfig) fillDefaults() {
	if c.LocalAddr == "" {
		c.LocalAddr = "127.0.0.1:0"
	}
	if c.PGWUser == "" && c.PGW != "" {
		c.PGWUser = userOf(c.PGW)
	}
	if len(c.Routes) > 0 {
		// A copy: the defaults are not written into the caller's slice.
		c.Routes = append([]PGWRoute(nil), c.Routes...)
		for i := range c.Routes {
			if r := &c.Routes[i]; r.User == "" {
				r.User = userOf(r.Control)
			}
		}
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.T3 == 0 {
		c.T3 = 2 * time.Second
	}
	if c.N3 == 0 {
		c.N3 = 3
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 8192
	}
	if c.APN == "" {
		c.APN = "cmiot"
	}
	if c.RAT == 0 {
		c.RAT = wire.RATEUTRAN
	}
	if c.EchoInterval == 0 {
		c.EchoInterval = 60 * time.Second
	}
	if c.LateAfter == 0 {
		c.LateAfter = 10 * time.Millisecond
	}
	if c.MCC == "" && c.Devices != nil && c.Devices.Carrier().Len() > 0 {
		s := fmt.Sprint(c.Devices.Carrier().Identity(0).IMSI)
		if len(s) >= 5 {
			c.MCC, c.MNC = s[:3], s[3:5]
		}
	}
}

// Validate reports every problem with the configuration at once (after
// defaults are filled).
func (c *LoadConfig) Validate() error {
	_, err := c.validate()
	return err
}

// validate is Validate that also returns, with several routes, the route of
// each card (nil with one gateway).
func (c *LoadConfig) validate() ([]uint8, error) {
	var errs []error
	bad := func(f string, args ...any) { errs = append(errs, fmt.Errorf(f, args...)) }
	var table []uint8
	if len(c.Routes) == 0 {
		if _, err := netip.ParseAddrPort(c.PGW); err != nil {
			bad("pgw: want ip:port such as 127.0.0.1:2123, got %q", c.PGW)
		}
		if _, err := netip.ParseAddrPort(c.PGWUser); err != nil {
			bad("pgw_user: want ip:port such as 127.0.0.1:2152, got %q", c.PGWUser)
		}
	} else {
		if c.PGW != "" || c.PGWUser != "" {
			bad("pgw: want either pgw or routes, got both (pgw %q and %d routes)", c.PGW, len(c.Routes))
		}
		var problems []error
		table, problems = c.routeCards()
		errs = append(errs, problems...)
	}
	if c.Run == nil {
		bad("run: want a *metrics.Run, got nil")
	}
	if c.Devices == nil {
		bad("devices: want a *sim.Devices, got nil")
	}
	if c.Workers < 1 || c.Workers > 256 {
		bad("workers: want 1..256, got %d", c.Workers)
	}
	if c.T3 < time.Millisecond || c.N3 < 0 || c.N3 > 10 {
		bad("t3/n3: want t3 >= 1ms and n3 0..10, got %s and %d", c.T3, c.N3)
	}
	if c.MaxInFlight < 1 {
		bad("max_in_flight: want >= 1, got %d", c.MaxInFlight)
	}
	if c.Reattach < 0 {
		bad("reattach: want >= 0, got %s", c.Reattach)
	}
	if _, err := wire.ParseAPN(c.APN); err != nil {
		bad("apn: want an access point name such as cmiot, got %q", c.APN)
	}
	if _, err := wire.ParsePLMN(c.MCC, c.MNC); err != nil {
		bad("mcc/mnc: want digits such as 460 and 04, got %q and %q", c.MCC, c.MNC)
	}
	if c.EchoInterval < time.Millisecond || c.LateAfter < 0 {
		bad("echo_interval/late_after: want >= 1ms and >= 0, got %s and %s", c.EchoInterval, c.LateAfter)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("gtp: invalid load configuration:\n%w", errors.Join(errs...))
	}
	return table, nil
}

// routeCards checks the routes (addresses, ranges that do not overlap) and
// that every card of Devices falls in one; it returns each card's route
// when there are several. Cards without a route are reported as runs of
// card indexes, the first few of them.
func (c *LoadConfig) routeCards() ([]uint8, []error) {
	var errs []error
	bad := func(f string, args ...any) { errs = append(errs, fmt.Errorf(f, args...)) }
	rs := c.Routes
	if len(rs) > 256 {
		bad("routes: want at most 256, got %d", len(rs))
		return nil, errs
	}
	for i, r := range rs {
		if _, err := netip.ParseAddrPort(r.Control); err != nil {
			bad("routes[%d].control: want ip:port such as 127.0.0.1:2123, got %q", i, r.Control)
		}
		if _, err := netip.ParseAddrPort(r.User); err != nil {
			bad("routes[%d].user: want ip:port such as 127.0.0.1:2152, got %q", i, r.User)
		}
		if r.FirstIMSI > r.LastIMSI {
			bad("routes[%d]: want first_imsi <= last_imsi, got %d > %d", i, r.FirstIMSI, r.LastIMSI)
		}
	}
	order := make([]int, len(rs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rs[order[a]].FirstIMSI < rs[order[b]].FirstIMSI })
	for a := 0; a < len(order); a++ {
		for b := a + 1; b < len(order) && rs[order[b]].FirstIMSI <= rs[order[a]].LastIMSI; b++ {
			i, j := min(order[a], order[b]), max(order[a], order[b])
			bad("routes[%d] and routes[%d]: want IMSI ranges that do not overlap, got %d…%d and %d…%d",
				i, j, rs[i].FirstIMSI, rs[i].LastIMSI, rs[j].FirstIMSI, rs[j].LastIMSI)
		}
	}
	if len(errs) > 0 || c.Devices == nil {
		return nil, errs
	}
	cr := c.Devices.Carrier()
	n := cr.Len()
	var table []uint8
	if len(rs) > 1 {
		table = make([]uint8, n)
	}
	const shown = 5
	runs, missing := 0, 0
	runStart := -1
	flush := func(end int) {
		if runStart < 0 {
			return
		}
		if runs < shown {
			bad("routes: cards %d…%d (IMSI %d…%d) fall in no route", runStart, end-1,
				cr.Identity(uint32(runStart)).IMSI, cr.Identity(uint32(end-1)).IMSI)
		}
		runs++
		runStart = -1
	}
	for card := 0; card < n; card++ {
		imsi := cr.Identity(uint32(card)).IMSI
		// The last route (in IMSI order) starting at or below imsi.
		k := sort.Search(len(order), func(k int) bool { return rs[order[k]].FirstIMSI > imsi }) - 1
		if k >= 0 && imsi <= rs[order[k]].LastIMSI {
			flush(card)
			if table != nil {
				table[card] = uint8(order[k])
			}
			continue
		}
		missing++
		if runStart < 0 {
			runStart = card
		}
	}
	flush(n)
	if runs > shown {
		bad("routes: and %d more runs of cards in no route (%d cards in all)", runs-shown, missing)
	}
	return table, errs
}

// Load is the SGW side of the harness: it opens sessions for virtual cards
// at an open-loop arrival rate (Create Session with the card's identity,
// IMEI and location), keeps them with Modify Bearer on each interval
// (sending the interval's usage as G-PDUs, or leaving it to the gateway's
// modelled usage), deletes them, and measures every procedure from its
// intended start into the Run. It retransmits T3 apart, N3 times; answers
// the gateway's Delete Bearer and Echo Requests; notices the gateway's
// restart (a new Recovery) and path failure; and re-attaches devices whose
// sessions the network ended, after Reattach. With LoadConfig.Routes it
// drives several gateways, each card's sessions on the one owning its
// IMSI, and watches each gateway's restarts and path on its own.
//
// Start it with StartLoad; Run schedules phases. Its methods are safe for
// concurrent use.
type Load struct {
	cfg     LoadConfig
	carrier *sim.Carrier
	peers   []loadPeer // the gateways: PGW, or one per route
	route   []uint8    // each card's index in peers; nil with one gateway
	plmn    wire.PLMN
	apn     wire.APN
	t0      time.Time // the client's clock: nanoseconds since t0
	msgs    [4]metrics.MsgID
	workers []*loadWorker
	busy    []atomic.Uint64 // cards with a session or an attach under way

	impair   atomic.Pointer[impairment]
	draining atomic.Bool
	closed   atomic.Bool
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	phases   atomic.Int32
}

// loadPeer is a gateway's addresses.
type loadPeer struct {
	c, u netip.AddrPort
}

// peerOf is the index in peers of the gateway that holds card's sessions.
func (l *Load) peerOf(card uint32) int {
	if l.route == nil {
		return 0
	}
	return int(l.route[card])
}

// Message indexes into Load.msgs.
const (
	mCreate = iota
	mModify
	mDelete
	mEcho
)

// impairment is a path impairment applied to the client's sends.
type impairment struct {
	delay int64   // ns
	loss  float64 // 0..1
}

// StartLoad validates cfg, opens the sockets and starts the workers. ctx
// bounds the client's life as Close does.
func StartLoad(ctx context.Context, cfg LoadConfig) (*Load, error) {
	cfg.fillDefaults()
	route, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	l := &Load{cfg: cfg, carrier: cfg.Devices.Carrier(), route: route, plmn: wire.MustPLMN(cfg.MCC, cfg.MNC),
		apn: wire.MustAPN(cfg.APN), t0: time.Now()}
	if len(cfg.Routes) == 0 {
		l.peers = []loadPeer{{c: netip.MustParseAddrPort(cfg.PGW), u: netip.MustParseAddrPort(cfg.PGWUser)}}
	}
	for _, r := range cfg.Routes {
		l.peers = append(l.peers, loadPeer{c: netip.MustParseAddrPort(r.Control), u: netip.MustParseAddrPort(r.User)})
	}
	l.msgs = [4]metrics.MsgID{cfg.Run.Message("CreateSession"), cfg.Run.Message("ModifyBearer"),
		cfg.Run.Message("DeleteSession"), cfg.Run.Message("Echo")}
	l.busy = make([]atomic.Uint64, (l.carrier.Len()+63)/64)
	l.ctx, l.cancel = context.WithCancel(ctx)
	workers := cfg.Workers
	if _, port, _ := net.SplitHostPort(cfg.LocalAddr); port != "0" {
		workers = 1
	}
	perWorker := max(1, (cfg.MaxInFlight+workers-1)/workers)
	for i := 0; i < workers; i++ {
		w, err := newLoadWorker(l, i, perWorker)
		if err != nil {
			for _, w := range l.workers {
				w.close()
			}
			l.cancel()
			return nil, fmt.Errorf("gtp: load: %w", err)
		}
		l.workers = append(l.workers, w)
	}
	for _, w := range l.workers {
		l.wg.Add(1)
		go func() { defer l.wg.Done(); w.loop() }()
	}
	go func() {
		<-l.ctx.Done()
		l.shut()
	}()
	return l, nil
}

// now is the client's clock.
func (l *Load) now() int64 { return int64(time.Since(l.t0)) }

// Run schedules a phase: sessions of the phase's cohort start at
// p.Start + the arrival offsets (open loop), each doing p.Updates Modify
// Bearers p.Interval apart, then a Delete Session. It does not block.
func (l *Load) Run(p sim.Phase) {
	l.phases.Add(1)
	for _, w := range l.workers {
		w.post(command{phase: &p})
	}
}

// RunClosed runs p closed-loop instead: sessions of the cohort are kept
// going from p.Start for p.Duration, each worker keeping its share of
// `sessions` under way and starting the next as soon as one ends, so the
// rate is whatever the gateway sustains. Latencies then are service times
// (the intended start of a session is the end of the previous one). It is
// for capacity measurements such as `carriersim bench gtp`; p.Rate is
// ignored.
func (l *Load) RunClosed(p sim.Phase, sessions int) {
	l.phases.Add(1)
	for i, w := range l.workers {
		n := sessions / len(l.workers)
		if i < sessions%len(l.workers) {
			n++
		}
		if n > 0 {
			w.post(command{phase: &p, closed: n})
		}
	}
}

// Impair applies a path impairment to the client's sends, for timeline
// events: each datagram is delayed by delay and dropped with probability
// loss (0,0 clears).
func (l *Load) Impair(delay time.Duration, loss float64) {
	if delay <= 0 && loss <= 0 {
		l.impair.Store(nil)
		return
	}
	l.impair.Store(&impairment{delay: int64(max(delay, 0)), loss: min(max(loss, 0), 1)})
}

// LoadProgress is a snapshot of a load client's figures.
type LoadProgress struct {
	// SessionsStarted counts Create Session procedures begun (re-attaches
	// included); SessionsOpen those admitted and not yet ended.
	SessionsStarted, SessionsOpen uint64
	// InFlight is the requests awaiting an answer.
	InFlight uint64
	// Sent counts requests sent (first transmissions); Answered the
	// answers matched to them; Retransmissions the copies sent again.
	Sent, Answered, Retransmissions uint64
	// Late counts requests sent later than LateAfter past their intended
	// time; Timeouts those unanswered after N3 retransmissions.
	Late, Timeouts uint64
	// DeletedByNetwork counts sessions the gateway ended (Delete Bearer);
	// LostToRestart those lost when the gateway restarted or its path
	// failed; Reattaches the attaches that followed.
	DeletedByNetwork, LostToRestart, Reattaches uint64
	// NoIdleCard counts arrivals skipped because every card they could pick
	// already had a session.
	NoIdleCard uint64
	// GPDUs and GPDUBytes count user packets sent.
	GPDUs, GPDUBytes uint64
	// PGWRestarts and PathFailures count restarts of the gateway seen (per
	// worker path) and echo path failures.
	PGWRestarts, PathFailures uint64
	// Unexpected counts datagrams that matched no request or session.
	Unexpected uint64
	// Completed counts sessions that ended by the client's own Delete
	// Session with an accepted answer.
	Completed uint64
	// Abandoned counts sessions whose Create Session Request was still
	// held back by MaxInFlight when Drain began, and so never sent.
	Abandoned uint64
}

// Progress returns a cheap snapshot of the client's figures.
func (l *Load) Progress() LoadProgress {
	var p LoadProgress
	for _, w := range l.workers {
		s := &w.st
		p.SessionsStarted += s.started.Load()
		p.SessionsOpen += s.open.Load()
		p.InFlight += s.inflight.Load()
		p.Sent += s.sent.Load()
		p.Answered += s.answered.Load()
		p.Retransmissions += s.retrans.Load()
		p.Late += s.late.Load()
		p.Timeouts += s.timeouts.Load()
		p.DeletedByNetwork += s.netDeleted.Load()
		p.LostToRestart += s.lost.Load()
		p.Reattaches += s.reattaches.Load()
		p.NoIdleCard += s.noIdle.Load()
		p.GPDUs += s.gpdus.Load()
		p.GPDUBytes += s.gpduBytes.Load()
		p.PGWRestarts += s.restarts.Load()
		p.PathFailures += s.pathFailures.Load()
		p.Unexpected += s.unexpected.Load()
		p.Completed += s.completed.Load()
		p.Abandoned += s.abandoned.Load()
	}
	return p
}

// PeerProgress is a snapshot of a load client's figures toward one
// gateway (LoadConfig.PGW, or one of Routes).
type PeerProgress struct {
	// Control and User are the gateway's addresses.
	Control, User string
	// SessionsStarted counts Create Session procedures sent its way
	// (re-attaches included); LostToRestart the sessions lost when it
	// restarted or its path failed.
	SessionsStarted, LostToRestart uint64
	// Restarts counts its restarts seen (per worker path); PathFailures
	// its echo path failures.
	Restarts, PathFailures uint64
}

// Peers returns a snapshot of the figures toward each gateway, in the
// order of LoadConfig.Routes (one entry, the PGW, without routes).
func (l *Load) Peers() []PeerProgress {
	out := make([]PeerProgress, len(l.peers))
	for i, p := range l.peers {
		o := &out[i]
		o.Control, o.User = p.c.String(), p.u.String()
		for _, w := range l.workers {
			pt := &w.paths[i]
			o.SessionsStarted += pt.started.Load()
			o.LostToRestart += pt.lost.Load()
			o.Restarts += pt.restarts.Load()
			o.PathFailures += pt.pathFailures.Load()
		}
	}
	return out
}

// Drain stops starting sessions, deletes the open ones and waits until no
// session or request is left, or ctx ends.
func (l *Load) Drain(ctx context.Context) error {
	l.draining.Store(true)
	for _, w := range l.workers {
		w.post(command{drain: true})
	}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		idle := true
		for _, w := range l.workers {
			if w.st.live.Load() > 0 {
				idle = false
				break
			}
		}
		if idle {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gtp: load: drain: %w", ctx.Err())
		case <-l.ctx.Done():
			return ErrClosed
		case <-t.C:
		}
	}
}

// Close stops the workers and closes the sockets; sessions still open are
// abandoned (Drain first to delete them).
func (l *Load) Close() error {
	l.cancel()
	l.shut()
	l.wg.Wait()
	return nil
}

func (l *Load) shut() {
	if !l.closed.CompareAndSwap(false, true) {
		return
	}
	for _, w := range l.workers {
		w.close()
	}
}

// claim marks card as having a session; false when it already has one.
func (l *Load) claim(card uint32) bool {
	w := &l.busy[card/64]
	bit := uint64(1) << (card % 64)
	for {
		old := w.Load()
		if old&bit != 0 {
			return false
		}
		if w.CompareAndSwap(old, old|bit) {
			return true
		}
	}
}

// unclaim marks card as free.
func (l *Load) unclaim(card uint32) {
	w := &l.busy[card/64]
	bit := uint64(1) << (card % 64)
	for {
		old := w.Load()
		if w.CompareAndSwap(old, old&^bit) {
			return
		}
	}
}
