package gtp

import (
	"context"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

// The session procedures the gateway answers (TS 29.274 §7.2): Create
// Session admits and charges (CCR-I), Modify Bearer reports usage and the
// new location (CCR-U), Delete Session commits the final usage (CCR-T).
// Each is carried out once per (peer, sequence number); see dedup.go.

// create handles a Create Session Request.
func (w *pgwWorker) create(pkt []byte, from netip.AddrPort) {
	p := w.p
	m := &w.csr
	const t = wire.MsgCreateSessionRequest
	if err := m.Decode(pkt); err != nil {
		w.stats.requests[kindCreate].Add(1)
		w.rejectDecode(kindCreate, t, m.SenderFTEID.TEID, m.Header.Seq, err, from)
		return
	}
	w.stats.requests[kindCreate].Add(1)
	seq, sgwC := m.Header.Seq, m.SenderFTEID.TEID
	pi, key, ok := w.admit(kindCreate, t, sgwC, seq, from)
	if !ok {
		return
	}
	pr := p.peers.at(pi)
	epoch := pr.currentEpoch()
	if m.HasRecovery {
		var restarted bool
		if restarted, epoch = pr.sawRecovery(m.Recovery); restarted {
			p.net.peerRestarted(pi)
		}
	}
	refuse := func(c wire.Cause, r sim.Reason, b sim.Blame) {
		w.refuse(kindCreate, t, sgwC, seq, c, r, b, true, from)
		p.dedup.done(key, dedupEntry{sgw: sgwC, cause: c, reason: uint8(r), blame: uint8(b)})
	}
	if m.IMSI.N == 0 {
		c := wire.CauseIE{Value: wire.CauseMandatoryIEMissing, OffendingIE: wire.IEIMSI}
		if out, err := wire.AppendRejection(w.out.slot(), t, sgwC, seq, c); err == nil {
			w.out.push(out, from)
			w.stats.answered(kindCreate, c.Value)
		}
		p.dedup.forget(key)
		return
	}
	card, known := p.c.Lookup(m.IMSI.Value)
	if !known {
		refuse(CauseOf(sim.ReasonUnknownSIM), sim.ReasonUnknownSIM, sim.BlameCard)
		return
	}
	if !p.apnAllowed(&m.APN) {
		refuse(wire.CauseMissingOrUnknownAPN, sim.ReasonServiceNotAllowed, sim.BlameCard)
		return
	}
	teid := p.table.alloc()
	if teid == 0 {
		refuse(wire.CauseNoResourcesAvailable, sim.ReasonNodeOutage, sim.BlameNetwork)
		return
	}
	loc := locationOf(&m.ULI)
	imei := imeiOf(m.MEI)
	w.req = sim.Request{SIM: card, Kind: sim.KindInitial, Requested: p.cfg.Requested, Loc: loc, IMEI: imei}
	if err := p.charge.Charge(p.ctx, p.sessionID(teid), &w.req, &w.d); err != nil {
		p.table.discard(teid)
		p.net.chargingErrors.Add(1)
		refuse(ChargingErrorCause(err), sim.ReasonNodeOutage, sim.BlameNetwork)
		return
	}
	d := &w.d
	if d.Outcome != sim.OutcomeSuccess {
		p.table.discard(teid)
		refuse(DecisionCause(d), d.Reason, d.Blame)
		return
	}
	now := p.c.Clock().UnixNano()
	bc := &m.Bearers[0]
	s := slotOf(teid)
	apn := p.apnIDs.id(&m.APN)
	mu := p.table.lock(s)
	r := p.table.at(s)
	r.sim, r.sgwC, r.sgwU, r.ebi = card, sgwC, bc.S5S8USGW.TEID, bc.EBI
	r.peer, r.epoch = pi, epoch
	r.loc, r.imei = loc, imei
	grant(r, d, now)
	r.used, r.accrued = 0, now
	r.state = stateOpen
	*p.table.metaOf(s) = sessionMeta{started: now, apn: apn}
	ebi := r.ebi
	mu.Unlock()
	if cell := p.table.simCell(card); cell != nil {
		if old := cell.Swap(teid); old != 0 && old != teid {
			// The card opened a new session while holding one (a device
			// that re-attached without detaching): the old one goes.
			w.stats.replaced.Add(1)
			p.releaseSession(old, sim.ReasonNone, false)
		}
	}
	w.acceptCreate(seq, sgwC, teid, ebi, from)
	p.dedup.done(key, dedupEntry{sgw: sgwC, teid: teid, cause: wire.CauseRequestAccepted})
}

// grant stores decision d in session r.
func grant(r *pgwSession, d *sim.Decision, now int64) {
	r.hold, r.granted, r.threshold, r.final = d.Hold, d.Granted, d.Threshold, d.Final
	r.validTo = 0
	if d.ValiditySeconds > 0 {
		r.validTo = now + int64(d.ValiditySeconds)*int64(time.Second)
	}
}

// acceptCreate answers an admitted Create Session Request (TS 29.274 table
// 7.2.2-1): our control F-TEID, the device address, APN-AMBR, the bearer
// created with our user plane F-TEID and charging ID, our restart counter.
func (w *pgwWorker) acceptCreate(seq, sgwC, teid uint32, ebi uint8, from netip.AddrPort) {
	p := w.p
	m := &w.csp
	m.Header = wire.Header{TEID: sgwC, Seq: seq}
	m.Cause = wire.CauseIE{Value: wire.CauseRequestAccepted}
	m.SenderFTEID = fteid(wire.IfS5S8PGWGTPC, teid, p.ctrlIP)
	m.PGWFTEID = wire.FTEID{}
	m.PAA = wire.PAAIPv4(p.ueAddr(teid))
	m.HasAPNRestriction = false
	m.HasAMBR, m.AMBR = true, wire.AMBR{Uplink: p.cfg.AMBRUplink, Downlink: p.cfg.AMBRDownlink}
	m.PCO = nil
	m.NumBearers = 1
	m.Bearers[0] = wire.BearerCreated{EBI: ebi, Cause: wire.CauseIE{Value: wire.CauseRequestAccepted},
		S5S8UPGW: fteid(wire.IfS5S8PGWGTPU, teid, p.userIP), HasChargingID: true, ChargingID: teid}
	m.HasRecovery, m.Recovery = true, p.Recovery()
	out, err := m.Append(w.out.slot())
	if err != nil {
		return
	}
	w.out.push(out, from)
	w.stats.answered(kindCreate, wire.CauseRequestAccepted)
}

// acceptModify answers a Modify Bearer Request that went through.
func (w *pgwWorker) acceptModify(seq, sgwC, teid uint32, ebi uint8, from netip.AddrPort) {
	m := &w.mbp
	m.Header = wire.Header{TEID: sgwC, Seq: seq}
	m.Cause = wire.CauseIE{Value: wire.CauseRequestAccepted}
	m.MSISDN = wire.Digits{}
	m.LinkedEBI = ebi
	m.HasAPNRestriction = false
	m.NumBearers = 1
	m.Bearers[0] = wire.BearerModified{EBI: ebi, Cause: wire.CauseIE{Value: wire.CauseRequestAccepted},
		HasChargingID: true, ChargingID: teid}
	m.HasRecovery = false
	out, err := m.Append(w.out.slot())
	if err != nil {
		return
	}
	w.out.push(out, from)
	w.stats.answered(kindModify, wire.CauseRequestAccepted)
}

// acceptDelete answers a Delete Session Request.
func (w *pgwWorker) acceptDelete(seq, sgwC uint32, from netip.AddrPort) {
	m := &w.dsp
	*m = wire.DeleteSessionResponse{Header: wire.Header{TEID: sgwC, Seq: seq}, Cause: wire.CauseIE{Value: wire.CauseRequestAccepted}}
	out, err := m.Append(w.out.slot())
	if err != nil {
		return
	}
	w.out.push(out, from)
	w.stats.answered(kindDelete, wire.CauseRequestAccepted)
}

// replay resends the answer to a retransmitted request from its entry in
// the duplicate table.
func (w *pgwWorker) replay(k msgKind, t wire.MsgType, seq uint32, e *dedupEntry, from netip.AddrPort) {
	if !e.cause.IsAccepted() {
		w.refuse(k, t, e.sgw, seq, e.cause, sim.Reason(e.reason), sim.Blame(e.blame), e.reason != 0 || e.blame != 0, from)
		return
	}
	switch k {
	case kindDelete:
		w.acceptDelete(seq, e.sgw, from)
	case kindCreate, kindModify:
		r, mu := w.p.table.find(e.teid)
		if r == nil {
			// The session is gone since; the original answer cannot be
			// rebuilt and the sender will hear of it otherwise.
			return
		}
		ebi := r.ebi
		mu.Unlock()
		if k == kindCreate {
			w.acceptCreate(seq, e.sgw, e.teid, ebi, from)
		} else {
			w.acceptModify(seq, e.sgw, e.teid, ebi, from)
		}
	}
}

// accrue adds modelled usage up to now to session r (locked).
func (p *PGW) accrue(r *pgwSession, now int64) {
	if p.cfg.ModelledThroughput == 0 || now <= r.accrued {
		return
	}
	el := now - r.accrued
	r.used += uint64(float64(p.cfg.ModelledThroughput) * float64(el) / 1e9)
	r.accrued = now
}

// admit is what every request begins with: its peer known (else 73, or
// nothing during the gateway's silent outage), and a retransmission
// answered again from the dedup table, or dropped while its original is
// still being answered. ok is false when the request was dealt with here;
// otherwise pi is the peer and key the request's dedup key.
func (w *pgwWorker) admit(k msgKind, t wire.MsgType, sgw, seq uint32, from netip.AddrPort) (pi uint16, key uint64, ok bool) {
	pi, ok = w.peer(from)
	if !ok {
		w.refuse(k, t, sgw, seq, wire.CauseNoResourcesAvailable, sim.ReasonNodeOutage, sim.BlameNetwork, true, from)
		return 0, 0, false
	}
	key = dedupKey(pi, t, seq)
	var e dedupEntry
	switch w.p.dedup.check(key, &e) {
	case dedupPending:
		w.stats.duplicates.Add(1)
		return 0, 0, false
	case dedupDone:
		w.stats.duplicates.Add(1)
		w.replay(k, t, seq, &e, from)
		return 0, 0, false
	}
	return pi, key, true
}

// lockSession finds and locks (lockIdle) the session a Modify Bearer or
// Delete Session Request names, or answers 64 Context not found and
// records that answer for retransmissions, returning nil.
func (w *pgwWorker) lockSession(k msgKind, t wire.MsgType, teid, seq uint32, key uint64, from netip.AddrPort) (*pgwSession, *sync.Mutex) {
	r, lk := w.p.lockIdle(teid)
	if r == nil {
		w.refuse(k, t, 0, seq, wire.CauseContextNotFound, 0, 0, false, from)
		w.p.dedup.done(key, dedupEntry{cause: wire.CauseContextNotFound})
	}
	return r, lk
}

// lockIdle finds session teid and waits until no charging request for it
// is in progress; it returns nil when the session is gone, else the session
// locked by the returned mutex.
func (p *PGW) lockIdle(teid uint32) (*pgwSession, *sync.Mutex) {
	for spins := 0; ; spins++ {
		r, mu := p.table.find(teid)
		if r == nil {
			return nil, nil
		}
		if !r.busy {
			return r, mu
		}
		mu.Unlock()
		if spins < 100 {
			runtime.Gosched()
		} else {
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// modify handles a Modify Bearer Request: a new location is checked by the
// rules along with the usage since the last report (CCR-U). A refusal ends
// the session: the answer carries the refusal's cause and the gateway
// holds the session no more.
func (w *pgwWorker) modify(pkt []byte, from netip.AddrPort) {
	p := w.p
	m := &w.mbr
	const t = wire.MsgModifyBearerRequest
	w.stats.requests[kindModify].Add(1)
	if err := m.Decode(pkt); err != nil {
		w.rejectDecode(kindModify, t, w.sgwOf(m.Header.TEID), m.Header.Seq, err, from)
		return
	}
	seq, teid := m.Header.Seq, m.Header.TEID
	_, key, ok := w.admit(kindModify, t, 0, seq, from)
	if !ok {
		return
	}
	r, lk := w.lockSession(kindModify, t, teid, seq, key, from)
	if r == nil {
		return
	}
	now := p.c.Clock().UnixNano()
	loc := r.loc
	if m.ULI.Flags != 0 {
		loc = locationOf(&m.ULI)
	}
	imei := r.imei
	if m.MEI.N != 0 {
		imei = imeiOf(m.MEI)
	}
	for _, bc := range m.BearerContexts() {
		if bc.EBI == r.ebi && bc.S5S8USGW.TEID != 0 {
			r.sgwU = bc.S5S8USGW.TEID
		}
	}
	p.accrue(r, now)
	used, held, card, sgwC, ebi := r.used, r.hold, r.sim, r.sgwC, r.ebi
	r.used, r.busy = 0, true
	lk.Unlock()

	w.req = sim.Request{SIM: card, Kind: sim.KindUpdate, Requested: p.cfg.Requested, Used: used, Held: held, Loc: loc, IMEI: imei}
	err := p.charge.Charge(p.ctx, p.sessionID(teid), &w.req, &w.d)
	d := &w.d
	r, mu := p.table.find(teid)
	if r == nil {
		// Cannot happen while busy is set; be safe about reservations.
		if err == nil && d.Outcome == sim.OutcomeSuccess {
			p.terminate(&w.cs, teid, card, d.Hold, 0, loc)
		}
		w.refuse(kindModify, t, sgwC, seq, wire.CauseContextNotFound, 0, 0, false, from)
		p.dedup.done(key, dedupEntry{sgw: sgwC, cause: wire.CauseContextNotFound})
		return
	}
	r.busy = false
	switch {
	case err != nil:
		// Charging could not decide: the usage stays to be reported next
		// time and the session goes on.
		r.used += used
		mu.Unlock()
		p.net.chargingErrors.Add(1)
		c := ChargingErrorCause(err)
		w.refuse(kindModify, t, sgwC, seq, c, sim.ReasonNodeOutage, sim.BlameNetwork, true, from)
		p.dedup.done(key, dedupEntry{sgw: sgwC, cause: c, reason: uint8(sim.ReasonNodeOutage), blame: uint8(sim.BlameNetwork)})
	case d.Outcome != sim.OutcomeSuccess:
		p.table.releaseLocked(r)
		mu.Unlock()
		p.table.unbindSIM(card, teid)
		// The update committed the usage and released the hold; the
		// termination closes the charging session (a CCR-T on Gy).
		p.terminate(&w.cs, teid, card, sim.Hold{}, 0, loc)
		c := DecisionCause(d)
		w.refuse(kindModify, t, sgwC, seq, c, d.Reason, d.Blame, true, from)
		p.dedup.done(key, dedupEntry{sgw: sgwC, cause: c, reason: uint8(d.Reason), blame: uint8(d.Blame)})
		p.net.countDeleted(d.Reason.String())
	default:
		grant(r, d, now)
		r.loc, r.imei = loc, imei
		mu.Unlock()
		w.acceptModify(seq, sgwC, teid, ebi, from)
		p.dedup.done(key, dedupEntry{sgw: sgwC, teid: teid, cause: wire.CauseRequestAccepted})
	}
}

// delete handles a Delete Session Request: the session goes and its final
// usage is committed (CCR-T).
func (w *pgwWorker) delete(pkt []byte, from netip.AddrPort) {
	p := w.p
	m := &w.dsr
	const t = wire.MsgDeleteSessionRequest
	w.stats.requests[kindDelete].Add(1)
	if err := m.Decode(pkt); err != nil {
		w.rejectDecode(kindDelete, t, w.sgwOf(m.Header.TEID), m.Header.Seq, err, from)
		return
	}
	seq, teid := m.Header.Seq, m.Header.TEID
	_, key, ok := w.admit(kindDelete, t, 0, seq, from)
	if !ok {
		return
	}
	r, lk := w.lockSession(kindDelete, t, teid, seq, key, from)
	if r == nil {
		return
	}
	now := p.c.Clock().UnixNano()
	p.accrue(r, now)
	loc := r.loc
	if m.ULI.Flags != 0 {
		loc = locationOf(&m.ULI)
	}
	used, held, card, sgwC := r.used, r.hold, r.sim, r.sgwC
	p.table.releaseLocked(r)
	lk.Unlock()
	p.table.unbindSIM(card, teid)
	p.terminate(&w.cs, teid, card, held, used, loc)
	w.acceptDelete(seq, sgwC, from)
	p.dedup.done(key, dedupEntry{sgw: sgwC, cause: wire.CauseRequestAccepted})
}

// terminate commits a closed session's final usage and releases what it
// held (CCR-T). A charging error is counted; the session is gone anyway.
// cs holds the request and decision (nil: allocated here; workers pass
// their own so that a Delete Session allocates nothing).
func (p *PGW) terminate(cs *chargeScratch, teid, card uint32, held sim.Hold, used uint64, loc sim.Location) {
	if cs == nil {
		cs = new(chargeScratch)
	}
	cs.req = sim.Request{SIM: card, Kind: sim.KindTerminate, Used: used, Held: held, Loc: loc}
	ctx := p.ctx
	if ctx.Err() != nil {
		// Closing: still commit, with a bounded wait on a remote OCS.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
	}
	if err := p.charge.Charge(ctx, p.sessionID(teid), &cs.req, &cs.d); err != nil {
		p.net.chargingErrors.Add(1)
	}
}

// chargeScratch is a charging request and its decision, reused.
type chargeScratch struct {
	req sim.Request
	d   sim.Decision
}

// releaseSession ends session teid on the gateway's own initiative (or
// because its card opened another, or the gateway is closing): usage is
// committed and the slot freed. The SGW is not told here; see
// network.deleteBearer. It reports whether the session existed.
func (p *PGW) releaseSession(teid uint32, why sim.Reason, count bool) bool {
	r, lk := p.lockIdle(teid)
	if r == nil {
		return false
	}
	p.accrue(r, p.c.Clock().UnixNano())
	used, held, card, loc := r.used, r.hold, r.sim, r.loc
	p.table.releaseLocked(r)
	lk.Unlock()
	p.table.unbindSIM(card, teid)
	p.terminate(nil, teid, card, held, used, loc)
	if count {
		p.net.countDeleted(why.String())
	}
	return true
}
