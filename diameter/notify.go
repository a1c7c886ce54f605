package diameter

import (
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim"
	"github.com/carriersim/carriersim/sim/netyield"
)

// Server-initiated requests (RFC 4006 §5.5, RFC 6733 §8.3, §8.5) and the
// Tcc sweep.

// CardChanged implements sim.Watcher: the card's stop reasons changed
// outside a request (stopped, resumed, a cycle rolled over). Its open
// sessions are told: a Re-Auth-Request, so the client reports and asks
// again and meets the new rules at once; or, when a rule ends the card's
// service for good (cancelled, contract violation), an
// Abort-Session-Request. It never blocks: a burst beyond the queue is
// counted in ServerStats.NotifyDropped.
func (s *Server) CardChanged(card uint32, stops sim.StopSet) {
	if s.closed.Load() {
		return
	}
	select {
	case s.notify <- card:
	default:
		s.notifyDropped.Add(1)
	}
}

// abortsSession reports whether a card with these stops has its sessions
// aborted rather than re-authorised.
func abortsSession(stops sim.StopSet) bool {
	return stops.Has(sim.ReasonCancelled) || stops.Has(sim.ReasonContractViolation)
}

func (s *Server) notifyLoop() {
	defer s.wg.Done()
	var refs []sessionRef
	var key [256]byte
	for {
		var card uint32
		select {
		case <-s.done:
			return
		case card = <-s.notify:
		}
		st, err := s.c.Card(card)
		if err != nil {
			continue
		}
		abort := abortsSession(st.Stops)
		refs = s.sessions.cardSessions(card, refs[:0])
		for _, ref := range refs {
			sh := &s.sessions.shards[ref.shard]
			sh.mu.Lock()
			if int(ref.slot) >= sh.n {
				sh.mu.Unlock()
				continue
			}
			ss := sh.at(int(ref.slot))
			if ss.gen != ref.gen || ss.state != stateOpen {
				sh.mu.Unlock()
				continue
			}
			id := key[:copy(key[:], ss.key[:ss.keyLen])]
			if ss.long {
				id = nil
				for k, v := range sh.long {
					if v == ref.slot {
						id = []byte(k)
						break
					}
				}
			}
			connID := ss.conn
			sh.mu.Unlock()
			c := s.conn(connID)
			if c == nil {
				continue
			}
			_ = c.sessionRequest(id, abort)
		}
	}
}

// sessionRequest sends a RAR (abort false) or an ASR for session id to the
// peer of c. It fails when the connection is not open.
func (c *serverConn) sessionRequest(id []byte, abort bool) error {
	s := c.s
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if !c.open || c.werr != nil {
		return ErrPeerGone
	}
	q := wire.SessionRequest{
		Header:            wire.Header{HopByHop: s.hbh.Add(1), EndToEnd: s.e2e.Add(1)},
		SessionID:         id,
		OriginHost:        s.originHost,
		OriginRealm:       s.originRealm,
		DestinationRealm:  c.peerRealm,
		DestinationHost:   destinationHost(id, c.peerHost),
		AuthApplicationID: wire.AppCreditControl,
	}
	var out []byte
	var err error
	if abort {
		a := wire.ASR{SessionRequest: q}
		out, err = a.Append(c.out)
		s.asrSent.Add(1)
	} else {
		r := wire.RAR{SessionRequest: q, ReAuthRequestType: wire.AuthorizeOnly}
		out, err = r.Append(c.out)
		s.rarSent.Add(1)
	}
	if err != nil {
		return err
	}
	c.out = out
	return c.flushLocked()
}

// destinationHost is the Destination-Host of a server-initiated request:
// the client that opened the session, which RFC 6733 §8.8 puts at the head
// of its Session-Id ("<DiameterIdentity>;..."), so that the request finds
// it through a routing agent; else the peer of the connection.
func destinationHost(sid, peer []byte) []byte {
	for i, ch := range sid {
		if ch == ';' {
			if i > 0 {
				return sid[:i]
			}
			break
		}
	}
	return peer
}

// endSession ends the open session id (the client said it does not know
// it), releasing what it holds.
func (s *Server) endSession(id []byte) {
	t := s.sessions
	h := t.hash(id)
	si := shardOf(h)
	sh := &t.shards[si]
	var rel []release
	var cards []cardOp
	sh.mu.Lock()
	if slot := sh.lookup(h, id); slot >= 0 {
		ss := sh.at(slot)
		if !ss.busy {
			s.endLocked(sh, ss, sessionRef{shard: uint16(si), slot: uint32(slot), gen: ss.gen}, &rel, &cards)
		}
	}
	sh.mu.Unlock()
	s.apply(rel, cards)
}

func (s *Server) apply(rel []release, cards []cardOp) {
	for _, op := range cards {
		if op.add {
			s.sessions.addCard(op.sim, op.ref)
		} else {
			s.sessions.dropCard(op.sim, op.ref)
		}
	}
	for _, r := range rel {
		s.c.Release(r.sim, r.hold, 0)
	}
}

// sweepLoop releases sessions silent past their validity (RFC 4006 §5.1,
// Tcc) and forgets tombstones older than the duplicate window.
func (s *Server) sweepLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(s.cfg.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-tick.C:
		}
		s.Sweep()
	}
}

// Sweep runs one pass of the session sweep now: sessions silent past their
// validity plus SessionGrace (carrier time) are released, and ended
// sessions older than DuplicateWindow are forgotten. The server runs it
// every SweepInterval; tests on a stepped clock may call it directly.
func (s *Server) Sweep() {
	gen := s.sweepGen.Add(1)
	now := s.c.Clock().UnixNano()
	var rel []release
	var cards []cardOp
	y := netyield.New()
	defer y.Close()
	for i := range s.sessions.shards {
		sh := &s.sessions.shards[i]
		// A shard holds every session ended in the duplicate window (at
		// 700k CCR/s, 140k sessions a second kept 5 s: some 11,000 a
		// shard): scan it in runs, letting other goroutines in between, so
		// that a sweep never holds the shard, or a process's only P, for
		// long. (The same shape of work, the settling of idle cards in
		// carriersim serve, stalled every request 15-20 ms when done in
		// one piece.) It yields with netyield, not Gosched, which would
		// leave the connections' goroutines parked (see netyield).
		for from := 0; ; from += sweepRun {
			sh.mu.Lock()
			to := min(from+sweepRun, sh.n)
			for slot := from; slot < to; slot++ {
				ss := sh.at(slot)
				switch {
				case ss.state == stateOpen && !ss.busy && ss.expires < now:
					s.endLocked(sh, ss, sessionRef{shard: uint16(i), slot: uint32(slot), gen: ss.gen}, &rel, &cards)
					s.released.Add(1)
				case ss.state == stateEnded && gen-ss.ended > s.tombGens:
					sh.remove(slot)
				}
			}
			last := to >= sh.n
			sh.mu.Unlock()
			y.Yield()
			if last {
				break
			}
		}
	}
	s.apply(rel, cards)
}

// sweepRun is how many session slots Sweep looks at under one lock.
const sweepRun = 2048
