package sim

import (
	"time"
	"unsafe"
)

// recordSize is the bytes of one card's hot state.
const recordSize = unsafe.Sizeof(record{})

// CardStatus is a snapshot of one card for management displays and tests.
type CardStatus struct {
	Index uint32
	Identity
	Plan      string
	Stops     StopSet
	Used      uint64 // committed this cycle
	Reserved  uint64 // held by open reservations
	Allowance uint64
	Balance   Money
	// Expiry is when the plan expires (zero: never).
	Expiry time.Time
	// BoundIMEI is the 14-digit body of the bound device (0: not bound yet).
	BoundIMEI uint64
	RealName  bool
	Home      string
	Region    string // last reported
	LastTAC   uint16
	// CycleStart is when the current cycle began.
	CycleStart time.Time
	// RetentionFees counts retention fees charged since expiry.
	RetentionFees int
	// Seen reports whether the card has made a request.
	Seen bool
}

// Active reports whether the card serves data (no stop reason).
func (s *CardStatus) Active() bool { return s.Stops.Empty() }

// Card returns a snapshot of card sim, settled to the current time.
func (c *Carrier) Card(sim uint32) (CardStatus, error) {
	var st CardStatus
	err := c.update(sim, "read", func(r *record, now int64, p *pending) error {
		pl := &c.plans[r.plan]
		st = CardStatus{Index: sim, Identity: c.Identity(sim), Plan: pl.Name, Stops: r.stops,
			Used: r.used, Reserved: r.reserved, Allowance: uint64(pl.Allowance), Balance: r.balance,
			BoundIMEI: r.imei, RealName: r.flags&flagRealName != 0, Home: c.RegionName(r.home),
			Region: c.RegionName(r.region), LastTAC: r.lastTAC, CycleStart: c.monthStart(int32(r.cycle)),
			RetentionFees: int(r.fees), Seen: r.flags&flagSeen != 0}
		if r.expiry != 0 {
			st.Expiry = time.Unix(int64(r.expiry), 0).In(c.loc)
		}
		return nil
	})
	return st, err
}

// Census counts cards by state: how many are active and how many carry each
// stop reason (a card with several reasons counts under each).
type Census struct {
	Cards    int
	Active   int
	ByReason map[Reason]int
	Used     uint64 // bytes committed this cycle, all cards
	Reserved uint64 // bytes held, all cards
	Balance  Money  // sum of balances
}

// Census scans every card. It does not settle cards (use SettleAll first for
// an up-to-date picture) and costs a few nanoseconds a card.
func (c *Carrier) Census() Census { return c.census(nil) }

// CensusOf counts only the cards of set (a load shard's slice of the
// population, say), as Census counts all of them.
func (c *Carrier) CensusOf(set *CohortSet) Census { return c.census(set) }

func (c *Carrier) census(set *CohortSet) Census {
	out := Census{Cards: len(c.recs), ByReason: map[Reason]int{}}
	if set != nil {
		out.Cards = set.Len()
	}
	var counts [16]int
	for i := range c.recs {
		if set != nil && !set.Contains(uint32(i)) {
			continue
		}
		mu := &c.locks[i&(lockStripes-1)]
		mu.Lock()
		r := c.recs[i]
		mu.Unlock()
		if r.stops == 0 {
			out.Active++
		}
		for b := Reason(1); b <= ReasonCancelled; b++ {
			if r.stops.Has(b) {
				counts[b]++
			}
		}
		out.Used += r.used
		out.Reserved += r.reserved
		out.Balance += r.balance
	}
	for b, n := range counts {
		if n > 0 {
			out.ByReason[Reason(b)] = n
		}
	}
	return out
}

// CardBrief is what a listing filters cards on, read cheaply from the hot
// record: the stop set, the plan (an index into Plans) and the last
// reported region.
type CardBrief struct {
	Index  uint32
	Stops  StopSet
	Plan   uint16
	Region RegionID
}

// Briefs fills out with the briefs of cards from, from+1, …, each settled
// to the current time as Card does, and returns how many it filled (fewer
// than len(out) at the end of the population). It costs a few tens of
// nanoseconds a card and allocates nothing, so a management listing can
// page through millions of cards without building a list of them. Safe for
// concurrent use: it takes each card's lock in turn.
func (c *Carrier) Briefs(from uint32, out []CardBrief) int {
	n := 0
	for i := uint64(from); i < uint64(len(c.recs)) && n < len(out); i++ {
		now := c.clock.UnixNano()
		month := c.monthAt(now)
		var p pending
		mu := &c.locks[i&(lockStripes-1)]
		mu.Lock()
		r := &c.recs[i]
		c.settle(uint32(i), r, now, month, &p)
		out[n] = CardBrief{Index: uint32(i), Stops: r.stops, Plan: r.plan, Region: r.region}
		stops := r.stops
		mu.Unlock()
		if p.n > 0 {
			c.flush(&p)
			if p.changed {
				c.notify(uint32(i), stops)
			}
		}
		n++
	}
	return n
}
