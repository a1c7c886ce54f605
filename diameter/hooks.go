package diameter

import (
	"errors"
	"fmt"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim/hooks"
)

// Test hooks: forcing the answer to a card's next requests (Inject) and a
// journal of what each card asked and was answered (SetJournal, Journal).
//
// Both are off by default and cost the request path one atomic load per
// batch of CCRs while off. While on, every CCR of the batch is decoded a
// second time, its card is found, and the answers the batch produced are
// read back from the write buffer: a few microseconds a request, and some
// allocation, which is fine for the integration tests they are for.

// Injection is what Server.Inject does to the next requests of a card.
type Injection struct {
	// ResultCode, when it is not 0 and not a 2xxx success, answers the
	// request with this Result-Code instead of rating it: a CCA (with the
	// E bit and the generic answer layout for 3xxx protocol errors,
	// RFC 6733 §7.2) carrying Error-Message "forced by a test". Nothing is
	// granted; a CCR-INITIAL opens no session, and the session of a
	// CCR-UPDATE or CCR-TERMINATION ends, its reservations released. 0 or
	// a 2xxx code rates the request as usual.
	ResultCode uint32
	// Delay holds the answer back this long (wall time) before it is
	// written. Other answers on the connection are not held up.
	Delay time.Duration
	// Count is how many of the card's requests the injection applies to
	// (0 means 1). Injections for one card queue up in the order given.
	Count int
}

// Exchange is one credit-control request of a card and the server's
// answer, as the journal records it.
type Exchange struct {
	// At is when the request was taken (wall time).
	At time.Time
	// Card is the card index (for an unknown subscriber, an index past
	// the population).
	Card uint32
	// Request is "CCR-I", "CCR-U", "CCR-T" or "CCR-E".
	Request string
	// SessionID and RequestNumber are the request's Session-Id and
	// CC-Request-Number.
	SessionID     string
	RequestNumber uint32
	// Requested and Used are the octets asked for (Requested-Service-Unit)
	// and reported (Used-Service-Unit), summed over the MSCC blocks.
	Requested, Used uint64
	// Answered is false when no answer was sent (a silent outage, or a
	// retransmission dropped while its original was being rated).
	Answered bool
	// ResultCode is the command-level Result-Code of the answer and
	// ErrorMessage its Error-Message ("reason=… blame=…" for a refusal).
	ResultCode   uint32
	ErrorMessage string
	// Granted is the octets granted (Granted-Service-Unit), summed over
	// the MSCC blocks; Final is set when a block carried a
	// Final-Unit-Indication.
	Granted uint64
	Final   bool
	// Forced is set when the Result-Code was forced by Inject; Delay is
	// how long the answer was held back.
	Forced bool
	Delay  time.Duration
}

// AllCards, given to Server.Journal, selects every card.
const AllCards = hooks.AllCards

// hookState is the server's Inject and Journal state.
type hookState = hooks.Set[Injection, Exchange]

// hookItem is what intercept noted about CCR k of a batch for observe.
type hookItem struct {
	hopByHop, endToEnd uint32
	ex                 Exchange
}

// Inject queues in for the next requests of card. Safe for concurrent use.
func (s *Server) Inject(card uint32, in Injection) error {
	var errs []error
	if in.ResultCode != 0 && (in.ResultCode < 1000 || in.ResultCode > 5999) {
		errs = append(errs, fmt.Errorf("result_code: want 0 or a Diameter Result-Code 1000..5999, got %d", in.ResultCode))
	}
	if in.Delay < 0 || in.Delay > time.Hour {
		errs = append(errs, fmt.Errorf("delay: want 0..1h, got %s", in.Delay))
	}
	if in.Count < 0 {
		errs = append(errs, fmt.Errorf("count: want >= 0 (0 means 1), got %d", in.Count))
	}
	if len(errs) > 0 {
		return fmt.Errorf("diameter: invalid injection for card %d:\n%w", card, errors.Join(errs...))
	}
	s.hooks.Inject(card, in, in.Count)
	return nil
}

// ClearInjections drops every pending injection. Safe for concurrent use.
func (s *Server) ClearInjections() { s.hooks.Clear() }

// SetJournal keeps the last n exchanges of every card in a ring (n <= 0
// turns the journal off and forgets it). Safe for concurrent use.
func (s *Server) SetJournal(n int) { s.hooks.SetJournal(n) }

// Journal returns the exchanges of card (AllCards: of every card) still in
// the journal, oldest first. It is empty while the journal is off. Safe
// for concurrent use.
func (s *Server) Journal(card uint32) []Exchange { return s.hooks.Journal(card) }

var errForced = []byte("forced by a test (diameter.Server.Inject)")

