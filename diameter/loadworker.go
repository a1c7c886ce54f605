package diameter

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
	"github.com/carriersim/carriersim/sim/netyield"
)

// A worker runs a share of the load: its own sessions, requests in flight,
// timer heap, phase cursors and random stream, all guarded by mu. Its
// goroutine sends what falls due; the connections' reading goroutines
// complete requests under the same lock and send a session's next request
// at once when it is due at once, so back-to-back requests need no
// goroutine switch.
//
// Hop-by-Hop-Identifier layout: worker (6 bits) | generation (6 bits) |
// flight slot (20 bits). The generation changes with every transmission, so
// a late answer to a request already retransmitted matches nothing.
const (
	maxWorkers  = 64
	flightSlots = 1 << 20
	genBits     = 6
)

// Session states (client side).
const (
	csFree uint8 = iota
	csWaiting
	csInFlight
)

type csession struct {
	sid     [112]byte
	sidLen  uint8
	state   uint8
	next    uint8 // msgU or msgT: what falls due next
	final   bool  // a Final-Unit-Indication was received
	reauth  bool  // a RAR arrived while a request was in flight
	abort   bool  // an ASR arrived while a request was in flight
	reason  wire.ReportingReason
	phase   uint16
	sim     uint32
	gen     uint32
	seq     uint32 // bumped at every (re)schedule; stale heap entries differ
	num     uint32 // next CC-Request-Number
	left    int32  // updates left
	granted uint64
	due     int64
}

type flight struct {
	intended int64
	sent     int64
	deadline int64
	delayAt  int64
	used     uint64
	sess     uint32
	sessGen  uint32
	e2e      uint32
	num      uint32
	conn     uint16
	gen      uint8
	kind     uint8
	retries  uint8
	active   bool
	tflag    bool
	to       uint8 // index in LoadConfig.Addrs of the OCS it was last sent to
	firstTx  bool  // not yet transmitted
	reason   wire.ReportingReason
}

type timerEntry struct {
	due  int64
	sess uint32
	seq  uint32
}

type fifoEntry struct {
	at   int64
	slot uint32
	gen  uint8
}

// counters are read by Progress without the lock.
type counters struct {
	started, sent, answered, late, timeouts, retrans, lost, stale atomic.Uint64
	open, inflight                                                atomic.Int64
	_                                                             [64]byte
}

type cursor struct {
	p     *sim.Phase
	phase uint16
	arr   *sim.Arrivals
	start int64
	next  int64 // -1 when the phase has no more arrivals for this worker
	k     int   // arrivals seen (all workers)
}

type worker struct {
	l     *Load
	id    int
	conns []*clientConn

	mu       sync.Mutex
	sessions []*[sessChunk]csession // grown a chunk at a time: never copied under mu
	nsess    int
	freeS    []uint32
	flights  []flight
	freeF    []uint32
	timers   []timerEntry // binary min-heap on due
	fifo     ring         // timeouts, in deadline order
	delayed  ring         // impaired sends waiting for their delay
	cursors  []*cursor
	phases   []*sim.Phase
	rng      rand.PCG
	e2e      uint32
	rr       int
	maxIn    int
	inflight int
	open     int
	sleepTil int64
	blocked  bool // the last pass stopped at maxIn: wake it when answers free room

	ccr  wire.CCR
	cca  wire.CCA
	imsi []byte
	imei []byte
	uli  []byte

	wmu        sync.Mutex // guards writing and wbuf
	writing    []int
	wbuf       []byte
	touched    []int
	touchedSet []bool

	pace *pacer
	ctr  counters
}

