package gtp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

// PGWConfig configures a PGW. The zero value of every field means its
// default; NewPGW fills defaults in one place and reports every problem at
// once.
type PGWConfig struct {
	// ControlAddr is the GTPv2-C address (default "127.0.0.1:2123"); port 0
	// picks an ephemeral port, and an empty host means 127.0.0.1.
	ControlAddr string
	// UserAddr is the GTP-U address (default "127.0.0.1:2152").
	UserAddr string
	// Carrier is the carrier core: the cards the gateway serves, its rules,
	// faults and clock (required).
	Carrier *sim.Carrier
	// Charging charges the sessions (nil: NewLocalCharger(Carrier)).
	Charging Charger
	// Workers is the number of goroutines reading and answering each
	// socket (default GOMAXPROCS).
	Workers int
	// ChargingWorkers is the number of goroutines that handle requests
	// when Charging is not the local charger and so may wait for an OCS
	// (default 256). With the local charger requests are answered on the
	// reading goroutines.
	ChargingWorkers int
	// ModelledThroughput turns on modelled usage: every session accrues this
	// many bytes a second of carrier time with no packets, reported to
	// charging like counted G-PDUs (0: off; usage comes from G-PDUs).
	ModelledThroughput sim.Bytes
	// MaxSessions bounds the sessions held at once (default and maximum
	// 16,777,215). A Create Session past it is refused with 73 No resources.
	MaxSessions int
	// APNs, when set, are the access point names the gateway serves
	// (case-insensitive); another APN is refused with 78 Missing or unknown
	// APN. Empty serves any APN.
	APNs []string
	// Requested is the volume asked of charging per grant (0: the charging
	// system's default).
	Requested uint64
	// UEPool is the IPv4 prefix device addresses are given from (default
	// 10.128.0.0/9).
	UEPool netip.Prefix
	// AMBR is the APN-AMBR in kbit/s granted to every session (default
	// 1024 up and down).
	AMBRUplink, AMBRDownlink uint32
	// Recovery is the restart counter the gateway starts with (TS 23.007
	// §18). It increases when the gateway comes back from a silent outage.
	Recovery uint8
	// T3 and N3 time the gateway's own requests (Delete Bearer, Echo):
	// each is sent up to N3+1 times, T3 apart (defaults 2s and 3).
	T3 time.Duration
	N3 int
	// EchoInterval is how often the gateway sends an Echo Request to each
	// peer that has sessions (default 60s); a peer that answers none of
	// N3+1 tries has a path failure and its sessions are released.
	EchoInterval time.Duration
	// Housekeeping is how often the gateway reports modelled usage, checks
	// validity, maintenance and outages (default 1s).
	Housekeeping time.Duration
	// DedupEntries sizes the duplicate-request table (default 1<<20; see
	// dedup.go for the window it gives).
	DedupEntries int
	// MeasureLatency counts the requests into PGWStats.Latency by the time
	// taken to answer them: two clock reads per read batch (or per request
	// charged over Gy), about 0.1 µs each time on a VM; off by default.
	MeasureLatency bool
}

