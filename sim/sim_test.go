package sim

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// t0 is a fixed virtual start: mid-March 2026 in the carrier's zone.
var shanghai, _ = time.LoadLocation("Asia/Shanghai")
var t0 = time.Date(2026, 3, 15, 10, 0, 0, 0, shanghai)

// newCarrier builds a small carrier on a frozen clock at t0; mod may adjust
// the configuration first.
func newCarrier(t testing.TB, mod func(*Config)) *Carrier {
	t.Helper()
	one := 1.0
	cfg := Config{
		Clock: NewClock(t0, 0),
		Population: Spec{Count: 1000, Seed: 7, Plans: map[string]float64{"iot-30m": 1},
			Regions: map[string]float64{"Guangdong": 1}, Bound: &one, ExpiresIn: 200 * 24 * time.Hour,
			Balance: 100 * Yuan},
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// initial opens a session for card i at its home with its own device.
func initial(c *Carrier, i uint32, want uint64) Decision {
	var d Decision
	c.Rate(&Request{SIM: i, Kind: KindInitial, Requested: want, Loc: c.HomeLocation(i),
		IMEI: c.Identity(i).DeviceIMEI}, &d)
	return d
}

func update(c *Carrier, i uint32, held Hold, used, want uint64) Decision {
	var d Decision
	c.Rate(&Request{SIM: i, Kind: KindUpdate, Held: held, Used: used, Requested: want,
		Loc: c.HomeLocation(i), IMEI: c.Identity(i).DeviceIMEI}, &d)
	return d
}

func wantRefusal(t *testing.T, d Decision, o Outcome, r Reason, b Blame) {
	t.Helper()
	if d.Outcome != o || d.Reason != r || d.Blame != b {
		t.Fatalf("decision = %s/%s/%s, want %s/%s/%s", d.Outcome, d.Reason, d.Blame, o, r, b)
	}
	if d.Granted != 0 {
		t.Fatalf("refusal granted %d units", d.Granted)
	}
}

func wantSuccess(t *testing.T, d Decision) {
	t.Helper()
	if d.Outcome != OutcomeSuccess || d.Granted == 0 {
		t.Fatalf("decision = %s/%s/%s granted %d, want success", d.Outcome, d.Reason, d.Blame, d.Granted)
	}
}

func card(t *testing.T, c *Carrier, i uint32) CardStatus {
	t.Helper()
	st, err := c.Card(i)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestTransitions is the table of card state transitions from DOMAIN.md:
// each row sets a card up, acts on it, and checks the operation's error, the
// stop set after, and what the next request gets.
func TestTransitions(t *testing.T) {
	t.Parallel()
	tac := func(c *Carrier, name string) Location {
		r, _ := c.RegionID(name)
		return c.RegionLocation(r, 0)
	}
	tests := []struct {
		name      string
		cfg       func(*Config)
		act       func(c *Carrier, i uint32) error
		wantErr   error
		wantStops StopSet
		req       func(c *Carrier, i uint32) Request // nil: initial at home, own device
		want      Outcome
		reason    Reason
		blame     Blame
	}{
		{name: "active card is served", act: func(c *Carrier, i uint32) error { return nil },
			want: OutcomeSuccess},
		{name: "manual stop refuses data", act: func(c *Carrier, i uint32) error { return c.Stop(i) },
			wantStops: StopSet(0).With(ReasonManualStop), want: OutcomeDenied, reason: ReasonManualStop, blame: BlameCard},
		{name: "manual stop then resume serves again",
			act: func(c *Carrier, i uint32) error {
				if err := c.Stop(i); err != nil {
					return err
				}
				return c.Resume(i)
			}, want: OutcomeSuccess},
		{name: "resume an active card is refused", act: func(c *Carrier, i uint32) error { return c.Resume(i) },
			wantErr: ErrNotResumable, want: OutcomeSuccess},
		{name: "arrears stop refuses data with credit limit",
			act:       func(c *Carrier, i uint32) error { return c.SetStop(i, ReasonArrears, true) },
			wantStops: StopSet(0).With(ReasonArrears), want: OutcomeCreditLimit, reason: ReasonArrears, blame: BlameCard},
		{name: "stop a card in arrears is refused",
			act: func(c *Carrier, i uint32) error {
				_ = c.SetStop(i, ReasonArrears, true)
				return c.Stop(i)
			}, wantErr: ErrNotStoppable, wantStops: StopSet(0).With(ReasonArrears), want: OutcomeCreditLimit, reason: ReasonArrears, blame: BlameCard},
		{name: "resume in arrears with a negative balance is refused",
			act: func(c *Carrier, i uint32) error {
				_ = c.SetBalance(i, -3*Yuan)
				_ = c.SetStop(i, ReasonArrears, true)
				return c.Resume(i)
			}, wantErr: ErrArrears, wantStops: StopSet(0).With(ReasonArrears), want: OutcomeCreditLimit, reason: ReasonArrears, blame: BlameCard},
		{name: "recharge then resume clears arrears",
			act: func(c *Carrier, i uint32) error {
				_ = c.SetBalance(i, -3*Yuan)
				_ = c.SetStop(i, ReasonArrears, true)
				if err := c.Recharge(i, 10*Yuan); err != nil {
					return err
				}
				return c.Resume(i)
			}, want: OutcomeSuccess},
		{name: "other device is refused and stops the card, blame device",
			req: func(c *Carrier, i uint32) Request {
				return Request{SIM: i, Kind: KindInitial, Loc: c.HomeLocation(i), IMEI: 35_000_000_000_001}
			}, act: func(c *Carrier, i uint32) error { return nil },
			wantStops: StopSet(0).With(ReasonIMEIMismatch), want: OutcomeDenied, reason: ReasonIMEIMismatch, blame: BlameDevice},
		{name: "re-binding clears the mismatch",
			req: func(c *Carrier, i uint32) Request {
				return Request{SIM: i, Kind: KindInitial, Loc: c.HomeLocation(i), IMEI: 35_000_000_000_001}
			}, act: func(c *Carrier, i uint32) error {
				var d Decision
				c.Rate(&Request{SIM: i, Kind: KindInitial, IMEI: 35_000_000_000_001}, &d)
				return c.BindIMEI(i, 35_000_000_000_001)
			}, want: OutcomeSuccess},
		{name: "barred region is refused without a stop (deny)",
			req: func(c *Carrier, i uint32) Request {
				return Request{SIM: i, Kind: KindInitial, Loc: tac(c, "Xinjiang")}
			}, act: func(c *Carrier, i uint32) error { return nil },
			want: OutcomeDenied, reason: ReasonBarredRegion, blame: BlameCard},
		{name: "barred region stops the card (deny_and_stop)",
			cfg: func(cfg *Config) { cfg.BarredPolicy = PolicyDenyAndStop },
			req: func(c *Carrier, i uint32) Request {
				return Request{SIM: i, Kind: KindInitial, Loc: tac(c, "Tibet")}
			}, act: func(c *Carrier, i uint32) error { return nil },
			wantStops: StopSet(0).With(ReasonBarredRegion), want: OutcomeDenied, reason: ReasonBarredRegion, blame: BlameCard},
		{name: "configured barred list replaces the default",
			cfg: func(cfg *Config) { cfg.Barred = []string{"Hainan"} },
			req: func(c *Carrier, i uint32) Request {
				return Request{SIM: i, Kind: KindInitial, Loc: tac(c, "Xinjiang")}
			}, act: func(c *Carrier, i uint32) error { return nil }, want: OutcomeSuccess},
		{name: "voice on a data-only card is refused",
			req: func(c *Carrier, i uint32) Request {
				return Request{SIM: i, Kind: KindInitial, Service: ServiceVoice, Loc: c.HomeLocation(i)}
			}, act: func(c *Carrier, i uint32) error { return nil },
			want: OutcomeDenied, reason: ReasonServiceNotAllowed, blame: BlameCard},
		{name: "voice with deny_and_stop is a contract violation",
			cfg: func(cfg *Config) { cfg.ServicePolicy = PolicyDenyAndStop },
			req: func(c *Carrier, i uint32) Request {
				return Request{SIM: i, Kind: KindInitial, Service: ServiceVoice, Loc: c.HomeLocation(i)}
			}, act: func(c *Carrier, i uint32) error { return nil },
			wantStops: StopSet(0).With(ReasonContractViolation), want: OutcomeDenied, reason: ReasonServiceNotAllowed, blame: BlameCard},
		{name: "contract violation set by monitoring refuses data",
			act:       func(c *Carrier, i uint32) error { return c.SetStop(i, ReasonContractViolation, true) },
			wantStops: StopSet(0).With(ReasonContractViolation), want: OutcomeDenied, reason: ReasonContractViolation, blame: BlameCard},
		{name: "missing real-name registration is refused",
			cfg: func(cfg *Config) { cfg.Population.Unregistered = 1 },
			act: func(c *Carrier, i uint32) error { return nil }, want: OutcomeDenied, reason: ReasonNoRealName, blame: BlameCard},
		{name: "region maintenance refuses with blame network",
			act: func(c *Carrier, i uint32) error {
				_, err := c.Faults().StartMaintenance(Target{Regions: []string{"Guangdong"}})
				return err
			}, want: OutcomeNetworkUnavailable, reason: ReasonMaintenance, blame: BlameNetwork},
		{name: "tracking-area maintenance refuses with blame network",
			act: func(c *Carrier, i uint32) error {
				_, err := c.Faults().StartMaintenance(Target{TACs: []uint16{c.HomeLocation(i).TAC}})
				return err
			}, want: OutcomeNetworkUnavailable, reason: ReasonMaintenance, blame: BlameNetwork},
		{name: "cell maintenance refuses with blame network",
			act: func(c *Carrier, i uint32) error {
				_, err := c.Faults().StartMaintenance(Target{Cells: []uint32{c.HomeLocation(i).ECI}})
				return err
			}, want: OutcomeNetworkUnavailable, reason: ReasonMaintenance, blame: BlameNetwork},
		{name: "ended maintenance serves again",
			act: func(c *Carrier, i uint32) error {
				id, err := c.Faults().StartMaintenance(Target{Regions: []string{"Guangdong"}})
				if err != nil {
					return err
				}
				return c.Faults().EndMaintenance(id)
			}, want: OutcomeSuccess},
		{name: "maintenance elsewhere does not matter",
			act: func(c *Carrier, i uint32) error {
				_, err := c.Faults().StartMaintenance(Target{Regions: []string{"Beijing"}})
				return err
			}, want: OutcomeSuccess},
		{name: "unknown card", req: func(c *Carrier, i uint32) Request { return Request{SIM: 1 << 30, Kind: KindInitial} },
			act: func(c *Carrier, i uint32) error { return nil }, want: OutcomeUserUnknown, reason: ReasonUnknownSIM, blame: BlameCard},
		{name: "expired plan is refused",
			act:       func(c *Carrier, i uint32) error { c.Clock().Advance(201 * 24 * time.Hour); return nil },
			wantStops: StopSet(0).With(ReasonExpired), want: OutcomeDenied, reason: ReasonExpired, blame: BlameCard},
		{name: "resume an expired card is refused",
			act:     func(c *Carrier, i uint32) error { c.Clock().Advance(201 * 24 * time.Hour); return c.Resume(i) },
			wantErr: ErrExpired, wantStops: StopSet(0).With(ReasonExpired), want: OutcomeDenied, reason: ReasonExpired, blame: BlameCard},
		{name: "renewal within retention restores service",
			act: func(c *Carrier, i uint32) error {
				c.Clock().Advance(230 * 24 * time.Hour)
				return c.Renew(i, c.Clock().Now().AddDate(1, 0, 0))
			}, want: OutcomeSuccess},
		{name: "cancelled after retention is unknown and cannot come back",
			act: func(c *Carrier, i uint32) error {
				c.Clock().Advance(200*24*time.Hour + 100*24*time.Hour)
				return c.Renew(i, c.Clock().Now().AddDate(1, 0, 0))
			}, wantErr: ErrCancelled, wantStops: StopSet(0).With(ReasonExpired).With(ReasonCancelled).With(ReasonArrears),
			want: OutcomeUserUnknown, reason: ReasonCancelled, blame: BlameCard},
		{name: "plan change clears an over-quota stop",
			act: func(c *Carrier, i uint32) error {
				_ = c.SetUsage(i, uint64(30*MB))
				return c.ChangePlan(i, "iot-100m")
			}, want: OutcomeSuccess},
		{name: "unknown plan change is refused",
			act:     func(c *Carrier, i uint32) error { return c.ChangePlan(i, "nope") },
			wantErr: ErrUnknownPlan, want: OutcomeSuccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCarrier(t, func(cfg *Config) {
				if strings.Contains(tt.name, "cancelled") {
					cfg.Population.Balance = 10 * Yuan // 3 retention fees leave it negative
				}
				if tt.cfg != nil {
					tt.cfg(cfg)
				}
			})
			const i = 42
			err := tt.act(c, i)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("act error = %v, want %v", err, tt.wantErr)
			}
			req := Request{SIM: i, Kind: KindInitial, Loc: c.HomeLocation(i), IMEI: c.Identity(i).DeviceIMEI}
			if tt.req != nil {
				req = tt.req(c, i)
			}
			var d Decision
			c.Rate(&req, &d)
			if d.Outcome != tt.want || d.Reason != tt.reason || d.Blame != tt.blame {
				t.Fatalf("decision = %s/%s/%s, want %s/%s/%s", d.Outcome, d.Reason, d.Blame, tt.want, tt.reason, tt.blame)
			}
			if tt.want == OutcomeSuccess && d.Granted == 0 {
				t.Fatal("success granted nothing")
			}
			if got := card(t, c, i).Stops; got != tt.wantStops {
				t.Fatalf("stops = %s, want %s", got, tt.wantStops)
			}
		})
	}
}

// TestOverQuotaStopAndRollover: the last grant carries the final-unit action,
// the next request stops the card (4012-class), and the next cycle start
// resumes it by itself.
func TestOverQuotaStopAndRollover(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) { cfg.Population.Balance = 100 * Yuan })
	const i = 3
	sub := c.Subscribe(64)
	defer sub.Close()
	d := initial(c, i, uint64(8*MB))
	wantSuccess(t, d)
	total := d.Granted
	for k := 0; d.Final == FinalNone; k++ {
		if k > 10 {
			t.Fatal("no final-unit action after the allowance was granted")
		}
		d = update(c, i, d.Hold, d.Hold.Bytes, uint64(8*MB))
		wantSuccess(t, d)
		total += d.Granted
	}
	if d.Final != FinalTerminate || total != uint64(30*MB) {
		t.Fatalf("final = %s after %d bytes, want terminate after %d", d.Final, total, 30*MB)
	}
	d = update(c, i, d.Hold, d.Hold.Bytes, uint64(8*MB))
	wantRefusal(t, d, OutcomeCreditLimit, ReasonOverQuota, BlameCard)
	st := card(t, c, i)
	if !st.Stops.Has(ReasonOverQuota) || st.Used != uint64(30*MB) || st.Reserved != 0 {
		t.Fatalf("after exhaustion: %+v", st)
	}
	// Still refused later in the month.
	c.Clock().Set(time.Date(2026, 3, 31, 23, 59, 59, 0, shanghai))
	wantRefusal(t, initial(c, i, 0), OutcomeCreditLimit, ReasonOverQuota, BlameCard)
	// The first of April in Shanghai (16:00 UTC on 31 March) starts a new cycle.
	c.Clock().Set(time.Date(2026, 3, 31, 16, 0, 1, 0, time.UTC))
	if n := c.SettleAll(); n < 1 {
		t.Fatalf("SettleAll changed %d cards, want at least the stopped one", n)
	}
	st = card(t, c, i)
	if st.Stops != 0 || st.Used != 0 || st.Balance != 95*Yuan {
		t.Fatalf("after rollover: stops %s used %d balance %s, want active, 0, 95.00", st.Stops, st.Used, st.Balance)
	}
	wantSuccess(t, initial(c, i, 0))
	var kinds []string
	for len(sub.C) > 0 {
		e := <-sub.C
		if e.SIM == i {
			kinds = append(kinds, e.Kind.String()+":"+e.Reason.String())
		}
	}
	got := strings.Join(kinds, " ")
	for _, want := range []string{"stopped:over_quota", "refused:over_quota", "rollover:none", "resumed:over_quota", "fee:none"} {
		if !strings.Contains(got, want) {
			t.Errorf("events %q lack %q", got, want)
		}
	}
}

