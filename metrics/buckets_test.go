package metrics

import (
	"math"
	"testing"
	"time"
)

func TestBucketsBoundsAndSum(t *testing.T) {
	t.Parallel()
	var b, o Buckets
	b.Observe(time.Microsecond, 3)   // below 4.096 µs: bucket 0
	b.Observe(5*time.Microsecond, 1) // 4.096-8.192 µs: bucket 1
	b.Observe(time.Millisecond, 2)   // 0.524-1.048 ms: bucket 8
	o.Observe(time.Second, 1)        // beyond 134 ms: the last bucket
	o.Observe(-time.Millisecond, 1)  // a clock step back counts as 0
	b.Add(&o)
	s := b.Load()
	want := map[int]uint64{0: 4, 1: 1, 8: 2, NumBuckets - 1: 1}
	for i, v := range s.Counts {
		if v != want[i] {
			t.Errorf("bucket %d (le %g) = %d, want %d", i, BucketBound(i), v, want[i])
		}
	}
	if s.Total() != 8 || s.Sum != 3*time.Microsecond+5*time.Microsecond+2*time.Millisecond+time.Second {
		t.Errorf("total %d sum %s", s.Total(), s.Sum)
	}
	if BucketBound(0) != 4.096e-6 || BucketBound(8) != 1.048576e-3 || !math.IsInf(BucketBound(NumBuckets-1), 1) {
		t.Errorf("bounds %g %g %g", BucketBound(0), BucketBound(8), BucketBound(NumBuckets-1))
	}
}

func TestBucketsObserveAllocatesNothing(t *testing.T) {
	var b Buckets
	if n := testing.AllocsPerRun(100, func() { b.Observe(time.Millisecond, 1) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func BenchmarkBucketsObserve(b *testing.B) {
	var h Buckets
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Observe(time.Duration(i), 1)
	}
}
