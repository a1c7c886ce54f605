package diameter

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// ServerConfig configures the online charging server. The zero value of
// every field but Carrier means its default; NewServer fills the defaults
// in one place and reports every problem at once.
type ServerConfig struct {
	// Addr is the listen address (default "127.0.0.1:3868"; use
	// "127.0.0.1:0" for an ephemeral port).
	Addr string
	// Network is NetworkTCP (default) or NetworkSCTP, where the kernel
	// offers SCTP. The SCTP library has no deadlines: Close then waits
	// for peers to go.
	Network string
	// OriginHost and OriginRealm identify the OCS in every message
	// (defaults "ocs.carriersim.test" and "carriersim.test").
	OriginHost, OriginRealm string
	// Carrier rates every request (required).
	Carrier *sim.Carrier
	// RedirectServer is the Redirect-Server-Address of a Final-Unit-Indication
	// REDIRECT, sent to cards in arrears or out of pay-per-use money
	// (default "http://topup.carriersim.test/"). Its Redirect-Address-Type
	// follows its form: an IPv4 or IPv6 literal, a sip: URI, else a URL.
	RedirectServer string
	// RestrictionFilterRules are the IPFilterRules (RFC 6733 §4.3) of a
	// Final-Unit-Indication RESTRICT_ACCESS, sent on plans whose final
	// action is restrict: what a card may still reach once its units are
	// used (at most wire.MaxFilterRules; default DNS and the top-up host
	// 198.51.100.10, both ways).
	RestrictionFilterRules []string
	// ProductName is announced in CEA (default "carriersim").
	ProductName string
	// Instance names the front end listening on Addr, so that an outage
	// of that instance alone (sim.Faults.StartInstanceOutage) takes only
	// it down; "" answers only to outages of every OCS.
	Instance string
	// Alternates are further front ends of the same OCS, each listening
	// on its own address and obeying the outages of its own name: a
	// geo-redundant pair with replicated sessions, say. They share the
	// session table, so a client that fails over from one to another
	// (RFC 4006 §5.5) finds its sessions there, and a retransmission sent
	// with the T flag to the alternate is answered from the original's
	// record rather than charged again.
	Alternates []Instance
	// SessionGrace is added to a grant's Validity-Time before a silent
	// session is released (RFC 4006 Tcc; default 5s of carrier time).
	SessionGrace time.Duration
	// DuplicateWindow is how long an ended session is remembered so that a
	// retransmission of its last request is answered again rather than
	// with 5002 (default 5s; it must cover the clients' Timeout × (Retries+1)).
	DuplicateWindow time.Duration
	// SweepInterval is how often silent sessions are looked for (default 1s).
	SweepInterval time.Duration
	// MaxMessageLen caps the length of a message (default 64 KiB); a longer
	// one is skipped and answered with 5012.
	MaxMessageLen int
	// BufferSize is the size of each connection's read buffer and the
	// initial size of its write buffer (default 256 KiB).
	BufferSize int
	// MeasureLatency counts every CCR into ServerStats.Latency by the time
	// its batch took to answer: two clock reads per batch, about 0.1 µs on
	// a VM (a CCR-UPDATE alone takes about 0.8 µs), so it is off by default.
	MeasureLatency bool
	// Logf, if set, receives connection-level problems (a peer that closed,
	// a stream out of step). It must be safe for concurrent use.
	Logf func(format string, args ...any)
}

// Instance is one front end of an OCS: its name among the OCS's instances
// (the name outages use) and its listen address.
type Instance struct {
	Name, Addr string
}

func (c *ServerConfig) fillDefaults() {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:3868"
	}
	if c.OriginHost == "" {
		c.OriginHost = "ocs.carriersim.test"
	}
	if c.OriginRealm == "" {
		c.OriginRealm = "carriersim.test"
	}
	if c.RedirectServer == "" {
		c.RedirectServer = "http://topup.carriersim.test/"
	}
	if c.RestrictionFilterRules == nil {
		c.RestrictionFilterRules = []string{
			"permit in udp from assigned to any 53",
			"permit out udp from any 53 to assigned",
			"permit in ip from assigned to 198.51.100.10",
			"permit out ip from 198.51.100.10 to assigned",
		}
	}
	if c.ProductName == "" {
		c.ProductName = "carriersim"
	}
	if c.SessionGrace == 0 {
		c.SessionGrace = 5 * time.Second
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = 5 * time.Second
	}
	if c.SweepInterval == 0 {
		c.SweepInterval = time.Second
	}
	if c.MaxMessageLen == 0 {
		c.MaxMessageLen = wire.DefaultMaxMessageLen
	}
	if c.BufferSize == 0 {
		c.BufferSize = 256 << 10
	}
}

