package sim

import (
	"math"
	"testing"
	"time"
)

func TestParseRateAndDists(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Rate{"5000/s": 5000, "300/m": 5, "7200/h": 2, "12.5": 12.5} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"-5", "fast", "5/fortnight", ""} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	var dd DurationDist
	if err := dd.UnmarshalText([]byte("uniform(1s, 3s)")); err != nil || dd.Mean() != 2 {
		t.Fatalf("duration dist: %v %v", dd, err)
	}
	var bd BytesDist
	if err := bd.UnmarshalText([]byte("exp(200KB)")); err != nil || bd.Mean() != 200*1024 {
		t.Fatalf("bytes dist: %v %v", bd, err)
	}
	var cd CountDist
	if err := cd.UnmarshalText([]byte("4")); err != nil || cd.Count(1, 2) != 4 {
		t.Fatalf("count dist: %v %v", cd, err)
	}
	for _, bad := range []string{"uniform(5,1)", "gauss(1)", "exp(1,2)", "exp(-1)", "uniform(1"} {
		if err := cd.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("CountDist %q accepted", bad)
		}
	}
	// Sample means converge.
	rng := uint64(88172645463325252)
	next := func() uint64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
	for _, d := range []Dist{Uniform(2, 4), Exp(3), {kind: distNormal, a: 10, b: 1}, {kind: distLogNormal, a: 1, b: 0.5}} {
		sum := 0.0
		const n = 200000
		for i := 0; i < n; i++ {
			sum += d.Sample(next(), next())
		}
		if m := sum / n; math.Abs(m-d.Mean())/d.Mean() > 0.02 {
			t.Errorf("%+v: sample mean %.3f, want %.3f", d, m, d.Mean())
		}
	}
	_ = time.Second
}

func TestCohorts(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) {
		cfg.Population.Plans = map[string]float64{"iot-30m": 1, "iot-100m": 1}
		cfg.Population.Regions = map[string]float64{"Guangdong": 1, "Beijing": 1}
	})
	all, err := c.Resolve(Cohort{})
	if err != nil || all.Len() != c.Len() || !all.Contains(999) || all.Contains(1000) {
		t.Fatalf("all: %v %v", all, err)
	}
	s, err := c.Resolve(Cohort{First: 100, Count: 400, Plans: []string{"iot-100m"}, Regions: []string{"Beijing"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() < 50 || s.Len() > 150 {
		t.Fatalf("filtered cohort has %d cards, want about 100", s.Len())
	}
	for k := 0; k < s.Len(); k++ {
		i := s.At(k)
		st := card(t, c, i)
		if i < 100 || i >= 500 || st.Plan != "iot-100m" || st.Home != "Beijing" || !s.Contains(i) {
			t.Fatalf("member %d: %+v", i, st)
		}
	}
	if s.Contains(5) {
		t.Fatal("non-member contained")
	}
	if p := s.Pick(^uint64(0)); !s.Contains(p) {
		t.Fatal("pick outside the set")
	}
	if _, err := c.Resolve(Cohort{Regions: []string{"Tibet"}}); err != ErrEmptyCohort {
		t.Fatalf("empty cohort: %v", err)
	}
	if _, err := c.Resolve(Cohort{Plans: []string{"gold"}}); err == nil {
		t.Fatal("unknown plan accepted")
	}
}

// TestCohortShards: a cohort's shards are the cards c with c mod n == i, so
// every cohort of a scenario is cut alike, the slices are disjoint and
// cover the cohort, and a census of a slice counts only its cards.
func TestCohortShards(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) {
		cfg.Population.Plans = map[string]float64{"iot-30m": 1, "iot-100m": 1}
	})
	for _, co := range []Cohort{{}, {First: 101, Count: 50}, {Plans: []string{"iot-100m"}}, {First: 7, Count: 1}} {
		set, err := c.Resolve(co)
		if err != nil {
			t.Fatal(err)
		}
		const n = 3
		seen := map[uint32]int{}
		for i := 0; i < n; i++ {
			sh, err := set.Shard(i, n)
			if err != nil {
				t.Fatal(err)
			}
			for k := 0; k < sh.Len(); k++ {
				m := sh.At(k)
				if int(m%n) != i || !set.Contains(m) || !sh.Contains(m) {
					t.Fatalf("%+v shard %d: member %d", co, i, m)
				}
				seen[m]++
			}
			for k := 0; k < set.Len(); k++ {
				if m := set.At(k); sh.Contains(m) != (int(m%n) == i) {
					t.Fatalf("%+v shard %d: Contains(%d) wrong", co, i, m)
				}
			}
		}
		if len(seen) != set.Len() {
			t.Fatalf("%+v: shards cover %d of %d cards", co, len(seen), set.Len())
		}
	}
	one, _ := c.Resolve(Cohort{First: 7, Count: 1})
	if sh, err := one.Shard(0, 2); err != nil || sh.Len() != 0 || sh.Contains(7) {
		t.Fatalf("card 7 in shard 0 of 2: %v %v", sh, err)
	}
	if _, err := one.Shard(2, 2); err == nil {
		t.Fatal("shard 2 of 2 accepted")
	}
	all, _ := c.Resolve(Cohort{})
	var cards, active int
	for i := 0; i < 4; i++ {
		sh, _ := all.Shard(i, 4)
		cen := c.CensusOf(sh)
		cards += cen.Cards
		active += cen.Active
	}
	if whole := c.Census(); cards != whole.Cards || active != whole.Active {
		t.Fatalf("census of the shards %d/%d, of the carrier %d/%d", cards, active, whole.Cards, whole.Active)
	}
}
