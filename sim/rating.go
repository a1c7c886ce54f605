package sim

import "runtime"

// Kind is the kind of a rating request, as in RFC 4006 §8.3 CC-Request-Type.
type Kind uint8

// Request kinds.
const (
	// KindInitial opens a session: admit and reserve.
	KindInitial Kind = iota + 1
	// KindUpdate commits Used against Held and reserves again.
	KindUpdate
	// KindTerminate commits Used against Held and releases the rest.
	KindTerminate
	// KindEvent is a one-off charge (direct debit of Requested units).
	KindEvent
)

// Hold is what a reservation holds on a card until it is committed or
// released. The caller keeps it (in its session table) and hands it back with
// the next request of the session; the card keeps only the total.
type Hold struct {
	// Bytes held against the cycle's allowance.
	Bytes uint64
	// Overage bytes granted past the allowance (pay-per-use).
	Overage uint64
	// Money taken from the balance for the overage; the unused part is
	// refunded on commit.
	Money Money
}

// Request is one rating request in plain values: the protocol adapter has
// already turned a CCR or a Create Session Request into a card index,
// units, location and device.
type Request struct {
	SIM     uint32
	Kind    Kind
	Service Service
	// Requested is the volume asked for (0: the default grant).
	Requested uint64
	// Used is the volume used since the last report (Update, Terminate).
	Used uint64
	// Held is what the session's previous decision held (Update, Terminate).
	Held Hold
	// Loc is where the device is; the zero Location means unknown.
	Loc Location
	// IMEI is the device's 14-digit IMEI body (see IMEIBody), 0 when the
	// request does not say.
	IMEI uint64
}

// Decision is the answer to a Request.
type Decision struct {
	Outcome Outcome
	// Reason says why a request was refused (ReasonNone on success).
	Reason Reason
	// Blame says who is responsible for a refusal.
	Blame Blame
	// Granted is the volume granted by this decision.
	Granted uint64
	// Hold is what the session now holds; hand it back with the next request.
	Hold Hold
	// Final is set when this grant is the last: what to do once it is used.
	Final FinalAction
	// ValiditySeconds is how long the grant is valid.
	ValiditySeconds uint32
	// Threshold is the remaining volume at which the network should report.
	Threshold uint64
	// Committed is the volume this request committed (Used).
	Committed uint64
	// Charged is the money this request charged for overage.
	Charged Money
	// Region is the region the request's location maps to.
	Region RegionID
	// Stops is the card's stop set after the decision.
	Stops StopSet
}

// outcomeOf maps a refusal reason to its outcome class.
func outcomeOf(r Reason) Outcome {
	switch r {
	case ReasonNone:
		return OutcomeSuccess
	case ReasonUnknownSIM, ReasonCancelled:
		return OutcomeUserUnknown
	case ReasonMaintenance, ReasonNodeOutage:
		return OutcomeNetworkUnavailable
	case ReasonOverQuota, ReasonBalanceExhausted, ReasonArrears:
		return OutcomeCreditLimit
	case ReasonRatingFailed:
		return OutcomeRatingFailed
	}
	return OutcomeDenied
}

// pending collects the events of one card operation so they are published
// after the card's lock is released. It lives on the stack.
type pending struct {
	n       int
	ev      [8]Event
	changed bool // the stop set changed: tell watchers
}

func (p *pending) add(e Event) {
	if p.n < len(p.ev) {
		p.ev[p.n] = e
		p.n++
	}
}

func (c *Carrier) flush(p *pending) {
	if p.n > 0 && c.events.active() {
		for i := 0; i < p.n; i++ {
			c.events.publish(&p.ev[i])
		}
	}
}