// intercept is the hooked path for CCR k of the batch, run before take
// with outMu held: it notes the request for the journal and applies the
// card's injection. It reports whether the request has been answered (a
// forced Result-Code), so that take must skip it.
func (c *serverConn) intercept(k int) bool {
	b := c.b
	msg := b.items[k].msg
	r := &b.ccrs[k]
	if err := r.Decode(msg); err != nil {
		return false // take answers it; without a card it is not journaled
	}
	card, ok := c.cardOfSession(r)
	if !ok {
		return false
	}
	ex := Exchange{At: time.Now(), Card: card, Request: requestName(r.RequestType),
		SessionID: string(r.SessionID), RequestNumber: r.RequestNumber}
	for j := range r.NumMSCC {
		ex.Requested += requested(&r.MSCC[j])
		ex.Used += used(&r.MSCC[j])
	}
	in, injected := c.s.hooks.Take(card)
	ex.Delay = in.Delay
	b.hook = append(b.hook, hookItem{hopByHop: r.Header.HopByHop, endToEnd: r.Header.EndToEnd, ex: ex})
	rc := wire.ResultCode(in.ResultCode)
	if !injected || rc == 0 || rc.IsSuccess() {
		return false
	}
	b.hook[len(b.hook)-1].ex.Forced = true
	c.stats.cur = requestKind(r.RequestType) // take, which counts it, is skipped
	c.stats.reqs[c.stats.cur].Add(1)
	if rc.IsProtocolError() {
		c.ea.ReplyTo(msg)
		c.ea.ResultCode = rc
		c.ea.ErrorMessage = errForced
		c.ea.OriginHost, c.ea.OriginRealm = c.s.originHost, c.s.originRealm
		c.appendLocked(c.ea.Append, rc)
	} else {
		c.refuse(r, rc, &wire.Error{ResultCode: rc, Msg: string(errForced)})
	}
	if r.RequestType == wire.UpdateRequest || r.RequestType == wire.TerminationRequest {
		c.s.endSession(r.SessionID)
	}
	return true
}

// cardOfSession finds the card of a CCR: its session's, or else the one
// its Subscription-Id names.
func (c *serverConn) cardOfSession(r *wire.CCR) (uint32, bool) {
	if r.RequestType == wire.UpdateRequest || r.RequestType == wire.TerminationRequest {
		t := c.s.sessions
		h := t.hash(r.SessionID)
		sh := &t.shards[shardOf(h)]
		sh.mu.Lock()
		slot := sh.lookup(h, r.SessionID)
		var card uint32
		if slot >= 0 {
			card = sh.at(slot).sim
		}
		sh.mu.Unlock()
		if slot >= 0 {
			return card, true
		}
	}
	if r.IMSI() == nil && r.MSISDN() == nil {
		return 0, false
	}
	card, err := c.cardOf(r)
	return card, err == nil
}

func requestName(t wire.RequestType) string {
	switch t {
	case wire.InitialRequest:
		return "CCR-I"
	case wire.UpdateRequest:
		return "CCR-U"
	case wire.TerminationRequest:
		return "CCR-T"
	}
	return "CCR-E"
}

// observe is the hooked path after a batch is answered, with outMu held:
// it reads the answers appended to out since mark, journals each noted
// request with its answer, and takes the answers to be delayed out of the
// buffer to write them later.
func (c *serverConn) observe(mark int) {
	b := c.b
	defer func() { b.hook = b.hook[:0] }()
	if len(b.hook) == 0 {
		return
	}
	var cca wire.CCA
	var ea wire.ErrorAnswer
	off := mark
	for off+wire.HeaderLen <= len(c.out) {
		h, err := wire.ParseHeader(c.out[off:])
		n := int(h.Length)
		if err != nil || n < wire.HeaderLen || off+n > len(c.out) {
			break
		}
		msg := c.out[off : off+n]
		it := -1
		for i := range b.hook {
			if b.hook[i].hopByHop == h.HopByHop && b.hook[i].endToEnd == h.EndToEnd && !b.hook[i].ex.Answered {
				it = i
				break
			}
		}
		if it < 0 || h.IsRequest() {
			off += n
			continue
		}
		ex := &b.hook[it].ex
		ex.Answered = true
		if h.IsError() {
			if ea.Decode(msg) == nil {
				ex.ResultCode, ex.ErrorMessage = uint32(ea.ResultCode), string(ea.ErrorMessage)
			}
		} else if cca.Decode(msg) == nil {
			ex.ResultCode, ex.ErrorMessage = uint32(cca.ResultCode), string(cca.ErrorMessage)
			for _, m := range cca.Services() {
				if m.HasGSU {
					ex.Granted += octetsOf(&m.GSU)
				}
				ex.Final = ex.Final || m.HasFUI
			}
		}
		if ex.Delay <= 0 {
			off += n
			continue
		}
		held := append([]byte(nil), msg...)
		c.out = append(c.out[:off], c.out[off+n:]...)
		time.AfterFunc(ex.Delay, func() {
			c.outMu.Lock()
			defer c.outMu.Unlock()
			if c.werr == nil {
				c.out = append(c.out, held...)
				_ = c.flushLocked()
			}
		})
	}
	for i := range b.hook {
		c.s.hooks.Record(b.hook[i].ex.Card, b.hook[i].ex)
	}
}
