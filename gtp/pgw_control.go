package gtp

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

// batchSize is how many datagrams a worker reads or writes per system call.
const batchSize = 64

// pgwWorker reads datagrams in batches and answers them. It owns its
// message values, decision and output batch, so the path from a Create
// Session Request to its response allocates nothing.
type pgwWorker struct {
	p     *PGW
	id    int
	in    *batch
	out   *batch
	conn  *udpConn // where out is written
	stats *counters

	hdr wire.Header
	csr wire.CreateSessionRequest
	csp wire.CreateSessionResponse
	mbr wire.ModifyBearerRequest
	mbp wire.ModifyBearerResponse
	dsr wire.DeleteSessionRequest
	dsp wire.DeleteSessionResponse
	dbp wire.DeleteBearerResponse
	ech wire.Echo
	uh  wire.GTPUHeader
	ei  wire.GTPUErrorIndication
	req sim.Request
	d   sim.Decision
	cs  chargeScratch

	peerAddr netip.AddrPort
	peerIdx  uint16
	peerOK   bool
}

func (p *PGW) newWorker(id int) *pgwWorker {
	return &pgwWorker{p: p, id: id, in: newBatch(batchSize), out: newBatch(batchSize), conn: p.ctrl, stats: new(counters)}
}

// job is a request handed from a reading goroutine to a charging worker
// when charging may wait on an OCS.
type job struct {
	buf  [maxDatagram]byte
	n    int
	from netip.AddrPort
}

