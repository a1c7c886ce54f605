package sim

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stateCarrier is a carrier with a mix of plans and regions, on a frozen
// clock at now.
func stateCarrier(t testing.TB, now time.Time, mod func(*Config)) *Carrier {
	t.Helper()
	return newCarrier(t, func(cfg *Config) {
		cfg.Clock = NewClock(now, 0)
		cfg.Population.Plans = map[string]float64{"iot-30m": 3, "iot-payg": 1, "iot-300m-quarter": 1}
		cfg.Population.Regions = map[string]float64{"Guangdong": 1, "Beijing": 1, "Sichuan": 1}
		cfg.Population.ExpirySpread = 30 * 24 * time.Hour
		if mod != nil {
			mod(cfg)
		}
	})
}

// planOf returns the first card on plan name.
func planOf(t *testing.T, c *Carrier, name string, skip int) uint32 {
	t.Helper()
	for i := uint32(0); i < uint32(c.Len()); i++ {
		if card(t, c, i).Plan == name {
			if skip == 0 {
				return i
			}
			skip--
		}
	}
	t.Fatalf("no card on plan %s", name)
	return 0
}

// mixStates puts cards of c into every kind of state, and leaves a session
// open on card 12.
func mixStates(t *testing.T, c *Carrier) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Stop(1))                         // manual stop
	must(c.BindIMEI(3, 35_123_456_789_012)) // bound to another device
	d := initial(c, 4, 0)                   // seen, then another device: mismatch
	c.Release(4, d.Hold, 1000)
	var dd Decision
	c.Rate(&Request{SIM: 4, Kind: KindInitial, Loc: c.HomeLocation(4), IMEI: 35_000_000_000_001}, &dd)
	must(c.SetBalance(5, -3*Yuan)) // arrears
	must(c.SetStop(5, ReasonArrears, true))
	must(c.ChangePlan(6, "iot-1g-year")) // changed plan
	bj, _ := c.RegionID("Sichuan")
	l := c.RegionLocation(bj, 77)
	must(c.Move(7, l))    // moved
	must(c.UnbindIMEI(8)) // unbound
	must(c.SetStop(9, ReasonContractViolation, true))
	must(c.Renew(10, c.clock.Now().Add(24*time.Hour))) // expires tomorrow
	must(c.Recharge(11, 7*Yuan+123))
	p := planOf(t, c, "iot-payg", 0) // pay-per-use past its allowance
	must(c.SetUsage(p, uint64(c.plans[c.recs[p].plan].Allowance)))
	d = initial(c, p, uint64(2*MB))
	c.Release(p, d.Hold, uint64(2*MB))
	q := planOf(t, c, "iot-300m-quarter", 0)
	must(c.SetUsage(q, uint64(5*MB)))

	// Twenty days later, in April: card 10 expired (retention fee charged),
	// monthly cycles rolled over, the quarterly one did not.
	c.clock.Advance(20 * 24 * time.Hour)
	c.SettleAll()
	if st := card(t, c, 10); !st.Stops.Has(ReasonExpired) || st.RetentionFees != 1 {
		t.Fatalf("card 10 = %s with %d fees, want expired with one fee", st.Stops, st.RetentionFees)
	}
	must(c.SetUsage(13, 1234567))
	o := planOf(t, c, "iot-30m", 3) // over quota
	must(c.SetUsage(o, uint64(30*MB)))
	d = initial(c, 12, uint64(300*KB)) // an open session: its reservation is not saved
	c.Rate(&Request{SIM: 12, Kind: KindUpdate, Held: d.Hold, Used: uint64(200 * KB), Requested: uint64(100 * KB),
		Loc: c.HomeLocation(12), IMEI: c.Identity(12).DeviceIMEI}, &dd)
}

// sameCards compares every card of a and b except what open sessions hold.
func sameCards(t *testing.T, a, b *Carrier) {
	t.Helper()
	bad := 0
	for i := uint32(0); i < uint32(a.Len()); i++ {
		sa, sb := card(t, a, i), card(t, b, i)
		sa.Reserved, sb.Reserved = 0, 0
		if !reflect.DeepEqual(sa, sb) {
			t.Errorf("card %d:\n got  %+v\n want %+v", i, sb, sa)
			if bad++; bad > 5 {
				t.FailNow()
			}
		}
	}
}