// Validate reports every problem with c at once (after defaults are filled).
func (c *ServerConfig) validate() error {
	var errs []error
	if c.Carrier == nil {
		errs = append(errs, errors.New("carrier: want a *sim.Carrier, got nil"))
	}
	if c.Network != "" && c.Network != NetworkTCP && c.Network != NetworkSCTP {
		errs = append(errs, fmt.Errorf("network: want tcp or sctp, got %q", c.Network))
	}
	if c.SessionGrace < 0 {
		errs = append(errs, fmt.Errorf("session_grace: want >= 0, got %s", c.SessionGrace))
	}
	if c.DuplicateWindow < 0 {
		errs = append(errs, fmt.Errorf("duplicate_window: want >= 0, got %s", c.DuplicateWindow))
	}
	if c.SweepInterval < time.Millisecond {
		errs = append(errs, fmt.Errorf("sweep_interval: want at least 1ms, got %s", c.SweepInterval))
	}
	if c.MaxMessageLen < 1024 || c.MaxMessageLen > 1<<24-1 {
		errs = append(errs, fmt.Errorf("max_message_len: want 1024..16777215, got %d", c.MaxMessageLen))
	}
	if c.BufferSize < 2*c.MaxMessageLen {
		errs = append(errs, fmt.Errorf("buffer_size: want at least twice max_message_len (%d), got %d", 2*c.MaxMessageLen, c.BufferSize))
	}
	if len(c.RestrictionFilterRules) > wire.MaxFilterRules {
		errs = append(errs, fmt.Errorf("restriction_filter_rules: want at most %d rules, got %d", wire.MaxFilterRules, len(c.RestrictionFilterRules)))
	}
	for i, r := range c.RestrictionFilterRules {
		if f := strings.Fields(r); len(f) < 6 || (f[0] != "permit" && f[0] != "deny") || (f[1] != "in" && f[1] != "out") ||
			f[3] != "from" || !slices.Contains(f[4:], "to") {
			errs = append(errs, fmt.Errorf("restriction_filter_rules[%d]: want an IPFilterRule such as \"permit out ip from 198.51.100.10 to assigned\", got %q", i, r))
		}
	}
	names := map[string]bool{c.Instance: c.Instance != ""}
	for i, a := range c.Alternates {
		if a.Addr == "" {
			errs = append(errs, fmt.Errorf("alternates[%d].addr: want a listen address such as 127.0.0.1:3869, got none", i))
		}
		if a.Name != "" && names[a.Name] {
			errs = append(errs, fmt.Errorf("alternates[%d].name: want a name no other instance has, got %q again", i, a.Name))
		}
		names[a.Name] = a.Name != ""
	}
	if len(errs) > 0 {
		return fmt.Errorf("diameter: invalid server configuration:\n%w", errors.Join(errs...))
	}
	return nil
}

// Server is the carrier's online charging server (OCS) for Gy: it accepts
// Diameter peers over TCP, answers CER, DWR and DPR, rates every
// Credit-Control-Request with the carrier's rules and keeps the sessions'
// reservations. It pushes Re-Auth-Request or Abort-Session-Request when a
// card changes outside a request, and obeys the carrier's outages of
// sim.NodeOCS.
//
// Shaped like net/http/httptest: NewServer, Start, Addr, Close. A Server
// is safe for concurrent use.
type Server struct {
	cfg         ServerConfig
	c           *sim.Carrier
	originHost  []byte
	originRealm []byte
	redirect    []byte
	redirType   wire.RedirectAddressType
	filterRules [wire.MaxFilterRules][]byte
	nFilter     int
	productName []byte
	stateID     uint32
	tombGens    uint32

	sessions *sessionTable

	lns     []listener // the primary (Addr) first, then Alternates
	started atomic.Bool
	closed  atomic.Bool
	done    chan struct{}
	wg      sync.WaitGroup

	connMu  sync.Mutex
	conns   map[uint32]*serverConn
	retired connStats
	nextID  atomic.Uint32

	hbh      atomic.Uint32
	e2e      atomic.Uint32
	sweepGen atomic.Uint32

	notify        chan uint32
	notifyDropped atomic.Uint64
	released      atomic.Uint64
	rarSent       atomic.Uint64
	asrSent       atomic.Uint64
	accepted      atomic.Uint64

	hooks hookState // Inject and Journal (hooks.go)
}

