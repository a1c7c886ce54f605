package sim

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Spec describes a generated population. The same Spec and Seed give the same
// cards, card for card, so a scenario replays identically; every attribute of
// card i is a function of (Seed, i), so nothing derivable is stored.
//
// The zero value of each field means its default (see FillDefaults).
type Spec struct {
	// Count is the number of SIMs (default 100,000).
	Count int
	// Seed drives every random choice (default 1).
	Seed uint64
	// FirstIMSI is the IMSI of card 0; card i has FirstIMSI+i
	// (default 460040000000000: MCC 460, MNC 04, an IoT range).
	FirstIMSI uint64
	// FirstMSISDN is the MSISDN of card 0 with country code (default
	// 861440000000000: country code 86 and a 13-digit IoT number).
	FirstMSISDN uint64
	// FirstICCID is the 19-digit ICCID body of card 0; the 20th digit is
	// its Luhn check digit (default 8986040000000000000).
	FirstICCID uint64
	// DeviceTAC is the 8-digit type allocation code of the devices' IMEIs;
	// card i sits in device (DeviceTAC + i/10^6, serial i mod 10^6).
	DeviceTAC uint64
	// Offset makes this population the cards Offset … Offset+Count-1 of
	// the population the rest of the spec describes: card i here is card
	// Offset+i there, with its numbers, plan, home and device. A carrier
	// shard serving one IMSI range uses it, so that its cards are exactly
	// those a load generator modelling the whole population expects.
	Offset int
	// Plans maps plan names to weights (default: every plan, IoT-typical mix).
	Plans map[string]float64
	// Regions maps home-region names to weights (default: every region that
	// is not barred, equally).
	Regions map[string]float64
	// Balance is every card's starting balance (default 20 yuan).
	Balance Money
	// Expiry is when the cards' plans expire; zero means ExpiresIn after the
	// clock's start.
	Expiry time.Time
	// ExpiresIn places the expiry relative to the clock's start (default one
	// year); ExpirySpread spreads expiries uniformly over [expiry, expiry+spread).
	ExpiresIn, ExpirySpread time.Duration
	// Bound is the share of cards already bound to their device at the
	// start (the rest bind on first use). Nil means 1.
	Bound *float64
	// Unregistered is the share of cards missing real-name registration.
	Unregistered float64
}