func newWorker(l *Load, id int) (*worker, error) {
	pace, err := newPacer()
	if err != nil {
		return nil, fmt.Errorf("diameter: load worker pacer: %w", err)
	}
	w := &worker{l: l, id: id, pace: pace,
		maxIn: (l.cfg.MaxInFlight + l.cfg.Workers - 1) / l.cfg.Workers,
		imsi:  make([]byte, 0, 20), imei: make([]byte, 0, 20), uli: make([]byte, 0, 16)}
	w.rng.Seed(l.cfg.Seed, uint64(id)*0x9E3779B97F4A7C15+1)
	w.e2e = uint32(id) << 24
	return w, nil
}

// sessChunk sessions are allocated at a time.
const sessChunk = 1024

// sess returns session si. The caller holds mu.
func (w *worker) sess(si uint32) *csession { return &w.sessions[si/sessChunk][si%sessChunk] }

func (w *worker) u64() uint64 { return w.rng.Uint64() }

func (w *worker) wakeUp() { w.pace.poke() }

func (w *worker) addPhase(p *sim.Phase, idx int, start int64) {
	w.mu.Lock()
	for len(w.phases) <= idx {
		w.phases = append(w.phases, nil)
	}
	w.phases[idx] = p
	c := &cursor{p: p, phase: uint16(idx), arr: sim.NewArrivals(p), start: start}
	w.advance(c)
	if c.next >= 0 {
		w.cursors = append(w.cursors, c)
	}
	w.mu.Unlock()
	w.wakeUp()
}

// advance moves c to this worker's next arrival: arrival k belongs to
// worker k mod Workers.
func (w *worker) advance(c *cursor) {
	n := len(w.l.workers)
	for {
		off, ok := c.arr.Next()
		if !ok {
			c.next = -1
			return
		}
		k := c.k
		c.k++
		if k%n == w.id {
			c.next = c.start + int64(off)
			return
		}
	}
}

// loop is the worker's goroutine.
func (w *worker) loop() {
	defer w.l.wg.Done()
	defer w.pace.close()
	y := netyield.New()
	defer y.Close()
	for {
		w.mu.Lock()
		now := w.l.now()
		next := w.pass(now)
		w.sleepTil = next
		w.mu.Unlock()
		w.writeTouched()
		select {
		case <-w.l.done:
			return
		default:
		}
		if next > now {
			// Wait at least minPace: sends due within it go out together,
			// which bounds the wake-ups (each costs a cross-CPU wake-up,
			// 50-200 µs on this kind of VM) at a small cost in lateness.
			w.pace.wait(max(time.Duration(next-now), minPace))
		} else {
			// A full pass, more due at once: let the readers, parked on
			// their sockets, take their answers first (see netyield).
			y.Yield()
		}
	}
}

// passBudget bounds the sends of one pass, so that readers get the lock.
const passBudget = 2048

// minPace is the shortest wait of a worker between passes.
const minPace = 100 * time.Microsecond

// pass does what is due at now and returns when to look again.
func (w *worker) pass(now int64) int64 {
	next := now + int64(time.Second)
	w.blocked = false
	// Timeouts and retransmissions.
	for w.fifo.n > 0 {
		e := w.fifo.head()
		f := &w.flights[e.slot]
		if !f.active || f.gen != e.gen || f.deadline != e.at {
			w.fifo.pop()
			continue
		}
		if e.at > now {
			next = min(next, e.at)
			break
		}
		w.fifo.pop()
		w.expire(e.slot, now)
	}
	// Impaired sends whose delay is over.
	for w.delayed.n > 0 {
		e := w.delayed.head()
		f := &w.flights[e.slot]
		if !f.active || f.gen != e.gen || f.delayAt != e.at {
			w.delayed.pop()
			continue
		}
		if e.at > now {
			next = min(next, e.at)
			break
		}
		w.delayed.pop()
		w.transmit(e.slot, now, true)
	}
	budget := passBudget
	// Sessions whose next request is due.
	for len(w.timers) > 0 && budget > 0 {
		t := w.timers[0]
		s := w.sess(t.sess)
		if s.seq != t.seq || s.state != csWaiting {
			w.popTimer()
			continue
		}
		if t.due > now {
			next = min(next, t.due)
			break
		}
		if w.inflight >= w.maxIn {
			w.blocked = true
			break
		}
		w.popTimer()
		w.step(t.sess, t.due, now)
		budget--
	}
	// New sessions.
	if !w.l.draining.Load() {
		for i := 0; i < len(w.cursors); i++ {
			c := w.cursors[i]
			for c.next >= 0 && c.next <= now && budget > 0 {
				if w.inflight >= w.maxIn {
					w.blocked = true
					break
				}
				w.begin(c, c.next, now)
				w.advance(c)
				budget--
			}
			if c.next < 0 {
				w.cursors = append(w.cursors[:i], w.cursors[i+1:]...)
				i--
				continue
			}
			if c.next > now {
				next = min(next, c.next)
			}
		}
	}
	if budget == 0 {
		return now
	}
	// Held back by MaxInFlight, overdue work waits for answers to free
	// room (release wakes the worker), not for a timer.
	return next
}

