package gtp

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// A load worker owns a socket, its sessions, a timing wheel and its share
// of every phase's arrivals, and runs them all on one goroutine: it sends
// what is due, reads what has arrived without blocking, and sleeps in the
// read only when nothing is due before the next tick. No lock is taken on
// the per-message path and nothing is allocated there.

// Session states on the client side.
const (
	csFree      uint8 = iota
	csCreating        // a Create Session Request is due or outstanding
	csIdle            // open, waiting for the next step
	csModifying       // a Modify Bearer Request is due or outstanding
	csDeleting        // a Delete Session Request is due or outstanding
	csReattach        // the network ended it; attaching again after Reattach
)

// csess is one session of the client (48 bytes).
type csess struct {
	card     uint32
	gen      uint32 // bumped when the slot is reused; high octet of our TEID
	tgen     uint32 // generation of the armed timer
	pgwC     uint32 // the gateway's control TEID
	pgwU     uint32 // the gateway's user TEID
	seq      uint32 // of the outstanding request
	intended int64  // intended send time of the current request (client clock)
	phase    uint16 // index in the worker's phases
	left     uint16 // Modify Bearers still to do
	state    uint8
	tries    uint8 // retransmissions of the outstanding request
	sent     bool  // the request is outstanding (not waiting for the in-flight bound)
	open     bool  // admitted and not ended
}

// phaseRun is a worker's progress through a phase.
type phaseRun struct {
	p      sim.Phase
	arr    *sim.Arrivals
	start  int64 // client clock at p.Start
	end    int64 // client clock at p.Start + p.Duration
	nextAt int64 // offset of the worker's next arrival; -1 when none is left
	k      int   // arrivals of the phase consumed, the worker's and others'
	closed int   // closed loop: sessions to keep under way
	live   int   // closed loop: sessions under way
}

// command is posted to a worker by Run, RunClosed and Drain.
type command struct {
	phase  *sim.Phase
	closed int
	drain  bool
}

// loadStats are a worker's figures, read by Progress.
type loadStats struct {
	started, open, inflight, sent, answered, retrans, late, timeouts atomic.Uint64
	netDeleted, lost, reattaches, noIdle, gpdus, gpduBytes           atomic.Uint64
	restarts, pathFailures, unexpected, completed, live, abandoned   atomic.Uint64
	_                                                                [64]byte
}

// loadPath is a worker's path to one gateway: the gateway's restart
// counter as last seen (TS 23.007 §18), the Echo exchange that watches the
// path (TS 29.274 §7.1.1) and the path's figures.
type loadPath struct {
	rec       int // the gateway's restart counter, -1 until seen
	echoSeq   uint32
	echoOut   bool
	echoTries int
	echoDue   int64
	echoStart int64
	nextEcho  int64

	started, lost, restarts, pathFailures atomic.Uint64
}

// delayed is a datagram held back by an impairment.
type delayed struct {
	due  int64
	to   netip.AddrPort
	user bool
	b    []byte
}

// seqRing maps the sequence numbers of outstanding requests to sessions:
// a worker's sequence numbers are consecutive, so a ring indexed by the
// low bits finds them (answers with TEID 0, such as Context not found,
// are matched this way too). A request keeps its entry unless a million
// more are sent while it waits (4 MB a worker).
const seqRing = 1 << 20

