// Package metrics holds the measuring instruments of carriersim: latency
// histograms (HdrHistogram, recorded per worker without contention and merged
// on snapshot) and striped counters. It is a leaf package: standard library
// and hdrhistogram-go only.
//
//	lat := metrics.NewLatency(workers)
//	lat.Record(w, time.Since(intended)) // worker w, from the intended send time
//	h := lat.Snapshot()                 // merged copy, safe to read
//	fmt.Println(h.Quantile(0.99))
//
// A Run collects a load run's samples by message, class and label; its
// Tally is the totals in a form that merges exactly across processes (the
// shards of one run) and travels as JSON.
package metrics
