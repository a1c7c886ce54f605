package sim

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// settle applies the transitions that time alone causes, so a card is always
// seen in its correct state whether or not a sweep (SettleAll) has reached it:
// cycle rollover (usage reset, over-quota stop cleared, plan price charged),
// expiry, the monthly number-retention fee and cancellation. The common case
// costs two compares.
func (c *Carrier) settle(sim uint32, r *record, now int64, month int32, p *pending) {
	if r.stops.Has(ReasonCancelled) {
		return
	}
	if start := c.cycleStart(r.plan, month); int32(r.cycle) < start {
		c.rollover(sim, r, start, now, p)
	}
	if r.expiry != 0 && now >= int64(r.expiry)*1e9 {
		if !r.stops.Has(ReasonExpired) {
			c.addStop(sim, r, ReasonExpired, now, r.region, nil, p)
			r.fees = 0
		}
		c.retention(sim, r, now, p)
	}
}

// monthStart returns the first instant of month index m in the carrier's zone.
func (c *Carrier) monthStart(m int32) time.Time {
	return time.Date(2000+int(m/12), time.Month(m%12+1), 1, 0, 0, 0, 0, c.loc)
}

// rollover starts the cycle beginning at month start: usage resets, the
// over-quota stop clears by itself, and the plan price is charged for every
// cycle that began while the plan was valid.
func (c *Carrier) rollover(sim uint32, r *record, start int32, now int64, p *pending) {
	pl := &c.plans[r.plan]
	cm := c.planCM[r.plan]
	var fee Money
	for m := int32(r.cycle) + cm; m <= start; m += cm {
		if r.expiry == 0 || c.monthStart(m).Unix() < int64(r.expiry) {
			fee += pl.Price
		}
	}
	r.cycle = uint16(start)
	r.used = 0
	p.add(Event{Time: now, SIM: sim, Kind: EventRollover, Region: r.region})
	c.clearStop(sim, r, ReasonOverQuota, now, p)
	if fee > 0 {
		c.charge(sim, r, fee, ReasonNone, now, p)
	}
}

// charge takes a fee from the balance; a negative balance means the card is
// in arrears and stops until recharged and resumed.
func (c *Carrier) charge(sim uint32, r *record, fee Money, why Reason, now int64, p *pending) {
	r.balance -= fee
	p.add(Event{Time: now, SIM: sim, Kind: EventFee, Reason: why, Region: r.region, Value: int64(fee)})
	if r.balance < 0 {
		c.addStop(sim, r, ReasonArrears, now, r.region, nil, p)
	}
}

// retention charges the monthly number-retention fee of an expired card (at
// expiry and at each monthly anniversary) and cancels the number for good
// RetentionMonths after expiry.
func (c *Carrier) retention(sim uint32, r *record, now int64, p *pending) {
	months := c.cfg.RetentionMonths
	e := int64(r.expiry)
	// No anniversary comes sooner than 28 days apart: skip the calendar
	// arithmetic until one can be due.
	if now < (e+int64(r.fees)*28*86400)*1e9 {
		return
	}
	base := time.Unix(e, 0).In(c.loc)
	for int(r.fees) < months {
		if now < base.AddDate(0, int(r.fees), 0).UnixNano() {
			return
		}
		r.fees++
		c.charge(sim, r, c.cfg.RetentionFee, ReasonExpired, now, p)
	}
	if now >= base.AddDate(0, months, 0).UnixNano() {
		c.addStop(sim, r, ReasonCancelled, now, r.region, nil, p)
	}
}

// Errors returned by card operations. They wrap into *OpError.
var (
	ErrUnknownSIM    = errors.New("no such card")
	ErrCancelled     = errors.New("the card's number was cancelled and cannot come back")
	ErrExpired       = errors.New("the plan has expired: renew it first")
	ErrArrears       = errors.New("the card is in arrears: recharge first")
	ErrNotResumable  = errors.New("only a manually stopped card, or one in arrears after a recharge, can be resumed by the customer")
	ErrNotStoppable  = errors.New("only a card within its plan period and not in arrears can be suspended")
	ErrBadValue      = errors.New("bad value")
	ErrUnknownPlan   = errors.New("no such plan")
	ErrNotExpiredYet = errors.New("the new expiry must be later than now")
)

// OpError is a refused card operation: which card, which operation, and why
// (one of the Err… values above, for errors.Is), with the card's stop set.
type OpError struct {
	SIM   uint32
	Op    string
	Stops StopSet
	Err   error
}

// Error says which operation on which card was refused, and why.
func (e *OpError) Error() string {
	return fmt.Sprintf("sim: %s card %d (%s): %v", e.Op, e.SIM, e.Stops, e.Err)
}

// Unwrap returns the reason.
func (e *OpError) Unwrap() error { return e.Err }