// Rate decides a request: it applies the time-driven transitions due on the
// card (cycle rollover, expiry, retention, cancellation), commits what was
// used, applies every admission rule, and reserves units. It fills d and
// never allocates; it takes only the card's lock stripe.
//
// Rules, in order: unknown or cancelled card; maintenance at the location;
// service outside the plan; missing real-name registration; device binding
// (bind on first use, refuse another device); barred region; the card's stop
// reasons; then quota (allowance, then pay-per-use balance).
func (c *Carrier) Rate(req *Request, d *Decision) {
	*d = Decision{}
	now := c.clock.UnixNano()
	if uint64(req.SIM) >= uint64(len(c.recs)) {
		d.Outcome, d.Reason, d.Blame, d.Region = OutcomeUserUnknown, ReasonUnknownSIM, BlameCard, NoRegion
		if c.events.active() {
			c.events.publish(&Event{Time: now, SIM: req.SIM, Kind: EventRefused, Reason: ReasonUnknownSIM,
				Blame: BlameCard, Outcome: OutcomeUserUnknown, Region: NoRegion, Loc: req.Loc})
		}
		return
	}
	region := c.regions.of(&req.Loc)
	d.Region = region
	down := c.faults.LocationDown(region, &req.Loc, now)
	month := c.monthAt(now)
	var p pending
	mu := &c.locks[req.SIM&(lockStripes-1)]
	mu.Lock()
	r := &c.recs[req.SIM]
	c.settle(req.SIM, r, now, month, &p)
	if req.Kind == KindUpdate || req.Kind == KindTerminate {
		c.commit(req.SIM, r, &req.Held, req.Used, d, now, &p)
	}
	if req.Kind == KindTerminate {
		d.Stops = r.stops
		mu.Unlock()
		c.flush(&p)
		return
	}
	reason := c.admit(req, r, region, down, now, &p)
	if reason == ReasonNone {
		reason = c.reserve(req, r, d, now, &p)
		if reason == ReasonNone && req.Kind == KindEvent {
			h := d.Hold
			c.commit(req.SIM, r, &h, d.Granted, d, now, &p)
			d.Hold = Hold{}
		}
	}
	d.Stops = r.stops
	if reason != ReasonNone {
		d.Outcome, d.Reason, d.Blame = outcomeOf(reason), reason, blameOf(reason)
		p.add(Event{Time: now, SIM: req.SIM, Kind: EventRefused, Reason: reason, Blame: d.Blame,
			Outcome: d.Outcome, Region: region, Loc: req.Loc})
	}
	mu.Unlock()
	c.flush(&p)
}

// RateBatch decides a batch of requests, ds[i] answering reqs[i] (ds must be
// at least as long). It first touches every card of the batch so that their
// cache misses overlap instead of queueing behind each decision's lock: a
// protocol server reading pipelined requests, or a batch of datagrams, should
// rate them this way. It never allocates.
func (c *Carrier) RateBatch(reqs []Request, ds []Decision) {
	ds = ds[:len(reqs)]
	var sink uint16
	n := uint32(len(c.recs))
	for i := range reqs {
		if s := reqs[i].SIM; s < n {
			sink += c.recs[s].plan
		}
	}
	runtime.KeepAlive(sink)
	for i := range reqs {
		c.Rate(&reqs[i], &ds[i])
	}
}

// Release gives back what a session holds, committing used (a termination
// with no location, as when a session's validity runs out unreported).
func (c *Carrier) Release(sim uint32, held Hold, used uint64) Decision {
	var d Decision
	c.Rate(&Request{SIM: sim, Kind: KindTerminate, Held: held, Used: used}, &d)
	return d
}

// commit charges used against what was held and releases the hold. Usage
// past the hold is still recorded (never lost); for pay-per-use plans it is
// charged as overage. When the allowance is used up under the stop policy
// the card stops at once (DOMAIN.md: "data is cut at once"), not at its next
// request.
func (c *Carrier) commit(sim uint32, r *record, h *Hold, used uint64, d *Decision, now int64, p *pending) {
	hb := h.Bytes
	if hb > r.reserved {
		c.anomalies.Add(1)
		hb = r.reserved
	}
	r.reserved -= hb
	r.used += used
	var cost Money
	if used > h.Bytes {
		p := &c.plans[r.plan]
		if p.Overage == OveragePayPerUse {
			cost = overageCost(used-h.Bytes, p.OveragePerMB)
		}
	}
	r.balance += h.Money - cost
	d.Charged += cost
	d.Committed += used
	if pl := &c.plans[r.plan]; pl.Overage == OverageStop && used > 0 && r.used >= uint64(pl.Allowance) {
		c.addStop(sim, r, ReasonOverQuota, now, r.region, nil, p)
	}
}

