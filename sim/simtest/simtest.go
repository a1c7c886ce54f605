package simtest

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/carriersim/carriersim/diameter"
	"github.com/carriersim/carriersim/gtp"
	"github.com/carriersim/carriersim/sim"
	"github.com/carriersim/carriersim/sim/serve"
)

// Carrier is a fake carrier serving a test: an online charging server on
// Gy, a PGW on GTPv2-C and GTP-U, and the management API, on 127.0.0.1
// ephemeral ports. Create it with NewCarrier (started) or
// NewUnstartedCarrier and Start. Its methods are safe for concurrent use;
// the helpers fail the test (tb.Fatal) on error, so call them from the
// test's goroutine.
type Carrier struct {
	// GyAddr is the OCS's Diameter address, host:port (TCP).
	GyAddr string
	// GTPCAddr and GTPUAddr are the PGW's GTPv2-C and GTP-U addresses
	// (UDP).
	GTPCAddr, GTPUAddr string
	// APIURL is the management API's base URL, e.g. "http://127.0.0.1:41234";
	// MetricsURL is the Prometheus endpoint.
	APIURL, MetricsURL string
	// OriginHost and OriginRealm identify the OCS in CEA and every answer;
	// send CCRs with Destination-Realm OriginRealm.
	OriginHost, OriginRealm string

	// Config is what Start serves; an unstarted carrier's may be changed.
	Config serve.Config

	tb testing.TB
	c  *serve.Carrier
}

// Option configures a Carrier.
type Option func(tb testing.TB, cfg *serve.Config)

// NewCarrier starts a carrier with the options and registers its Close
// with tb.Cleanup. By default it has 1,000 generated cards (IMSIs
// 460040000000000 upwards, see sim.Spec), a frozen clock, the PGW charging
// over Gy at the OCS, and a journal of the last 4,096 exchanges.
func NewCarrier(tb testing.TB, opts ...Option) *Carrier {
	tb.Helper()
	c := NewUnstartedCarrier(tb, opts...)
	c.Start()
	return c
}

// NewUnstartedCarrier returns a carrier that is configured but not
// running: change Config, then call Start.
func NewUnstartedCarrier(tb testing.TB, opts ...Option) *Carrier {
	tb.Helper()
	cfg := serve.Config{Gy: "127.0.0.1:0", GTPC: "127.0.0.1:0", GTPU: "127.0.0.1:0", API: "127.0.0.1:0",
		OriginHost: "ocs.carriersim.test", OriginRealm: "carriersim.test", Journal: 4096, SnapshotEvery: -1}
	cfg.Sim.Population = sim.Spec{Count: 1000}
	cfg.FreezeClock = true
	for _, o := range opts {
		o(tb, &cfg)
	}
	return &Carrier{tb: tb, Config: cfg}
}