func snapshot(t testing.TB, c *Carrier) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := c.WriteState(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	a := stateCarrier(t, t0, nil)
	mixStates(t, a)
	snap := snapshot(t, a)

	b := stateCarrier(t, a.clock.Now(), nil)
	if err := b.ReadState(bytes.NewReader(snap)); err != nil {
		t.Fatal(err)
	}
	sameCards(t, a, b)
	if st := card(t, b, 12); st.Reserved != 0 || st.Used != uint64(200*KB) {
		t.Errorf("card 12 after restart: used %d reserved %d, want the committed 200 KB and nothing held", st.Used, st.Reserved)
	}
	census := a.Census()
	for _, r := range []Reason{ReasonManualStop, ReasonOverQuota, ReasonArrears, ReasonExpired,
		ReasonIMEIMismatch, ReasonContractViolation} {
		if census.ByReason[r] == 0 {
			t.Errorf("no card stopped for %s: the mix is not mixed", r)
		}
	}
	for _, c := range []struct {
		i    uint32
		want Reason
	}{{1, ReasonManualStop}, {4, ReasonIMEIMismatch}, {5, ReasonArrears}, {9, ReasonContractViolation}, {10, ReasonExpired}} {
		if st := card(t, b, c.i); !st.Stops.Has(c.want) {
			t.Errorf("card %d after restart: %s, want %s", c.i, st.Stops, c.want)
		}
	}
	if st := card(t, b, 7); st.Region != "Sichuan" || st.LastTAC == 0 {
		t.Errorf("card 7 after restart: region %s TAC %d, want Sichuan", st.Region, st.LastTAC)
	}
	if st := card(t, b, 3); st.BoundIMEI != 35_123_456_789_012 {
		t.Errorf("card 3 after restart bound to %d", st.BoundIMEI)
	}
	if st := card(t, b, 8); st.BoundIMEI != 0 {
		t.Errorf("card 8 after restart bound to %d, want unbound", st.BoundIMEI)
	}

	// Rules keep applying after the restart: the mismatched device is still
	// refused, the manually stopped card can be resumed.
	var d Decision
	b.Rate(&Request{SIM: 4, Kind: KindInitial, Loc: b.HomeLocation(4), IMEI: 35_000_000_000_001}, &d)
	wantRefusal(t, d, OutcomeDenied, ReasonIMEIMismatch, BlameDevice)
	if err := b.Resume(1); err != nil {
		t.Fatal(err)
	}

	// A snapshot of the restored carrier is the same bytes but for the clock.
	again := snapshot(t, stateCarrierFrom(t, a.clock.Now(), snap))
	if !bytes.Equal(again, snap) {
		t.Errorf("a snapshot of the restored carrier differs from the one it was restored from")
	}
	if bpc := float64(len(snap)) / float64(a.Len()); bpc > 16 {
		t.Errorf("%.1f bytes a card, want a compact encoding", bpc)
	}
}

func stateCarrierFrom(t *testing.T, now time.Time, snap []byte) *Carrier {
	c := stateCarrier(t, now, nil)
	if err := c.ReadState(bytes.NewReader(snap)); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestStateInfo(t *testing.T) {
	t.Parallel()
	a := stateCarrier(t, t0, nil)
	a.clock.SetSpeed(60)
	snap := snapshot(t, a)
	info, err := ReadStateInfo(bytes.NewReader(snap))
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != 1 || info.Cards != a.Len() || info.Fingerprint != a.PopulationFingerprint() || info.Speed != 60 {
		t.Errorf("info = %+v", info)
	}
	if info.Saved.Before(t0) || info.Saved.After(t0.Add(time.Hour)) {
		t.Errorf("saved at %s, want about %s", info.Saved, t0)
	}
	if len(info.Plans) != len(a.Plans()) || info.Plans[0] != a.Plans()[0].Name || len(info.Regions) != len(a.Regions()) {
		t.Errorf("info names = %v %v", info.Plans, info.Regions)
	}
}

func TestStateCSVPopulation(t *testing.T) {
	t.Parallel()
	csv := func(cfg *Config) { cfg.CSV = "testdata/cards.csv"; cfg.Clock = NewClock(t0, 0) }
	a := newCarrier(t, csv)
	if err := a.Stop(0); err != nil {
		t.Fatal(err)
	}
	if err := a.Move(2, a.RegionLocation(3, 1)); err != nil { // card 2 has no home region
		t.Fatal(err)
	}
	if err := a.BindIMEI(1, 35_000_000_000_077); err != nil {
		t.Fatal(err)
	}
	b := newCarrier(t, csv)
	if err := b.ReadState(bytes.NewReader(snapshot(t, a))); err != nil {
		t.Fatal(err)
	}
	sameCards(t, a, b)
	// Another population of the same size is refused.
	other := newCarrier(t, func(cfg *Config) { cfg.Population.Count = a.Len(); cfg.Clock = NewClock(t0, 0) })
	if err := other.ReadState(bytes.NewReader(snapshot(t, a))); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("generated population took a CSV snapshot: %v", err)
	}
}