func (c *PGWConfig) fillDefaults() {
	if c.ControlAddr == "" {
		c.ControlAddr = "127.0.0.1:2123"
	}
	if c.UserAddr == "" {
		c.UserAddr = "127.0.0.1:2152"
	}
	if c.Charging == nil && c.Carrier != nil {
		c.Charging = NewLocalCharger(c.Carrier)
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.ChargingWorkers == 0 {
		c.ChargingWorkers = 256
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = maxSlots
	}
	if !c.UEPool.IsValid() {
		c.UEPool = netip.MustParsePrefix("10.128.0.0/9")
	}
	if c.AMBRUplink == 0 {
		c.AMBRUplink = 1024
	}
	if c.AMBRDownlink == 0 {
		c.AMBRDownlink = 1024
	}
	if c.T3 == 0 {
		c.T3 = 2 * time.Second
	}
	if c.N3 == 0 {
		c.N3 = 3
	}
	if c.EchoInterval == 0 {
		c.EchoInterval = 60 * time.Second
	}
	if c.Housekeeping == 0 {
		c.Housekeeping = time.Second
	}
	if c.DedupEntries == 0 {
		c.DedupEntries = 1 << 20
	}
}

// Validate reports every problem with the configuration at once (after
// defaults are filled).
func (c *PGWConfig) Validate() error {
	var errs []error
	bad := func(f string, args ...any) { errs = append(errs, fmt.Errorf(f, args...)) }
	if c.Carrier == nil {
		bad("carrier: want a *sim.Carrier, got nil")
	}
	if c.Workers < 1 || c.Workers > 1024 {
		bad("workers: want 1..1024, got %d", c.Workers)
	}
	if c.ChargingWorkers < 1 || c.ChargingWorkers > 1<<16 {
		bad("charging_workers: want 1..65536, got %d", c.ChargingWorkers)
	}
	if c.MaxSessions < 1 || c.MaxSessions > maxSlots {
		bad("max_sessions: want 1..%d, got %d", maxSlots, c.MaxSessions)
	}
	if !c.UEPool.Addr().Is4() || c.UEPool.Bits() > 30 {
		bad("ue_pool: want an IPv4 prefix of /30 or wider, got %s", c.UEPool)
	}
	for i, a := range c.APNs {
		if _, err := wire.ParseAPN(a); err != nil || a == "" {
			bad("apns[%d]: want an access point name such as cmiot, got %q", i, a)
		}
	}
	if c.T3 < time.Millisecond || c.N3 < 0 || c.N3 > 10 {
		bad("t3/n3: want t3 >= 1ms and n3 0..10, got %s and %d", c.T3, c.N3)
	}
	if c.EchoInterval < time.Millisecond || c.Housekeeping < time.Millisecond {
		bad("echo_interval/housekeeping: want >= 1ms, got %s and %s", c.EchoInterval, c.Housekeeping)
	}
	if c.DedupEntries < 1 || c.DedupEntries > 1<<26 {
		bad("dedup_entries: want 1..%d, got %d", 1<<26, c.DedupEntries)
	}
	if len(errs) > 0 {
		return fmt.Errorf("gtp: invalid PGW configuration:\n%w", errors.Join(errs...))
	}
	return nil
}

// PGW is the carrier's packet gateway on S5/S8: it answers Create Session,
// Modify Bearer, Delete Session and Echo on GTPv2-C, admits sessions with
// the carrier's rules and charges them through a Charger, counts G-PDUs on
// GTP-U, and tears sessions down itself (Delete Bearer) when a card stops,
// its final units are used or its cell goes into maintenance.
//
// Create it with NewPGW, call Start, and Close when done; the methods are
// safe for concurrent use. Stats returns a cheap snapshot.
type PGW struct {
	cfg     PGWConfig
	c       *sim.Carrier
	charge  Charger
	local   bool // charging in process: answer on the reading goroutines
	apns    []wire.APN
	ctrl    *udpConn
	user    *udpConn
	ctrlIP  netip.Addr // advertised in F-TEIDs
	userIP  netip.Addr
	nonce   uint64 // distinguishes this gateway's charging sessions from another run's
	recov   atomic.Uint32
	table   *sessionTable
	peers   *peerTable
	dedup   *dedupTable
	net     *network
	jobs    chan *job
	jobFree chan *job

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	started atomic.Bool
	closed  atomic.Bool

	statsMu sync.Mutex
	workers []*pgwWorker
	extra   counters // counted outside workers (network side)

	apnIDs apnTable  // APNs seen, numbered for the session list (manage.go)
	hooks  hookState // Inject and Journal (hooks.go)
}

// NewPGW validates cfg and opens the gateway's sockets; Start begins
// serving. Addresses with port 0 are chosen now, so ControlAddr and UserAddr
// are known before Start.
func NewPGW(cfg PGWConfig) (*PGW, error) {
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	p := &PGW{cfg: cfg, c: cfg.Carrier, charge: cfg.Charging}
	_, p.local = cfg.Charging.(*localCharger)
	for _, a := range cfg.APNs {
		p.apns = append(p.apns, wire.MustAPN(strings.ToLower(a)))
	}
	var err error
	if p.ctrl, err = listenUDP(cfg.ControlAddr); err != nil {
		return nil, fmt.Errorf("gtp: PGW control address: %w", err)
	}
	if p.user, err = listenUDP(cfg.UserAddr); err != nil {
		p.ctrl.close()
		return nil, fmt.Errorf("gtp: PGW user address: %w", err)
	}
	p.ctrlIP = advertised(p.ctrl.localAddr().Addr())
	p.userIP = advertised(p.user.localAddr().Addr())
	p.nonce = uint64(time.Now().UnixNano()) << 8
	p.recov.Store(uint32(cfg.Recovery))
	p.table = newSessionTable(cfg.MaxSessions, p.c.Len())
	p.peers = newPeerTable()
	p.dedup = newDedupTable(cfg.DedupEntries)
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.net = newNetwork(p)
	return p, nil
}

// advertised is the address put in F-TEIDs for a socket bound to a:
// loopback when bound to every interface (then set a real address in
// front of it).
func advertised(a netip.Addr) netip.Addr {
	if a.IsUnspecified() {
		if a.Is4() {
			return netip.MustParseAddr("127.0.0.1")
		}
		return netip.IPv6Loopback()
	}
	return a.Unmap()
}

// ErrStarted is returned by Start when called twice; ErrClosed after Close.
var (
	ErrStarted = errors.New("gtp: already started")
	ErrClosed  = errors.New("gtp: closed")
)

// Start starts the worker goroutines, the network-initiated side (Delete
// Bearer, Echo, housekeeping) and registers with the carrier for card
// changes and faults.
func (p *PGW) Start() error {
	if p.closed.Load() {
		return ErrClosed
	}
	if !p.started.CompareAndSwap(false, true) {
		return ErrStarted
	}
	if !p.local {
		// Set up before any reading goroutine can hand a job over.
		p.jobs = make(chan *job, p.cfg.ChargingWorkers*2)
		p.jobFree = make(chan *job, p.cfg.ChargingWorkers*4)
		for i := 0; i < cap(p.jobFree); i++ {
			p.jobFree <- &job{}
		}
	}
	var control, user, charging []*pgwWorker
	for i := 0; i < p.cfg.Workers; i++ {
		w := p.newWorker(i)
		uw := p.newWorker(1000 + i)
		uw.stats = w.stats // user plane figures go to the same shard
		control, user = append(control, w), append(user, uw)
	}
	if !p.local {
		for i := 0; i < p.cfg.ChargingWorkers; i++ {
			charging = append(charging, p.newWorker(2000+i))
		}
	}
	p.statsMu.Lock()
	p.workers = append(append(p.workers, control...), charging...)
	p.statsMu.Unlock()
	for i := range control {
		w, uw := control[i], user[i]
		p.wg.Add(2)
		go func() { defer p.wg.Done(); w.serveControl() }()
		go func() { defer p.wg.Done(); uw.serveUser() }()
	}
	for _, w := range charging {
		p.wg.Add(1)
		go func() { defer p.wg.Done(); w.serveJobs() }()
	}
	p.c.Watch(p.net)
	p.c.Faults().OnChange(p.net.faultsChanged)
	p.wg.Add(1)
	go func() { defer p.wg.Done(); p.net.run() }()
	return nil
}

// ControlAddr returns the GTPv2-C address the gateway listens on.
func (p *PGW) ControlAddr() string { return p.ctrl.localAddr().String() }

// UserAddr returns the GTP-U address the gateway listens on.
func (p *PGW) UserAddr() string { return p.user.localAddr().String() }

// Recovery returns the gateway's current restart counter.
func (p *PGW) Recovery() uint8 { return uint8(p.recov.Load()) }

// Close stops serving: the sockets close, workers finish, and every open
// session is released to charging (its usage committed) so nothing stays
// reserved on the cards. Peers are not told; to them it is a restart.
func (p *PGW) Close() error {
	if !p.closed.CompareAndSwap(false, true) {
		return nil
	}
	p.cancel()
	err := errors.Join(p.ctrl.close(), p.user.close())
	p.net.stop()
	p.wg.Wait()
	p.releaseAll()
	return err
}

// releaseAll releases every session to charging: what a restart loses.
func (p *PGW) releaseAll() int {
	var victims []uint32
	p.table.forEach(func(r *pgwSession) { victims = append(victims, r.teid) })
	for _, teid := range victims {
		p.releaseSession(teid, sim.ReasonNone, false)
	}
	return len(victims)
}