// begin starts a session (or an event) of cursor c intended at intended.
func (w *worker) begin(c *cursor, intended, now int64) {
	p := c.p
	var card uint32
	if p.Cohort != nil {
		card = p.Cohort.Pick(w.u64())
	} else {
		card = uint32((w.u64() >> 32) * uint64(w.l.cr.Len()) >> 32)
	}
	si := w.newSession(card, c.phase)
	s := w.sess(si)
	w.ctr.started.Add(1)
	kind := uint8(msgI)
	if w.l.cfg.EventShare > 0 && float64(w.u64()>>11)/(1<<53) < w.l.cfg.EventShare {
		kind = msgE
	} else {
		s.left = int32(max(p.Updates.Count(w.u64(), w.u64()), 0))
	}
	w.send(si, kind, intended, now)
}

func (w *worker) newSession(card uint32, phase uint16) uint32 {
	var si uint32
	if n := len(w.freeS); n > 0 {
		si = w.freeS[n-1]
		w.freeS = w.freeS[:n-1]
	} else {
		if w.nsess%sessChunk == 0 {
			w.sessions = append(w.sessions, new([sessChunk]csession))
		}
		si = uint32(w.nsess)
		w.nsess++
	}
	s := w.sess(si)
	gen := s.gen + 1
	*s = csession{gen: gen, sim: card, phase: phase, state: csWaiting}
	// Session-Id (RFC 6733 §8.8): <origin-host>;<start>;<worker>-<slot>-<gen>
	b := append(s.sid[:0], w.l.sidBase...)
	b = strconv.AppendUint(b, uint64(w.id), 10)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(si), 10)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(gen), 10)
	s.sidLen = uint8(len(b))
	w.open++
	w.ctr.open.Add(1)
	return si
}

func (w *worker) endSession(si uint32) {
	s := w.sess(si)
	if s.state == csFree {
		return
	}
	s.state = csFree
	s.seq++
	w.freeS = append(w.freeS, si)
	w.open--
	w.ctr.open.Add(-1)
}

// step sends the next request of waiting session si.
func (w *worker) step(si uint32, intended, now int64) {
	s := w.sess(si)
	kind := s.next
	if w.l.draining.Load() {
		kind = msgT
	}
	w.send(si, kind, intended, now)
}

// schedule makes si send kind at due: at once when due and there is room,
// else through the timer heap.
func (w *worker) schedule(si uint32, kind uint8, due, now int64) {
	s := w.sess(si)
	s.state = csWaiting
	s.next = kind
	s.due = due
	s.seq++
	if due <= now && w.inflight < w.maxIn {
		w.send(si, kind, due, now)
		return
	}
	w.pushTimer(timerEntry{due: due, sess: si, seq: s.seq})
	if due < w.sleepTil {
		w.sleepTil = due
		w.wakeUp()
	}
}

