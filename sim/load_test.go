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
