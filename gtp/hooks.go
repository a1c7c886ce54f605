package gtp

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
	"github.com/carriersim/carriersim/sim/hooks"
)

// Test hooks: forcing the answer to a card's next requests (Inject) and a
// journal of what each card asked and was answered (SetJournal, Journal).
//
// Both are off by default and cost a request one atomic load while off.
// While on, each Create Session, Modify Bearer and Delete Session Request
// is decoded once more to find its card and its response read back: a few
// microseconds and some allocation a request, fine for the integration
// tests they are for.

// Injection is what PGW.Inject does to the next requests of a card.
type Injection struct {
	// Cause, when it is not 0 and not an acceptance (16-63), answers the
	// request with this cause instead of carrying it out, with no private
	// extension. A refused Create Session opens no session; a refused
	// Modify Bearer or Delete Session releases the session (its usage is
	// committed), as a refusal does. 0 or an acceptance carries the
	// request out as usual.
	Cause uint8
	// Delay holds the response back this long (wall time) before it is
	// written; a retransmission of the request that arrives meanwhile is
	// dropped, as one arriving while the original is being worked on is.
	Delay time.Duration
	// Count is how many of the card's requests it applies to (0 means 1).
	// Injections for one card queue up in the order given.
	Count int
}

// Exchange is one request of a card and the gateway's response, as the
// journal records it.
type Exchange struct {
	// At is when the request was taken (wall time).
	At time.Time
	// Card is the card index.
	Card uint32
	// Request is "CreateSession", "ModifyBearer" or "DeleteSession".
	Request string
	// Peer is the sender's address and Seq the request's sequence number.
	Peer netip.AddrPort
	Seq  uint32
	// TEID is the gateway's TEID of the session: the one the request was
	// sent to, or the one a Create Session Response handed out.
	TEID uint32
	// APN and IMSI are those of a Create Session Request.
	APN  string
	IMSI string
	// Answered is false when no response was sent (a retransmission
	// dropped while its original was being worked on).
	Answered bool
	// Cause is the response's cause.
	Cause uint8
	// Forced is set when the cause was forced by Inject; Delay is how long
	// the response was held back.
	Forced bool
	Delay  time.Duration
}

// AllCards, given to PGW.Journal, selects every card.
const AllCards = hooks.AllCards

// hookState is the gateway's Inject and Journal state.
type hookState = hooks.Set[Injection, Exchange]

// Inject queues in for the next requests of card. Safe for concurrent use.
func (p *PGW) Inject(card uint32, in Injection) error {
	var errs []error
	if in.Delay < 0 || in.Delay > time.Hour {
		errs = append(errs, fmt.Errorf("delay: want 0..1h, got %s", in.Delay))
	}
	if in.Count < 0 {
		errs = append(errs, fmt.Errorf("count: want >= 0 (0 means 1), got %d", in.Count))
	}
	if len(errs) > 0 {
		return fmt.Errorf("gtp: invalid injection for card %d:\n%w", card, errors.Join(errs...))
	}
	p.hooks.Inject(card, in, in.Count)
	return nil
}

// ClearInjections drops every pending injection. Safe for concurrent use.
func (p *PGW) ClearInjections() { p.hooks.Clear() }

// SetJournal keeps the last n exchanges of every card in a ring (n <= 0
// turns the journal off and forgets it). Safe for concurrent use.
func (p *PGW) SetJournal(n int) { p.hooks.SetJournal(n) }

// Journal returns the exchanges of card (AllCards: of every card) still in
// the journal, oldest first; empty while the journal is off. Safe for
// concurrent use.
func (p *PGW) Journal(card uint32) []Exchange { return p.hooks.Journal(card) }

// hookNote is what intercept noted for observe about one request.
type hookNote struct {
	ex  Exchange
	key uint64 // duplicate-table key, for a delayed response
}

