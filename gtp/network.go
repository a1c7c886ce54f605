package gtp

import (
	"context"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

// network is the gateway's own initiative, on one goroutine: Delete Bearer
// Requests when a card stops, its final units are used or its cell goes
// into maintenance (TS 29.274 §7.2.9.2); usage reports to charging when a
// grant's threshold, volume or validity runs out; Echo Requests to its
// peers and what follows their restart or path failure (TS 23.007); and
// the gateway's own restart after a silent outage. Its requests are
// retransmitted T3 apart, N3 times.
type network struct {
	p *PGW

	mu      sync.Mutex
	queue   []netEvent
	out     map[uint32]*outRequest // our requests awaiting an answer, by sequence number
	deleted map[string]uint64
	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}
	seq     wire.SeqCounter
	faults  atomic.Bool // faults changed: check now
	silent  bool        // the gateway was in a silent outage at the last check
	buf     []byte

	peerRestarts     atomic.Uint64
	pathFailures     atomic.Uint64
	restarts         atomic.Uint64
	peerLossReleased atomic.Uint64
	chargingErrors   atomic.Uint64
}

// netEvent is work for the network goroutine.
type netEvent struct {
	kind  uint8
	a     uint32 // card, TEID or peer index
	stops sim.StopSet
	why   sim.Reason
	cause wire.Cause
}

const (
	evCard        uint8 = iota + 1 // a card's stop set changed
	evReport                       // a session's usage should be reported
	evPeerRestart                  // a peer restarted
	evRelease                      // a Delete Bearer was answered: release the session
	evDelete                       // tear a session down on request, with cause (manage.go)
)

// outRequest is a request of ours awaiting its answer.
type outRequest struct {
	echo  bool
	teid  uint32
	peer  uint16
	to    netip.AddrPort
	msg   []byte
	tries int
	due   time.Time
	why   sim.Reason
}

