package sim

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchSims is the population size for benchmarks: CARRIERSIM_BENCH_SIMS,
// default one million (10 million is the target size; it needs ~0.5 GB).
func benchSims(b *testing.B) int {
	if v, err := strconv.Atoi(os.Getenv("CARRIERSIM_BENCH_SIMS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

var (
	benchOnce    sync.Once
	benchCarrier *Carrier
)

func sharedBenchCarrier(b *testing.B) *Carrier {
	benchOnce.Do(func() {
		c, err := New(Config{Clock: NewClock(t0, 0), Population: Spec{Count: benchSims(b), Balance: 1000 * Yuan}})
		if err != nil {
			b.Fatal(err)
		}
		benchCarrier = c
	})
	return benchCarrier
}

// BenchmarkBuild builds a population per iteration and reports bytes per
// card of live heap.
func BenchmarkBuild(b *testing.B) {
	n := benchSims(b)
	b.ReportAllocs()
	var res BuildResult
	for b.Loop() {
		var err error
		_, res, err = MeasureBuild(Config{Clock: NewClock(t0, 0), Population: Spec{Count: n}})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(res.BytesPerSIM, "bytes/sim")
	b.ReportMetric(float64(n)/res.Seconds/1e6, "Msims/s")
}

// BenchmarkLookupIMSI: the generated population's arithmetic index.
func BenchmarkLookupIMSI(b *testing.B) {
	c := sharedBenchCarrier(b)
	n := uint64(c.Len())
	b.ReportAllocs()
	var x uint64 = 12345
	for b.Loop() {
		x = x*6364136223846793005 + 1442695040888963407
		if _, ok := c.Lookup(460040000000000 + (x>>33)%n); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkLookupIMSISparse: the hash index a CSV population uses.
func BenchmarkLookupIMSISparse(b *testing.B) {
	n := benchSims(b)
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = 460000000000000 + mix64(uint64(i))%1e14
	}
	h := newHashIndex(keys)
	b.ReportAllocs()
	b.ResetTimer()
	var x uint64 = 1
	for b.Loop() {
		x = x*6364136223846793005 + 1442695040888963407
		if _, ok := h.get(keys[(x>>33)%uint64(n)]); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkRate: decisions (reserve or commit, every rule applied) on random
// cards from all procs at once; decisions/s is the aggregate.
func BenchmarkRate(b *testing.B) {
	c := sharedBenchCarrier(b)
	b.ReportAllocs()
	var seed atomic.Uint64
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		w := NewRatingWorker(c, seed.Add(1), 64)
		for pb.Next() {
			w.Step()
		}
		w.Drain()
	})
	// Each op is one Step: RatingBatch decisions.
	b.ReportMetric(float64(b.N)*RatingBatch/time.Since(start).Seconds(), "decisions/s")
}

// BenchmarkSession: one full session on one card: reserve, five commits
// with re-reservation, release.
func BenchmarkSession(b *testing.B) {
	c := sharedBenchCarrier(b)
	b.ReportAllocs()
	i := uint32(0)
	for b.Loop() {
		i = (i + 7919) % uint32(c.Len())
		loc := c.HomeLocation(i)
		imei := c.deviceIMEIFast(i)
		var d Decision
		c.Rate(&Request{SIM: i, Kind: KindInitial, Requested: 4096, Loc: loc, IMEI: imei}, &d)
		for k := 0; k < 5; k++ {
			c.Rate(&Request{SIM: i, Kind: KindUpdate, Requested: 4096, Used: 2048, Held: d.Hold, Loc: loc, IMEI: imei}, &d)
		}
		c.Rate(&Request{SIM: i, Kind: KindTerminate, Used: 100, Held: d.Hold, Loc: loc, IMEI: imei}, &d)
	}
}

// BenchmarkSettleRange: settling idle cards in runs of 1024, as carriersim
// serve does in the background, on a clock running at real speed.
func BenchmarkSettleRange(b *testing.B) {
	const n = 100_000
	c, err := New(Config{Clock: NewClock(t0, 1), Population: Spec{Count: n, Balance: 1000 * Yuan}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	lo := 0
	for b.Loop() {
		c.SettleRange(lo, lo+1024)
		lo = (lo + 1024) % n
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1024, "ns/card")
}