type loadWorker struct {
	l     *Load
	id    int
	conn  *udpConn
	user  *udpConn
	in    *batch
	out   *batch
	uout  *batch
	wheel *wheel
	fire  func(timer)

	sess    []csess
	free    []uint32
	bySeq   []uint32 // slot+1 by seq % seqRing
	phases  []*phaseRun
	rng     uint64
	seq     uint32
	maxIn   int
	inflt   int
	waitq   []uint32
	waitH   int
	delayed []delayed
	spare   [][]byte

	mu    sync.Mutex
	inbox []command
	has   atomic.Bool
	drain bool

	localC, localU netip.Addr
	recovery       uint8
	paths          []loadPath // by index in Load.peers

	csr wire.CreateSessionRequest
	csp wire.CreateSessionResponse
	mbr wire.ModifyBearerRequest
	mbp wire.ModifyBearerResponse
	dsr wire.DeleteSessionRequest
	dsp wire.DeleteSessionResponse
	dbr wire.DeleteBearerRequest
	dbp wire.DeleteBearerResponse
	ech wire.Echo
	hdr wire.Header

	payload []byte // a user packet of up to 1400 octets
	st      loadStats
}

func newLoadWorker(l *Load, id, maxIn int) (*loadWorker, error) {
	conn, err := listenUDP(l.cfg.LocalAddr)
	if err != nil {
		return nil, err
	}
	w := &loadWorker{l: l, id: id, conn: conn, in: newBatch(batchSize), out: newBatch(batchSize),
		bySeq: make([]uint32, seqRing), maxIn: maxIn, paths: make([]loadPath, len(l.peers)),
		rng: l.cfg.Seed*0x9E3779B97F4A7C15 + uint64(id)*0xBF58476D1CE4E5B9 + 1}
	w.fire = w.onTimer
	w.localC = advertised(conn.localAddr().Addr())
	w.localU = w.localC
	if !l.cfg.ModelledUsage {
		host, _, _ := net.SplitHostPort(l.cfg.LocalAddr)
		if w.user, err = listenUDP(net.JoinHostPort(host, "0")); err != nil {
			conn.close()
			return nil, err
		}
		w.uout = newBatch(batchSize)
		w.localU = advertised(w.user.localAddr().Addr())
	}
	w.recovery = uint8(l.t0.Unix())
	w.wheel = newWheel(l.now())
	for i := range w.paths {
		w.paths[i].rec = -1
		w.paths[i].nextEcho = l.now() + int64(l.cfg.EchoInterval)
	}
	w.payload = make([]byte, 1400)
	w.payload[0] = 0x45 // an IPv4 header's first octet; the rest is zeros
	w.template()
	return w, nil
}

// template fills the fields of the Create Session Request that are the
// same for every session.
func (w *loadWorker) template() {
	l := w.l
	m := &w.csr
	m.ServingNetwork = l.plmn
	m.RATType = l.cfg.RAT
	m.SenderFTEID = fteid(wire.IfS5S8SGWGTPC, 0, w.localC)
	m.APN = l.apn
	m.HasSelectionMode, m.SelectionMode = true, wire.SelectionSubscribedVerified
	m.PDNType = wire.PDNTypeIPv4
	m.PAA = wire.PAAIPv4(netip.IPv4Unspecified())
	m.HasAMBR, m.AMBR = true, wire.AMBR{Uplink: 1024, Downlink: 1024}
	m.NumBearers = 1
	m.Bearers[0] = wire.BearerToCreate{EBI: 5, QoS: wire.BearerQoS{PriorityLevel: 9, QCI: 9},
		S5S8USGW: fteid(wire.IfS5S8SGWGTPU, 0, w.localU)}
	m.HasRecovery, m.Recovery = true, w.recovery
}

func (w *loadWorker) close() {
	w.conn.close()
	if w.user != nil {
		w.user.close()
	}
}

func (w *loadWorker) post(c command) {
	w.mu.Lock()
	w.inbox = append(w.inbox, c)
	w.mu.Unlock()
	w.has.Store(true)
}