// serveControl is a reading goroutine of the GTP-C socket.
func (w *pgwWorker) serveControl() {
	p := w.p
	for {
		n, err := p.ctrl.read(w.in, true, time.Time{})
		if err != nil {
			if p.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		var start time.Time
		if p.cfg.MeasureLatency && p.local {
			start = time.Now()
		}
		mode := p.c.Faults().Outage(sim.NodeGateway, p.c.Clock().UnixNano())
		for i := 0; i < n; i++ {
			w.control(w.in.data(i), w.in.addrs[i], mode)
			if w.out.full() {
				w.flush()
			}
		}
		w.flush()
		if p.cfg.MeasureLatency && p.local {
			w.stats.lat.Observe(time.Since(start), n)
		}
	}
}

// serveJobs is a charging worker: it handles requests handed over by the
// reading goroutines, one at a time.
func (w *pgwWorker) serveJobs() {
	p := w.p
	for {
		select {
		case <-p.ctx.Done():
			return
		case j := <-p.jobs:
			var start time.Time
			if p.cfg.MeasureLatency {
				start = time.Now()
			}
			pkt := j.buf[:j.n]
			var h wire.Header
			if _, _, err := wire.ParseHeader(pkt, &h); err == nil {
				w.handle(h.Type, pkt, j.from)
			}
			p.jobFree <- j
			w.flush()
			if p.cfg.MeasureLatency {
				w.stats.lat.Observe(time.Since(start), 1)
			}
		}
	}
}

func (w *pgwWorker) flush() {
	if w.out.n > 0 {
		_ = w.conn.write(w.out)
	}
}

// isRequest reports whether t is a request the gateway answers.
func isRequest(t wire.MsgType) bool {
	return t == wire.MsgCreateSessionRequest || t == wire.MsgModifyBearerRequest || t == wire.MsgDeleteSessionRequest
}

func kindOf(t wire.MsgType) msgKind {
	switch t {
	case wire.MsgModifyBearerRequest:
		return kindModify
	case wire.MsgDeleteSessionRequest:
		return kindDelete
	}
	return kindCreate
}

// control handles one GTP-C datagram. mode is the gateway's outage mode.
func (w *pgwWorker) control(pkt []byte, from netip.AddrPort, mode sim.OutageMode) {
	p := w.p
	h := &w.hdr
	if _, _, err := wire.ParseHeader(pkt, h); err != nil {
		w.malformed(pkt, from, h, err)
		return
	}
	if mode == sim.OutageSilent {
		w.stats.outageDropped.Add(1)
		return
	}
	switch h.Type {
	case wire.MsgEchoRequest:
		w.echoRequest(pkt, from)
	case wire.MsgEchoResponse:
		if err := w.ech.Decode(pkt); err != nil {
			w.stats.malformedDropped.Add(1)
			return
		}
		p.net.echoAnswered(from, w.ech.Header.Seq, w.ech.Recovery)
	case wire.MsgDeleteBearerResponse:
		if err := w.dbp.Decode(pkt); err != nil {
			w.stats.malformedDropped.Add(1)
			return
		}
		p.net.deleteBearerAnswered(w.dbp.Header.Seq, w.dbp.Cause.Value)
	case wire.MsgCreateSessionRequest, wire.MsgModifyBearerRequest, wire.MsgDeleteSessionRequest:
		if mode != 0 {
			w.outage(h.Type, pkt, from, mode)
			return
		}
		if !p.local {
			select {
			case j := <-p.jobFree:
				j.n = copy(j.buf[:], pkt)
				j.from = from
				p.jobs <- j
			default:
				// Every charging worker is waiting on the OCS and the
				// queue is full: refuse rather than block the socket.
				w.refuse(kindOf(h.Type), h.Type, w.replyTEID(h.Type, pkt), h.Seq, wire.CauseNoResourcesAvailable,
					sim.ReasonNodeOutage, sim.BlameNetwork, true, from)
			}
			return
		}
		w.handle(h.Type, pkt, from)
	default:
		// TS 29.274 §7.7.4: a message of an unknown or unexpected type is
		// discarded.
		w.stats.unknownMessages.Add(1)
	}
}

// handle carries out a Create Session, Modify Bearer or Delete Session
// request.
func (w *pgwWorker) handle(t wire.MsgType, pkt []byte, from netip.AddrPort) {
	if w.p.hooks.On() { // hooks.go: off unless a test injects or journals
		nt, answered := w.intercept(t, pkt, from)
		if answered {
			return
		}
		defer w.observe(nt, t, from, w.out.n)
	}
	switch t {
	case wire.MsgCreateSessionRequest:
		w.create(pkt, from)
	case wire.MsgModifyBearerRequest:
		w.modify(pkt, from)
	case wire.MsgDeleteSessionRequest:
		w.delete(pkt, from)
	}
}

// malformed answers or drops a datagram whose header does not parse
// (TS 29.274 §7.7.2, §7.7.3).
func (w *pgwWorker) malformed(pkt []byte, from netip.AddrPort, h *wire.Header, err error) {
	switch {
	case errors.Is(err, wire.ErrVersion):
		// A GTPv1 or unknown version: Version Not Supported Indication,
		// with the sequence number when the GTPv1 header has one.
		var seq uint32
		if len(pkt) >= 12 && pkt[0]>>5 == 1 && pkt[0]&0x02 != 0 {
			seq = uint32(binary.BigEndian.Uint16(pkt[8:10]))
		}
		w.out.push(wire.AppendVersionNotSupported(w.out.slot(), seq), from)
		w.stats.malformedRejected.Add(1)
	case errors.Is(err, wire.ErrTooShort):
		w.stats.malformedDropped.Add(1)
	default:
		if !isRequest(h.Type) {
			w.stats.malformedDropped.Add(1)
			return
		}
		w.rejectDecode(kindOf(h.Type), h.Type, 0, h.Seq, err, from)
	}
}

// rejectDecode answers a request that failed to decode with the cause
// wire.RejectCause gives, or drops it.
func (w *pgwWorker) rejectDecode(k msgKind, t wire.MsgType, teid, seq uint32, err error, from netip.AddrPort) {
	c, ok := wire.RejectCause(err)
	if !ok {
		w.stats.malformedDropped.Add(1)
		return
	}
	out, aerr := wire.AppendRejection(w.out.slot(), t, teid, seq, c)
	if aerr != nil {
		w.stats.malformedDropped.Add(1)
		return
	}
	w.out.push(out, from)
	w.stats.malformedRejected.Add(1)
	w.stats.answered(k, c.Value)
}

// refuse answers a request with a rejection cause, explained with sim's
// reason and blame when explained is set.
func (w *pgwWorker) refuse(k msgKind, t wire.MsgType, teid, seq uint32, c wire.Cause, r sim.Reason, b sim.Blame, explained bool, from netip.AddrPort) {
	slot := w.out.slot()
	out, err := wire.AppendRejection(slot, t, teid, seq, wire.CauseIE{Value: c})
	if err != nil {
		return
	}
	if explained {
		out = appendExplanation(out, 0, r, b)
	}
	w.out.push(out, from)
	w.stats.answered(k, c)
}

// replyTEID returns the TEID a response to the request in pkt must carry
// in its header: the SGW's control TEID from the Sender F-TEID of a Create
// Session Request, or from the session a later request names; 0 when
// unknown (TS 29.274 §5.5.2).
func (w *pgwWorker) replyTEID(t wire.MsgType, pkt []byte) uint32 {
	if t == wire.MsgCreateSessionRequest {
		if err := w.csr.Decode(pkt); err == nil {
			return w.csr.SenderFTEID.TEID
		}
		return w.csr.SenderFTEID.TEID
	}
	var h wire.Header
	if _, _, err := wire.ParseHeader(pkt, &h); err != nil {
		return 0
	}
	return w.sgwOf(h.TEID)
}

// sgwOf returns the SGW control TEID of our session teid, 0 when unknown.
func (w *pgwWorker) sgwOf(teid uint32) uint32 {
	r, mu := w.p.table.find(teid)
	if r == nil {
		return 0
	}
	v := r.sgwC
	mu.Unlock()
	return v
}

// outage answers a request during a busy or unable outage of the gateway.
func (w *pgwWorker) outage(t wire.MsgType, pkt []byte, from netip.AddrPort, mode sim.OutageMode) {
	w.stats.requests[kindOf(t)].Add(1)
	w.refuse(kindOf(t), t, w.replyTEID(t, pkt), w.hdr.Seq, OutageCause(mode), sim.ReasonNodeOutage, sim.BlameNetwork, true, from)
}

// peer returns the index of the peer at from.
func (w *pgwWorker) peer(from netip.AddrPort) (uint16, bool) {
	if w.peerOK && w.peerAddr == from {
		return w.peerIdx, true
	}
	i, ok := w.p.peers.get(from)
	if ok {
		w.peerAddr, w.peerIdx, w.peerOK = from, i, true
	}
	return i, ok
}

// echoRequest answers an Echo Request with the gateway's restart counter
// and notes the peer's (TS 29.274 §7.1.1).
func (w *pgwWorker) echoRequest(pkt []byte, from netip.AddrPort) {
	p := w.p
	if err := w.ech.Decode(pkt); err != nil {
		w.stats.malformedDropped.Add(1)
		return
	}
	w.stats.requests[kindEcho].Add(1)
	if pi, ok := w.peer(from); ok {
		pr := p.peers.at(pi)
		pr.heard.Store(time.Now().UnixNano())
		if restarted, _ := pr.sawRecovery(w.ech.Recovery); restarted {
			p.net.peerRestarted(pi)
		}
	}
	out, err := wire.AppendEchoResponse(w.out.slot(), w.ech.Header.Seq, p.Recovery())
	if err != nil {
		return
	}
	w.out.push(out, from)
	w.stats.answered(kindEcho, wire.CauseRequestAccepted)
}

// locationOf turns a ULI into sim's location: TAI and ECGI, with the PLMN
// of the cell (or of the tracking area) as digits.
func locationOf(u *wire.ULI) sim.Location {
	var l sim.Location
	if u.Has(wire.ULITAI) {
		l.TAC, l.HasTAI = u.TAI.TAC, true
		l.PLMN = plmnDigits(u.TAI.PLMN)
	}
	if u.Has(wire.ULIECGI) {
		l.ECI, l.HasECGI = u.ECGI.ECI, true
		l.PLMN = plmnDigits(u.ECGI.PLMN)
	}
	return l
}

// plmnDigits writes a PLMN as sim does: MCC then MNC, as one number.
func plmnDigits(p wire.PLMN) uint32 {
	if p.MNCLen == 3 {
		return uint32(p.MCC)*1000 + uint32(p.MNC)
	}
	return uint32(p.MCC)*100 + uint32(p.MNC)
}

// imeiOf reduces the MEI IE to the 14-digit IMEI body sim compares.
func imeiOf(d wire.Digits) uint64 {
	if d.N == 0 {
		return 0
	}
	return sim.IMEIBody(d.Value, int(d.N))
}

// fteid builds an F-TEID for an address of either family.
func fteid(iface wire.InterfaceType, teid uint32, a netip.Addr) wire.FTEID {
	f := wire.FTEID{Interface: iface, TEID: teid}
	if a.Is4() {
		f.IPv4 = a
	} else {
		f.IPv6 = a
	}
	return f
}

// ueAddr returns the device address of session teid: from the pool, by
// slot, skipping the network and broadcast addresses.
func (p *PGW) ueAddr(teid uint32) netip.Addr {
	pool := p.cfg.UEPool.Masked()
	base := binary.BigEndian.Uint32(pool.Addr().AsSlice())
	size := uint32(1) << (32 - pool.Bits())
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], base+1+slotOf(teid)%(size-2))
	return netip.AddrFrom4(b)
}

// sessionID is the number charging knows session teid by: unique across
// this gateway's restarts and other gateways' runs.
func (p *PGW) sessionID(teid uint32) uint64 { return p.nonce ^ uint64(teid) }

// apnAllowed reports whether the gateway serves apn.
func (p *PGW) apnAllowed(apn *wire.APN) bool {
	if len(p.apns) == 0 {
		return true
	}
	b := apn.Bytes()
	for i := range p.apns {
		if equalFold(p.apns[i].Bytes(), b) {
			return true
		}
	}
	return false
}

// equalFold compares ASCII case-insensitively without allocating.
func equalFold(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