// admit applies the admission rules and returns the refusal reason, or
// ReasonNone. It may bind the device, add stop reasons and record the location.
func (c *Carrier) admit(req *Request, r *record, region RegionID, down bool, now int64, p *pending) Reason {
	if r.stops.Has(ReasonCancelled) {
		return ReasonCancelled
	}
	if down {
		return ReasonMaintenance
	}
	r.flags |= flagSeen
	if region != NoRegion {
		r.region = region
		if req.Loc.HasTAI {
			r.lastTAC = req.Loc.TAC
		}
	}
	if !c.planSvc[r.plan].Has(req.Service) {
		if c.cfg.ServicePolicy == PolicyDenyAndStop {
			c.addStop(req.SIM, r, ReasonContractViolation, now, region, &req.Loc, p)
		}
		return ReasonServiceNotAllowed
	}
	if r.flags&flagRealName == 0 {
		return ReasonNoRealName
	}
	if req.IMEI != 0 {
		if r.imei == 0 {
			r.imei = req.IMEI
			p.add(Event{Time: now, SIM: req.SIM, Kind: EventBound, Region: region, Loc: req.Loc, Value: int64(req.IMEI)})
		} else if r.imei != req.IMEI {
			c.addStop(req.SIM, r, ReasonIMEIMismatch, now, region, &req.Loc, p)
			return ReasonIMEIMismatch
		}
	}
	if region != NoRegion && c.regions.barred.has(region) {
		if c.cfg.BarredPolicy == PolicyDenyAndStop {
			c.addStop(req.SIM, r, ReasonBarredRegion, now, region, &req.Loc, p)
		}
		return ReasonBarredRegion
	}
	if !r.stops.Empty() {
		return r.stops.First()
	}
	return ReasonNone
}

// reserve grants units: from the allowance first, then (pay-per-use) from
// the balance. Invariant for stop plans: used + reserved <= allowance after
// every grant.
func (c *Carrier) reserve(req *Request, r *record, d *Decision, now int64, p *pending) Reason {
	pl := &c.plans[r.plan]
	want := req.Requested
	if want == 0 {
		want = uint64(c.cfg.DefaultGrant)
	}
	if want > uint64(c.cfg.MaxGrant) {
		want = uint64(c.cfg.MaxGrant)
	}
	allow := uint64(pl.Allowance)
	var remaining uint64
	if r.used+r.reserved < allow {
		remaining = allow - r.used - r.reserved
	}
	a := min(want, remaining)
	var over uint64
	var money Money
	if a < want && pl.Overage == OveragePayPerUse {
		over = min(want-a, affordableBytes(r.balance, pl.OveragePerMB))
		money = overageCost(over, pl.OveragePerMB)
		r.balance -= money
	}
	if a+over == 0 {
		if pl.Overage == OveragePayPerUse {
			return ReasonBalanceExhausted
		}
		if r.used >= allow {
			c.addStop(req.SIM, r, ReasonOverQuota, now, d.Region, &req.Loc, p)
		}
		return ReasonOverQuota
	}
	r.reserved += a
	d.Granted = a + over
	d.Hold = Hold{Bytes: a, Overage: over, Money: money}
	d.ValiditySeconds = uint32(c.cfg.Validity / 1e9)
	d.Threshold = d.Granted * uint64(c.cfg.ThresholdPercent) / 100
	if a == remaining {
		switch {
		case pl.Overage == OverageStop:
			d.Final = pl.FinalAction
		case over < want-a:
			// Pay-per-use and the money ran out: send the device to top up.
			d.Final = FinalRedirect
		}
	}
	return ReasonNone
}

// addStop adds a stop reason and records the event.
func (c *Carrier) addStop(sim uint32, r *record, why Reason, now int64, region RegionID, l *Location, p *pending) {
	if r.stops.Has(why) {
		return
	}
	r.stops = r.stops.With(why)
	p.changed = true
	e := Event{Time: now, SIM: sim, Kind: EventStopped, Reason: why, Blame: blameOf(why), Region: region}
	if l != nil {
		e.Loc = *l
	}
	p.add(e)
}

// clearStop removes a stop reason and records the event.
func (c *Carrier) clearStop(sim uint32, r *record, why Reason, now int64, p *pending) {
	if !r.stops.Has(why) {
		return
	}
	r.stops = r.stops.Without(why)
	p.changed = true
	p.add(Event{Time: now, SIM: sim, Kind: EventResumed, Reason: why, Blame: blameOf(why), Region: r.region})
}
