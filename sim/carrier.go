package sim

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // cycle boundaries need Asia/Shanghai on machines without zoneinfo
)

// Policy says what a rule does besides refusing the request.
type Policy uint8

// Policies.
const (
	// PolicyDeny refuses the request and leaves the card as it is.
	PolicyDeny Policy = iota
	// PolicyDenyAndStop refuses the request and adds the stop reason to the card.
	PolicyDenyAndStop
)

// UnmarshalText reads "deny" or "deny_and_stop".
func (p *Policy) UnmarshalText(b []byte) error {
	switch string(b) {
	case "deny":
		*p = PolicyDeny
	case "deny_and_stop", "stop":
		*p = PolicyDenyAndStop
	default:
		return fmt.Errorf("want deny or deny_and_stop, got %q", b)
	}
	return nil
}

// String returns "deny" or "deny_and_stop".
func (p Policy) String() string {
	if p == PolicyDenyAndStop {
		return "deny_and_stop"
	}
	return "deny"
}

// Config configures a Carrier. The zero value of every field means its
// default; New fills defaults in one place and reports every problem at once.
type Config struct {
	// Plans are the packages cards can be on (default DefaultPlans).
	Plans []Plan
	// Regions are the provinces (default DefaultRegions).
	Regions []Region
	// Barred names the regions where IoT cards may not be used. Nil means
	// DefaultBarred; an empty non-nil slice bars none.
	Barred []string
	// BarredPolicy: deny, or deny and stop the card (default deny).
	BarredPolicy Policy
	// ServicePolicy: what a request for a service outside the plan does
	// (voice or SMS on a data-only card): deny, or deny and stop the card for
	// contract violation (default deny).
	ServicePolicy Policy
	// Population generates the cards; ignored when CSV is set.
	Population Spec
	// CSV is the path of a population file (columns: see LoadCSV).
	CSV string
	// TimeZone places cycle boundaries (default Asia/Shanghai).
	TimeZone string
	// Clock is the virtual clock (default: wall time).
	Clock *Clock
	// DefaultGrant is granted when a request names no amount (default 1 MB);
	// MaxGrant caps any grant (default 16 MB).
	DefaultGrant, MaxGrant Bytes
	// Validity is how long a grant is valid (default 30 minutes).
	Validity time.Duration
	// ThresholdPercent sets the volume-quota threshold as a share of the
	// grant at which the network should report back (default 20).
	ThresholdPercent int
	// RetentionFee is charged monthly while an expired card's number is kept
	// (default 5 yuan); RetentionMonths is how long it is kept (default 3).
	RetentionFee    Money
	RetentionMonths int
}

func (c *Config) fillDefaults() {
	if c.Plans == nil {
		c.Plans = DefaultPlans()
	}
	if c.Regions == nil {
		c.Regions = DefaultRegions()
	}
	if c.Barred == nil {
		c.Barred = DefaultBarred
	}
	if c.TimeZone == "" {
		c.TimeZone = "Asia/Shanghai"
	}
	if c.Clock == nil {
		c.Clock = WallClock()
	}
	if c.DefaultGrant == 0 {
		c.DefaultGrant = 1 * MB
	}
	if c.MaxGrant == 0 {
		c.MaxGrant = 16 * MB
	}
	if c.Validity == 0 {
		c.Validity = 30 * time.Minute
	}
	if c.ThresholdPercent == 0 {
		c.ThresholdPercent = 20
	}
	if c.RetentionFee == 0 {
		c.RetentionFee = 5 * Yuan
	}
	if c.RetentionMonths == 0 {
		c.RetentionMonths = 3
	}
	if c.CSV == "" {
		c.Population.FillDefaults()
	}
}

// record is the hot state of one card: everything a rating decision reads or
// writes, in 48 bytes, so a decision touches one or two cache lines. Records
// live in one dense slice indexed by card number (no pointer, map or mutex per
// card); identities are derived or kept in separate cold arrays. Every field is
// guarded by the card's lock stripe.
type record struct {
	used     uint64 // bytes committed in the current cycle
	reserved uint64 // bytes held by open reservations against the allowance
	balance  Money
	imei     uint64 // bound device, 14-digit IMEI body; 0 until first use
	expiry   uint32 // plan expiry, unix seconds; 0 never expires
	stops    StopSet
	plan     uint16
	cycle    uint16 // first month (months since 2000-01) of the cycle `used` counts
	flags    uint8
	fees     uint8    // retention fees charged since expiry
	home     RegionID // home province
	region   RegionID // last reported province
	lastTAC  uint16   // last reported tracking area
}