// TestQuarterPlanRollsOverOnlyAtQuarter: a quarterly plan keeps its usage
// across a month boundary inside the quarter.
func TestQuarterPlanRollsOverOnlyAtQuarter(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) { cfg.Population.Plans = map[string]float64{"iot-300m-quarter": 1} })
	const i = 9
	d := initial(c, i, uint64(MB))
	c.Release(i, d.Hold, uint64(MB))
	// 15 March -> 15 April: new quarter (Q2 starts 1 April).
	c.Clock().Advance(31 * 24 * time.Hour)
	if st := card(t, c, i); st.Used != 0 {
		t.Fatalf("used %d after quarter start, want 0", st.Used)
	}
	d = initial(c, i, uint64(MB))
	c.Release(i, d.Hold, uint64(MB))
	// 15 April -> 15 May: same quarter.
	c.Clock().Advance(30 * 24 * time.Hour)
	if st := card(t, c, i); st.Used != uint64(MB) {
		t.Fatalf("used %d inside the quarter, want %d", st.Used, MB)
	}
}

// TestExpiryRetentionCancellation drives expiry, the monthly retention fee
// and the cancellation three months later with the virtual clock.
func TestExpiryRetentionCancellation(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) {
		cfg.Population.Balance = 50 * Yuan
		cfg.Population.ExpiresIn = 0
		cfg.Population.Expiry = time.Date(2026, 3, 20, 0, 0, 0, 0, shanghai)
	})
	const i = 11
	wantSuccess(t, initial(c, i, 0))
	step := func(to time.Time, wantFees int, wantStops StopSet) {
		t.Helper()
		c.Clock().Set(to)
		c.SettleAll()
		st := card(t, c, i)
		if st.RetentionFees != wantFees || st.Stops != wantStops {
			t.Fatalf("at %s: fees %d stops %s, want %d %s", to.Format(time.DateOnly), st.RetentionFees, st.Stops, wantFees, wantStops)
		}
	}
	exp := StopSet(0).With(ReasonExpired)
	step(time.Date(2026, 3, 19, 23, 0, 0, 0, shanghai), 0, 0)
	step(time.Date(2026, 3, 20, 0, 0, 1, 0, shanghai), 1, exp)
	wantRefusal(t, initial(c, i, 0), OutcomeDenied, ReasonExpired, BlameCard)
	// 1 April: a new month starts, but an expired plan pays no plan price.
	step(time.Date(2026, 4, 2, 0, 0, 0, 0, shanghai), 1, exp)
	step(time.Date(2026, 4, 20, 0, 0, 1, 0, shanghai), 2, exp)
	step(time.Date(2026, 5, 20, 0, 0, 1, 0, shanghai), 3, exp)
	step(time.Date(2026, 6, 19, 23, 0, 0, 0, shanghai), 3, exp)
	if st := card(t, c, i); st.Balance != 35*Yuan {
		t.Fatalf("balance %s after three retention fees, want 35.00", st.Balance)
	}
	step(time.Date(2026, 6, 20, 0, 0, 1, 0, shanghai), 3, exp.With(ReasonCancelled))
	wantRefusal(t, initial(c, i, 0), OutcomeUserUnknown, ReasonCancelled, BlameCard)
	if err := c.Recharge(i, Yuan); !errors.Is(err, ErrCancelled) {
		t.Fatalf("recharge of a cancelled card: %v, want ErrCancelled", err)
	}
	if card(t, c, i).Balance != 35*Yuan {
		t.Fatal("a cancelled card was charged")
	}
}