func newNetwork(p *PGW) *network {
	return &network{p: p, out: map[uint32]*outRequest{}, deleted: map[string]uint64{},
		wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
}

func (n *network) push(e netEvent) {
	if n.p.closed.Load() {
		return // the carrier still calls its watchers after Close
	}
	n.mu.Lock()
	n.queue = append(n.queue, e)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// CardChanged implements sim.Watcher: a card stopped outside a request
// loses its session.
func (n *network) CardChanged(card uint32, stops sim.StopSet) {
	if stops.Empty() || n.p.table.sessionOfSIM(card) == 0 {
		return
	}
	n.push(netEvent{kind: evCard, a: card, stops: stops})
}

// faultsChanged is the sim.Faults OnChange callback.
func (n *network) faultsChanged() {
	n.faults.Store(true)
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// peerRestarted is called by a worker that saw a peer's new restart counter.
func (n *network) peerRestarted(peer uint16) {
	n.peerRestarts.Add(1)
	n.push(netEvent{kind: evPeerRestart, a: uint32(peer)})
}

// report asks for session teid's usage to be reported.
func (n *network) report(teid uint32) { n.push(netEvent{kind: evReport, a: teid}) }

func (n *network) countDeleted(why string) {
	n.mu.Lock()
	n.deleted[why]++
	n.mu.Unlock()
}

func (n *network) stop() {
	select {
	case <-n.done:
	default:
		close(n.done)
	}
}

// echoAnswered is called by a worker with an Echo Response.
func (n *network) echoAnswered(from netip.AddrPort, seq uint32, recovery uint8) {
	n.mu.Lock()
	o, ok := n.out[seq]
	if ok && o.echo {
		delete(n.out, seq)
	}
	n.mu.Unlock()
	pi, known := n.p.peers.get(from)
	if !known {
		return
	}
	pr := n.p.peers.at(pi)
	pr.heard.Store(time.Now().UnixNano())
	pr.down.Store(false)
	if restarted, _ := pr.sawRecovery(recovery); restarted {
		n.peerRestarted(pi)
	}
}

// deleteBearerAnswered is called by a worker with a Delete Bearer Response.
func (n *network) deleteBearerAnswered(seq uint32, c wire.Cause) {
	n.mu.Lock()
	o, ok := n.out[seq]
	if ok && !o.echo {
		delete(n.out, seq)
		n.queue = append(n.queue, netEvent{kind: evRelease, a: o.teid, why: o.why, cause: c})
	}
	n.mu.Unlock()
	if ok {
		select {
		case n.wake <- struct{}{}:
		default:
		}
	}
}

// run is the network goroutine.
func (n *network) run() {
	defer close(n.stopped)
	p := n.p
	house := time.NewTicker(p.cfg.Housekeeping)
	defer house.Stop()
	fine := time.NewTicker(max(min(p.cfg.T3/4, 250*time.Millisecond), time.Millisecond))
	defer fine.Stop()
	nextEcho := time.Now().Add(p.cfg.EchoInterval)
	var batch []netEvent
	for {
		select {
		case <-n.done:
			return
		case <-n.wake:
		case <-house.C:
			n.housekeeping()
		case now := <-fine.C:
			n.retransmit(now)
			if now.After(nextEcho) {
				n.echoPeers(now)
				nextEcho = now.Add(p.cfg.EchoInterval)
			}
		}
		if n.faults.Swap(false) {
			n.housekeeping()
		}
		n.mu.Lock()
		batch, n.queue = n.queue, batch[:0]
		n.mu.Unlock()
		for _, e := range batch {
			n.handle(e)
		}
	}
}

func (n *network) handle(e netEvent) {
	p := n.p
	switch e.kind {
	case evCard:
		if teid := p.table.sessionOfSIM(e.a); teid != 0 {
			why := e.stops.First()
			n.deleteBearer(teid, why, sim.BlameOf(why))
		}
	case evReport:
		n.reportUsage(e.a)
	case evPeerRestart:
		n.dropPeer(uint16(e.a), true)
	case evRelease:
		p.extra.answered(kindDeleteBearer, e.cause)
		p.releaseSession(e.a, e.why, true)
	case evDelete:
		n.sendDeleteBearer(e.a, e.why, sim.BlameOf(e.why), e.cause)
	}
}

// deleteBearer asks the SGW to tear down session teid (TS 29.274
// §7.2.9.2), explaining why with our private extension; the session is
// released when the SGW answers or after N3 retransmissions.
func (n *network) deleteBearer(teid uint32, why sim.Reason, bl sim.Blame) {
	c := wire.CausePDNReconnectionToThisAPNDisallowed
	if why == sim.ReasonMaintenance {
		c = wire.CauseReactivationRequested
	}
	n.sendDeleteBearer(teid, why, bl, c)
}

// sendDeleteBearer is deleteBearer with the cause given.
func (n *network) sendDeleteBearer(teid uint32, why sim.Reason, bl sim.Blame, c wire.Cause) {
	p := n.p
	r, mu := p.table.find(teid)
	if r == nil || r.state != stateOpen {
		if mu != nil {
			mu.Unlock()
		}
		return
	}
	r.state = stateClosing
	sgwC, ebi, pi := r.sgwC, r.ebi, r.peer
	mu.Unlock()
	seq := n.seq.Next()
	m := wire.DeleteBearerRequest{Header: wire.Header{TEID: sgwC, Seq: seq}, LinkedEBI: ebi, Cause: wire.CauseIE{Value: c}}
	msg, err := m.Append(nil)
	if err != nil {
		p.releaseSession(teid, why, true)
		return
	}
	msg = appendExplanation(msg, 0, why, bl)
	to := p.peers.at(pi).addr
	o := &outRequest{teid: teid, peer: pi, to: to, msg: msg, due: time.Now().Add(p.cfg.T3), why: why}
	n.mu.Lock()
	n.out[seq] = o
	n.mu.Unlock()
	p.extra.requests[kindDeleteBearer].Add(1)
	_ = p.ctrl.writeOne(msg, to)
}

// retransmit resends our requests whose answer is overdue and gives up on
// those sent N3+1 times.
func (n *network) retransmit(now time.Time) {
	p := n.p
	var gaveUp []*outRequest
	n.mu.Lock()
	for seq, o := range n.out {
		if now.Before(o.due) {
			continue
		}
		if o.tries >= p.cfg.N3 {
			delete(n.out, seq)
			gaveUp = append(gaveUp, o)
			continue
		}
		o.tries++
		o.due = now.Add(p.cfg.T3)
		_ = p.ctrl.writeOne(o.msg, o.to)
	}
	n.mu.Unlock()
	for _, o := range gaveUp {
		if o.echo {
			n.pathFailed(o.peer)
			continue
		}
		p.extra.answered(kindDeleteBearer, 0) // counted as "timeout"
		p.releaseSession(o.teid, o.why, true)
	}
}

// echoPeers sends an Echo Request to every peer whose path is up and that
// is not already being echoed (TS 29.274 §7.1.1).
func (n *network) echoPeers(now time.Time) {
	p := n.p
	for i, pr := range p.peers.all() {
		if pr.down.Load() {
			continue
		}
		n.mu.Lock()
		busy := false
		for _, o := range n.out {
			if o.echo && o.peer == uint16(i) {
				busy = true
				break
			}
		}
		if busy {
			n.mu.Unlock()
			continue
		}
		seq := n.seq.Next()
		msg, err := wire.AppendEchoRequest(nil, seq, p.Recovery())
		if err == nil {
			n.out[seq] = &outRequest{echo: true, peer: uint16(i), to: pr.addr, msg: msg, due: now.Add(p.cfg.T3)}
		}
		n.mu.Unlock()
		if err == nil {
			p.extra.requests[kindEcho].Add(1)
			_ = p.ctrl.writeOne(msg, pr.addr)
		}
	}
}

// pathFailed handles a peer that answered no Echo Request: its sessions are
// released (TS 23.007 §20).
func (n *network) pathFailed(peer uint16) {
	pr := n.p.peers.at(peer)
	if pr.down.Swap(true) {
		return
	}
	n.pathFailures.Add(1)
	n.dropPeer(peer, false)
}

// dropPeer releases a peer's sessions: all of them after a path failure,
// those created before its restart when it restarted.
func (n *network) dropPeer(peer uint16, restarted bool) {
	p := n.p
	epoch := p.peers.at(peer).currentEpoch()
	var victims []uint32
	p.table.forEach(func(r *pgwSession) {
		if r.peer == peer && (!restarted || r.epoch != epoch) {
			victims = append(victims, r.teid)
		}
	})
	for _, teid := range victims {
		if p.releaseSession(teid, sim.ReasonNone, false) {
			n.peerLossReleased.Add(1)
		}
	}
}

// housekeeping runs once per PGWConfig.Housekeeping and whenever faults
// change: the gateway's outage and restart, sessions in maintained areas,
// usage to report and grants whose validity ran out.
func (n *network) housekeeping() {
	p := n.p
	now := p.c.Clock().UnixNano()
	mode := p.c.Faults().Outage(sim.NodeGateway, now)
	switch {
	case mode == sim.OutageSilent:
		n.silent = true
		return
	case n.silent:
		// Back from a silent outage: a restart. The sessions are lost and
		// the restart counter tells the peers (TS 23.007 §18).
		n.silent = false
		p.recov.Store(uint32(uint8(p.recov.Load() + 1)))
		n.restarts.Add(1)
		p.releaseAll()
		return
	}
	maint := false
	for _, f := range p.c.Faults().List() {
		if f.Kind == "maintenance" && f.Active {
			maint = true
			break
		}
	}
	var down, due []uint32
	faults := p.c.Faults()
	p.table.forEach(func(r *pgwSession) {
		if r.state != stateOpen {
			return
		}
		if maint && faults.LocationDown(p.c.RegionOf(r.loc), &r.loc, now) {
			down = append(down, r.teid)
			return
		}
		if r.busy || r.queued {
			return
		}
		p.accrue(r, now)
		if p.needsReport(r, now) {
			r.queued = true
			due = append(due, r.teid)
		}
	})
	for _, teid := range down {
		n.deleteBearer(teid, sim.ReasonMaintenance, sim.BlameNetwork)
	}
	for _, teid := range due {
		n.reportUsage(teid)
	}
}

// needsReport reports whether session r (locked) must report usage now:
// its grant is used down to the threshold, its final units are used, or
// its validity ran out.
func (p *PGW) needsReport(r *pgwSession, now int64) bool {
	if r.used >= r.granted {
		return true
	}
	if r.final == sim.FinalNone && r.granted-r.used <= r.threshold {
		return true
	}
	return r.validTo != 0 && now >= r.validTo
}

// reportUsage reports session teid's usage to charging (CCR-U). When the
// final units are used, or charging refuses more, the session is torn
// down with a Delete Bearer Request.
func (n *network) reportUsage(teid uint32) {
	p := n.p
	r, lk := p.lockIdle(teid)
	if r == nil {
		return
	}
	r.queued = false
	if r.state != stateOpen {
		lk.Unlock()
		return
	}
	now := p.c.Clock().UnixNano()
	p.accrue(r, now)
	if !p.needsReport(r, now) {
		lk.Unlock()
		return
	}
	if r.final == sim.FinalTerminate && r.used >= r.granted {
		// The last grant is used up (RFC 4006 §5.6.1, Final-Unit-Action
		// TERMINATE): the session ends; its usage is committed on release.
		lk.Unlock()
		n.deleteBearer(teid, sim.ReasonOverQuota, sim.BlameCard)
		return
	}
	used, held, card, loc, imei := r.used, r.hold, r.sim, r.loc, r.imei
	r.used, r.busy = 0, true
	lk.Unlock()
	req := sim.Request{SIM: card, Kind: sim.KindUpdate, Requested: p.cfg.Requested, Used: used, Held: held, Loc: loc, IMEI: imei}
	var d sim.Decision
	ctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	err := p.charge.Charge(ctx, p.sessionID(teid), &req, &d)
	cancel()
	r, mu := p.table.find(teid)
	if r == nil {
		return
	}
	r.busy = false
	switch {
	case err != nil:
		r.used += used
		mu.Unlock()
		n.chargingErrors.Add(1)
	case d.Outcome != sim.OutcomeSuccess:
		r.hold, r.granted, r.threshold = sim.Hold{}, 0, 0
		mu.Unlock()
		n.deleteBearer(teid, d.Reason, d.Blame)
	default:
		grant(r, &d, now)
		mu.Unlock()
	}
}
