package sim

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// BuildResult is what building a population cost.
type BuildResult struct {
	Cards       int
	Seconds     float64
	HeapBytes   uint64  // live heap growth after GC, store and indexes included
	BytesPerSIM float64 // HeapBytes / Cards
}

// MeasureBuild builds a carrier from cfg and measures the time and the live
// heap it took (after a forced GC on both sides).
func MeasureBuild(cfg Config) (*Carrier, BuildResult, error) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	c, err := New(cfg)
	el := time.Since(start)
	if err != nil {
		return nil, BuildResult{}, err
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	res := BuildResult{Cards: c.Len(), Seconds: el.Seconds()}
	if after.HeapAlloc > before.HeapAlloc {
		res.HeapBytes = after.HeapAlloc - before.HeapAlloc
	}
	res.BytesPerSIM = float64(res.HeapBytes) / float64(max(c.Len(), 1))
	runtime.KeepAlive(c)
	return c, res, nil
}

// RatingResult is the outcome of MeasureRating.
type RatingResult struct {
	Workers            int
	Decisions          uint64
	Seconds            float64
	PerSecond          float64
	AllocsPerDecision  float64
	Outcomes           map[string]uint64
	ReservedAfterDrain uint64 // bytes still reserved after every session released: must be 0
}

// RatingWorker runs decisions the way a protocol adapter does: it keeps
// open sessions on random cards at their home location with their own device
// and rates in batches (as a server does with pipelined requests); each
// request either opens a session (reserve) or closes one opened a window
// earlier (commit half of what it held, release the rest). Every decision
// applies every rule. It is the loop behind MeasureRating and the benchmarks.
type RatingWorker struct {
	c        *Carrier
	rng      uint64
	sessions []ratingSession
	next     int
	reqs     []Request
	ds       []Decision
	slot     []int
	Outcomes [numOutcomes]uint64
	// Grant is the volume asked for per reservation (default 4 KB).
	Grant uint64
}

type ratingSession struct {
	sim  uint32
	hold Hold
	open bool
	loc  Location
	imei uint64
}

// RatingBatch is the number of requests a RatingWorker rates at once.
const RatingBatch = 16

// NewRatingWorker returns a worker with its own random sequence and at most
// sessions open sessions (rounded up to a multiple of RatingBatch).
func NewRatingWorker(c *Carrier, seed uint64, sessions int) *RatingWorker {
	sessions = (max(sessions, 1) + RatingBatch - 1) / RatingBatch * RatingBatch
	return &RatingWorker{c: c, rng: mix64(seed) | 1, sessions: make([]ratingSession, sessions),
		reqs: make([]Request, RatingBatch), ds: make([]Decision, RatingBatch), slot: make([]int, RatingBatch),
		Grant: 4 << 10}
}

// Step makes RatingBatch decisions.
func (w *RatingWorker) Step() {
	for k := range w.reqs {
		s := &w.sessions[w.next]
		w.slot[k] = w.next
		w.next++
		if w.next == len(w.sessions) {
			w.next = 0
		}
		if s.open {
			w.reqs[k] = Request{SIM: s.sim, Kind: KindTerminate, Held: s.hold, Used: s.hold.Bytes / 2, Loc: s.loc, IMEI: s.imei}
			continue
		}
		w.rng ^= w.rng << 13
		w.rng ^= w.rng >> 7
		w.rng ^= w.rng << 17
		s.sim = uint32((w.rng >> 32) * uint64(len(w.c.recs)) >> 32)
		s.loc = w.c.HomeLocation(s.sim)
		s.imei = w.c.deviceIMEIFast(s.sim)
		w.reqs[k] = Request{SIM: s.sim, Kind: KindInitial, Requested: w.Grant, Loc: s.loc, IMEI: s.imei}
	}
	w.c.RateBatch(w.reqs, w.ds)
	for k := range w.reqs {
		s, d := &w.sessions[w.slot[k]], &w.ds[k]
		if w.reqs[k].Kind == KindInitial {
			s.hold, s.open = d.Hold, d.Outcome == OutcomeSuccess
		} else {
			s.open = false
		}
		w.Outcomes[d.Outcome]++
	}
}

// Drain closes every open session.
func (w *RatingWorker) Drain() {
	for i := range w.sessions {
		if s := &w.sessions[i]; s.open {
			w.c.Release(s.sim, s.hold, 0)
			s.open = false
		}
	}
}

// deviceIMEIFast is the device of card i without building an Identity.
func (c *Carrier) deviceIMEIFast(i uint32) uint64 {
	if c.generated {
		return c.deviceBody(i)
	}
	return c.devices[i]
}

// MeasureRating runs workers goroutines of RatingWorker against c for dur
// (or until maxDecisions, when > 0), then drains every session and reports
// decisions per second and allocations per decision.
func MeasureRating(c *Carrier, workers int, dur time.Duration, maxDecisions uint64) RatingResult {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ws := make([]*RatingWorker, workers)
	for i := range ws {
		ws[i] = NewRatingWorker(c, uint64(i)+1, 64)
	}
	var stop atomic.Bool
	var total atomic.Uint64
	var wg sync.WaitGroup
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	start := time.Now()
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n uint64
			for !stop.Load() {
				for k := 0; k < 1024/RatingBatch; k++ {
					w.Step()
				}
				n += 1024
				if maxDecisions > 0 && total.Add(1024) >= maxDecisions {
					break
				}
			}
			if maxDecisions == 0 {
				total.Add(n)
			}
		}()
	}
	timer := time.AfterFunc(dur, func() { stop.Store(true) })
	wg.Wait()
	el := time.Since(start)
	timer.Stop()
	runtime.ReadMemStats(&ms1)
	res := RatingResult{Workers: workers, Decisions: total.Load(), Seconds: el.Seconds(), Outcomes: map[string]uint64{}}
	res.PerSecond = float64(res.Decisions) / el.Seconds()
	res.AllocsPerDecision = float64(ms1.Mallocs-ms0.Mallocs) / float64(max(res.Decisions, 1))
	for _, w := range ws {
		w.Drain()
		for o, n := range w.Outcomes {
			if n > 0 {
				res.Outcomes[Outcome(o).String()] += n
			}
		}
	}
	res.ReservedAfterDrain = c.Census().Reserved
	return res
}