// TestRenewalStopsRetention: renewed in the second retention month, the card
// serves again and no more fees are charged.
func TestRenewalStopsRetention(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) {
		cfg.Population.ExpiresIn = 0
		cfg.Population.Expiry = time.Date(2026, 3, 20, 0, 0, 0, 0, shanghai)
	})
	const i = 12
	c.Clock().Set(time.Date(2026, 4, 25, 0, 0, 0, 0, shanghai))
	if err := c.Renew(i, time.Date(2027, 4, 25, 0, 0, 0, 0, shanghai)); err != nil {
		t.Fatal(err)
	}
	wantSuccess(t, initial(c, i, 0))
	c.Clock().Set(time.Date(2026, 7, 1, 0, 0, 0, 0, shanghai))
	st := card(t, c, i)
	// 100 (start) - 2 retention fees (5 each) - plan price for May, June, July (5 each).
	if st.Stops != 0 || st.Balance != 100*Yuan-2*5*Yuan-3*5*Yuan {
		t.Fatalf("after renewal: stops %s balance %s", st.Stops, st.Balance)
	}
}

// TestArrearsAtRollover: a plan price the balance cannot pay stops the card;
// a recharge and a resume bring it back.
func TestArrearsAtRollover(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) { cfg.Population.Balance = 3 * Yuan })
	const i = 5
	c.Clock().Set(time.Date(2026, 4, 1, 8, 0, 0, 0, shanghai))
	wantRefusal(t, initial(c, i, 0), OutcomeCreditLimit, ReasonArrears, BlameCard)
	if err := c.Resume(i); !errors.Is(err, ErrArrears) {
		t.Fatalf("resume before recharge: %v, want ErrArrears", err)
	}
	if err := c.Recharge(i, 10*Yuan); err != nil {
		t.Fatal(err)
	}
	wantRefusal(t, initial(c, i, 0), OutcomeCreditLimit, ReasonArrears, BlameCard)
	if err := c.Resume(i); err != nil {
		t.Fatal(err)
	}
	wantSuccess(t, initial(c, i, 0))
	if st := card(t, c, i); st.Balance != 8*Yuan {
		t.Fatalf("balance %s, want 8.00", st.Balance)
	}
}