// send issues request kind for session si.
func (w *worker) send(si uint32, kind uint8, intended, now int64) {
	s := w.sess(si)
	var slot uint32
	if n := len(w.freeF); n > 0 {
		slot = w.freeF[n-1]
		w.freeF = w.freeF[:n-1]
	} else {
		w.flights = append(w.flights, flight{})
		slot = uint32(len(w.flights) - 1)
	}
	f := &w.flights[slot]
	gen := f.gen + 1
	*f = flight{intended: intended, sess: si, sessGen: s.gen, kind: kind, num: s.num, gen: gen & (1<<genBits - 1),
		retries: uint8(w.l.cfg.Retries), active: true, firstTx: true}
	s.num++
	w.e2e++
	f.e2e = w.e2e
	p := w.phases[s.phase]
	switch kind {
	case msgU, msgT:
		u := uint64(p.Usage.Sample(w.u64(), w.u64()))
		f.used = min(u, s.granted)
		f.reason = s.reason
		if kind == msgT {
			f.reason = wire.ReasonFinal
		}
	}
	s.reason = wire.ReasonValidityTime
	s.state = csInFlight
	w.inflight++
	w.ctr.inflight.Add(1)
	f.conn = uint16(w.pickConn())
	w.transmit(slot, now, false)
}

// pickConn returns the index (in Load.conns) of the next connection of this
// worker that is up, round robin, preferring those that are not standbys.
func (w *worker) pickConn() int {
	n := len(w.conns)
	standby := -1
	for i := 0; i < n; i++ {
		w.rr++
		cc := w.conns[w.rr%n]
		if !cc.up.Load() {
			continue
		}
		if !cc.standby {
			return cc.idx
		}
		if standby < 0 {
			standby = cc.idx
		}
	}
	if standby >= 0 {
		return standby
	}
	return w.conns[0].idx
}

// alternate returns the connection to retransmit a request on that was
// last sent on connection cur to address to (an index in Addrs): the next
// connection, among all the load's, that is up and leads to another
// address if any does, else any other that is up, else the same. The
// address is the one the request went to, not cur's address now: cur may
// have failed over since, to an address that is fine.
func (w *worker) alternate(cur int, to uint8) int {
	all := w.l.conns
	n := len(all)
	fallback := -1
	for i := 1; i <= n; i++ {
		cc := all[(cur+i)%n]
		if !cc.up.Load() {
			continue
		}
		if cc.addrID() != int(to) {
			return cc.idx
		}
		if fallback < 0 && cc.idx != cur {
			fallback = cc.idx
		}
	}
	if fallback >= 0 {
		return fallback
	}
	return cur
}

// transmit writes flight slot (or holds it back for the impairment delay).
func (w *worker) transmit(slot uint32, now int64, delayed bool) {
	f := &w.flights[slot]
	if d := w.l.delay.Load(); d > 0 && !delayed {
		f.delayAt = now + d
		w.delayed.push(fifoEntry{at: f.delayAt, slot: slot, gen: f.gen})
		return
	}
	if f.firstTx {
		f.firstTx = false
		if time.Duration(now-f.intended) > w.l.cfg.LateAfter {
			w.l.run.Late(w.id, w.l.msgs[f.kind])
			w.ctr.late.Add(1)
		}
	}
	f.sent = now
	f.deadline = now + int64(w.l.cfg.Timeout)
	w.fifo.push(fifoEntry{at: f.deadline, slot: slot, gen: f.gen})
	w.ctr.sent.Add(1)
	if loss := math.Float64frombits(w.l.loss.Load()); loss > 0 && float64(w.u64()>>11)/(1<<53) < loss {
		w.ctr.lost.Add(1)
		return
	}
	cc := w.l.conns[f.conn]
	f.to = uint8(cc.addrID())
	w.encodeTo(cc, slot)
	w.touch(int(f.conn))
}

