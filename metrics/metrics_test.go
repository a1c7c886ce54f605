package metrics

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLatencyMergesShards(t *testing.T) {
	t.Parallel()
	l := NewLatency(4)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; i <= 1000; i++ {
				l.Record(w, time.Duration(i)*time.Microsecond)
			}
		}()
	}
	wg.Wait()
	h := l.Snapshot()
	if h.Count() != 4000 {
		t.Fatalf("count %d", h.Count())
	}
	if p := h.Quantile(0.5); p < 499*time.Microsecond || p > 501*time.Microsecond {
		t.Fatalf("p50 %s", p)
	}
	if h.Max() != time.Millisecond {
		t.Fatalf("max %s", h.Max())
	}
	if r := l.SnapshotAndReset(); r.Count() != 4000 || l.Snapshot().Count() != 0 {
		t.Fatal("reset")
	}
}

func TestHistEncodingRoundTrips(t *testing.T) {
	t.Parallel()
	h := NewHist()
	for i := 1; i < 500; i++ {
		h.Record(time.Duration(i*i) * time.Microsecond)
	}
	h.Record(-time.Second)   // clamped, still counted
	h.Record(24 * time.Hour) // clamped, still counted
	b, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	g, err := DecodeHist(b)
	if err != nil {
		t.Fatal(err)
	}
	if g.Count() != h.Count() || g.Quantile(0.99) != h.Quantile(0.99) || g.Count() != 501 {
		t.Fatalf("decoded %d/%s, want %d/%s", g.Count(), g.Quantile(0.99), h.Count(), h.Quantile(0.99))
	}
	var out bytes.Buffer
	if err := h.WritePercentiles(&out); err != nil || !strings.Contains(out.String(), "Percentile") {
		t.Fatalf("hgrm: %v\n%s", err, out.String())
	}
	if _, err := DecodeHist([]byte("garbage")); err == nil {
		t.Fatal("garbage decoded")
	}
	if bars := h.Distribution(10); len(bars) == 0 || len(bars) > 10 {
		t.Fatalf("%d bars", len(bars))
	}
}

func TestCounter(t *testing.T) {
	t.Parallel()
	c := NewCounter(3)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() { defer wg.Done(); c.Add(w, 5) }()
	}
	wg.Wait()
	if c.Load() != 40 {
		t.Fatal(c.Load())
	}
}

func BenchmarkLatencyRecord(b *testing.B) {
	l := NewLatency(1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.Record(0, time.Duration(i%5000)*time.Microsecond)
	}
}

func TestRunSeriesAndTotals(t *testing.T) {
	t.Parallel()
	start := time.Unix(1000, 0)
	r := NewRun(start, 2)
	ccri, ccru := r.Message("CCR-I"), r.Message("CCR-U")
	if r.Message("CCR-I") != ccri {
		t.Fatal("re-registering gave a new id")
	}
	r.Observe(0, Sample{Msg: ccri, Class: ClassOK, Code: 2001, Latency: time.Millisecond})
	r.Observe(1, Sample{Msg: ccri, Class: ClassRefused, Code: 4012, Blame: "card", Latency: 2 * time.Millisecond})
	r.Late(1, ccri)
	r.Tick(start.Add(500 * time.Millisecond))
	r.Observe(1, Sample{Msg: ccru, Class: ClassTimeout, Blame: "network", Latency: 3 * time.Second})
	r.Tick(start.Add(1500 * time.Millisecond))
	s := r.Series()
	if len(s) != 2 || s[0].T != 0 || s[1].T != 1 {
		t.Fatalf("series %+v", s)
	}
	if m := s[0].Msgs["CCR-I"]; m.Count != 2 || m.Late != 1 || m.ByClass["refused"] != 1 || s[0].Codes["CCR-I:4012"] != 1 {
		t.Fatalf("second 0: %+v %+v", m, s[0].Codes)
	}
	tot := r.Totals()
	if tot.Blame["network"] != 1 || tot.Blame["card"] != 1 || tot.Codes["CCR-U:timeout"] != 1 || tot.Messages["CCR-I"] != 2 || tot.Late["CCR-I"] != 1 {
		t.Fatalf("totals %+v", tot)
	}
	if h := r.Latencies()["CCR-I"]; h.Count() != 2 || h.Max() < 2*time.Millisecond {
		t.Fatalf("latencies %d %s", h.Count(), h.Max())
	}
	if h := r.LatenciesByClass("CCR-U", ClassTimeout); h.Count() != 1 {
		t.Fatal("by class")
	}
}
