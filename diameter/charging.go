package diameter

import (
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim"
)

// Answering Credit-Control-Requests (RFC 4006 §5, TS 32.299 §6.4).
//
// The CCRs of one read are answered as a batch in three steps:
//
//  1. take: decode each CCR, find or create its session, check the
//     CC-Request-Number, answer duplicates and errors at once, mark the
//     session busy and turn each MSCC into a sim.Request carrying the
//     session's hold for that rating group;
//  2. rate every request of the batch with one Carrier.RateBatch, so the
//     cards' cache misses overlap;
//  3. record each decision in its session and encode the answer from the
//     session's record, the same way a retransmission is answered later.
//
// Nothing here allocates once the connection's buffers have grown, unless
// a request is malformed.

var errLoop = []byte("our Origin-Host is in the Route-Record: a routing loop")

// batchMax is the number of CCRs rated together.
const batchMax = 32

// reqsMax bounds the rating requests of a batch: at most MaxMSCC per CCR,
// or every rating group a terminating session holds.
const reqsMax = batchMax * max(wire.MaxMSCC, maxRGs)

type batchItem struct {
	msg    []byte
	shard  int
	slot   int
	gen    uint32
	lo, hi int // its rating requests: reqs[lo:hi]
	rate   bool
}

type batch struct {
	n     int
	ccrs  [batchMax]wire.CCR
	items [batchMax]batchItem
	nreq  int
	reqs  [reqsMax]sim.Request
	ds    [reqsMax]sim.Decision
	rgIdx [reqsMax]int8 // index of the rating-group entry each request is for
	rel   []release     // holds to release after the shard locks are dropped
	cards []cardOp
	hook  []hookItem // what intercept noted for observe, only while hooks are on (hooks.go)
}

type release struct {
	sim  uint32
	hold sim.Hold
}

type cardOp struct {
	sim uint32
	ref sessionRef
	add bool
}

// add queues the CCR msg; the batch is answered when full.
func (b *batch) add(c *serverConn, msg []byte) {
	b.items[b.n] = batchItem{msg: msg}
	b.n++
	if b.n == batchMax {
		c.flushBatch()
	}
}

// flushBatch answers the queued CCRs.
func (c *serverConn) flushBatch() {
	b := c.b
	if b.n == 0 {
		return
	}
	s := c.s
	var start time.Time
	if s.cfg.MeasureLatency {
		start = time.Now()
	}
	cr := s.c
	now := cr.Clock().UnixNano()
	mode := cr.Faults().InstanceOutage(sim.NodeOCS, c.instance, now)
	c.outMu.Lock()
	hooked, mark := s.hooks.On(), len(c.out) // hooks.go: off unless a test injects or journals
	b.nreq = 0
	for k := 0; k < b.n; k++ {
		if hooked && c.intercept(k) {
			continue
		}
		c.take(k, now, mode)
	}
	if b.nreq > 0 {
		cr.RateBatch(b.reqs[:b.nreq], b.ds[:b.nreq])
	}
	for k := 0; k < b.n; k++ {
		if b.items[k].rate {
			c.record(k, now)
		}
	}
	if hooked {
		c.observe(mark)
	}
	c.outMu.Unlock()
	for _, op := range b.cards {
		if op.add {
			s.sessions.addCard(op.sim, op.ref)
		} else {
			s.sessions.dropCard(op.sim, op.ref)
		}
	}
	for _, r := range b.rel {
		cr.Release(r.sim, r.hold, 0)
	}
	b.cards = b.cards[:0]
	b.rel = b.rel[:0]
	for k := 0; k < b.n; k++ {
		b.items[k].msg = nil
	}
	if s.cfg.MeasureLatency {
		c.stats.lat.Observe(time.Since(start), b.n)
	}
	b.n = 0
}