// Start starts an unstarted carrier; it fails the test if the carrier does
// not start.
func (c *Carrier) Start() {
	c.tb.Helper()
	if c.c != nil {
		c.tb.Fatal("simtest: carrier already started")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := serve.Start(ctx, c.Config)
	if err != nil {
		c.tb.Fatalf("simtest: %v", err)
	}
	c.c = s
	a := s.Addrs()
	c.GyAddr, c.GTPCAddr, c.GTPUAddr, c.APIURL, c.MetricsURL = a.Gy, a.GTPC, a.GTPU, a.API, a.Metrics
	cfg := s.Config()
	c.OriginHost, c.OriginRealm = cfg.OriginHost, cfg.OriginRealm
	c.tb.Cleanup(c.Close)
}

// Close shuts the carrier down: DPR to the Diameter peers, the PGW's
// sessions released, a last state snapshot when a state file is set. It
// is called by tb.Cleanup and safe to call more than once.
func (c *Carrier) Close() {
	if c.c == nil {
		return
	}
	if err := c.c.Close(); err != nil {
		c.tb.Errorf("simtest: close: %v", err)
	}
}

// Served returns the running carrier, for what the helpers do not cover:
// its core (Served().Sim()), OCS and PGW.
func (c *Carrier) Served() *serve.Carrier { return c.c }

// Sim returns the carrier core: its cards, rules, faults and clock.
func (c *Carrier) Sim() *sim.Carrier { return c.c.Sim() }

// WithCards sets how many cards the generated population has.
func WithCards(n int) Option {
	return func(_ testing.TB, cfg *serve.Config) { cfg.Sim.Population.Count = n }
}

// WithPopulation generates the population from spec (see sim.Spec).
func WithPopulation(spec sim.Spec) Option {
	return func(_ testing.TB, cfg *serve.Config) { cfg.Sim.Population = spec }
}

// Card is one card of a population given card by card (WithCard). IMSI
// and Plan are required; empty fields take the population's defaults.
type Card struct {
	IMSI, ICCID, MSISDN string
	// IMEI is the device the card sits in; BoundIMEI the device it is
	// bound to ("" : it binds on first use).
	IMEI, BoundIMEI string
	// Plan names a plan (sim.DefaultPlans: iot-30m, iot-100m, iot-1g-year,
	// iot-payg ...) and Home the card's home region ("Guangdong").
	Plan, Home string
	// Balance in yuan, such as "20" or "12.50".
	Balance string
	// Expiry is when the plan expires (zero: a year after the clock's
	// start).
	Expiry time.Time
	// Unregistered is set for a card missing real-name registration.
	Unregistered bool
}

// WithCard makes the population these cards, in order: card i is the
// i-th given. (The carrier's population is fixed once it starts; give
// every card a test needs here.)
func WithCard(cards ...Card) Option {
	return func(tb testing.TB, cfg *serve.Config) {
		tb.Helper()
		path := filepath.Join(tb.TempDir(), "cards.csv")
		f, err := os.Create(path)
		if err != nil {
			tb.Fatalf("simtest: %v", err)
		}
		w := csv.NewWriter(f)
		_ = w.Write([]string{"imsi", "iccid", "msisdn", "imei", "bound_imei", "plan", "home_region", "balance", "expiry", "real_name"})
		for _, k := range cards {
			exp := ""
			if !k.Expiry.IsZero() {
				exp = k.Expiry.Format(time.RFC3339)
			}
			_ = w.Write([]string{k.IMSI, k.ICCID, k.MSISDN, k.IMEI, k.BoundIMEI, k.Plan, k.Home, k.Balance, exp,
				strconv.FormatBool(!k.Unregistered)})
		}
		w.Flush()
		if err := errors.Join(w.Error(), f.Close()); err != nil {
			tb.Fatalf("simtest: %v", err)
		}
		cfg.Sim.CSV = path
	}
}

// WithClock starts the carrier's clock at start, running at speed virtual
// seconds per second (0: frozen, the default; 1: wall time).
func WithClock(start time.Time, speed float64) Option {
	return func(_ testing.TB, cfg *serve.Config) {
		cfg.ClockStart, cfg.ClockSpeed, cfg.FreezeClock = start, speed, speed == 0
	}
}

// WithStateFile loads the carrier's state from path when it exists and
// writes it there when the carrier closes (and every every, when > 0).
func WithStateFile(path string, every time.Duration) Option {
	return func(_ testing.TB, cfg *serve.Config) {
		cfg.StateFile = path
		cfg.SnapshotEvery = every
		if every <= 0 {
			cfg.SnapshotEvery = -1
		}
	}
}

// WithIdentity sets the OCS's Origin-Host and Origin-Realm.
func WithIdentity(host, realm string) Option {
	return func(_ testing.TB, cfg *serve.Config) { cfg.OriginHost, cfg.OriginRealm = host, realm }
}

// WithLocalCharging makes the PGW charge in process instead of over Gy at
// the OCS, so that GTP tests see no Gy traffic.
func WithLocalCharging() Option {
	return func(_ testing.TB, cfg *serve.Config) { cfg.Charging = "local" }
}

// WithJournal keeps the last n exchanges of every card (0: no journal; the
// default is 4,096).
func WithJournal(n int) Option {
	return func(_ testing.TB, cfg *serve.Config) { cfg.Journal = n }
}

// WithConfig lets fn change anything else of the configuration (see
// serve.Config); addresses other than 127.0.0.1 are not for tests.
func WithConfig(fn func(*serve.Config)) Option {
	return func(_ testing.TB, cfg *serve.Config) { fn(cfg) }
}

// card helpers

func (c *Carrier) check(err error) {
	c.tb.Helper()
	if err != nil {
		c.tb.Fatalf("simtest: %v", err)
	}
}

// CardOf returns the card index of an IMSI; it fails the test when the
// carrier has no such card.
func (c *Carrier) CardOf(imsi string) uint32 {
	c.tb.Helper()
	v, err := strconv.ParseUint(imsi, 10, 64)
	if err == nil {
		if card, ok := c.Sim().Lookup(v); ok {
			return card
		}
	}
	c.tb.Fatalf("simtest: no card has IMSI %q", imsi)
	return 0
}

// IMSI returns the IMSI of card, as digits.
func (c *Carrier) IMSI(card uint32) string {
	return strconv.FormatUint(c.Sim().Identity(card).IMSI, 10)
}

// Identity returns the numbers of card: IMSI, MSISDN, ICCID and the IMEI
// of its device.
func (c *Carrier) Identity(card uint32) sim.Identity { return c.Sim().Identity(card) }

// Status returns a snapshot of card: stop reasons, plan, usage, balance.
func (c *Carrier) Status(card uint32) sim.CardStatus {
	c.tb.Helper()
	st, err := c.Sim().Card(card)
	c.check(err)
	return st
}

// SetUsage sets the bytes card has used this cycle (an over-quota stop
// follows the plan's allowance).
func (c *Carrier) SetUsage(card uint32, used uint64) {
	c.tb.Helper()
	c.check(c.Sim().SetUsage(card, used))
}

// SetBalance sets card's balance in yuan (sim.Yuan; may be negative).
func (c *Carrier) SetBalance(card uint32, m sim.Money) {
	c.tb.Helper()
	c.check(c.Sim().SetBalance(card, m))
}

// Stop suspends card as its customer would (manual stop): its open Gy
// sessions get a RAR, its GTP session a Delete Bearer Request.
func (c *Carrier) Stop(card uint32) {
	c.tb.Helper()
	c.check(c.Sim().Stop(card))
}

// Resume switches card back on (clears a manual stop).
func (c *Carrier) Resume(card uint32) {
	c.tb.Helper()
	c.check(c.Sim().Resume(card))
}

// Move records card as being in region (by name, "Xinjiang"), as if the
// network had reported a cell there. It returns that location, to put
// in the test's own requests.
func (c *Carrier) Move(card uint32, region string) sim.Location {
	c.tb.Helper()
	id, err := c.Sim().RegionID(region)
	c.check(err)
	l := c.Sim().RegionLocation(id, card)
	c.check(c.Sim().Move(card, l))
	return l
}

// ForceResult answers the next Gy request of card with Result-Code code
// instead of rating it (with the PGW charging over Gy, the next Create
// Session or usage report of the card meets it too). See
// diameter.Injection.
func (c *Carrier) ForceResult(card uint32, code uint32) {
	c.tb.Helper()
	c.check(c.c.OCS().Inject(card, diameter.Injection{ResultCode: code}))
}

// ForceDelay holds back the answer to the next Gy request of card for d.
func (c *Carrier) ForceDelay(card uint32, d time.Duration) {
	c.tb.Helper()
	c.check(c.c.OCS().Inject(card, diameter.Injection{Delay: d}))
}

// ForceCause answers the next GTP request of card (Create Session, Modify
// Bearer, Delete Session) with cause instead of carrying it out. See
// gtp.Injection.
func (c *Carrier) ForceCause(card uint32, cause uint8) {
	c.tb.Helper()
	c.check(c.c.PGW().Inject(card, gtp.Injection{Cause: cause}))
}

// ForceGTPDelay holds back the response to the next GTP request of card
// for d; a retransmission meanwhile is dropped.
func (c *Carrier) ForceGTPDelay(card uint32, d time.Duration) {
	c.tb.Helper()
	c.check(c.c.PGW().Inject(card, gtp.Injection{Delay: d}))
}

// Exchange is one request of a card and its answer, on either interface.
type Exchange struct {
	// At is when the request was taken (wall time).
	At time.Time
	// Interface is "gy" or "gtp".
	Interface string
	// Card is the card index.
	Card uint32
	// Request is the message: "CCR-I", "CCR-U", "CCR-T", "CCR-E" on Gy,
	// "CreateSession", "ModifyBearer", "DeleteSession" on GTP.
	Request string
	// Session is the Gy Session-Id, or the GTP session's id in the
	// management API ("gtp-" and its TEID in hex).
	Session string
	// Answered is false when no answer was sent.
	Answered bool
	// Code is the answer's Result-Code (Gy) or cause (GTP).
	Code uint32
	// Requested, Used and Granted are the octets asked for, reported and
	// granted (Gy).
	Requested, Used, Granted uint64
	// Forced is set when the code was forced (ForceResult, ForceCause);
	// Delay is how long the answer was held back.
	Forced bool
	Delay  time.Duration
}

// Journal returns what card asked and was answered on both interfaces,
// oldest first (the last 4,096 exchanges of all cards are kept by
// default; see WithJournal).
func (c *Carrier) Journal(card uint32) []Exchange {
	var out []Exchange
	if o := c.c.OCS(); o != nil {
		for _, x := range o.Journal(card) {
			out = append(out, Exchange{At: x.At, Interface: "gy", Card: x.Card, Request: x.Request, Session: x.SessionID,
				Answered: x.Answered, Code: x.ResultCode, Requested: x.Requested, Used: x.Used, Granted: x.Granted,
				Forced: x.Forced, Delay: x.Delay})
		}
	}
	if p := c.c.PGW(); p != nil {
		for _, x := range p.Journal(card) {
			out = append(out, Exchange{At: x.At, Interface: "gtp", Card: x.Card, Request: x.Request,
				Session: serve.GTPSessionID(x.TEID), Answered: x.Answered, Code: uint32(x.Cause), Forced: x.Forced, Delay: x.Delay})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// Asked returns the requests card made, oldest first: "CCR-I", "CCR-U",
// "CreateSession" ...
func (c *Carrier) Asked(card uint32) []string {
	var out []string
	for _, x := range c.Journal(card) {
		out = append(out, x.Request)
	}
	return out
}

// Answered returns the codes card's requests were answered with, oldest
// first (Result-Codes on Gy, causes on GTP); requests left unanswered are
// not in it.
func (c *Carrier) Answered(card uint32) []uint32 {
	var out []uint32
	for _, x := range c.Journal(card) {
		if x.Answered {
			out = append(out, x.Code)
		}
	}
	return out
}

// String describes the carrier's addresses, for test logs.
func (c *Carrier) String() string {
	return fmt.Sprintf("carriersim gy=%s gtpc=%s gtpu=%s api=%s", c.GyAddr, c.GTPCAddr, c.GTPUAddr, c.APIURL)
}