// TestStateRefusesCorrupt: a torn, truncated or altered snapshot is refused
// as corrupt and the carrier is left exactly as it was.
func TestStateRefusesCorrupt(t *testing.T) {
	t.Parallel()
	a := stateCarrier(t, t0, nil)
	mixStates(t, a)
	snap := snapshot(t, a)
	fresh := stateCarrier(t, a.clock.Now(), nil)
	b := stateCarrier(t, a.clock.Now(), nil)

	hdrLen := 16 + int(snap[12]) + int(snap[13])<<8 + 4
	tests := []struct {
		name string
		data func() []byte
	}{
		{"empty", func() []byte { return nil }},
		{"not a snapshot", func() []byte { return []byte("imsi,plan\n460040000000001,iot-30m\n") }},
		{"header only", func() []byte { return snap[:hdrLen] }},
		{"truncated in the header", func() []byte { return snap[:20] }},
		{"truncated in the cards", func() []byte { return snap[:len(snap)/2] }},
		{"truncated before the trailer", func() []byte { return snap[:len(snap)-4] }},
		{"last byte missing", func() []byte { return snap[:len(snap)-1] }},
		{"a card byte flipped", func() []byte { return flip(snap, hdrLen+8+len(snap)/3) }},
		{"a header byte flipped", func() []byte { return flip(snap, 20) }},
		{"the checksum flipped", func() []byte { return flip(snap, len(snap)-2) }},
		{"data after the end", func() []byte { return append(append([]byte{}, snap...), 0) }},
	}
	for _, tt := range tests {
		err := b.ReadState(bytes.NewReader(tt.data()))
		if !errors.Is(err, ErrStateCorrupt) {
			t.Errorf("%s: err = %v, want ErrStateCorrupt", tt.name, err)
		}
	}
	sameCards(t, fresh, b)
}

func flip(b []byte, at int) []byte {
	out := append([]byte{}, b...)
	out[at] ^= 0x10
	return out
}

// TestStateRefusesOtherPopulation: a whole snapshot of another population,
// or naming a plan that is no longer configured, is refused as a mismatch;
// plans added or reordered are fine.
func TestStateRefusesOtherPopulation(t *testing.T) {
	t.Parallel()
	a := stateCarrier(t, t0, nil)
	mixStates(t, a)
	snap := snapshot(t, a)
	now := a.clock.Now()
	tests := []struct {
		name string
		mod  func(*Config)
		want error
	}{
		{"another seed", func(cfg *Config) { cfg.Population.Seed = 8 }, ErrStateMismatch},
		{"more cards", func(cfg *Config) { cfg.Population.Count++ }, ErrStateMismatch},
		{"other IMSIs", func(cfg *Config) { cfg.Population.FirstIMSI = 460_041_000_000_000 }, ErrStateMismatch},
		{"other home regions", func(cfg *Config) { cfg.Population.Regions = map[string]float64{"Hebei": 1} }, ErrStateMismatch},
		{"a plan in use removed", func(cfg *Config) {
			cfg.Plans = DefaultPlans()[:5] // no iot-payg
			cfg.Population.Plans = map[string]float64{"iot-30m": 1}
		}, ErrStateMismatch},
		{"plans reordered and added", func(cfg *Config) {
			p := DefaultPlans()
			p[0], p[5] = p[5], p[0]
			cfg.Plans = append(p, Plan{Name: "iot-5g", Allowance: 5 * GB, Price: 80 * Yuan})
		}, nil},
	}
	for _, tt := range tests {
		b := stateCarrier(t, now, tt.mod)
		err := b.ReadState(bytes.NewReader(snap))
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
			continue
		}
		if err == nil {
			sameCards(t, a, b)
		} else if errors.Is(err, ErrStateCorrupt) {
			t.Errorf("%s: a whole snapshot reported corrupt: %v", tt.name, err)
		}
	}
}

func TestStateFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.bin")
	a := stateCarrier(t, t0, nil)

	b := stateCarrier(t, t0, nil)
	if err := b.LoadStateFile(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: err = %v, want fs.ErrNotExist", err)
	}
	if err := a.SaveStateFile(path); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(path)
	mixStates(t, a)

	// A write that fails half-way leaves the previous snapshot whole and no
	// temporary file behind.
	boom := errors.New("disk full")
	err := writeFileAtomic(path, func(w io.Writer) error {
		if err := a.WriteState(&halfWriter{w: w, left: 300}); err != nil {
			return err
		}
		return boom
	})
	if err == nil {
		t.Fatal("a failing write succeeded")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, first) {
		t.Fatal("a failed write changed the previous snapshot")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("directory holds %d entries after a failed write, want only the snapshot", len(ents))
	}
	if err := a.SaveStateFile(filepath.Join(dir, "no-such-dir", "state.bin")); err == nil {
		t.Fatal("saving into a missing directory succeeded")
	}

	// A crash between writing the temporary file and renaming it leaves a
	// stray file that does not disturb loading.
	if err := os.WriteFile(filepath.Join(dir, ".state.bin.tmp123"), snapshot(t, a)[:100], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := b.LoadStateFile(path); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveStateFile(path); err != nil {
		t.Fatal(err)
	}
	c := stateCarrier(t, a.clock.Now(), nil)
	if err := c.LoadStateFile(path); err != nil {
		t.Fatal(err)
	}
	sameCards(t, a, c)
	if info, err := StateFileInfo(path); err != nil || info.Cards != a.Len() {
		t.Fatalf("StateFileInfo = %+v, %v", info, err)
	}
}

// halfWriter fails once left bytes have been written.
type halfWriter struct {
	w    io.Writer
	left int
}

func (h *halfWriter) Write(b []byte) (int, error) {
	if len(b) > h.left {
		n, _ := h.w.Write(b[:h.left])
		h.left = 0
		return n, errors.New("no space left on device")
	}
	h.left -= len(b)
	return h.w.Write(b)
}

// TestStateUnderRating snapshots while workers rate sessions on the same
// cards; every snapshot loads, and each card in it is consistent (with the
// stop policy, usage never passes the allowance). Run with -race.
func TestStateUnderRating(t *testing.T) {
	t.Parallel()
	a := stateCarrier(t, t0, func(cfg *Config) {
		cfg.Population.Count = 40_000
		cfg.Population.Plans = map[string]float64{"iot-10m": 1}
	})
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 1))
			for !stop.Load() {
				i := uint32(rng.IntN(200)) * 200 // the same cards over and over
				d := initial(a, i, uint64(2*MB))
				if d.Outcome == OutcomeSuccess {
					a.Release(i, d.Hold, d.Hold.Bytes)
				}
				if rng.IntN(50) == 0 {
					_ = a.Stop(i)
					_ = a.Resume(i)
				}
			}
		}(uint64(w))
	}
	for k := 0; k < 3; k++ {
		snap := snapshot(t, a)
		b := stateCarrier(t, t0, func(cfg *Config) {
			cfg.Population.Count = 40_000
			cfg.Population.Plans = map[string]float64{"iot-10m": 1}
		})
		if err := b.ReadState(bytes.NewReader(snap)); err != nil {
			t.Fatal(err)
		}
		for i := uint32(0); i < 40_000; i += 200 {
			st := card(t, b, i)
			if st.Used > st.Allowance || (st.Used == st.Allowance) != st.Stops.Has(ReasonOverQuota) {
				t.Fatalf("card %d in snapshot %d: used %d of %d, %s", i, k, st.Used, st.Allowance, st.Stops)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
}

// BenchmarkWriteState snapshots benchSims cards (default 1M) to memory.
func BenchmarkWriteState(b *testing.B) {
	c := sharedBenchCarrier(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := c.WriteState(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/float64(c.Len()), "bytes/sim")
	b.ReportMetric(float64(c.Len())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Msims/s")
}

// BenchmarkReadState loads a snapshot of benchSims cards.
func BenchmarkReadState(b *testing.B) {
	c := sharedBenchCarrier(b)
	var buf bytes.Buffer
	if err := c.WriteState(&buf); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := c.ReadState(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(c.Len())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Msims/s")
}
