package metrics

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds from 1 µs to 10 minutes with three
// significant digits: enough to tell 1.00 ms from 1.01 ms and to hold the
// longest timeout.
const (
	lowestUS  = 1
	highestUS = 10 * 60 * 1_000_000
	sigFigs   = 3
)

// Hist is a latency histogram. It is not safe for concurrent use; Latency
// gives each worker its own and merges them.
type Hist struct {
	h *hdrhistogram.Histogram
}

// NewHist returns an empty histogram.
func NewHist() *Hist { return &Hist{h: hdrhistogram.New(lowestUS, highestUS, sigFigs)} }

// Record adds one latency; values outside the range are clamped so that a
// pathological sample is still counted, never lost.
func (h *Hist) Record(d time.Duration) {
	us := d.Microseconds()
	if us < lowestUS {
		us = lowestUS
	} else if us > highestUS {
		us = highestUS
	}
	_ = h.h.RecordValue(us)
}

// RecordN adds n samples of one latency.
func (h *Hist) RecordN(d time.Duration, n int64) {
	us := min(max(d.Microseconds(), lowestUS), highestUS)
	_ = h.h.RecordValues(us, n)
}

// Merge adds o's samples to h.
func (h *Hist) Merge(o *Hist) { h.h.Merge(o.h) }

// Reset empties the histogram.
func (h *Hist) Reset() { h.h.Reset() }

// Count returns the number of samples.
func (h *Hist) Count() int64 { return h.h.TotalCount() }

// Quantile returns the latency at quantile q (0..1).
func (h *Hist) Quantile(q float64) time.Duration {
	return time.Duration(h.h.ValueAtQuantile(q*100)) * time.Microsecond
}

// Max returns the largest sample.
func (h *Hist) Max() time.Duration { return time.Duration(h.h.Max()) * time.Microsecond }

// Min returns the smallest sample.
func (h *Hist) Min() time.Duration { return time.Duration(h.h.Min()) * time.Microsecond }

// Mean returns the mean.
func (h *Hist) Mean() time.Duration { return time.Duration(h.h.Mean() * float64(time.Microsecond)) }

// Clone returns an independent copy.
func (h *Hist) Clone() *Hist {
	c := NewHist()
	c.h.Merge(h.h)
	return c
}

// WritePercentiles writes the percentile distribution in HdrHistogram's text
// format (.hgrm), in milliseconds, which its plotter opens.
func (h *Hist) WritePercentiles(w io.Writer) error {
	var buf bytes.Buffer
	if _, err := h.h.PercentilesPrint(&buf, 5, 1000.0); err != nil {
		return fmt.Errorf("metrics: percentiles: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Encode returns the histogram in HdrHistogram's compressed, base64 encoding
// (V2), which any HdrHistogram implementation decodes and merges exactly.
func (h *Hist) Encode() ([]byte, error) {
	b, err := h.h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("metrics: encode histogram: %w", err)
	}
	return b, nil
}

// DecodeHist reads what Encode wrote.
func DecodeHist(b []byte) (*Hist, error) {
	h, err := hdrhistogram.Decode(bytes.TrimSpace(b))
	if err != nil {
		return nil, fmt.Errorf("metrics: decode histogram: %w", err)
	}
	out := NewHist()
	out.h.Merge(h)
	return out, nil
}

// Bar is one bucket of a distribution for plotting.
type Bar struct {
	From, To time.Duration
	Count    int64
}

// Distribution returns the non-empty buckets, merged to at most n bars.
func (h *Hist) Distribution(n int) []Bar {
	var bars []Bar
	for _, b := range h.h.Distribution() {
		if b.Count > 0 {
			bars = append(bars, Bar{From: time.Duration(b.From) * time.Microsecond, To: time.Duration(b.To) * time.Microsecond, Count: b.Count})
		}
	}
	if n <= 0 || len(bars) <= n {
		return bars
	}
	step := (len(bars) + n - 1) / n
	var out []Bar
	for i := 0; i < len(bars); i += step {
		b := bars[i]
		for j := i + 1; j < min(i+step, len(bars)); j++ {
			b.To = bars[j].To
			b.Count += bars[j].Count
		}
		out = append(out, b)
	}
	return out
}

// Latency is a latency histogram written by many workers at once: each
// worker records into its own shard (an uncontended lock), and Snapshot
// merges the shards. It is safe for concurrent use.
type Latency struct {
	shards []latShard
}

type latShard struct {
	mu sync.Mutex
	h  *Hist
	_  [40]byte // keep shards on separate cache lines
}

// NewLatency returns a histogram for workers writers (at least one).
func NewLatency(workers int) *Latency {
	l := &Latency{shards: make([]latShard, max(workers, 1))}
	for i := range l.shards {
		l.shards[i].h = NewHist()
	}
	return l
}

// Record adds a sample from worker w (taken modulo the number of shards).
func (l *Latency) Record(w int, d time.Duration) {
	s := &l.shards[uint(w)%uint(len(l.shards))]
	s.mu.Lock()
	s.h.Record(d)
	s.mu.Unlock()
}

// Snapshot returns the merged samples so far.
func (l *Latency) Snapshot() *Hist {
	out := NewHist()
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		out.Merge(s.h)
		s.mu.Unlock()
	}
	return out
}

// SnapshotAndReset returns the merged samples and empties the shards, for
// per-interval time series.
func (l *Latency) SnapshotAndReset() *Hist {
	out := NewHist()
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		out.Merge(s.h)
		s.h.Reset()
		s.mu.Unlock()
	}
	return out
}
