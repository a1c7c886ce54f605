package metrics

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Buckets is a cheap latency histogram for a server's request path: a
// count per power-of-two bucket of nanoseconds, from 4.096 µs (2^12 ns) to
// 2^27 ns (134 ms), below and beyond, and the sum. Observe is two atomic
// adds and no lock, so a connection or worker keeps its own and a scraper
// sums them (Add) at any time; the bounds are Prometheus's histogram
// buckets as they are (le = 4.096e-06 … 0.134). Where HDR precision is
// wanted, use Hist; this is for counting what a server does all day.
//
// The zero value is an empty histogram. Observe and Load are safe for
// concurrent use.
type Buckets struct {
	counts [NumBuckets]atomic.Uint64
	sumNS  atomic.Uint64
}

// NumBuckets is the number of buckets: BucketBound(i) is the upper bound of
// bucket i, and the last bucket counts everything beyond the one before.
const NumBuckets = 17

const firstBucketShift = 12 // bucket 0: below 2^12 ns

// BucketBound returns the upper bound of bucket i in seconds (+Inf for the
// last).
func BucketBound(i int) float64 {
	if i >= NumBuckets-1 {
		return inf
	}
	return float64(uint64(1)<<(firstBucketShift+i)) / 1e9
}

var inf = func() float64 { var z float64; return 1 / z }()

// Observe counts n requests that took d each (a batch answered together
// counts each of its requests at the batch's time).
func (b *Buckets) Observe(d time.Duration, n int) {
	if d < 0 {
		d = 0
	}
	i := min(bits.Len64(uint64(d)>>firstBucketShift), NumBuckets-1)
	b.counts[i].Add(uint64(n))
	b.sumNS.Add(uint64(d) * uint64(n))
}

// Add adds o's counts to b.
func (b *Buckets) Add(o *Buckets) {
	for i := range b.counts {
		if v := o.counts[i].Load(); v != 0 {
			b.counts[i].Add(v)
		}
	}
	b.sumNS.Add(o.sumNS.Load())
}

// BucketCounts is a snapshot of a Buckets.
type BucketCounts struct {
	// Counts[i] counts the observations in bucket i (not cumulative).
	Counts [NumBuckets]uint64
	// Sum is the total of the observed durations.
	Sum time.Duration
}

// Load returns a snapshot of the counts.
func (b *Buckets) Load() BucketCounts {
	var s BucketCounts
	for i := range b.counts {
		s.Counts[i] = b.counts[i].Load()
	}
	s.Sum = time.Duration(b.sumNS.Load())
	return s
}

// Total returns the number of observations.
func (s *BucketCounts) Total() uint64 {
	var n uint64
	for _, v := range s.Counts {
		n += v
	}
	return n
}