// take is step 1 for CCR k. The caller holds outMu.
func (c *serverConn) take(k int, now int64, mode sim.OutageMode) {
	b := c.b
	it := &b.items[k]
	r := &b.ccrs[k]
	if err := r.Decode(it.msg); err != nil {
		c.stats.cur = reqOther
		c.stats.reqs[reqOther].Add(1)
		c.answerDecodeError(r, it.msg, err)
		return
	}
	c.stats.cur = requestKind(r.RequestType)
	c.stats.reqs[c.stats.cur].Add(1)
	if mode == sim.OutageSilent {
		c.stats.dropped.Add(1)
		return
	}
	if rc := OutageResultCode(mode); rc != 0 {
		c.ea.ReplyTo(it.msg)
		c.ea.ResultCode = rc
		c.ea.OriginHost, c.ea.OriginRealm = c.s.originHost, c.s.originRealm
		c.ea.ErrorMessage = errorMessage(sim.ReasonNodeOutage, sim.BlameNetwork)
		c.appendLocked(c.ea.Append, rc)
		return
	}
	for i := range r.NumRouteRecord {
		if string(r.RouteRecord[i]) == string(c.s.originHost) {
			// RFC 6733 §6.1.3: the request has been through us before.
			c.ea.ReplyTo(it.msg)
			c.ea.ResultCode = wire.LoopDetected
			c.ea.ErrorMessage = errLoop
			c.ea.OriginHost, c.ea.OriginRealm = c.s.originHost, c.s.originRealm
			c.appendLocked(c.ea.Append, wire.LoopDetected)
			return
		}
	}
	svc, ok := serviceOf(r.ServiceContextID)
	if !ok {
		c.refuse(r, wire.RatingFailed, errUnknownContext)
		return
	}
	t := c.s.sessions
	h := t.hash(r.SessionID)
	si := shardOf(h)
	sh := &t.shards[si]
	sh.mu.Lock()
	slot := sh.lookup(h, r.SessionID)
	var s *session
	switch r.RequestType {
	case wire.InitialRequest, wire.EventRequest:
		if slot >= 0 {
			c.existing(sh, sh.at(slot), r)
			sh.mu.Unlock()
			return
		}
		card, err := c.cardOf(r)
		if err != nil {
			sh.mu.Unlock()
			c.answerDecodeError(r, it.msg, err)
			return
		}
		slot = sh.insert(h, r.SessionID)
		s = sh.at(slot)
		s.sim = card
		s.started = now
		s.state = stateOpen
		sh.open++
	default:
		if slot < 0 {
			sh.mu.Unlock()
			c.refuse(r, wire.UnknownSessionID, nil)
			return
		}
		s = sh.at(slot)
		if isDuplicate(s, r) || s.state == stateEnded || s.busy {
			c.existing(sh, s, r)
			sh.mu.Unlock()
			return
		}
		if r.RequestNumber != s.num+1 {
			sh.mu.Unlock()
			c.refuse(r, wire.InvalidAVPValue, requestNumberError(r.RequestNumber, s.num+1))
			return
		}
		sh.compactRGs(s)
	}
	s.busy = true
	s.e2e = r.Header.EndToEnd
	s.num = r.RequestNumber
	s.reqType = uint8(r.RequestType)
	s.conn = c.id
	it.shard, it.slot, it.gen, it.rate = si, slot, s.gen, true
	it.lo = b.nreq
	c.requests(sh, s, r, svc)
	it.hi = b.nreq
	sh.mu.Unlock()
}

// existing answers a request for a session that exists but is not to be
// rated now: a retransmission gets the recorded answer (or nothing while
// the original is still being rated); anything else is refused.
func (c *serverConn) existing(sh *sessionShard, s *session, r *wire.CCR) {
	if isDuplicate(s, r) {
		if s.busy {
			c.stats.dropped.Add(1)
			return
		}
		c.stats.dups.Add(1)
		c.encodeAnswer(sh, s, r)
		return
	}
	switch {
	case r.RequestType == wire.InitialRequest || r.RequestType == wire.EventRequest:
		c.refuse(r, wire.UnableToComply, errSessionExists)
	case s.state == stateEnded:
		c.refuse(r, wire.UnknownSessionID, nil)
	default:
		c.refuse(r, wire.UnableToComply, errSessionBusy)
	}
}

