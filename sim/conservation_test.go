package sim

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestConservationUnderConcurrency: many goroutines run sessions on the same
// few cards at once (reserve, commit part of each grant, terminate) while a
// checker reads the cards. With the stop policy, used + reserved never exceeds
// the allowance; at the end every committed byte is counted exactly once and
// nothing stays reserved. Run with -race.
func TestConservationUnderConcurrency(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) { cfg.Population.Plans = map[string]float64{"iot-10m": 1} })
	const cards, workers, sessions = 8, 16, 60
	var committed [cards]atomic.Uint64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var violations atomic.Int64
	go func() { // checker
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := uint32(0); i < cards; i++ {
				st, _ := c.Card(i)
				if st.Used+st.Reserved > st.Allowance {
					violations.Add(1)
				}
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 99))
			for s := 0; s < sessions; s++ {
				i := uint32(rng.IntN(cards))
				d := initial(c, i, uint64(rng.IntN(int(512*KB))+1))
				for u := 0; u < 4 && d.Outcome == OutcomeSuccess; u++ {
					used := uint64(rng.Int64N(int64(d.Hold.Bytes) + 1))
					committed[i].Add(used)
					d = update(c, i, d.Hold, used, uint64(rng.IntN(int(512*KB))+1))
				}
				used := uint64(rng.Int64N(int64(d.Hold.Bytes) + 1))
				committed[i].Add(used)
				c.Release(i, d.Hold, used)
			}
		}(uint64(w))
	}
	wg.Wait()
	close(stop)
	if v := violations.Load(); v > 0 {
		t.Fatalf("used+reserved exceeded the allowance %d times", v)
	}
	var allUsed uint64
	for i := uint32(0); i < cards; i++ {
		st := card(t, c, i)
		if st.Used != committed[i].Load() || st.Reserved != 0 {
			t.Errorf("card %d: used %d reserved %d, committed %d", i, st.Used, st.Reserved, committed[i].Load())
		}
		if st.Used > st.Allowance {
			t.Errorf("card %d: used %d past the allowance %d", i, st.Used, st.Allowance)
		}
		allUsed += st.Used
	}
	if allUsed == 0 {
		t.Fatal("no usage was committed: the test exercised nothing")
	}
	if c.Anomalies() != 0 {
		t.Fatalf("%d anomalies", c.Anomalies())
	}
}

// TestMoneyConservation: pay-per-use sessions racing on the same cards; what
// left the balances equals what the decisions say was charged.
func TestMoneyConservation(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *Config) {
		cfg.Population.Plans = map[string]float64{"iot-payg": 1}
		cfg.Population.Balance = 3 * Yuan
	})
	const cards = 4
	for i := uint32(0); i < cards; i++ {
		_ = c.SetUsage(i, uint64(50*MB))
	}
	var charged atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			for s := 0; s < 40; s++ {
				i := uint32(rng.IntN(cards))
				d := initial(c, i, uint64(rng.IntN(int(MB)))+1)
				for u := 0; u < 3 && d.Outcome == OutcomeSuccess; u++ {
					used := uint64(rng.Int64N(int64(d.Granted) + 1))
					d = update(c, i, d.Hold, used, uint64(rng.IntN(int(MB)))+1)
					charged.Add(int64(d.Charged))
				}
				d = c.Release(i, d.Hold, 0)
				charged.Add(int64(d.Charged))
			}
		}(uint64(w))
	}
	wg.Wait()
	var left Money
	for i := uint32(0); i < cards; i++ {
		left += card(t, c, i).Balance
	}
	if spent := cards*3*Yuan - left; spent != Money(charged.Load()) || spent <= 0 {
		t.Fatalf("balances fell by %s, decisions charged %s", spent, Money(charged.Load()))
	}
}

// TestRateAllocatesNothing pins the zero-allocation promise of the rating
// path, with and without an event subscriber.
func TestRateAllocatesNothing(t *testing.T) {
	c := newCarrier(t, func(cfg *Config) { cfg.Population.Plans = map[string]float64{"iot-1g-year": 1} })
	loc := c.HomeLocation(1)
	imei := c.Identity(1).DeviceIMEI
	var d Decision
	req := Request{SIM: 1, Kind: KindInitial, Loc: loc, IMEI: imei, Requested: 1000}
	c.Rate(&req, &d)
	run := func() {
		req = Request{SIM: 1, Kind: KindUpdate, Loc: loc, IMEI: imei, Requested: 1000, Held: d.Hold, Used: 10}
		c.Rate(&req, &d)
		bad := Request{SIM: 2, Kind: KindInitial, Loc: loc, IMEI: 1} // refused: event path
		var d2 Decision
		c.Rate(&bad, &d2)
	}
	if n := testing.AllocsPerRun(1000, run); n != 0 {
		t.Fatalf("Rate allocates %.1f times per decision pair, want 0", n)
	}
	sub := c.Subscribe(1 << 16)
	defer sub.Close()
	if n := testing.AllocsPerRun(1000, run); n != 0 {
		t.Fatalf("Rate with a subscriber allocates %.1f times, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { c.Lookup(460040000000005) }); n != 0 {
		t.Fatalf("Lookup allocates %.1f times", n)
	}
}

// TestClockSpeedAndSteps checks the virtual clock's modes inside a synctest
// bubble, where time advances only when every goroutine waits: exact, no
// sleeping on a shared machine.
func TestClockSpeedAndSteps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewClock(t0, 0)
		if !c.Now().Equal(t0) {
			t.Fatalf("frozen clock shows %s", c.Now())
		}
		c.Advance(48 * time.Hour)
		if got := c.Now().Sub(t0); got != 48*time.Hour {
			t.Fatalf("advanced by %s", got)
		}
		c.SetSpeed(3600) // an hour a second
		time.Sleep(2 * time.Second)
		if got := c.Now().Sub(t0) - 48*time.Hour; got != 2*time.Hour {
			t.Fatalf("fast clock moved %s in 2s, want 2h", got)
		}
		c.SetSpeed(0)
		a := c.Now()
		time.Sleep(time.Second)
		if !c.Now().Equal(a) {
			t.Fatal("refrozen clock moved")
		}
		c.SetSpeed(1)
		c.Set(t0)
		time.Sleep(time.Minute)
		if got := c.Now().Sub(t0); got != time.Minute {
			t.Fatalf("real-time clock moved %s in a minute", got)
		}
	})
}