// NewServer returns an OCS that is not yet listening; call Start.
func NewServer(cfg ServerConfig) (*Server, error) {
	cfg.fillDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	now := time.Now()
	s := &Server{
		cfg:         cfg,
		c:           cfg.Carrier,
		originHost:  []byte(cfg.OriginHost),
		originRealm: []byte(cfg.OriginRealm),
		redirect:    []byte(cfg.RedirectServer),
		redirType:   redirectAddressType(cfg.RedirectServer),
		productName: []byte(cfg.ProductName),
		stateID:     uint32(now.Unix()),
		tombGens:    uint32((cfg.DuplicateWindow + cfg.SweepInterval - 1) / cfg.SweepInterval),
		sessions:    newSessionTable(),
		done:        make(chan struct{}),
		conns:       map[uint32]*serverConn{},
		notify:      make(chan uint32, 1<<16),
	}
	for _, r := range cfg.RestrictionFilterRules {
		s.filterRules[s.nFilter] = []byte(r)
		s.nFilter++
	}
	s.hbh.Store(uint32(now.UnixNano()))
	s.e2e.Store(uint32(now.Unix()) << 20)
	return s, nil
}

// ErrServerClosed is returned by Start on a closed server.
var ErrServerClosed = errors.New("diameter: server closed")

// Start listens on the configured address and returns once the server is
// accepting connections.
func (s *Server) Start() error {
	if s.closed.Load() {
		return ErrServerClosed
	}
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("diameter: server already started")
	}
	insts := append([]Instance{{Name: s.cfg.Instance, Addr: s.cfg.Addr}}, s.cfg.Alternates...)
	for _, in := range insts {
		ln, err := listen(s.cfg.Network, in.Addr)
		if err != nil {
			for _, l := range s.lns {
				l.Close()
			}
			s.lns = nil
			return fmt.Errorf("diameter: listen %s: %w", in.Addr, err)
		}
		s.lns = append(s.lns, listener{Listener: ln, instance: in.Name})
	}
	s.c.Watch(s)
	s.wg.Add(2 + len(s.lns))
	for i := range s.lns {
		go s.acceptLoop(&s.lns[i])
	}
	go s.sweepLoop()
	go s.notifyLoop()
	return nil
}

// listener is one front end's listening socket.
type listener struct {
	net.Listener
	instance string
}

// Addr returns the address the server's primary front end listens on (""
// before Start).
func (s *Server) Addr() string {
	if len(s.lns) == 0 {
		return ""
	}
	return s.lns[0].Addr().String()
}

// Addrs returns the addresses of every front end, the primary first and
// then the Alternates in order (nil before Start).
func (s *Server) Addrs() []string {
	var out []string
	for _, l := range s.lns {
		out = append(out, l.Addr().String())
	}
	return out
}

// Close sends DPR to every peer, answers what was already received, stops
// listening and waits for the connections to end (at most about a
// second). It is safe to call more than once.
func (s *Server) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(s.done)
	for _, l := range s.lns {
		l.Close()
	}
	s.connMu.Lock()
	conns := make([]*serverConn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.connMu.Unlock()
	for _, c := range conns {
		c.disconnect(wire.DisconnectRebooting)
	}
	s.wg.Wait()
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

func (s *Server) acceptLoop(ln *listener) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closed.Load() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			s.logf("diameter: accept: %v", err)
			select {
			case <-s.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		s.accepted.Add(1)
		c := newServerConn(s, s.nextID.Add(1), wrapRaw(nc), ln.instance)
		s.connMu.Lock()
		if s.closed.Load() {
			s.connMu.Unlock()
			nc.Close()
			return
		}
		s.conns[c.id] = c
		s.wg.Add(1)
		s.connMu.Unlock()
		go func() {
			defer s.wg.Done()
			c.serve()
			s.connMu.Lock()
			delete(s.conns, c.id)
			s.retired.add(&c.stats)
			s.connMu.Unlock()
		}()
	}
}

// conn returns the open connection with this id, or nil.
func (s *Server) conn(id uint32) *serverConn {
	s.connMu.Lock()
	c := s.conns[id]
	s.connMu.Unlock()
	return c
}

// ServerStats is a snapshot of a server's counters.
type ServerStats struct {
	// Connections is the number of open peer connections; Accepted counts
	// every connection accepted.
	Connections int
	Accepted    uint64
	// Requests counts received requests by command: "CCR-I", "CCR-U",
	// "CCR-T", "CCR-E", "CER", "DWR", "DPR", "other"; answers received
	// from peers count as "RAA", "ASA", "DPA", "DWA".
	Requests map[string]uint64
	// Answers counts sent answers by Result-Code; CCAnswers counts the
	// answers to CCRs by request and Result-Code, as "CCR-U:4012" ("CCR:"
	// for a CCR that did not decode).
	Answers   map[uint32]uint64
	CCAnswers map[string]uint64
	// Duplicates counts retransmissions answered from the session table
	// without rating; Dropped counts requests left unanswered (silent
	// outage, a duplicate of a request still being rated).
	Duplicates, Dropped uint64
	// SessionsOpen is the number of open credit-control sessions;
	// SessionsReleased counts those released because they fell silent
	// past their validity (Tcc).
	SessionsOpen     int
	SessionsReleased uint64
	// RARs and ASRs count server-initiated requests sent; NotifyDropped
	// counts card changes lost to a full notification queue.
	RARs, ASRs, NotifyDropped uint64
	// Latency counts the CCRs by the time their batch took to answer,
	// from the batch being taken to its answers being encoded (decode,
	// rate, encode: not the network, not the wait to be read), when
	// ServerConfig.MeasureLatency is set.
	Latency metrics.BucketCounts
}