// update runs fn on card sim under its lock after settling it, then publishes
// the events and tells watchers when the stop set changed.
func (c *Carrier) update(sim uint32, op string, fn func(r *record, now int64, p *pending) error) error {
	if uint64(sim) >= uint64(len(c.recs)) {
		return &OpError{SIM: sim, Op: op, Err: ErrUnknownSIM}
	}
	now := c.clock.UnixNano()
	month := c.monthAt(now)
	var p pending
	mu := &c.locks[sim&(lockStripes-1)]
	mu.Lock()
	r := &c.recs[sim]
	c.settle(sim, r, now, month, &p)
	err := fn(r, now, &p)
	stops := r.stops
	mu.Unlock()
	c.flush(&p)
	if p.changed {
		c.notify(sim, stops)
	}
	if err != nil {
		return &OpError{SIM: sim, Op: op, Stops: stops, Err: err}
	}
	return nil
}

// Stop suspends a card at the customer's request (manual stop). The card
// must be within its plan period and not in arrears.
func (c *Carrier) Stop(sim uint32) error {
	return c.update(sim, "stop", func(r *record, now int64, p *pending) error {
		switch {
		case r.stops.Has(ReasonCancelled):
			return ErrCancelled
		case r.stops.Has(ReasonExpired), r.stops.Has(ReasonArrears):
			return ErrNotStoppable
		}
		c.addStop(sim, r, ReasonManualStop, now, r.region, nil, p)
		return nil
	})
}

// Resume switches a card back on at the customer's request: it clears a
// manual stop, and an arrears stop once the balance is no longer negative.
// Other stop reasons are not the customer's to clear and remain.
func (c *Carrier) Resume(sim uint32) error {
	return c.update(sim, "resume", func(r *record, now int64, p *pending) error {
		switch {
		case r.stops.Has(ReasonCancelled):
			return ErrCancelled
		case r.stops.Has(ReasonExpired):
			return ErrExpired
		case r.stops.Has(ReasonArrears) && r.balance < 0:
			return ErrArrears
		case !r.stops.Has(ReasonManualStop) && !r.stops.Has(ReasonArrears):
			return ErrNotResumable
		}
		c.clearStop(sim, r, ReasonManualStop, now, p)
		c.clearStop(sim, r, ReasonArrears, now, p)
		return nil
	})
}

// Recharge adds money to a card's balance. An arrears stop stays until the
// customer resumes the card (DOMAIN.md: a manual resume after paying).
func (c *Carrier) Recharge(sim uint32, amount Money) error {
	return c.update(sim, "recharge", func(r *record, now int64, p *pending) error {
		if amount <= 0 {
			return fmt.Errorf("%w: want an amount > 0, got %s", ErrBadValue, amount)
		}
		if r.stops.Has(ReasonCancelled) {
			return ErrCancelled
		}
		r.balance += amount
		p.add(Event{Time: now, SIM: sim, Kind: EventRecharged, Region: r.region, Value: int64(amount)})
		return nil
	})
}

// Renew extends an expired or expiring plan to until. Renewed within the
// retention period, an expired card comes back; a cancelled one cannot.
func (c *Carrier) Renew(sim uint32, until time.Time) error {
	return c.update(sim, "renew", func(r *record, now int64, p *pending) error {
		if r.stops.Has(ReasonCancelled) {
			return ErrCancelled
		}
		if until.UnixNano() <= now {
			return ErrNotExpiredYet
		}
		r.expiry = uint32(until.Unix())
		r.fees = 0
		p.add(Event{Time: now, SIM: sim, Kind: EventRenewed, Region: r.region, Value: until.Unix()})
		c.clearStop(sim, r, ReasonExpired, now, p)
		return nil
	})
}

// ChangePlan moves a card to another plan from now on. Usage this cycle is
// kept; an over-quota stop clears if the new allowance has room.
func (c *Carrier) ChangePlan(sim uint32, plan string) error {
	pi, ok := c.planIdx[plan]
	if !ok {
		return &OpError{SIM: sim, Op: "change plan", Err: fmt.Errorf("%w: %q", ErrUnknownPlan, plan)}
	}
	return c.update(sim, "change plan", func(r *record, now int64, p *pending) error {
		if r.stops.Has(ReasonCancelled) {
			return ErrCancelled
		}
		r.plan = pi
		r.cycle = uint16(c.cycleStart(pi, c.monthAt(now)))
		p.add(Event{Time: now, SIM: sim, Kind: EventPlanChanged, Region: r.region, Value: int64(pi)})
		if r.used+r.reserved < uint64(c.plans[pi].Allowance) || c.plans[pi].Overage == OveragePayPerUse {
			c.clearStop(sim, r, ReasonOverQuota, now, p)
		}
		return nil
	})
}