// touch notes that connection i has output to flush.
func (w *worker) touch(i int) {
	if !w.touchedSet[i] {
		w.touchedSet[i] = true
		w.touched = append(w.touched, i)
	}
}

// writeTouched writes the output of the connections touched since the
// last call, from the calling goroutine (the worker or a reader), without
// mu held: a reader waiting for mu never waits for a write.
func (w *worker) writeTouched() {
	w.wmu.Lock() // before mu: the scratch below is shared by the worker and its readers
	w.mu.Lock()
	if len(w.touched) == 0 {
		w.mu.Unlock()
		w.wmu.Unlock()
		return
	}
	touched := append(w.writing[:0], w.touched...)
	for _, i := range w.touched {
		w.touchedSet[i] = false
	}
	w.touched = w.touched[:0]
	w.mu.Unlock()
	for _, i := range touched {
		w.wbuf = w.l.conns[i].writeInline(w.wbuf)
	}
	w.writing = touched
	w.wmu.Unlock()
}

// kick asks the writers of the touched connections to write. The caller
// holds mu; the kicks do not block.
func (w *worker) kick() {
	for _, i := range w.touched {
		w.touchedSet[i] = false
		w.l.conns[i].flush()
	}
	w.touched = w.touched[:0]
}

// encodeTo appends the CCR of flight slot to cc's output.
func (w *worker) encodeTo(cc *clientConn, slot uint32) {
	f := &w.flights[slot]
	s := w.sess(f.sess)
	l := w.l
	r := &w.ccr
	r.Header = wire.Header{HopByHop: uint32(w.id)<<26 | uint32(f.gen)<<20 | slot, EndToEnd: f.e2e}
	if f.tflag {
		r.Header.Flags = wire.FlagRetransmitted
	}
	r.SessionID = s.sid[:s.sidLen]
	r.OriginHost, r.OriginRealm, r.DestinationRealm = l.id.originHost, l.id.originRealm, l.id.destRealm
	r.DestinationHost = nil
	r.AuthApplicationID = wire.AppCreditControl
	r.ServiceContextID = l.ctxID
	r.RequestNumber = f.num
	r.HasEventTimestamp = false
	r.HasTerminationCause = false
	r.HasMultipleServicesIndicator = true
	r.MultipleServicesIndicator = 1
	r.NumProxyInfo, r.NumRouteRecord = 0, 0
	id := l.cr.Identity(s.sim)
	w.imsi = strconv.AppendUint(w.imsi[:0], id.IMSI, 10)
	r.NumSubscriptionIDs = 1
	r.SubscriptionIDs[0] = wire.SubscriptionID{Type: wire.EndUserIMSI, Data: w.imsi}
	r.UserName = nil
	if l.cfg.UserName {
		r.UserName = w.imsi
	}
	r.UserLocationInfo = nil
	r.ULIInPSInformation = false
	r.HasUserEquipmentInfo = false
	if f.kind != msgT {
		w.uli = uliOf(l.dev.Location(s.sim), w.uli[:0])
		r.UserLocationInfo = w.uli
		w.imei = appendIMEISV(w.imei[:0], l.dev.IMEI(s.sim))
		r.HasUserEquipmentInfo = true
		r.UserEquipmentInfo = wire.UserEquipmentInfo{Type: wire.UEInfoIMEISV, Value: w.imei}
	}
	r.NumMSCC = 1
	m := &r.MSCC[0]
	*m = wire.MSCCRequest{HasRatingGroup: true, RatingGroup: l.cfg.RatingGroup}
	p := w.phases[s.phase]
	switch f.kind {
	case msgI, msgE:
		r.RequestType = wire.InitialRequest
		if f.kind == msgE {
			r.RequestType = wire.EventRequest
		}
		m.HasRSU = true
		if p.Request > 0 {
			m.RSU = wire.Octets(p.Request)
		}
	case msgU:
		r.RequestType = wire.UpdateRequest
		m.HasRSU = true
		if p.Request > 0 {
			m.RSU = wire.Octets(p.Request)
		}
		m.NumUsed = 1
		m.Used[0] = wire.UsedUnit{ServiceUnit: wire.Octets(f.used), HasReportingReason: true, ReportingReason: f.reason}
	case msgT:
		r.RequestType = wire.TerminationRequest
		r.HasTerminationCause, r.TerminationCause = true, wire.CauseLogout
		m.NumUsed = 1
		m.Used[0] = wire.UsedUnit{ServiceUnit: wire.Octets(f.used), HasReportingReason: true, ReportingReason: wire.ReasonFinal}
	}
	cc.outMu.Lock()
	if cc.nc != nil {
		if out, err := r.Append(cc.out); err == nil {
			cc.out = out
		}
	}
	cc.outMu.Unlock()
}