// TestPayPerUse: past the allowance a pay-per-use card is charged per MB
// until its balance runs out; the grant that exhausts it redirects.
func TestPayPerUse(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) {
		cfg.Population.Plans = map[string]float64{"iot-payg": 1}
		cfg.Population.Balance = 2 * Yuan
	})
	const i = 8
	if err := c.SetUsage(i, uint64(50*MB)); err != nil {
		t.Fatal(err)
	}
	d := initial(c, i, uint64(4*MB))
	wantSuccess(t, d)
	if d.Hold.Bytes != 0 || d.Hold.Overage != uint64(4*MB) || d.Hold.Money != 4*290_000 {
		t.Fatalf("hold %+v, want 4MB overage for 1.16", d.Hold)
	}
	// Use 1 MB: 0.29 charged, the rest refunded.
	d = update(c, i, d.Hold, uint64(MB), uint64(4*MB))
	if d.Charged != 290_000 {
		t.Fatalf("charged %s for 1MB, want 0.29", d.Charged)
	}
	wantSuccess(t, d)
	if d.Final != FinalNone {
		t.Fatalf("final = %s with 1.71 left and 4MB (1.16) asked, want none", d.Final)
	}
	// Use it all: 0.55 left buys 1.9MB of the 4MB asked, the last grant.
	d = update(c, i, d.Hold, d.Hold.Overage, uint64(4*MB))
	wantSuccess(t, d)
	if d.Final != FinalRedirect || d.Granted >= uint64(2*MB) {
		t.Fatalf("final = %s granting %d, want redirect and under 2MB", d.Final, d.Granted)
	}
	d = update(c, i, d.Hold, d.Hold.Overage, uint64(4*MB))
	wantRefusal(t, d, OutcomeCreditLimit, ReasonBalanceExhausted, BlameCard)
	st := card(t, c, i)
	if st.Balance < 0 || st.Balance > 290_000 || st.Reserved != 0 {
		t.Fatalf("after exhaustion: balance %s reserved %d", st.Balance, st.Reserved)
	}
	if st.Stops != 0 {
		t.Fatalf("pay-per-use exhaustion stopped the card: %s", st.Stops)
	}
}