// Stats returns a snapshot of the server's counters. It is cheap enough to
// call every second.
func (s *Server) Stats() ServerStats {
	var sum connStats
	s.connMu.Lock()
	sum.add(&s.retired)
	n := len(s.conns)
	for _, c := range s.conns {
		sum.add(&c.stats)
	}
	s.connMu.Unlock()
	st := ServerStats{
		Connections: n, Accepted: s.accepted.Load(),
		Requests: map[string]uint64{}, Answers: map[uint32]uint64{}, CCAnswers: map[string]uint64{},
		Duplicates: sum.dups.Load(), Dropped: sum.dropped.Load(),
		SessionsOpen: s.sessions.openCount(), SessionsReleased: s.released.Load(),
		RARs: s.rarSent.Load(), ASRs: s.asrSent.Load(), NotifyDropped: s.notifyDropped.Load(),
		Latency: sum.lat.Load(),
	}
	for k := range sum.reqs {
		if v := sum.reqs[k].Load(); v > 0 {
			st.Requests[reqKindNames[k]] = v
		}
	}
	for i := range sum.codes {
		if v := sum.codes[i].Load(); v > 0 {
			st.Answers[trackedCodes[i]] = v
		}
	}
	for k := range sum.ccr {
		name := "CCR"
		if k < len(reqKindNames) && k <= reqCCRE {
			name = reqKindNames[k]
		}
		for i := range sum.ccr[k] {
			if v := sum.ccr[k][i].Load(); v > 0 {
				st.Answers[trackedCodes[i]] += v
				st.CCAnswers[name+":"+itoa(uint64(trackedCodes[i]))] += v
			}
		}
	}
	return st
}

// Request kinds counted in ServerStats.Requests.
const (
	reqCCRI = iota
	reqCCRU
	reqCCRT
	reqCCRE
	reqCER
	reqDWR
	reqDPR
	reqRAA
	reqASA
	reqDPA
	reqDWA
	reqOther
	numReqKinds
)

var reqKindNames = [numReqKinds]string{"CCR-I", "CCR-U", "CCR-T", "CCR-E", "CER", "DWR", "DPR", "RAA", "ASA", "DPA", "DWA", "other"}

// trackedCodes are the result codes counted one by one; index 0 counts
// every other code.
var trackedCodes = []uint32{0, 2001, 2002,
	3001, 3002, 3003, 3004, 3005, 3006, 3007, 3008, 3009, 3010,
	4001, 4002, 4003, 4010, 4011, 4012,
	5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008, 5009, 5010, 5011, 5012, 5013, 5014, 5015, 5016, 5017,
	5030, 5031}

var codeIndex [6000]uint8

func init() {
	for i, c := range trackedCodes {
		if i > 0 {
			codeIndex[c] = uint8(i)
		}
	}
}

// connStats are one connection's counters: written only by the
// connection's goroutine, read by Stats. Answers to CCRs are counted in
// ccr by request kind (cur, the kind of the CCR being answered; the last
// row for one that did not decode), other answers in codes.
type connStats struct {
	reqs    [numReqKinds]atomic.Uint64
	codes   [40]atomic.Uint64
	ccr     [reqCCRE + 2][40]atomic.Uint64
	cur     int
	dups    atomic.Uint64
	dropped atomic.Uint64
	lat     metrics.Buckets
}

func (c *connStats) answer(rc wire.ResultCode) {
	i := 0
	if rc < wire.ResultCode(len(codeIndex)) {
		i = int(codeIndex[rc])
	}
	c.codes[i].Add(1)
}

// answerCCR counts an answer to the CCR of kind cur.
func (c *connStats) answerCCR(rc wire.ResultCode) {
	i := 0
	if rc < wire.ResultCode(len(codeIndex)) {
		i = int(codeIndex[rc])
	}
	c.ccr[min(c.cur, reqCCRE+1)][i].Add(1)
}

func (c *connStats) add(o *connStats) {
	for i := range c.reqs {
		c.reqs[i].Add(o.reqs[i].Load())
	}
	for i := range c.codes {
		c.codes[i].Add(o.codes[i].Load())
	}
	for k := range c.ccr {
		for i := range c.ccr[k] {
			c.ccr[k][i].Add(o.ccr[k][i].Load())
		}
	}
	c.dups.Add(o.dups.Load())
	c.dropped.Add(o.dropped.Load())
	c.lat.Add(&o.lat)
}