// isDuplicate reports whether r repeats the last request of s: same
// End-to-End-Id, request type and number (RFC 6733 §5.5.4, RFC 4006 §5.1).
func isDuplicate(s *session, r *wire.CCR) bool {
	return s.e2e == r.Header.EndToEnd && s.num == r.RequestNumber && s.reqType == uint8(r.RequestType) && s.state != stateFree
}

// requests appends the rating requests of r for session s.
func (c *serverConn) requests(sh *sessionShard, s *session, r *wire.CCR, svc sim.Service) {
	b := c.b
	var loc sim.Location
	var imei uint64
	if r.RequestType != wire.TerminationRequest {
		loc = locationOf(r.UserLocationInfo)
		imei = imeiOf(r.IMEISV())
	}
	push := func(kind sim.Kind, e int, held sim.Hold, used, want uint64) {
		q := &b.reqs[b.nreq]
		*q = sim.Request{SIM: s.sim, Kind: kind, Service: svc, Requested: want, Used: used, Held: held, Loc: loc, IMEI: imei}
		b.rgIdx[b.nreq] = int8(e)
		b.nreq++
	}
	switch r.RequestType {
	case wire.InitialRequest, wire.EventRequest:
		kind := sim.KindInitial
		if r.RequestType == wire.EventRequest {
			kind = sim.KindEvent
		}
		if r.NumMSCC == 0 {
			// No MSCC: one implicit grant for the session as a whole.
			e := sh.addRG(s)
			sh.rg(s, e).pos = 1
			push(kind, e, sim.Hold{}, 0, 0)
			return
		}
		for j := range r.NumMSCC {
			m := &r.MSCC[j]
			e := sh.addRG(s)
			setRG(sh.rg(s, e), m, j)
			push(kind, e, sim.Hold{}, 0, requested(m))
		}
	case wire.UpdateRequest, wire.TerminationRequest:
		for j := range r.NumMSCC {
			m := &r.MSCC[j]
			e := sh.findRG(s, m.HasRatingGroup, m.RatingGroup)
			if e >= 0 && sh.rg(s, e).pos != 0 {
				continue // the same rating group twice in one request
			}
			if e < 0 {
				if e = sh.addRG(s); e < 0 {
					continue
				}
			}
			en := sh.rg(s, e)
			setRG(en, m, j)
			kind := sim.KindTerminate
			if r.RequestType == wire.UpdateRequest && m.HasRSU {
				kind = sim.KindUpdate
			}
			push(kind, e, en.hold, used(m), requested(m))
		}
		if r.RequestType == wire.TerminationRequest {
			// Release what the rating groups not reported still hold.
			for e := 0; e < int(s.nrg); e++ {
				if en := sh.rg(s, e); en.pos == 0 && en.flags&rgLive != 0 {
					push(sim.KindTerminate, e, en.hold, 0, 0)
				}
			}
		}
	}
}

// setRG readies entry e for MSCC j of a request.
func setRG(e *rgEntry, m *wire.MSCCRequest, j int) {
	e.rg, e.svc = m.RatingGroup, m.ServiceID
	e.flags &^= rgHasRG | rgHasSvc
	if m.HasRatingGroup {
		e.flags |= rgHasRG
	}
	if m.HasServiceID {
		e.flags |= rgHasSvc
	}
	e.pos = uint8(j + 1)
}