const (
	flagRealName uint8 = 1 << iota // real-name registration present
	flagSeen                       // has made at least one request
)

// lockStripes guard the records: card i is guarded by locks[i&(lockStripes-1)].
// 16K mutexes are 128 KiB, small enough to stay in cache, and contention
// between two cores on random cards is about 1 in 16K.
const lockStripes = 1 << 14

// Carrier is the carrier core: the cards, their plans and rules, rating,
// faults, the virtual clock and the event stream. It knows nothing of
// Diameter or GTP; protocol adapters translate requests into Request values.
//
// A Carrier is safe for concurrent use by any number of goroutines. Rating
// takes one striped lock per decision, never a global one.
type Carrier struct {
	cfg     Config
	loc     *time.Location
	clock   *Clock
	plans   []Plan
	planSvc []ServiceSet
	planCM  []int32 // cycle length in months per plan
	planIdx map[string]uint16
	regions *regionTable
	faults  *Faults
	events  eventBus

	recs  []record
	locks []sync.Mutex

	// Identity: a generated population derives identities from its spec; a
	// CSV population keeps them in cold arrays with hash indexes.
	spec      Spec
	generated bool
	homeCum   []uint64 // generated populations: home-region pick table
	homeIDs   []uint16
	imsis     []uint64
	msisdns   []uint64
	iccids    []uint64
	devices   []uint64
	imsiIdx   *hashIndex
	msisdnIdx *hashIndex

	month atomic.Pointer[monthSpan]

	watchMu  sync.Mutex
	watchers atomic.Pointer[[]Watcher]

	anomalies atomic.Uint64
}

// monthSpan caches the calendar month containing recent clock readings so a
// decision needs no time-zone arithmetic.
type monthSpan struct {
	start, end int64 // virtual unix nanos, [start, end)
	month      int32 // months since 2000-01 in the carrier's zone
}

// Watcher is told when a card's stop reasons change outside a request (an
// operation, a cycle rollover, an expiry), so a protocol adapter can push a
// Re-Auth-Request or a Delete Bearer to the card's open sessions.
// CardChanged must not block; it is called without any card lock held.
type Watcher interface {
	CardChanged(sim uint32, stops StopSet)
}