// TestEventRequest: a one-off charge commits at once and holds nothing.
func TestEventRequest(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	var d Decision
	c.Rate(&Request{SIM: 1, Kind: KindEvent, Requested: 1000, Loc: c.HomeLocation(1)}, &d)
	wantSuccess(t, d)
	if st := card(t, c, 1); st.Used != 1000 || st.Reserved != 0 || d.Hold != (Hold{}) {
		t.Fatalf("after event: used %d reserved %d hold %+v", st.Used, st.Reserved, d.Hold)
	}
}

// TestWatcherToldOfStop: an operation that changes the stop set reaches
// watchers, so an adapter can push a RAR to open sessions.
func TestWatcherToldOfStop(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	w := &recordingWatcher{}
	c.Watch(w)
	_ = c.Stop(4)
	_ = c.Resume(4)
	_ = c.Recharge(4, Yuan) // no stop change: no call
	if len(w.calls) != 2 || w.calls[0] != (watchCall{4, StopSet(0).With(ReasonManualStop)}) || w.calls[1] != (watchCall{4, 0}) {
		t.Fatalf("watcher calls %+v", w.calls)
	}
}

type watchCall struct {
	sim   uint32
	stops StopSet
}
type recordingWatcher struct{ calls []watchCall }

func (w *recordingWatcher) CardChanged(sim uint32, s StopSet) {
	w.calls = append(w.calls, watchCall{sim, s})
}