// intercept is the hooked path before a request is carried out: it notes
// the request for the journal (nil: no card to journal it under) and
// applies its card's injection. It reports whether the request has been
// answered (a forced cause), so that handle must not carry it out.
func (w *pgwWorker) intercept(t wire.MsgType, pkt []byte, from netip.AddrPort) (*hookNote, bool) {
	p := w.p
	var h wire.Header
	if _, _, err := wire.ParseHeader(pkt, &h); err != nil {
		return nil, false
	}
	ex := Exchange{At: time.Now(), Request: kindNames[kindOf(t)], Peer: from, Seq: h.Seq, TEID: h.TEID}
	sgwC := uint32(0)
	switch t {
	case wire.MsgCreateSessionRequest:
		var m wire.CreateSessionRequest
		if m.Decode(pkt) != nil || m.IMSI.N == 0 {
			return nil, false
		}
		card, ok := p.c.Lookup(m.IMSI.Value)
		if !ok {
			return nil, false
		}
		ex.Card, ex.TEID, ex.APN, ex.IMSI = card, 0, m.APN.String(), m.IMSI.String()
		sgwC = m.SenderFTEID.TEID
	default:
		r, mu := p.table.find(h.TEID)
		if r == nil {
			return nil, false
		}
		ex.Card, sgwC = r.sim, r.sgwC
		mu.Unlock()
	}
	nt := &hookNote{ex: ex}
	if !p.hooks.Has(ex.Card) {
		return nt, false
	}
	pi, ok := w.peer(from)
	if !ok {
		return nt, false
	}
	key := dedupKey(pi, t, h.Seq)
	var e dedupEntry
	if p.dedup.check(key, &e) != dedupNew {
		return nt, false // a retransmission: handled as one, the injection kept
	}
	in, _ := p.hooks.Take(ex.Card)
	nt.ex.Delay = in.Delay
	c := wire.Cause(in.Cause)
	if c == 0 || c.IsAccepted() {
		// Carried out as usual: give the claim back to the procedure.
		p.dedup.forget(key)
		nt.key = key
		return nt, false
	}
	nt.ex.Forced = true
	mark := w.out.n
	w.stats.requests[kindOf(t)].Add(1)
	w.refuse(kindOf(t), t, sgwC, h.Seq, c, sim.ReasonNone, sim.BlameNone, false, from)
	p.dedup.done(key, dedupEntry{sgw: sgwC, cause: c})
	if t != wire.MsgCreateSessionRequest {
		p.releaseSession(h.TEID, sim.ReasonNone, false)
	}
	w.observe(nt, t, from, mark)
	return nt, true
}

// observe is the hooked path after a request was handled: it reads the
// response pushed since mark, journals the exchange, and takes the
// response out of the batch to write it later when it is to be delayed.
func (w *pgwWorker) observe(nt *hookNote, t wire.MsgType, from netip.AddrPort, mark int) {
	p := w.p
	if nt == nil {
		return
	}
	ex := nt.ex
	for i := mark; i < w.out.n; i++ {
		msg := w.out.data(i)
		var h wire.Header
		ies, _, err := wire.ParseHeader(msg, &h)
		if err != nil || h.Type != t+1 || w.out.addrs[i] != from {
			continue
		}
		ex.Answered = true
		rd := wire.NewIEReader(ies)
		for rd.Next() {
			ie := rd.IE()
			if ie.Type == wire.IECause && len(ie.Value) > 0 && ex.Cause == 0 {
				ex.Cause = ie.Value[0]
			}
			if t == wire.MsgCreateSessionRequest && ie.Type == wire.IEFTEID && ie.Instance == 0 && len(ie.Value) >= 5 && ex.TEID == 0 {
				// Sender F-TEID for Control Plane (TS 29.274 table
				// 7.2.2-1, §8.22): after the flags octet, the TEID.
				ex.TEID = uint32(ie.Value[1])<<24 | uint32(ie.Value[2])<<16 | uint32(ie.Value[3])<<8 | uint32(ie.Value[4])
			}
		}
		if ex.Delay > 0 {
			held := append([]byte(nil), msg...)
			w.out.remove(i)
			if nt.key != 0 {
				p.dedup.hold(nt.key, true)
			}
			key := nt.key
			time.AfterFunc(ex.Delay, func() {
				if key != 0 {
					p.dedup.hold(key, false)
				}
				if !p.closed.Load() {
					_ = p.ctrl.writeOne(held, from)
				}
			})
		}
		break
	}
	p.hooks.Record(ex.Card, ex)
}

// remove takes datagram i out of the batch, moving the later ones up.
func (b *batch) remove(i int) {
	for j := i; j < b.n-1; j++ {
		n := copy(b.bufs[j][:maxDatagram], b.data(j+1))
		b.lens[j] = n
		b.addrs[j] = b.addrs[j+1]
	}
	b.n--
}

// hold marks the answered request key as still being worked on (on) so
// that a retransmission is dropped, or as answered again.
func (d *dedupTable) hold(key uint64, on bool) {
	i := d.index(key)
	mu := &d.locks[i&(dedupStripes-1)]
	mu.Lock()
	if x := &d.entries[i]; x.key == key {
		x.pending = on
	}
	mu.Unlock()
}