// appendIMEISV writes a 14-digit IMEI body as a 16-digit IMEISV with
// software version 01 (TS 23.003 §6.2.2).
func appendIMEISV(dst []byte, body uint64) []byte {
	v := body*100 + 1
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, b[:]...)
}

// expire handles flight slot whose deadline passed: retransmit with the T
// flag to the alternate peer, or give up.
func (w *worker) expire(slot uint32, now int64) {
	f := &w.flights[slot]
	if f.retries > 0 {
		w.retransmit(slot, w.alternate(int(f.conn), f.to), now)
		return
	}
	w.l.run.Observe(w.id, metrics.Sample{Msg: w.l.msgs[f.kind], Class: metrics.ClassTimeout,
		Blame: blameNetwork, Latency: time.Duration(now - f.intended)})
	w.ctr.timeouts.Add(1)
	si := f.sess
	w.freeFlight(slot)
	// The session is abandoned: the OCS releases it when it falls silent.
	w.endSession(si)
}

// retransmit sends flight slot again, with the T flag, on connection conn,
// spending one of its retries; a new generation in its Hop-by-Hop-Id makes
// a late answer to the earlier copy stale.
func (w *worker) retransmit(slot uint32, conn int, now int64) {
	f := &w.flights[slot]
	f.retries--
	f.gen = (f.gen + 1) & (1<<genBits - 1)
	f.tflag = true
	f.conn = uint16(conn)
	w.ctr.retrans.Add(1)
	w.transmit(slot, now, false)
}

func (w *worker) freeFlight(slot uint32) {
	f := &w.flights[slot]
	f.active = false
	w.freeF = append(w.freeF, slot)
	w.inflight--
	w.ctr.inflight.Add(-1)
}

