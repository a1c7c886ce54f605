package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadCSV(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) { cfg.CSV = "testdata/cards.csv" })
	if c.Len() != 3 {
		t.Fatalf("%d cards, want 3", c.Len())
	}
	i, ok := c.Lookup(460040000000102)
	if !ok || i != 1 {
		t.Fatalf("lookup = %d %v", i, ok)
	}
	if j, ok := c.LookupMSISDN(8614400000101); !ok || j != 0 {
		t.Fatalf("msisdn lookup = %d %v", j, ok)
	}
	if _, ok := c.Lookup(460040000000103); ok {
		t.Fatal("found an IMSI not in the file")
	}
	st := card(t, c, 0)
	if st.Plan != "iot-30m" || st.Home != "Guangdong" || st.Balance != 12_500_000 ||
		st.ICCIDString() != "89860400000000001013" || st.DeviceIMEI != 86753100000101 || st.BoundIMEI != 0 ||
		!st.RealName || st.Expiry.Format(time.DateOnly) != "2027-01-31" {
		t.Fatalf("card 0 = %+v", st)
	}
	if st := card(t, c, 1); st.BoundIMEI != 86753100000102 || st.Plan != "iot-payg" {
		t.Fatalf("card 1 = %+v", st)
	}
	if st := card(t, c, 2); st.RealName || st.Balance != 20*Yuan {
		t.Fatalf("card 2 = %+v", st)
	}
	// The unregistered card is refused; the first binds on first use.
	var d Decision
	c.Rate(&Request{SIM: 2, Kind: KindInitial}, &d)
	wantRefusal(t, d, OutcomeDenied, ReasonNoRealName, BlameCard)
	gd, _ := c.RegionID("Guangdong")
	c.Rate(&Request{SIM: 0, Kind: KindInitial, Loc: c.RegionLocation(gd, 1), IMEI: 86753100000101}, &d)
	wantSuccess(t, d)
	if card(t, c, 0).BoundIMEI != 86753100000101 {
		t.Fatal("first use did not bind the device")
	}
}

// TestBadCSV: every bad line is reported with file:line, the column, what
// was expected and what was found, all at once.
func TestBadCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []string
	}{
		{name: "bad digits, unknown plan, duplicate, luhn",
			body: "imsi,plan,iccid,imei\n" +
				"46004000000001x,iot-30m,,\n" +
				"460040000000002,gold,,\n" +
				"460040000000003,iot-30m,89860400000000001018,\n" +
				"460040000000003,iot-30m,,867531000001013\n",
			want: []string{
				"cards.csv:2: imsi: want an IMSI of 6..15 digits",
				"cards.csv:3: plan: want a configured plan, got \"gold\"",
				"cards.csv:4: iccid: want a 19- or 20-digit ICCID",
				"Luhn",
				"cards.csv:5: imsi: want a unique IMSI, got 460040000000003 again (first on line 4)",
				"cards.csv:5: imei: want a 14- or 15-digit IMEI"}},
		{name: "missing required column and unknown column",
			body: "imsi,colour\n460040000000001,red\n",
			want: []string{"cards.csv:1: column 2: want one of imsi,", "cards.csv:1: want a column \"plan\""}},
		{name: "bad balance, region, date, flag",
			body: "imsi,plan,balance,home_region,expiry,real_name\n460040000000001,iot-30m,lots,Atlantis,soon,maybe\n",
			want: []string{"cards.csv:2: balance: want an amount", "cards.csv:2: home_region: want a configured region name, got \"Atlantis\"",
				"cards.csv:2: expiry: want a date such as 2027-06-30", "cards.csv:2: real_name: want true or false, got \"maybe\""}},
		{name: "wrong field count",
			body: "imsi,plan\n460040000000001,iot-30m,extra\n",
			want: []string{"cards.csv:2: csv: wrong number of fields"}},
		{name: "empty", body: "imsi,plan\n", want: []string{"want at least one card"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "cards.csv")
			if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := New(Config{CSV: path, Clock: NewClock(t0, 0)})
			if err == nil {
				t.Fatal("bad CSV accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	if _, err := New(Config{CSV: "testdata/nope.csv"}); err == nil || !strings.Contains(err.Error(), "nope.csv") {
		t.Fatalf("missing file: %v", err)
	}
}

// TestBadSpec: every problem of a configuration is reported at once.
func TestBadSpec(t *testing.T) {
	t.Parallel()
	bound := 1.5
	_, err := New(Config{
		Plans: []Plan{{Name: "a", Allowance: MB}, {Name: "a"}, {Name: "c", Overage: OveragePayPerUse, FinalActionName: "explode"}},
		Population: Spec{Count: 10, Plans: map[string]float64{"gold": 1, "a": -1},
			Regions: map[string]float64{"Atlantis": 1}, Bound: &bound, FirstICCID: 12},
		Barred:   []string{"Narnia"},
		TimeZone: "Mars/Olympus",
	})
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, w := range []string{
		`time_zone: want an IANA zone`,
		`plans[1].name: want a unique name, got "a" twice`,
		`plans[1].allowance: want a volume > 0`,
		`plans[2].overage_per_mb: want a price > 0 for pay_per_use`,
		`plans[2].final_action: want terminate, redirect or restrict, got "explode"`,
		`barred: want the name of a configured region, got "Narnia"`,
		`population.plans: want names of configured plans, got unknown plan "gold"`,
		`population.plans.a: want a weight >= 0, got -1`,
		`population.regions: want names of configured regions, got unknown region "Atlantis"`,
		`population.bound: want a share from 0 to 1, got 1.5`,
		`population.first_iccid: want a 19-digit ICCID body`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	if !errors.Is(err, err) {
		t.Fatal("unreachable")
	}
}

// TestGeneratedPopulationIsDeterministic: the same spec gives the same cards;
// identities are derived and valid.
func TestGeneratedPopulationIsDeterministic(t *testing.T) {
	t.Parallel()
	a := newCarrier(t, func(cfg *Config) { cfg.Population.Plans = nil; cfg.Population.Regions = nil })
	b := newCarrier(t, func(cfg *Config) { cfg.Population.Plans = nil; cfg.Population.Regions = nil })
	plans := map[string]int{}
	for i := uint32(0); i < uint32(a.Len()); i++ {
		sa, sb := card(t, a, i), card(t, b, i)
		if fmt.Sprint(sa) != fmt.Sprint(sb) {
			t.Fatalf("card %d differs:\n%+v\n%+v", i, sa, sb)
		}
		if a.Barred(a.recs[i].home) {
			t.Fatalf("card %d has a barred home region %s", i, sa.Home)
		}
		plans[sa.Plan]++
	}
	if len(plans) < 5 {
		t.Fatalf("default plan mix used only %v", plans)
	}
	id := a.Identity(5)
	if id.IMSI != 460040000000005 || id.MSISDN != 861440000000005 || len(id.ICCIDString()) != 20 {
		t.Fatalf("identity %+v %s", id, id.ICCIDString())
	}
	if full := FullIMEI(id.DeviceIMEI); full/10 != id.DeviceIMEI || Luhn(full/10) != full%10 {
		t.Fatalf("IMEI %d", full)
	}
	if i, ok := a.LookupICCID(id.ICCID); !ok || i != 5 {
		t.Fatal("ICCID lookup failed")
	}
}

func TestParseUnits(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Bytes{"30MB": 30 * MB, "1.5GiB": 3 * GB / 2, "512k": 512 * KB, "100": 100} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MB", "-1MB", "3 parsecs"} {
		if _, err := ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) accepted", bad)
		}
	}
	for in, want := range map[string]Money{"5": 5 * Yuan, "0.29": 290_000, "-12.5": -12_500_000, "0.000001": 1} {
		if got, err := ParseMoney(in); err != nil || got != want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d", in, got, err, want)
		}
		if b, _ := want.MarshalText(); func() Money { m, _ := ParseMoney(string(b)); return m }() != want {
			t.Errorf("Money %d does not round-trip via %q", want, b)
		}
	}
	for _, bad := range []string{"", "abc", "1.2345678", "1e3"} {
		if _, err := ParseMoney(bad); err == nil {
			t.Errorf("ParseMoney(%q) accepted", bad)
		}
	}
	if overageCost(1, 290_000) != 1 || overageCost(uint64(MB), 290_000) != 290_000 {
		t.Fatal("overage cost rounding")
	}
	if b := affordableBytes(290_000, 290_000); b != uint64(MB) {
		t.Fatalf("affordable %d", b)
	}
}