// TestRefusalEventsCarryEvidence: a refusal event names time, card, rule,
// blame and the cell.
func TestRefusalEventsCarryEvidence(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	sub := c.Subscribe(16)
	defer sub.Close()
	_, _ = c.Faults().StartMaintenance(Target{Regions: []string{"Guangdong"}})
	loc := c.HomeLocation(77)
	var d Decision
	c.Rate(&Request{SIM: 77, Kind: KindInitial, Loc: loc}, &d)
	e := <-sub.C
	if e.Kind != EventRefused || e.SIM != 77 || e.Reason != ReasonMaintenance || e.Blame != BlameNetwork ||
		e.Loc != loc || e.Time != t0.UnixNano() || c.RegionName(e.Region) != "Guangdong" {
		t.Fatalf("event %+v", e)
	}
}

// TestSlowSubscriberDropsAreCounted: a full buffer loses events, counted.
func TestSlowSubscriberDropsAreCounted(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	sub := c.Subscribe(2)
	for i := 0; i < 5; i++ {
		var d Decision
		c.Rate(&Request{SIM: 1 << 20, Kind: KindInitial}, &d)
	}
	if sub.Dropped() != 3 || len(sub.C) != 2 {
		t.Fatalf("dropped %d buffered %d, want 3 and 2", sub.Dropped(), len(sub.C))
	}
	sub.Close()
	var d Decision
	c.Rate(&Request{SIM: 1 << 20, Kind: KindInitial}, &d) // no subscriber: no panic on a closed channel
}