// complete takes the answer a (already decoded) to flight slot.
func (w *worker) complete(slot uint32, a *wire.CCA, decodeErr bool, now int64) {
	f := &w.flights[slot]
	l := w.l
	rc := a.ResultCode
	if (rc == wire.TooBusy || rc == wire.UnableToDeliver) && !decodeErr && f.retries > 0 {
		// Not carried out: try the alternate OCS, if there is one up
		// (RFC 6733 §7.1.3 DIAMETER_TOO_BUSY).
		if alt := w.alternate(int(f.conn), f.to); l.conns[alt].addrID() != int(f.to) {
			w.retransmit(slot, alt, now)
			return
		}
	}
	var m *wire.MSCCAnswer
	for i := range a.NumMSCC {
		if a.MSCC[i].RatingGroup == l.cfg.RatingGroup || !a.MSCC[i].HasRatingGroup {
			m = &a.MSCC[i]
			break
		}
	}
	if rc.IsSuccess() && m != nil && m.ResultCode != 0 && !m.ResultCode.IsSuccess() {
		rc = m.ResultCode
	}
	class := ClassOf(rc)
	blame := BlameOf(rc, a.ErrorMessage)
	if decodeErr {
		class, blame = metrics.ClassError, ""
	}
	l.run.Observe(w.id, metrics.Sample{Msg: l.msgs[f.kind], Class: class, Code: uint32(rc), Blame: blame,
		Latency: time.Duration(now - f.intended)})
	w.ctr.answered.Add(1)
	si, kind := f.sess, f.kind
	w.freeFlight(slot)
	s := w.sess(si)
	if kind == msgT || kind == msgE || (class != metrics.ClassOK && !a.ResultCode.IsSuccess()) {
		// The session is over: terminated, an event, or ended by a
		// command-level refusal (the OCS ended it: no CCR-T).
		w.endSession(si)
		return
	}
	if class != metrics.ClassOK {
		// Refused for our rating group only: the session is still open on
		// the OCS (RFC 4006 §5.1), so end it properly.
		s.granted = 0
		w.schedule(si, msgT, now, now)
		return
	}
	s.granted = 0
	if m != nil && m.HasGSU {
		s.granted = m.GSU.Total
		if !m.GSU.HasTotal {
			s.granted = m.GSU.Input + m.GSU.Output
		}
	}
	if m != nil && m.HasFUI {
		s.final = true
	}
	p := w.phases[s.phase]
	switch {
	case s.abort || l.draining.Load():
		w.schedule(si, msgT, now, now)
	case s.reauth:
		s.reauth = false
		s.reason = wire.ReasonForcedReauthorisation
		w.schedule(si, msgU, now, now)
	case s.final || s.left <= 0:
		w.schedule(si, msgT, now+int64(p.Interval.Duration(w.u64(), w.u64())), now)
	default:
		s.left--
		w.schedule(si, msgU, now+int64(p.Interval.Duration(w.u64(), w.u64())), now)
	}
}

// drain turns every waiting session's next request into a CCR-T, spread
// over at most a second from now.
func (w *worker) drain() {
	w.mu.Lock()
	now := w.l.now()
	w.cursors = nil
	waiting := 0
	for i := range w.nsess {
		if w.sess(uint32(i)).state == csWaiting {
			waiting++
		}
	}
	// Spread, not all at once (see sim.DrainGap).
	ends := sim.NewDrainSchedule(now, waiting)
	for i := range w.nsess {
		if s := w.sess(uint32(i)); s.state == csWaiting {
			s.next = msgT
			s.seq++
			w.pushTimer(timerEntry{due: ends.Next(s.due), sess: uint32(i), seq: s.seq})
		}
	}
	w.mu.Unlock()
	w.wakeUp()
}

// answers implements clientHandler: route each CCA to its worker by the
// Hop-by-Hop-Identifier and complete it.
func (l *Load) answers(cc *clientConn, msgs [][]byte) {
	var cur *worker
	var now int64
	for _, msg := range msgs {
		h, _ := wire.ParseHeader(msg)
		wi := int(h.HopByHop >> 26)
		if wi >= len(l.workers) {
			continue
		}
		w := l.workers[wi]
		if w != cur {
			if cur != nil {
				cur.release()
			}
			cur = w
			cur.mu.Lock()
			now = l.now()
		}
		slot := h.HopByHop & (flightSlots - 1)
		gen := uint8(h.HopByHop>>20) & (1<<genBits - 1)
		if int(slot) >= len(w.flights) || !w.flights[slot].active || w.flights[slot].gen != gen ||
			w.flights[slot].e2e != h.EndToEnd {
			w.ctr.stale.Add(1)
			continue
		}
		err := w.cca.Decode(msg)
		w.complete(slot, &w.cca, err != nil, now)
	}
	if cur != nil {
		cur.release()
	}
}

// release ends a run of answers: flush what they made the worker send,
// unlock, and wake the worker if it was held back by MaxInFlight.
func (w *worker) release() {
	wake := w.blocked
	w.blocked = false
	w.mu.Unlock()
	w.writeTouched()
	if wake {
		w.wakeUp()
	}
}