// rand returns the worker's next pseudo-random value (splitmix64).
func (w *loadWorker) rand() uint64 {
	w.rng += 0x9E3779B97F4A7C15
	z := w.rng
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// teid is our TEID for slot s (control and user plane alike).
func (w *loadWorker) teid(s uint32) uint32 { return (w.sess[s].gen&0xff)<<24 | (s + 1) }

// byTEID finds the live session our TEID names.
func (w *loadWorker) byTEID(teid uint32) (uint32, bool) {
	s := teid&0xffffff - 1
	if teid&0xffffff == 0 || int(s) >= len(w.sess) {
		return 0, false
	}
	x := &w.sess[s]
	if x.state == csFree || x.gen&0xff != teid>>24 {
		return 0, false
	}
	return s, true
}

// loop is the worker's goroutine.
func (w *loadWorker) loop() {
	l := w.l
	for !l.closed.Load() {
		now := l.now()
		if w.has.Load() {
			w.commands(now)
		}
		w.arrivals(now)
		w.wheel.advance(now, w.fire)
		w.echo(now)
		w.dequeue(now)
		w.release(now)
		w.flush()
		n, err := w.conn.read(w.in, false, time.Time{})
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if n == 0 {
			// Nothing to read: sleep in the read until the next thing due.
			wake := now + int64(5*time.Millisecond)
			if t, ok := w.wheel.next(); ok && t < wake {
				wake = t
			}
			if t, ok := w.nextArrival(); ok && t < wake {
				wake = t
			}
			if len(w.delayed) > 0 && w.delayed[0].due < wake {
				wake = w.delayed[0].due
			}
			if wake <= l.now() {
				continue
			}
			if n, err = w.conn.read(w.in, true, l.t0.Add(time.Duration(wake))); err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			now = l.now()
		}
		for i := 0; i < n; i++ {
			w.receive(w.in.data(i), w.in.addrs[i], now)
		}
		if w.user != nil {
			// Drain Error Indications and echoes from the user plane.
			if n, _ := w.user.read(w.in, false, time.Time{}); n > 0 {
				w.st.unexpected.Add(uint64(n))
			}
		}
	}
}

// commands takes what Run, RunClosed and Drain posted.
func (w *loadWorker) commands(now int64) {
	w.mu.Lock()
	cmds := w.inbox
	w.inbox = nil
	w.has.Store(false)
	w.mu.Unlock()
	for _, c := range cmds {
		switch {
		case c.drain:
			w.drainAll(now)
		case c.phase != nil:
			pr := &phaseRun{p: *c.phase, closed: c.closed}
			pr.start = int64(c.phase.Start.Sub(w.l.t0))
			pr.end = pr.start + int64(c.phase.Duration)
			if c.closed == 0 {
				pr.arr = sim.NewArrivals(&pr.p)
				pr.nextAt = -1
				w.advancePhase(pr)
			}
			w.phases = append(w.phases, pr)
		}
	}
}

// advancePhase moves pr to the worker's next arrival: arrival k of the
// phase belongs to worker k mod Workers.
func (w *loadWorker) advancePhase(pr *phaseRun) {
	nw := len(w.l.workers)
	for {
		off, ok := pr.arr.Next()
		if !ok {
			pr.nextAt = -1
			return
		}
		k := pr.k
		pr.k++
		if k%nw == w.id {
			pr.nextAt = int64(off)
			return
		}
	}
}

// nextArrival returns when the worker's next arrival is due.
func (w *loadWorker) nextArrival() (int64, bool) {
	var best int64
	ok := false
	for _, pr := range w.phases {
		if pr.closed > 0 || pr.nextAt < 0 {
			continue
		}
		if t := pr.start + pr.nextAt; !ok || t < best {
			best, ok = t, true
		}
	}
	return best, ok
}

// arrivals starts the sessions that are due, at most a batch at a time so
// that answers keep being read.
func (w *loadWorker) arrivals(now int64) {
	if w.drain {
		return
	}
	budget := 4 * batchSize
	for i, pr := range w.phases {
		if pr.closed > 0 {
			for pr.live < pr.closed && now >= pr.start && now < pr.end && budget > 0 {
				budget--
				if !w.start(i, now) {
					break
				}
				pr.live++
			}
			continue
		}
		for pr.nextAt >= 0 && pr.start+pr.nextAt <= now && budget > 0 {
			budget--
			w.start(i, pr.start+pr.nextAt)
			w.advancePhase(pr)
		}
	}
}

// pickCard draws a card of the phase's cohort that has no session.
func (w *loadWorker) pickCard(p *sim.Phase) (uint32, bool) {
	n := w.l.carrier.Len()
	for try := 0; try < 8; try++ {
		var card uint32
		if p.Cohort != nil {
			card = p.Cohort.Pick(w.rand())
		} else {
			card = uint32((w.rand() >> 32) * uint64(n) >> 32)
		}
		if w.l.claim(card) {
			return card, true
		}
	}
	return 0, false
}

// start begins a session of phase i intended at intended.
func (w *loadWorker) start(i int, intended int64) bool {
	pr := w.phases[i]
	card, ok := w.pickCard(&pr.p)
	if !ok {
		w.st.noIdle.Add(1)
		return false
	}
	var s uint32
	if n := len(w.free); n > 0 {
		s = w.free[n-1]
		w.free = w.free[:n-1]
	} else {
		if len(w.sess) >= 1<<24-1 {
			w.l.unclaim(card)
			w.st.noIdle.Add(1)
			return false
		}
		w.sess = append(w.sess, csess{})
		s = uint32(len(w.sess) - 1)
	}
	x := &w.sess[s]
	x.card, x.phase, x.state, x.intended, x.open = card, uint16(i), csCreating, intended, false
	x.left = uint16(min(max(pr.p.Updates.Count(w.rand(), w.rand()), 0), 65535))
	w.st.started.Add(1)
	w.paths[w.l.peerOf(card)].started.Add(1)
	w.st.live.Add(1)
	w.request(s, w.l.now())
	return true
}

// request sends the request the session's state calls for, or queues it
// while the in-flight bound is reached.
func (w *loadWorker) request(s uint32, now int64) {
	if w.inflt >= w.maxIn {
		w.sess[s].sent = false
		w.waitq = append(w.waitq, s)
		return
	}
	w.transmit(s, now)
}

// dequeue sends queued requests as the in-flight bound allows.
func (w *loadWorker) dequeue(now int64) {
	for w.waitH < len(w.waitq) && w.inflt < w.maxIn {
		s := w.waitq[w.waitH]
		w.waitH++
		x := &w.sess[s]
		if x.state == csCreating || x.state == csModifying || x.state == csDeleting {
			if !x.sent {
				w.transmit(s, now)
			}
		}
	}
	if w.waitH == len(w.waitq) {
		w.waitq, w.waitH = w.waitq[:0], 0
	}
}

// transmit sends a session's request for the first time.
func (w *loadWorker) transmit(s uint32, now int64) {
	l := w.l
	x := &w.sess[s]
	w.seq = wire.NextSeq(w.seq)
	x.seq, x.tries, x.sent = w.seq, 0, true
	w.bySeq[x.seq&(seqRing-1)] = s + 1
	w.inflt++
	w.st.inflight.Add(1)
	w.st.sent.Add(1)
	if now-x.intended > int64(l.cfg.LateAfter) {
		l.cfg.Run.Late(w.id, l.msgs[msgOfState(x.state)])
		w.st.late.Add(1)
	}
	w.encode(s)
	w.arm(s, now+int64(l.cfg.T3))
}

func msgOfState(st uint8) int {
	switch st {
	case csModifying:
		return mModify
	case csDeleting:
		return mDelete
	}
	return mCreate
}

// arm sets the session's one timer.
func (w *loadWorker) arm(s uint32, at int64) {
	x := &w.sess[s]
	x.tgen++
	w.wheel.add(at, s, x.tgen)
}

// encode writes the session's outstanding request into the output batch.
func (w *loadWorker) encode(s uint32) {
	l := w.l
	x := &w.sess[s]
	teid := w.teid(s)
	out := w.ctrlSlot()
	var err error
	switch x.state {
	case csCreating:
		m := &w.csr
		id := l.carrier.Identity(x.card)
		m.Header = wire.Header{Seq: x.seq}
		m.IMSI = digits(id.IMSI)
		m.MSISDN = digits(id.MSISDN)
		m.MEI = wire.Digits{}
		if imei := l.cfg.Devices.IMEI(x.card); imei != 0 {
			m.MEI = wire.Digits{Value: sim.FullIMEI(imei), N: 15}
		}
		m.ULI = w.uli(l.cfg.Devices.Location(x.card))
		m.SenderFTEID.TEID = teid
		m.Bearers[0].S5S8USGW.TEID = teid
		out, err = m.Append(out)
	case csModifying:
		m := &w.mbr
		m.Header = wire.Header{TEID: x.pgwC, Seq: x.seq}
		m.ULI = w.uli(l.cfg.Devices.Location(x.card))
		out, err = m.Append(out)
	case csDeleting:
		m := &w.dsr
		m.Header = wire.Header{TEID: x.pgwC, Seq: x.seq}
		m.LinkedEBI = 5
		m.ULI = w.uli(l.cfg.Devices.Location(x.card))
		m.Indication = wire.Indication{}
		m.Indication.Set(wire.IndOI)
		out, err = m.Append(out)
	default:
		return
	}
	if err != nil {
		// A card whose identity cannot be encoded: count it and let the
		// request time out like a lost one.
		w.st.unexpected.Add(1)
		return
	}
	w.pushCtrl(out, l.peerOf(x.card))
}

// digits turns an identity number into TBCD digits (no leading zeros).
func digits(v uint64) wire.Digits {
	if v == 0 {
		return wire.Digits{}
	}
	n := uint8(0)
	for x := v; x > 0; x /= 10 {
		n++
	}
	return wire.Digits{Value: v, N: n}
}

// uli is the ULI of a location: TAI and ECGI in the serving network.
func (w *loadWorker) uli(loc sim.Location) wire.ULI {
	var u wire.ULI
	if loc.HasTAI {
		u.Flags |= wire.ULITAI
		u.TAI = wire.TAI{PLMN: w.l.plmn, TAC: loc.TAC}
	}
	if loc.HasECGI {
		u.Flags |= wire.ULIECGI
		u.ECGI = wire.ECGI{PLMN: w.l.plmn, ECI: loc.ECI & (1<<28 - 1)}
	}
	return u
}

// ctrlSlot returns an empty buffer in the control batch, flushing a full one.
func (w *loadWorker) ctrlSlot() []byte {
	if w.out.full() {
		_ = w.conn.write(w.out)
	}
	return w.out.slot()
}

// pushCtrl commits a control datagram for gateway peer, through the
// impairment if one is set.
func (w *loadWorker) pushCtrl(b []byte, peer int) {
	to := w.l.peers[peer].c
	if w.impaired(b, to, false) {
		return
	}
	w.out.push(b, to)
}

// pushCtrlTo commits a control datagram (an answer) to an address.
func (w *loadWorker) pushCtrlTo(b []byte, to netip.AddrPort) {
	if w.impaired(b, to, false) {
		return
	}
	w.out.push(b, to)
}

// impaired applies the impairment to a datagram about to be sent: it
// reports true when the datagram is dropped or held back.
func (w *loadWorker) impaired(b []byte, to netip.AddrPort, user bool) bool {
	imp := w.l.impair.Load()
	if imp == nil {
		return false
	}
	if imp.loss > 0 && float64(w.rand()>>11)/(1<<53) < imp.loss {
		return true
	}
	if imp.delay > 0 {
		var buf []byte
		if n := len(w.spare); n > 0 {
			buf, w.spare = w.spare[n-1][:0], w.spare[:n-1]
		}
		w.delayed = append(w.delayed, delayed{due: w.l.now() + imp.delay, to: to, user: user, b: append(buf, b...)})
		return true
	}
	return false
}

// release sends the held-back datagrams that are due.
func (w *loadWorker) release(now int64) {
	i := 0
	for ; i < len(w.delayed) && w.delayed[i].due <= now; i++ {
		d := &w.delayed[i]
		if d.user && w.user != nil {
			if w.uout.full() {
				_ = w.user.write(w.uout)
			}
			w.uout.pushCopy(d.b, d.to)
		} else {
			if w.out.full() {
				_ = w.conn.write(w.out)
			}
			w.out.pushCopy(d.b, d.to)
		}
		w.spare = append(w.spare, d.b)
	}
	if i > 0 {
		w.delayed = append(w.delayed[:0], w.delayed[i:]...)
	}
}

// flush writes the output batches.
func (w *loadWorker) flush() {
	if w.out.n > 0 {
		_ = w.conn.write(w.out)
	}
	if w.uout != nil && w.uout.n > 0 {
		_ = w.user.write(w.uout)
	}
}

// onTimer handles a session's timer: a retransmission or a timeout when a
// request is outstanding, else the session's next step.
func (w *loadWorker) onTimer(t timer) {
	if int(t.slot) >= len(w.sess) {
		return
	}
	x := &w.sess[t.slot]
	if x.tgen != t.gen || x.state == csFree {
		return
	}
	l := w.l
	now := l.now()
	switch x.state {
	case csCreating, csModifying, csDeleting:
		if !x.sent {
			return
		}
		if int(x.tries) < l.cfg.N3 {
			x.tries++
			w.st.retrans.Add(1)
			w.bySeq[x.seq&(seqRing-1)] = t.slot + 1
			w.encode(t.slot)
			w.arm(t.slot, now+int64(l.cfg.T3))
			return
		}
		w.settle(t.slot)
		w.st.timeouts.Add(1)
		l.cfg.Run.Observe(w.id, metrics.Sample{Msg: l.msgs[msgOfState(x.state)], Class: metrics.ClassTimeout,
			Blame: blameNetwork, Latency: time.Duration(now - x.intended)})
		switch x.state {
		case csModifying:
			w.toDelete(t.slot, now)
		default:
			w.end(t.slot)
		}
	case csIdle:
		if w.drain {
			w.toDelete(t.slot, now)
			return
		}
		x.state = csModifying
		w.request(t.slot, now)
	case csReattach:
		if w.drain {
			w.end(t.slot)
			return
		}
		pr := w.phases[x.phase]
		x.state, x.intended = csCreating, now
		x.left = uint16(min(max(pr.p.Updates.Count(w.rand(), w.rand()), 0), 65535))
		w.st.started.Add(1)
		w.paths[l.peerOf(x.card)].started.Add(1)
		w.st.reattaches.Add(1)
		w.request(t.slot, now)
	}
}

// settle forgets the session's outstanding request.
func (w *loadWorker) settle(s uint32) {
	x := &w.sess[s]
	if !x.sent {
		return
	}
	x.sent = false
	if i := x.seq & (seqRing - 1); w.bySeq[i] == s+1 {
		w.bySeq[i] = 0
	}
	w.inflt--
	w.st.inflight.Add(^uint64(0))
}

// toDelete makes the session's next request its Delete Session, now.
func (w *loadWorker) toDelete(s uint32, now int64) {
	x := &w.sess[s]
	x.state, x.intended = csDeleting, now
	w.request(s, now)
}

// next moves an open session on after an answered request: wait for the
// next Modify Bearer, or delete it.
func (w *loadWorker) next(s uint32, now int64) {
	x := &w.sess[s]
	if x.left == 0 || w.drain {
		w.toDelete(s, now)
		return
	}
	x.left--
	pr := w.phases[x.phase]
	iv := pr.p.Interval.Duration(w.rand(), w.rand())
	x.state, x.intended = csIdle, now+int64(iv)
	w.arm(s, x.intended)
	// The interval's usage goes at its start, so it has arrived by the
	// time the Modify Bearer reports it.
	w.sendUsage(s)
}

// end frees a session's slot and card.
func (w *loadWorker) end(s uint32) {
	x := &w.sess[s]
	if x.state == csFree {
		return
	}
	w.settle(s)
	if x.open {
		x.open = false
		w.st.open.Add(^uint64(0))
	}
	w.l.unclaim(x.card)
	pr := w.phases[x.phase]
	x.state = csFree
	x.gen++
	x.tgen++
	w.free = append(w.free, s)
	w.st.live.Add(^uint64(0))
	if pr.closed > 0 {
		pr.live--
	}
}

// networkEnded handles a session the network ended (Delete Bearer, a
// restart or a path failure): re-attach after Reattach, or end.
func (w *loadWorker) networkEnded(s uint32, now int64) {
	x := &w.sess[s]
	w.settle(s)
	if x.open {
		x.open = false
		w.st.open.Add(^uint64(0))
	}
	if w.l.cfg.Reattach <= 0 || w.drain {
		w.end(s)
		return
	}
	x.state = csReattach
	x.gen++ // answers to the old session no longer match
	w.arm(s, now+int64(w.l.cfg.Reattach))
}

// sendUsage sends an interval's usage as G-PDUs on the session's tunnel
// (nothing in modelled mode), at the start of the interval.
func (w *loadWorker) sendUsage(s uint32) {
	if w.user == nil {
		return
	}
	x := &w.sess[s]
	pr := w.phases[x.phase]
	to := w.l.peers[w.l.peerOf(x.card)].u
	left := uint64(pr.p.Usage.Sample(w.rand(), w.rand()))
	for left > 0 {
		n := min(left, uint64(len(w.payload)))
		left -= n
		if w.uout.full() {
			_ = w.user.write(w.uout)
		}
		b, err := wire.AppendGPDU(w.uout.slot(), x.pgwU, w.payload[:n])
		if err != nil {
			return
		}
		w.st.gpdus.Add(1)
		w.st.gpduBytes.Add(n)
		if w.impaired(b, to, true) {
			continue
		}
		w.uout.push(b, to)
	}
}

// drainAll stops arrivals, deletes every open session, spread over at most
// a second (see sim.DrainGap), and gives up the attaches not yet sent.
func (w *loadWorker) drainAll(now int64) {
	w.drain = true
	idle := 0
	for s := range w.sess {
		if w.sess[s].state == csIdle {
			idle++
		}
	}
	ends := sim.NewDrainSchedule(now, idle)
	for s := range w.sess {
		x := &w.sess[s]
		switch {
		case x.state == csIdle:
			// Its timer, re-armed, deletes it (onTimer, w.drain).
			if at := ends.Next(x.intended); at <= now {
				w.toDelete(uint32(s), now)
			} else {
				x.intended = at
				w.arm(uint32(s), at)
			}
		case x.state == csReattach:
			w.end(uint32(s))
		case x.state == csCreating && !x.sent:
			// Still waiting for the in-flight bound: never sent, so
			// nothing to undo on the gateway.
			w.st.abandoned.Add(1)
			w.end(uint32(s))
		}
	}
}

// loseAll ends every session admitted by gateway peer but keep: the
// gateway lost them (a restart or a path failure). Attaches under way go
// on, and so do the sessions of the other gateways.
func (w *loadWorker) loseAll(peer int, keep int64, now int64) {
	l := w.l
	for s := range w.sess {
		x := &w.sess[s]
		if int64(s) == keep || !x.open || l.peerOf(x.card) != peer {
			continue
		}
		w.st.lost.Add(1)
		w.paths[peer].lost.Add(1)
		w.networkEnded(uint32(s), now)
	}
}