// TestUsingUpTheAllowanceStopsAtOnce: committing the last units stops the
// card there and then, even if the session ends and no request follows.
func TestUsingUpTheAllowanceStopsAtOnce(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) { cfg.Population.Plans = map[string]float64{"iot-10m": 1} })
	d := initial(c, 6, uint64(10*MB))
	if d.Final != FinalTerminate {
		t.Fatalf("final = %s", d.Final)
	}
	c.Release(6, d.Hold, d.Hold.Bytes)
	if st := card(t, c, 6); !st.Stops.Has(ReasonOverQuota) || st.Used != uint64(10*MB) {
		t.Fatalf("after using the allowance: %s used %d", st.Stops, st.Used)
	}
}

func TestOutagesByInstance(t *testing.T) {
	c := newCarrier(t, nil)
	f := c.Faults()
	now := func() int64 { return c.Clock().UnixNano() }
	one, err := f.StartInstanceOutage(NodeOCS, "ocs-1", OutageBusy)
	if err != nil {
		t.Fatal(err)
	}
	if m := f.InstanceOutage(NodeOCS, "ocs-1", now()); m != OutageBusy {
		t.Errorf("ocs-1 during its outage: %v, want busy", m)
	}
	if m := f.InstanceOutage(NodeOCS, "ocs-2", now()); m != 0 {
		t.Errorf("ocs-2 during ocs-1's outage: %v, want up", m)
	}
	if m := f.Outage(NodeOCS, now()); m != 0 {
		t.Errorf("unnamed OCS during ocs-1's outage: %v, want up", m)
	}
	all, err := f.StartOutage(NodeOCS, OutageSilent)
	if err != nil {
		t.Fatal(err)
	}
	if m := f.InstanceOutage(NodeOCS, "ocs-2", now()); m != OutageSilent {
		t.Errorf("ocs-2 during an outage of every OCS: %v, want silent", m)
	}
	if m := f.InstanceOutage(NodeGateway, "ocs-2", now()); m != 0 {
		t.Errorf("gateway during an OCS outage: %v, want up", m)
	}
	if l := f.List(); len(l) != 2 || l[0].Instance != "ocs-1" || l[1].Instance != "" {
		t.Errorf("List: %+v", l)
	}
	for _, id := range []FaultID{one, all} {
		if err := f.EndOutage(id); err != nil {
			t.Fatal(err)
		}
	}
	if m := f.InstanceOutage(NodeOCS, "ocs-1", now()); m != 0 {
		t.Errorf("ocs-1 after its outage: %v, want up", m)
	}
}