// request implements clientHandler: answer a RAR or ASR and act on it.
func (l *Load) request(cc *clientConn, h wire.Header, msg []byte) {
	var q wire.SessionRequest
	abort := h.Code == wire.CommandAbortSession
	var err error
	if abort {
		var asr wire.ASR
		err = asr.Decode(msg)
		q = asr.SessionRequest
	} else {
		var rar wire.RAR
		err = rar.Decode(msg)
		q = rar.SessionRequest
	}
	var a wire.SessionAnswer
	a.Header = wire.Header{HopByHop: h.HopByHop, EndToEnd: h.EndToEnd}
	a.SessionID = q.SessionID
	a.OriginHost, a.OriginRealm = l.id.originHost, l.id.originRealm
	a.NumProxyInfo, a.ProxyInfo = q.NumProxyInfo, q.ProxyInfo
	switch {
	case err != nil:
		var e wire.ErrorAnswer
		e.ReplyTo(msg)
		e.SetError(err)
		e.OriginHost, e.OriginRealm = l.id.originHost, l.id.originRealm
		cc.send(e.Append)
		return
	case l.reauth(q.SessionID, abort):
		a.ResultCode = wire.Success
	default:
		a.ResultCode = wire.UnknownSessionID
	}
	if abort {
		asa := wire.ASA{SessionAnswer: a}
		cc.send(asa.Append)
	} else {
		raa := wire.RAA{SessionAnswer: a}
		cc.send(raa.Append)
	}
}

// reauth finds the session sid names and makes it report now (RAR) or end
// (ASR); it reports whether the session exists.
func (l *Load) reauth(sid []byte, abort bool) bool {
	if len(sid) <= len(l.sidBase) || string(sid[:len(l.sidBase)]) != string(l.sidBase) {
		return false
	}
	var v [3]uint64
	k := 0
	for _, ch := range sid[len(l.sidBase):] {
		switch {
		case ch >= '0' && ch <= '9' && k < 3:
			v[k] = v[k]*10 + uint64(ch-'0')
		case ch == '-' && k < 2:
			k++
		default:
			return false
		}
	}
	if k != 2 || v[0] >= uint64(len(l.workers)) {
		return false
	}
	w := l.workers[v[0]]
	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.kick()
	if v[1] >= uint64(w.nsess) {
		return false
	}
	si := uint32(v[1])
	s := w.sess(si)
	if s.state == csFree || uint64(s.gen) != v[2] {
		return false
	}
	now := l.now()
	switch {
	case s.state == csInFlight && abort:
		s.abort = true
	case s.state == csInFlight:
		s.reauth = true
	case abort:
		w.schedule(si, msgT, now, now)
	default:
		s.reason = wire.ReasonForcedReauthorisation
		w.schedule(si, msgU, now, now)
	}
	w.wakeUp()
	return true
}

// Timer heap.

func (w *worker) pushTimer(e timerEntry) {
	h := append(w.timers, e)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if h[p].due <= h[i].due {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	w.timers = h
}

func (w *worker) popTimer() {
	h := w.timers
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h[r].due < h[l].due {
			j = r
		}
		if h[i].due <= h[j].due {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
	w.timers = h
}

// ring is a growable FIFO of fifoEntry.
type ring struct {
	buf []fifoEntry
	h   int
	n   int
}

func (r *ring) push(e fifoEntry) {
	if r.n == len(r.buf) {
		nb := make([]fifoEntry, max(2*len(r.buf), 1024))
		for i := 0; i < r.n; i++ {
			nb[i] = r.buf[(r.h+i)%len(r.buf)]
		}
		r.buf, r.h = nb, 0
	}
	r.buf[(r.h+r.n)%len(r.buf)] = e
	r.n++
}

func (r *ring) head() fifoEntry { return r.buf[r.h] }

func (r *ring) pop() {
	r.h = (r.h + 1) % len(r.buf)
	r.n--
}