// record is step 3 for CCR k: store the decisions in the session, decide
// the command-level result, end the session when it is over, and encode the
// answer. The caller holds outMu.
func (c *serverConn) record(k int, now int64) {
	b := c.b
	it := &b.items[k]
	r := &b.ccrs[k]
	// Answers are counted by the kind of the CCR answered; take set it
	// for the last CCR of the batch, not this one.
	c.stats.cur = requestKind(r.RequestType)
	t := c.s.sessions
	sh := &t.shards[it.shard]
	sh.mu.Lock()
	s := sh.at(it.slot)
	var refused *sim.Decision
	anyOK := false
	var validity uint32
	for i := it.lo; i < it.hi; i++ {
		d := &b.ds[i]
		e := sh.rg(s, int(b.rgIdx[i]))
		e.hold = d.Hold
		e.granted, e.validity, e.threshold, e.final = 0, 0, 0, sim.FinalNone
		e.flags &^= rgHasGSU | rgLive
		if b.reqs[i].Kind == sim.KindTerminate {
			e.code = uint16(wire.Success)
			continue
		}
		e.code = uint16(ResultCodeOf(d.Outcome))
		if d.Outcome == sim.OutcomeSuccess {
			anyOK = true
			e.flags |= rgHasGSU
			if b.reqs[i].Kind != sim.KindEvent {
				e.flags |= rgLive
			}
			e.granted = d.Granted
			e.validity = d.ValiditySeconds
			e.threshold = uint32(min(d.Threshold, 1<<32-1))
			e.final = d.Final
			validity = max(validity, d.ValiditySeconds)
		} else {
			e.final = refusalFinal(d.Reason)
			if refused == nil {
				refused = d
			}
		}
	}
	s.reason, s.blame = sim.ReasonNone, sim.BlameNone
	if refused != nil {
		s.reason, s.blame = refused.Reason, refused.Blame
	}
	end := false
	switch {
	case r.RequestType == wire.TerminationRequest || r.RequestType == wire.EventRequest:
		s.code = uint16(wire.Success)
		if r.RequestType == wire.EventRequest && !anyOK && refused != nil {
			s.code = uint16(ResultCodeOf(refused.Outcome))
		}
		end = true
	case anyOK || refused == nil:
		// Granted, or nothing asked (usage reports only).
		s.code = uint16(wire.Success)
	default:
		s.code = uint16(ResultCodeOf(refused.Outcome))
		end = true
	}
	s.nAns = uint8(max(r.NumMSCC, 1))
	if r.RequestType == wire.TerminationRequest || r.RequestType == wire.UpdateRequest {
		s.nAns = uint8(r.NumMSCC)
	}
	if validity == 0 {
		validity = uint32(c.s.c.Validity() / 1e9)
	}
	s.expires = now + int64(validity)*1e9 + int64(c.s.cfg.SessionGrace)
	s.busy = false
	ref := sessionRef{shard: uint16(it.shard), slot: uint32(it.slot), gen: s.gen}
	if end {
		c.s.endLocked(sh, s, ref, &b.rel, &b.cards)
	} else if r.RequestType == wire.InitialRequest {
		b.cards = append(b.cards, cardOp{sim: s.sim, ref: ref, add: true})
	}
	c.encodeAnswer(sh, s, r)
	sh.mu.Unlock()
}

// endLocked makes the open session s a tombstone: what it still holds is
// queued for release and it leaves the card index. The caller holds sh.mu.
func (srv *Server) endLocked(sh *sessionShard, s *session, ref sessionRef, rel *[]release, cards *[]cardOp) {
	if s.state != stateOpen {
		return
	}
	for e := 0; e < int(s.nrg); e++ {
		en := sh.rg(s, e)
		if en.flags&rgLive != 0 {
			en.flags &^= rgLive
			if en.hold != (sim.Hold{}) {
				*rel = append(*rel, release{sim: s.sim, hold: en.hold})
			}
			en.hold = sim.Hold{}
		}
	}
	if carded(s) {
		*cards = append(*cards, cardOp{sim: s.sim, ref: ref})
	}
	s.state = stateEnded
	s.ended = srv.sweepGen.Load()
	sh.open--
}

// carded reports whether open session s is in the card index: every session
// whose CCR-I succeeded (an event, or a refused CCR-I, never is).
func carded(s *session) bool {
	switch wire.RequestType(s.reqType) {
	case wire.EventRequest:
		return false
	case wire.InitialRequest:
		return s.code == uint16(wire.Success)
	}
	return true
}

