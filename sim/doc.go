// Package sim is the carrier core of carriersim: a population of virtual IoT
// SIM cards, their plans, the rules a carrier applies to them, rating, faults
// and a virtual clock. It knows nothing of Diameter or GTP: protocol adapters
// turn a Credit-Control-Request or a Create Session Request into a Request
// (card index, units, location, device) and the Decision back into an answer.
//
// Build a carrier and rate a session:
//
//	c, err := sim.New(sim.Config{Population: sim.Spec{Count: 1_000_000}})
//	if err != nil { ... }
//	card, ok := c.Lookup(460040000000042)        // IMSI -> dense card index
//	var d sim.Decision
//	c.Rate(&sim.Request{SIM: card, Kind: sim.KindInitial, Loc: c.HomeLocation(card)}, &d)
//	// ... the device uses 300 KB of d.Granted ...
//	c.Rate(&sim.Request{SIM: card, Kind: sim.KindUpdate, Held: d.Hold, Used: 300 << 10}, &d)
//	c.Rate(&sim.Request{SIM: card, Kind: sim.KindTerminate, Held: d.Hold, Used: 0}, &d)
//
// # The rules (DOMAIN.md)
//
// A card carries a set of stop reasons and serves data only when the set is
// empty: manual stop (the customer; Stop/Resume), over-quota (set when the
// allowance is used up under the stop policy, cleared by itself at the next
// cycle start), arrears (a plan or retention fee left the balance negative;
// Recharge then Resume), expired (the plan's expiry passed; Renew within the
// retention period brings it back, a monthly retention fee is charged, and
// the number is cancelled for good after RetentionMonths), IMEI mismatch
// (bound to the first device seen; another device is refused and the card
// stops until BindIMEI), barred region (refused in a barred province; with
// PolicyDenyAndStop the card also stops), contract violation (services
// outside the plan with PolicyDenyAndStop, or set by monitoring via SetStop),
// and cancelled (terminal). Maintenance is not a card state: Faults takes
// cells, tracking areas or regions offline, and requests from there are
// refused with BlameNetwork.
//
// Every refusal carries an Outcome (for the result code), a Reason and a
// Blame (card, network or device), and is published as an Event with the
// time, card, region and cell, so results can say who is responsible.
//
// # Time
//
// Rating reads a virtual Clock that follows wall time by default and can be
// sped up, frozen or stepped. Cycles follow the calendar in the configured
// zone (Asia/Shanghai by default). Transitions that time alone causes are
// applied lazily whenever a card is touched and, for idle cards, by SettleAll
// (or SettleRange, a slice of the cards at a time).
//
// # Layout and cost
//
// The hot state of a card is one 48-byte record in a dense slice indexed by a
// uint32 card number; a generated population derives identities from its
// Spec (IMSI = FirstIMSI + index), so 10 million cards take about 480 MB and an
// IMSI lookup is a subtraction. A CSV population adds cold identity arrays
// and open-addressing indexes. Records are guarded by 16K striped mutexes,
// so rating takes no global lock; Rate allocates nothing.
//
// # Conservation
//
// For plans with the stop policy, committed plus reserved units never exceed
// the allowance when a grant is made, and every unit committed is counted
// once: Hold values travel with the caller's session and are released
// exactly once by Update or Terminate (or Release when a session times out).
package sim