// New builds a carrier: validates the configuration, then generates or
// loads the population. It reports every configuration problem at once.
func New(cfg Config) (*Carrier, error) {
	cfg.fillDefaults()
	var errs []error
	loc, err := time.LoadLocation(cfg.TimeZone)
	if err != nil {
		errs = append(errs, fmt.Errorf("time_zone: want an IANA zone such as Asia/Shanghai, got %q", cfg.TimeZone))
		loc = time.UTC
	}
	plans := append([]Plan(nil), cfg.Plans...)
	errs = append(errs, validatePlans(plans)...)
	rt, rerrs := newRegionTable(cfg.Regions, cfg.Barred)
	errs = append(errs, rerrs...)
	if cfg.DefaultGrant > cfg.MaxGrant {
		errs = append(errs, fmt.Errorf("default_grant: want at most max_grant (%s), got %s", cfg.MaxGrant, cfg.DefaultGrant))
	}
	if cfg.Validity < time.Second {
		errs = append(errs, fmt.Errorf("validity: want at least 1s, got %s", cfg.Validity))
	}
	if cfg.ThresholdPercent < 0 || cfg.ThresholdPercent > 100 {
		errs = append(errs, fmt.Errorf("threshold_percent: want 0..100, got %d", cfg.ThresholdPercent))
	}
	if cfg.RetentionMonths < 0 || cfg.RetentionMonths > 120 {
		errs = append(errs, fmt.Errorf("retention_months: want 0..120, got %d", cfg.RetentionMonths))
	}
	c := &Carrier{cfg: cfg, loc: loc, clock: cfg.Clock, plans: plans, regions: rt, planIdx: map[string]uint16{}}
	for i := range plans {
		c.planIdx[plans[i].Name] = uint16(i)
		c.planSvc = append(c.planSvc, plans[i].services())
		c.planCM = append(c.planCM, plans[i].Cycle.months())
	}
	if rt != nil && cfg.CSV == "" {
		errs = append(errs, cfg.Population.validate(c.planIdx, rt)...)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("sim: invalid configuration:\n%w", errors.Join(errs...))
	}
	c.faults = newFaults(c.clock, rt)
	c.month.Store(c.computeMonth(c.clock.UnixNano()))
	c.locks = make([]sync.Mutex, lockStripes)
	if cfg.CSV != "" {
		err = c.loadPopulation(cfg.CSV)
	} else {
		err = c.generate(cfg.Population)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// computeMonth returns the calendar month containing now in the carrier's zone.
func (c *Carrier) computeMonth(now int64) *monthSpan {
	t := time.Unix(0, now).In(c.loc)
	y, m, _ := t.Date()
	start := time.Date(y, m, 1, 0, 0, 0, 0, c.loc)
	end := start.AddDate(0, 1, 0)
	return &monthSpan{start: start.UnixNano(), end: end.UnixNano(), month: int32(y-2000)*12 + int32(m) - 1}
}

// monthAt returns the month index of now: one atomic load and two compares
// except at a month boundary.
func (c *Carrier) monthAt(now int64) int32 {
	s := c.month.Load()
	if now >= s.start && now < s.end {
		return s.month
	}
	n := c.computeMonth(now)
	c.month.Store(n)
	return n.month
}

// monthOf returns the month index of a unix time in seconds.
func (c *Carrier) monthOf(sec int64) int32 {
	t := time.Unix(sec, 0).In(c.loc)
	return int32(t.Year()-2000)*12 + int32(t.Month()) - 1
}

// cycleStart is the first month of the cycle of plan p containing month m.
func (c *Carrier) cycleStart(p uint16, m int32) int32 { return m - m%c.planCM[p] }

// generate builds a population from spec, in parallel over ranges.
func (c *Carrier) generate(s Spec) error {
	planW := s.Plans
	if len(planW) == 0 {
		planW = defaultPlanMix(c.plans)
	}
	pcum, pids, err := cumulative(planW, func(n string) uint16 { return c.planIdx[n] })
	if err != nil {
		return fmt.Errorf("sim: population.plans: %w", err)
	}
	regW := s.Regions
	if len(regW) == 0 {
		regW = map[string]float64{}
		for i, r := range c.regions.regions {
			if !c.regions.barred.has(RegionID(i)) {
				regW[r.Name] = 1
			}
		}
	}
	rcum, rids, err := cumulative(regW, func(n string) uint16 { id, _ := c.regions.lookup(n); return uint16(id) })
	if err != nil {
		return fmt.Errorf("sim: population.regions: %w", err)
	}
	now := c.clock.UnixNano()
	month := c.monthAt(now)
	expiry := s.Expiry
	if expiry.IsZero() {
		expiry = time.Unix(0, now).Add(s.ExpiresIn)
	}
	exp0, spread := expiry.Unix(), int64(s.ExpirySpread/time.Second)
	boundCut := uint64(*s.Bound * (1 << 32))
	unregCut := uint64(s.Unregistered * (1 << 32))
	c.spec, c.generated = s, true
	c.homeCum, c.homeIDs = rcum, rids
	c.recs = make([]record, s.Count)
	parallelRanges(len(c.recs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			h1 := mix64(s.Seed ^ uint64(s.Offset+i)*0x9E3779B97F4A7C15)
			h2 := mix64(h1)
			r := &c.recs[i]
			r.plan = pick(pcum, pids, uint32(h1))
			r.home = RegionID(pick(rcum, rids, uint32(h1>>32)))
			r.region = r.home
			r.balance = s.Balance
			r.cycle = uint16(c.cycleStart(r.plan, month))
			e := exp0
			if spread > 0 {
				e += int64(h2 % uint64(spread))
			}
			r.expiry = uint32(max(e, 1))
			if uint64(uint32(h2>>32)) < boundCut {
				r.imei = c.deviceBody(uint32(i))
			}
			if uint64(uint32(mix64(h2))) >= unregCut {
				r.flags |= flagRealName
			}
		}
	})
	return nil
}

// defaultPlanMix weights the default plans as an IoT fleet typically is:
// mostly small monthly plans.
func defaultPlanMix(plans []Plan) map[string]float64 {
	mix := map[string]float64{"iot-10m": 10, "iot-30m": 45, "iot-100m": 20,
		"iot-300m-quarter": 5, "iot-1g-year": 5, "iot-payg": 15}
	out := map[string]float64{}
	for _, p := range plans {
		if w, ok := mix[p.Name]; ok {
			out[p.Name] = w
		}
	}
	if len(out) == 0 {
		for _, p := range plans {
			out[p.Name] = 1
		}
	}
	return out
}

// loadPopulation reads a CSV population and builds its indexes.
func (c *Carrier) loadPopulation(path string) error {
	now := c.clock.UnixNano()
	defExp := uint32(time.Unix(0, now).AddDate(1, 0, 0).Unix())
	rows, err := loadCSV(path, c.planIdx, c.regions, c.loc, 20*Yuan, defExp)
	if err != nil {
		return err
	}
	return c.fromRows(rows)
}

func (c *Carrier) fromRows(rows []csvRow) error {
	month := c.monthAt(c.clock.UnixNano())
	n := len(rows)
	c.recs = make([]record, n)
	c.imsis = make([]uint64, n)
	c.msisdns = make([]uint64, n)
	c.iccids = make([]uint64, n)
	c.devices = make([]uint64, n)
	for i, row := range rows {
		r := &c.recs[i]
		r.plan, r.home, r.region = row.plan, row.home, row.home
		r.balance, r.expiry, r.imei = row.balance, row.expiry, row.bound
		r.cycle = uint16(c.cycleStart(r.plan, month))
		if row.realName {
			r.flags |= flagRealName
		}
		c.imsis[i], c.msisdns[i], c.iccids[i], c.devices[i] = row.imsi, row.msisdn, row.iccid, row.device
	}
	c.imsiIdx = newHashIndex(c.imsis)
	c.msisdnIdx = newHashIndex(c.msisdns)
	return nil
}

// parallelRanges runs fn over [0,n) split into one range per CPU.
func parallelRanges(n int, fn func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if n < 1<<16 || w == 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	step := (n + w - 1) / w
	for lo := 0; lo < n; lo += step {
		hi := min(lo+step, n)
		wg.Add(1)
		go func() { defer wg.Done(); fn(lo, hi) }()
	}
	wg.Wait()
}

// Len returns the number of cards.
func (c *Carrier) Len() int { return len(c.recs) }

// Clock returns the carrier's virtual clock.
func (c *Carrier) Clock() *Clock { return c.clock }

// Faults returns the carrier's maintenance windows and outages.
func (c *Carrier) Faults() *Faults { return c.faults }

// Location returns the carrier's time zone.
func (c *Carrier) Location() *time.Location { return c.loc }

// Plans returns the configured plans (do not modify).
func (c *Carrier) Plans() []Plan { return c.plans }

// Regions returns the configured regions (do not modify).
func (c *Carrier) Regions() []Region { return c.regions.regions }

// RegionOf returns the region of a location (NoRegion when unknown).
func (c *Carrier) RegionOf(l Location) RegionID { return c.regions.of(&l) }

// RegionID finds a region by name, case-insensitively.
func (c *Carrier) RegionID(name string) (RegionID, error) { return c.regions.lookup(name) }

// RegionName returns a region's name ("" for NoRegion).
func (c *Carrier) RegionName(r RegionID) string {
	if int(r) < len(c.regions.regions) {
		return c.regions.regions[r].Name
	}
	return ""
}

// Barred reports whether region r is barred for IoT cards.
func (c *Carrier) Barred(r RegionID) bool { return r != NoRegion && c.regions.barred.has(r) }

// RegionLocation returns a location inside region r; n varies the tracking
// area and cell, so load generators can spread devices across a region.
func (c *Carrier) RegionLocation(r RegionID, n uint32) Location { return c.regions.anchor(r, n) }

// PlanIndex finds a plan by name.
func (c *Carrier) PlanIndex(name string) (uint16, bool) { p, ok := c.planIdx[name]; return p, ok }

// Validity returns how long a grant is valid.
func (c *Carrier) Validity() time.Duration { return c.cfg.Validity }

// Subscribe returns a subscription to the event stream with a buffer of buf
// events (0: 4096). Close it when done.
func (c *Carrier) Subscribe(buf int) *Subscription { return c.events.subscribe(buf) }

// Watch registers w to be told of card changes outside requests.
func (c *Carrier) Watch(w Watcher) {
	c.watchMu.Lock()
	var list []Watcher
	if p := c.watchers.Load(); p != nil {
		list = append(list, *p...)
	}
	list = append(list, w)
	c.watchers.Store(&list)
	c.watchMu.Unlock()
}

func (c *Carrier) notify(sim uint32, stops StopSet) {
	if p := c.watchers.Load(); p != nil {
		for _, w := range *p {
			w.CardChanged(sim, stops)
		}
	}
}

// Anomalies counts inconsistent calls that were clamped instead of corrupting
// state (a commit holding more than the card has reserved, say). It should
// stay 0; a protocol adapter bug shows here.
func (c *Carrier) Anomalies() uint64 { return c.anomalies.Load() }

// Lookup returns the card with this IMSI.
func (c *Carrier) Lookup(imsi uint64) (uint32, bool) {
	if c.generated {
		first := c.spec.FirstIMSI + uint64(c.spec.Offset)
		d := imsi - first
		if imsi >= first && d < uint64(len(c.recs)) {
			return uint32(d), true
		}
		return 0, false
	}
	return c.imsiIdx.get(imsi)
}

// LookupMSISDN returns the card with this MSISDN (with country code).
func (c *Carrier) LookupMSISDN(msisdn uint64) (uint32, bool) {
	if c.generated {
		first := c.spec.FirstMSISDN + uint64(c.spec.Offset)
		d := msisdn - first
		if msisdn >= first && d < uint64(len(c.recs)) {
			return uint32(d), true
		}
		return 0, false
	}
	if msisdn == 0 {
		return 0, false
	}
	return c.msisdnIdx.get(msisdn)
}

// LookupICCID returns the card with this 19-digit ICCID body (a linear scan
// for CSV populations: management use only).
func (c *Carrier) LookupICCID(body uint64) (uint32, bool) {
	if c.generated {
		first := c.spec.FirstICCID + uint64(c.spec.Offset)
		d := body - first
		if body >= first && d < uint64(len(c.recs)) {
			return uint32(d), true
		}
		return 0, false
	}
	for i, v := range c.iccids {
		if v == body && v != 0 {
			return uint32(i), true
		}
	}
	return 0, false
}

// Identity is a card's numbers.
type Identity struct {
	IMSI   uint64
	MSISDN uint64 // 0 when unknown
	// ICCID is the 19-digit body; ICCIDString adds the check digit.
	ICCID uint64
	// DeviceIMEI is the 14-digit IMEI body of the device the card sits in
	// (0 when unknown); FullIMEI adds the check digit.
	DeviceIMEI uint64
}

// ICCIDString returns the 20-digit ICCID with its Luhn check digit.
func (id Identity) ICCIDString() string {
	if id.ICCID == 0 {
		return ""
	}
	return strconvU(id.ICCID) + strconvU(luhn(id.ICCID))
}

// Identity returns card i's numbers. It panics if i is out of range.
func (c *Carrier) Identity(i uint32) Identity {
	if c.generated {
		g := uint64(c.spec.Offset) + uint64(i) // index in the whole population
		return Identity{IMSI: c.spec.FirstIMSI + g, MSISDN: c.spec.FirstMSISDN + g,
			ICCID: c.spec.FirstICCID + g, DeviceIMEI: c.deviceBody(i)}
	}
	return Identity{IMSI: c.imsis[i], MSISDN: c.msisdns[i], ICCID: c.iccids[i], DeviceIMEI: c.devices[i]}
}

// deviceBody is the IMEI body of the device a generated card sits in.
func (c *Carrier) deviceBody(i uint32) uint64 {
	g := uint64(c.spec.Offset) + uint64(i)
	return (c.spec.DeviceTAC+g/1_000_000)*1_000_000 + g%1_000_000
}

// HomeLocation returns a location in card i's home region, varied by card so
// a load generator spreads devices across cells. For a generated population
// the home is derived from the spec without touching the card's record.
func (c *Carrier) HomeLocation(i uint32) Location {
	return c.regions.anchor(c.Home(i), uint32(c.spec.Offset)+i)
}

// Home returns card i's home region.
func (c *Carrier) Home(i uint32) RegionID {
	if c.generated {
		h1 := mix64(c.spec.Seed ^ (uint64(c.spec.Offset)+uint64(i))*0x9E3779B97F4A7C15)
		return RegionID(pick(c.homeCum, c.homeIDs, uint32(h1>>32)))
	}
	return c.recs[i].home
}

// MemoryBytes returns the bytes held by the card store and its indexes.
func (c *Carrier) MemoryBytes() int {
	n := len(c.recs) * int(recordSize)
	n += (len(c.imsis) + len(c.msisdns) + len(c.iccids) + len(c.devices)) * 8
	if c.imsiIdx != nil {
		n += c.imsiIdx.bytes() + c.msisdnIdx.bytes()
	}
	return n + lockStripes*8 + (1 << 16) + (1 << 20)
}