// BindIMEI binds a card to a device (re-binding on the customer's evidence)
// and clears an IMEI-mismatch stop. imei is a 14-digit body (see IMEIBody).
func (c *Carrier) BindIMEI(sim uint32, imei uint64) error {
	return c.update(sim, "bind", func(r *record, now int64, p *pending) error {
		if imei == 0 || imei > 99_999_999_999_999 {
			return fmt.Errorf("%w: want a 14-digit IMEI body, got %d", ErrBadValue, imei)
		}
		r.imei = imei
		p.add(Event{Time: now, SIM: sim, Kind: EventBound, Region: r.region, Value: int64(imei)})
		c.clearStop(sim, r, ReasonIMEIMismatch, now, p)
		return nil
	})
}

// UnbindIMEI removes a card's binding; it binds again on its next use.
func (c *Carrier) UnbindIMEI(sim uint32) error {
	return c.update(sim, "unbind", func(r *record, now int64, p *pending) error {
		r.imei = 0
		p.add(Event{Time: now, SIM: sim, Kind: EventUnbound, Region: r.region})
		c.clearStop(sim, r, ReasonIMEIMismatch, now, p)
		return nil
	})
}

// SetStop adds (on) or clears (off) a carrier-side stop reason: contract
// violation found by monitoring, a barred-region stop, a manual stop. Unlike
// Resume it is the carrier acting, so no customer rule applies; cancelled
// and expired are managed by time and Renew, over-quota by the cycle.
func (c *Carrier) SetStop(sim uint32, why Reason, on bool) error {
	switch why {
	case ReasonManualStop, ReasonArrears, ReasonIMEIMismatch, ReasonBarredRegion, ReasonContractViolation:
	default:
		return &OpError{SIM: sim, Op: "set stop", Err: fmt.Errorf("%w: %s is not set by hand", ErrBadValue, why)}
	}
	return c.update(sim, "set stop", func(r *record, now int64, p *pending) error {
		if r.stops.Has(ReasonCancelled) {
			return ErrCancelled
		}
		if on {
			c.addStop(sim, r, why, now, r.region, nil, p)
		} else {
			c.clearStop(sim, r, why, now, p)
		}
		return nil
	})
}

// Move records a card's location as if the network had reported it.
func (c *Carrier) Move(sim uint32, l Location) error {
	return c.update(sim, "move", func(r *record, now int64, p *pending) error {
		reg := c.regions.of(&l)
		if reg == NoRegion {
			return fmt.Errorf("%w: the location maps to no configured region", ErrBadValue)
		}
		r.region = reg
		if l.HasTAI {
			r.lastTAC = l.TAC
		}
		return nil
	})
}

// SetUsage sets the volume used this cycle (for tests and fixtures). An
// over-quota stop is added or cleared to match.
func (c *Carrier) SetUsage(sim uint32, used uint64) error {
	return c.update(sim, "set usage", func(r *record, now int64, p *pending) error {
		r.used = used
		pl := &c.plans[r.plan]
		if pl.Overage == OverageStop && used >= uint64(pl.Allowance) {
			c.addStop(sim, r, ReasonOverQuota, now, r.region, nil, p)
		} else {
			c.clearStop(sim, r, ReasonOverQuota, now, p)
		}
		return nil
	})
}

// SetBalance sets the balance (for tests and fixtures). It does not clear an
// arrears stop; Resume does.
func (c *Carrier) SetBalance(sim uint32, m Money) error {
	return c.update(sim, "set balance", func(r *record, now int64, p *pending) error {
		r.balance = m
		return nil
	})
}

// SettleAll applies the transitions due by now to every card (rollover,
// expiry, fees, cancellation), so that events and watchers fire at the
// boundary even for idle cards. Cards are settled lazily on every request
// anyway; call this after a clock jump or periodically. It returns how many
// cards changed their stop set. Safe to run while rating goes on.
func (c *Carrier) SettleAll() int {
	var changed atomic.Int64
	parallelRanges(len(c.recs), func(lo, hi int) {
		changed.Add(int64(c.SettleRange(lo, hi)))
	})
	return int(changed.Load())
}

// SettleRange is SettleAll for the cards of index lo up to hi, on the
// calling goroutine, so that a caller can spread a pass over time in short
// runs: a whole pass over a million cards holds a CPU for 60-130 ms, a
// stall for every request behind it. The clock is read once, at the start.
// It returns how many cards changed their stop set.
func (c *Carrier) SettleRange(lo, hi int) int {
	lo, hi = max(lo, 0), min(hi, len(c.recs))
	n := 0
	// One clock reading per call, not per card: reading it was 40% of the
	// cost of settling an idle card (profile of carriersim serve). A run
	// takes about 0.1 ms, and settling with an instant that old is what a
	// request arriving then would have done.
	now := c.clock.UnixNano()
	month := c.monthAt(now)
	for i := lo; i < hi; i++ {
		var p pending
		mu := &c.locks[i&(lockStripes-1)]
		mu.Lock()
		r := &c.recs[i]
		c.settle(uint32(i), r, now, month, &p)
		stops := r.stops
		mu.Unlock()
		c.flush(&p)
		if p.changed {
			n++
			c.notify(uint32(i), stops)
		}
	}
	return n
}