// TestSettleRangeCoversWhatSettleAllWould: settling in runs (as
// `carriersim serve` does, to avoid stalls) reaches the same cards; bounds
// outside the population are clipped.
func TestSettleRangeCoversWhatSettleAllWould(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) { cfg.Population.Balance = 100 * Yuan })
	for _, i := range []uint32{0, 5, uint32(c.Len() - 1)} {
		if err := c.Stop(i); err != nil {
			t.Fatal(err)
		}
		d := initial(c, i, uint64(8*MB))
		wantRefusal(t, d, OutcomeDenied, ReasonManualStop, BlameCard)
	}
	// Exhaust card 7 so that the rollover clears its over-quota stop.
	const i = 7
	d := initial(c, i, uint64(8*MB))
	for k := 0; d.Final == FinalNone && k < 10; k++ {
		d = update(c, i, d.Hold, d.Hold.Bytes, uint64(8*MB))
	}
	update(c, i, d.Hold, d.Hold.Bytes, uint64(8*MB))
	if !card(t, c, i).Stops.Has(ReasonOverQuota) {
		t.Fatal("card 7 not stopped over quota")
	}
	c.Clock().Set(time.Date(2026, 3, 31, 16, 0, 1, 0, time.UTC)) // 1 April in Shanghai
	n := 0
	for lo := -3; lo < c.Len()+10; lo += 4 {
		n += c.SettleRange(lo, lo+4)
	}
	if n != 1 {
		t.Fatalf("SettleRange in runs changed %d cards, want 1 (card 7's over-quota stop)", n)
	}
	if st := card(t, c, i); st.Stops != 0 || st.Used != 0 {
		t.Fatalf("card 7 after the runs: stops %s used %d", st.Stops, st.Used)
	}
	if got := c.SettleAll(); got != 0 {
		t.Fatalf("SettleAll after the runs changed %d cards, want 0", got)
	}
}