// TestOffsetPopulationIsASliceOfTheWhole: a population with Offset k holds
// exactly cards k… of the whole one (numbers, plan, home, device, expiry,
// binding), found by the same IMSI, MSISDN and ICCID.
func TestOffsetPopulationIsASliceOfTheWhole(t *testing.T) {
	t.Parallel()
	whole := newCarrier(t, func(cfg *Config) { cfg.Population.Plans = nil; cfg.Population.Regions = nil })
	const k = 123
	part := newCarrier(t, func(cfg *Config) {
		cfg.Population.Plans = nil
		cfg.Population.Regions = nil
		cfg.Population.Offset = k
		cfg.Population.Count = whole.Len() - k
	})
	if part.Len() != whole.Len()-k {
		t.Fatalf("%d cards, want %d", part.Len(), whole.Len()-k)
	}
	for i := uint32(0); i < uint32(part.Len()); i += 97 {
		sp, sw := card(t, part, i), card(t, whole, i+k)
		sp.Index = sw.Index // the one field that differs: the card's index in its carrier
		if fmt.Sprint(sp) != fmt.Sprint(sw) {
			t.Fatalf("card %d of the slice differs from card %d of the whole:\n%+v\n%+v", i, i+k, sp, sw)
		}
		if part.Identity(i) != whole.Identity(i+k) || part.HomeLocation(i) != whole.HomeLocation(i+k) {
			t.Fatalf("card %d: identity or home location differ", i)
		}
		id := part.Identity(i)
		for _, got := range []func() (uint32, bool){
			func() (uint32, bool) { return part.Lookup(id.IMSI) },
			func() (uint32, bool) { return part.LookupMSISDN(id.MSISDN) },
			func() (uint32, bool) { return part.LookupICCID(id.ICCID) },
		} {
			if j, ok := got(); !ok || j != i {
				t.Fatalf("card %d: lookup gave %d %v", i, j, ok)
			}
		}
	}
	if _, ok := part.Lookup(whole.Identity(k - 1).IMSI); ok {
		t.Error("the slice finds a card before its offset")
	}
	if part.PopulationFingerprint() == whole.PopulationFingerprint() {
		t.Error("a slice has the fingerprint of the whole")
	}
}