// FillDefaults replaces zero fields with their defaults.
func (s *Spec) FillDefaults() {
	if s.Count == 0 {
		s.Count = 100_000
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.FirstIMSI == 0 {
		s.FirstIMSI = 460_040_000_000_000
	}
	if s.FirstMSISDN == 0 {
		s.FirstMSISDN = 86_1440_0000_00000
	}
	if s.FirstICCID == 0 {
		s.FirstICCID = 8986_0400_0000_0000_000
	}
	if s.DeviceTAC == 0 {
		s.DeviceTAC = 86_753_100
	}
	if s.Balance == 0 {
		s.Balance = 20 * Yuan
	}
	if s.ExpiresIn == 0 && s.Expiry.IsZero() {
		s.ExpiresIn = 365 * 24 * time.Hour
	}
	if s.Bound == nil {
		one := 1.0
		s.Bound = &one
	}
}

// validate checks the spec against the configured plans and regions.
func (s *Spec) validate(plans map[string]uint16, regions *regionTable) []error {
	var errs []error
	bad := func(field, want string, got any) {
		errs = append(errs, fmt.Errorf("population.%s: want %s, got %v", field, want, got))
	}
	if s.Count < 0 || s.Count > math.MaxUint32-1 {
		bad("count", "a count from 1 to 4294967294", s.Count)
	}
	if s.Offset < 0 || uint64(s.Offset)+uint64(max(s.Count, 0)) > math.MaxUint32-1 {
		bad("offset", "an offset from 0 leaving offset+count under 4294967295", s.Offset)
	}
	end := uint64(max(s.Offset, 0)) + uint64(max(s.Count, 0)) // cards of the whole population in use
	if s.FirstIMSI < 100_000 || s.FirstIMSI+end > 999_999_999_999_999 {
		bad("first_imsi", "a 6..15 digit IMSI leaving room for count cards", s.FirstIMSI)
	}
	if s.FirstMSISDN+end > 999_999_999_999_999 {
		bad("first_msisdn", "an MSISDN of at most 15 digits leaving room for count cards", s.FirstMSISDN)
	}
	if s.FirstICCID < 1e18 || s.FirstICCID+end > 9_999_999_999_999_999_999 {
		bad("first_iccid", "a 19-digit ICCID body", s.FirstICCID)
	}
	if s.DeviceTAC < 10_000_000 || s.DeviceTAC+end/1_000_000 > 99_999_999 {
		bad("device_tac", "an 8-digit type allocation code", s.DeviceTAC)
	}
	for name, w := range s.Plans {
		if _, ok := plans[name]; !ok {
			bad("plans", "names of configured plans", fmt.Sprintf("unknown plan %q", name))
		}
		if !(w >= 0) || math.IsInf(w, 0) {
			bad("plans."+name, "a weight >= 0", w)
		}
	}
	for name, w := range s.Regions {
		if _, err := regions.lookup(name); err != nil {
			bad("regions", "names of configured regions", fmt.Sprintf("unknown region %q", name))
		}
		if !(w >= 0) || math.IsInf(w, 0) {
			bad("regions."+name, "a weight >= 0", w)
		}
	}
	if s.Bound != nil && (*s.Bound < 0 || *s.Bound > 1) {
		bad("bound", "a share from 0 to 1", *s.Bound)
	}
	if s.Unregistered < 0 || s.Unregistered > 1 {
		bad("unregistered", "a share from 0 to 1", s.Unregistered)
	}
	if s.ExpirySpread < 0 {
		bad("expiry_spread", "a duration >= 0", s.ExpirySpread)
	}
	return errs
}

// cumulative turns weights into a cumulative table over 2^32 so that a
// uniform 32-bit value picks an entry with one short scan. Names are sorted
// so that map iteration order cannot change the population.
func cumulative(weights map[string]float64, id func(string) uint16) (cum []uint64, ids []uint16, err error) {
	names := make([]string, 0, len(weights))
	total := 0.0
	for n, w := range weights {
		if w > 0 {
			names = append(names, n)
			total += w
		}
	}
	if total <= 0 {
		return nil, nil, errors.New("want at least one weight > 0")
	}
	sort.Strings(names)
	acc := 0.0
	for _, n := range names {
		acc += weights[n]
		cum = append(cum, uint64(acc/total*(1<<32)))
		ids = append(ids, id(n))
	}
	cum[len(cum)-1] = 1 << 32
	return cum, ids, nil
}

func pick(cum []uint64, ids []uint16, u uint32) uint16 {
	for i, c := range cum {
		if uint64(u) < c {
			return ids[i]
		}
	}
	return ids[len(ids)-1]
}

// mix64 is SplitMix64's finaliser: a fast, well-distributed hash of x.
func mix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// frac maps 32 random bits to [0, 1).
func frac(u uint32) float64 { return float64(u) / (1 << 32) }

// csvColumns are the columns a population CSV file may have; imsi and plan
// are required.
var csvColumns = []string{"imsi", "iccid", "msisdn", "imei", "plan", "home_region",
	"balance", "expiry", "bound_imei", "real_name"}

// csvRow is one parsed line of a population CSV file.
type csvRow struct {
	imsi, iccid, msisdn, device, bound uint64
	plan                               uint16
	home                               RegionID
	balance                            Money
	expiry                             uint32
	realName                           bool
}

// loadCSV reads a population file. Every bad line is reported (up to a
// limit) as file:line: column: want ..., got ....
func loadCSV(path string, plans map[string]uint16, regions *regionTable, loc *time.Location, defBalance Money, defExpiry uint32) ([]csvRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sim: population: %w", err)
	}
	defer f.Close()
	return parseCSV(f, path, plans, regions, loc, defBalance, defExpiry)
}