// encodeAnswer appends the CCA for request r from the record of session s
// (its last answer). The caller holds outMu and sh.mu.
func (c *serverConn) encodeAnswer(sh *sessionShard, s *session, r *wire.CCR) {
	a := &c.cca
	a.ReplyTo(r)
	a.OriginHost, a.OriginRealm = c.s.originHost, c.s.originRealm
	a.ResultCode = wire.ResultCode(s.code)
	if s.reason != sim.ReasonNone {
		a.ErrorMessage = errorMessage(s.reason, s.blame)
	}
	for p := 1; p <= int(s.nAns); p++ {
		for e := 0; e < int(s.nrg); e++ {
			en := sh.rg(s, e)
			if int(en.pos) != p {
				continue
			}
			m := a.AddMSCC()
			m.HasRatingGroup, m.RatingGroup = en.flags&rgHasRG != 0, en.rg
			m.HasServiceID, m.ServiceID = en.flags&rgHasSvc != 0, en.svc
			m.ResultCode = wire.ResultCode(en.code)
			if en.flags&rgHasGSU != 0 {
				m.HasGSU, m.GSU = true, wire.Octets(en.granted)
				m.HasValidityTime, m.ValidityTime = true, en.validity
				if en.threshold > 0 {
					m.HasVolumeQuotaThreshold, m.VolumeQuotaThreshold = true, en.threshold
				}
			}
			if act, ok := finalUnitAction(en.final); ok {
				m.HasFUI = true
				m.FUI = wire.FinalUnitIndication{Action: act}
				if act == wire.ActionRedirect {
					m.FUI.HasRedirectServer = true
					m.FUI.RedirectAddressType = c.s.redirType
					m.FUI.RedirectServerAddress = c.s.redirect
				}
				if act == wire.ActionRestrictAccess {
					m.FUI.NumFilterRules, m.FUI.FilterRules = c.s.nFilter, c.s.filterRules
				}
			}
			break
		}
	}
	c.appendLocked(a.Append, a.ResultCode)
}

// appendLocked is appendMsg for a caller that holds outMu.
func (c *serverConn) appendLocked(enc func([]byte) ([]byte, error), rc wire.ResultCode) {
	out, err := enc(c.out)
	if err != nil {
		return
	}
	c.out = out
	c.stats.answerCCR(rc)
}

// requestKind is the ServerStats.Requests kind of a CCR.
func requestKind(t wire.RequestType) int {
	switch t {
	case wire.InitialRequest:
		return reqCCRI
	case wire.UpdateRequest:
		return reqCCRU
	case wire.TerminationRequest:
		return reqCCRT
	}
	return reqCCRE
}

// refuse answers r with result code rc and, if err is a *wire.Error, its
// message and Failed-AVP. The caller holds outMu.
func (c *serverConn) refuse(r *wire.CCR, rc wire.ResultCode, err *wire.Error) {
	a := &c.cca
	a.ReplyTo(r)
	a.OriginHost, a.OriginRealm = c.s.originHost, c.s.originRealm
	a.ResultCode = rc
	if err != nil {
		a.ErrorMessage = []byte(err.Msg)
		a.FailedAVP = err.AVP
	}
	if rc == wire.RatingFailed {
		a.ErrorMessage = errorMessage(sim.ReasonRatingFailed, sim.BlameOf(sim.ReasonRatingFailed))
	}
	c.appendLocked(a.Append, rc)
}

// answerDecodeError answers a CCR that could not be decoded or mapped:
// with a CCA for 4xxx and 5xxx (RFC 6733 §7.1.4-5), with the generic
// answer-message and the E bit for 3xxx. The caller holds outMu.
func (c *serverConn) answerDecodeError(r *wire.CCR, msg []byte, err error) {
	var we *wire.Error
	if e, ok := err.(*wire.Error); ok {
		we = e
	}
	if we != nil && we.ResultCode.IsProtocolError() {
		c.ea.ReplyTo(msg)
		c.ea.SetError(err)
		c.ea.OriginHost, c.ea.OriginRealm = c.s.originHost, c.s.originRealm
		c.appendLocked(c.ea.Append, c.ea.ResultCode)
		return
	}
	a := &c.cca
	a.ReplyTo(r)
	a.OriginHost, a.OriginRealm = c.s.originHost, c.s.originRealm
	a.SetError(err)
	c.appendLocked(a.Append, a.ResultCode)
}