// parseCSV is loadCSV on a reader; name is used in error messages.
func parseCSV(r io.Reader, name string, plans map[string]uint16, regions *regionTable, loc *time.Location, defBalance Money, defExpiry uint32) ([]csvRow, error) {
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: want a header line naming the columns (%s), got %v", name, strings.Join(csvColumns, ","), err)
	}
	col := map[string]int{}
	var errs []error
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		known := false
		for _, c := range csvColumns {
			known = known || c == h
		}
		if !known {
			errs = append(errs, fmt.Errorf("%s:1: column %d: want one of %s, got %q", name, i+1, strings.Join(csvColumns, ","), h))
			continue
		}
		if _, dup := col[h]; dup {
			errs = append(errs, fmt.Errorf("%s:1: column %q appears twice", name, h))
		}
		col[h] = i
	}
	for _, req := range []string{"imsi", "plan"} {
		if _, ok := col[req]; !ok {
			errs = append(errs, fmt.Errorf("%s:1: want a column %q, got none", name, req))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var rows []csvRow
	seen := map[uint64]int{}
	const maxErrs = 50
	more := 0
	fail := func(line int, column, msg string) {
		if len(errs) < maxErrs {
			errs = append(errs, fmt.Errorf("%s:%d: %s: %s", name, line, column, msg))
		} else {
			more++
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				fail(pe.Line, "csv", pe.Err.Error())
				if pe.Err == csv.ErrFieldCount {
					continue
				}
			} else {
				fail(line, "csv", err.Error())
			}
			break
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := csvRow{balance: defBalance, expiry: defExpiry, realName: true, home: NoRegion}
		v, err := parseDigits(get("imsi"), 6, 15)
		if err != nil {
			fail(line, "imsi", fmt.Sprintf("want an IMSI of 6..15 digits, got %q (%v)", get("imsi"), err))
		} else if first, dup := seen[v]; dup {
			fail(line, "imsi", fmt.Sprintf("want a unique IMSI, got %d again (first on line %d)", v, first))
		} else {
			seen[v] = line
			row.imsi = v
		}
		if p, ok := plans[get("plan")]; ok {
			row.plan = p
		} else {
			fail(line, "plan", fmt.Sprintf("want a configured plan, got %q", get("plan")))
		}
		if s := get("iccid"); s != "" {
			if row.iccid, err = parseICCID(s); err != nil {
				fail(line, "iccid", fmt.Sprintf("want a 19- or 20-digit ICCID, got %q (%v)", s, err))
			}
		}
		if s := get("msisdn"); s != "" {
			if row.msisdn, err = parseDigits(strings.TrimPrefix(s, "+"), 5, 15); err != nil {
				fail(line, "msisdn", fmt.Sprintf("want an MSISDN of 5..15 digits, got %q (%v)", s, err))
			}
		}
		if s := get("imei"); s != "" {
			if row.device, err = parseIMEI(s); err != nil {
				fail(line, "imei", fmt.Sprintf("want a 14- or 15-digit IMEI, got %q (%v)", s, err))
			}
		}
		if s := get("bound_imei"); s != "" {
			if row.bound, err = parseIMEI(s); err != nil {
				fail(line, "bound_imei", fmt.Sprintf("want a 14- or 15-digit IMEI, got %q (%v)", s, err))
			}
		}
		if s := get("home_region"); s != "" {
			if row.home, err = regions.lookup(s); err != nil {
				fail(line, "home_region", err.Error())
			}
		}
		if s := get("balance"); s != "" {
			if row.balance, err = ParseMoney(s); err != nil {
				fail(line, "balance", err.Error())
			}
		}
		if s := get("expiry"); s != "" {
			t, err := parseDate(s, loc)
			if err != nil {
				fail(line, "expiry", err.Error())
			} else {
				row.expiry = uint32(t.Unix())
			}
		}
		if s := strings.ToLower(get("real_name")); s != "" {
			switch s {
			case "1", "true", "yes", "y":
				row.realName = true
			case "0", "false", "no", "n":
				row.realName = false
			default:
				fail(line, "real_name", fmt.Sprintf("want true or false, got %q", s))
			}
		}
		rows = append(rows, row)
	}
	if more > 0 {
		errs = append(errs, fmt.Errorf("%s: and %d more errors", name, more))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: want at least one card, got none", name)
	}
	return rows, nil
}

// parseDate reads an RFC 3339 time or a date (2006-01-02, meaning its
// midnight in loc).
func parseDate(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want a date such as 2027-06-30 or an RFC 3339 time, got %q", s)
}

// hashIndex maps a sparse key (IMSI, MSISDN) to a dense card index with open
// addressing: 4 bytes a slot at half load, keys compared in the caller's
// key array, so the index costs 8 bytes a card.
type hashIndex struct {
	slots []uint32 // card index + 1; 0 is empty
	mask  uint64
	keys  []uint64
}

func newHashIndex(keys []uint64) *hashIndex {
	size := uint64(16)
	for size < uint64(len(keys))*2 {
		size <<= 1
	}
	h := &hashIndex{slots: make([]uint32, size), mask: size - 1, keys: keys}
	for i, k := range keys {
		if k == 0 {
			continue
		}
		j := mix64(k) & h.mask
		for h.slots[j] != 0 {
			j = (j + 1) & h.mask
		}
		h.slots[j] = uint32(i) + 1
	}
	return h
}

func (h *hashIndex) get(k uint64) (uint32, bool) {
	j := mix64(k) & h.mask
	for {
		s := h.slots[j]
		if s == 0 {
			return 0, false
		}
		if h.keys[s-1] == k {
			return s - 1, true
		}
		j = (j + 1) & h.mask
	}
}

func (h *hashIndex) bytes() int { return len(h.slots) * 4 }

// strconvU formats for error messages.
func strconvU(v uint64) string { return strconv.FormatUint(v, 10) }
