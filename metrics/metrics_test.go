package metrics

import (
	"bytes"
	"encoding/json"
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

// TestTallyMergesExactly: the tallies of two runs, each holding half of the
// samples, merge (also through JSON, as shards' figures.json do) into the
// tally of one run holding all of them.
func TestTallyMergesExactly(t *testing.T) {
	t.Parallel()
	start := time.Now().Add(-time.Minute)
	all, a, b := NewRun(start, 1), NewRun(start, 2), NewRun(start, 1)
	for i := 0; i < 1000; i++ {
		half := a
		if i%2 == 1 {
			half = b
		}
		class, code, blame := ClassOK, uint32(2001), ""
		if i%7 == 0 {
			class, code, blame = ClassRefused, 4012, "card"
		}
		s := Sample{Class: class, Code: code, Blame: blame, Latency: time.Duration(100+i*i%5000) * time.Microsecond}
		s.Msg = all.Message("CCR-U")
		all.Observe(0, s)
		s.Msg = half.Message("CCR-U")
		half.Observe(i, s)
		if i%100 == 0 {
			all.Late(0, all.Message("CCR-U"))
			half.Late(0, half.Message("CCR-U"))
		}
	}
	for _, r := range []*Run{all, a, b} {
		r.Tick(time.Now())
	}
	merged := NewTally()
	for _, r := range []*Run{a, b} {
		js, err := json.Marshal(r.Tally())
		if err != nil {
			t.Fatal(err)
		}
		var back Tally
		if err := json.Unmarshal(js, &back); err != nil {
			t.Fatal(err)
		}
		merged.Merge(&back)
	}
	want := all.Tally()
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
		if g, w := merged.LatencyWhere("CCR-U", nil, AllLabels).Quantile(q), want.LatencyWhere("CCR-U", nil, AllLabels).Quantile(q); g != w {
			t.Errorf("q%v: merged %s, one run %s", q, g, w)
		}
	}
	g, w := merged.LatencyWhere("CCR-U", []Class{ClassRefused}, AllLabels), want.LatencyWhere("CCR-U", []Class{ClassRefused}, AllLabels)
	if g.Count() != w.Count() || g.Min() != w.Min() || g.Max() != w.Max() || g.Mean() != w.Mean() {
		t.Errorf("refused: merged %d/%s/%s, one run %d/%s/%s", g.Count(), g.Min(), g.Max(), w.Count(), w.Min(), w.Max())
	}
	for _, f := range []Filter{{}, {Class: "refused"}, {Code: 4012}, {Blame: "card"}, {Message: "CCR-I"}} {
		if g, w := merged.CountWhere(f, AllLabels), want.CountWhere(f, AllLabels); g != w {
			t.Errorf("count %+v: merged %d, one run %d", f, g, w)
		}
	}
	if g, w := merged.LateWhere("", AllLabels), want.LateWhere("", AllLabels); g != w || g != 10 {
		t.Errorf("late: merged %d, one run %d", g, w)
	}
	if l := merged.Labels(); len(l) != 1 || l[0] != "" {
		t.Errorf("labels %q", l)
	}
	var bad Tally
	if err := json.Unmarshal([]byte(`{"counts":[{"class":"fine"}]}`), &bad); err == nil || !strings.Contains(err.Error(), "counts[0].class") {
		t.Errorf("bad class: %v", err)
	}
}

// TestOnIntervalSeesEverySample: the per-interval histograms handed to
// OnInterval add up to the run's totals, second by second.
func TestOnIntervalSeesEverySample(t *testing.T) {
	t.Parallel()
	start := time.Unix(1000, 0)
	r := NewRun(start, 1)
	got := map[int]int64{}
	r.OnInterval(func(sec int, msg string, h *Hist) {
		if msg != "CCR-I" {
			t.Errorf("message %q", msg)
		}
		got[sec] += h.Count()
	})
	m := r.Message("CCR-I")
	for sec := 0; sec < 3; sec++ {
		for i := 0; i <= sec; i++ {
			r.Observe(0, Sample{Msg: m, Class: ClassOK, Code: 2001, Latency: time.Millisecond})
		}
		r.Tick(start.Add(time.Duration(sec)*time.Second + 400*time.Millisecond))
		r.Observe(0, Sample{Msg: m, Class: ClassOK, Code: 2001, Latency: time.Millisecond})
		r.SetLabel(start.Add(time.Duration(sec)*time.Second+800*time.Millisecond), "x")
	}
	for sec, s := range r.Series() {
		if got[sec] != int64(s.Msgs["CCR-I"].Count) || got[sec] != int64(sec+2) {
			t.Errorf("second %d: intervals %d, series %d", sec, got[sec], s.Msgs["CCR-I"].Count)
		}
	}
}

// BenchmarkRunTick is the cost of closing one second of a Gy-like load:
// three message types from two workers, latencies 50 µs to 5 ms. A tick
// runs on the load's own CPU, so its cost shows up as latency.
func BenchmarkRunTick(b *testing.B) {
	start := time.Unix(1000, 0)
	r := NewRun(start, 2)
	msgs := []MsgID{r.Message("CCR-I"), r.Message("CCR-U"), r.Message("CCR-T")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		for j := range 30000 {
			r.Observe(j%2, Sample{Msg: msgs[j%3], Class: ClassOK, Code: 2001,
				Latency: time.Duration(50+(j*7919)%4950) * time.Microsecond})
		}
		b.StartTimer()
		r.Tick(start.Add(time.Duration(i) * time.Second))
	}
}

// BenchmarkRunObserve is the per-answer cost a load generator pays.
func BenchmarkRunObserve(b *testing.B) {
	r := NewRun(time.Now(), 1)
	ccru := r.Message("CCR-U")
	r.SetLabel(time.Now(), "measured")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Observe(0, Sample{Msg: ccru, Class: ClassOK, Code: 2001, Latency: time.Duration(100+i%900) * time.Microsecond})
	}
}

// TestRunTickWhileObserving: ticks swap the shards' data while workers
// observe; nothing is lost or counted twice, in the series, the totals by
// label or the histograms.
func TestRunTickWhileObserving(t *testing.T) {
	t.Parallel()
	start := time.Now()
	r := NewRun(start, 2)
	msg := r.Message("CCR-U")
	// A sample counts under the label in force at its intended time,
	// its latency (1 ms) before it is observed.
	r.SetLabel(start.Add(-time.Second), "measured")
	const perWorker = 20000
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				blame := ""
				class := ClassOK
				if i%10 == 0 {
					blame, class = "card", ClassRefused
				}
				r.Observe(w, Sample{Msg: msg, Class: class, Code: 2001, Blame: blame, Latency: time.Millisecond})
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	ticks := 0
	for running := true; running; ticks++ {
		select {
		case <-done:
			running = false
		default:
		}
		r.Tick(time.Now())
	}
	if got := r.Totals().Messages["CCR-U"]; got != 2*perWorker {
		t.Fatalf("series counted %d answers over %d ticks, want %d", got, ticks, 2*perWorker)
	}
	if got := r.LatencyWhere("CCR-U", nil, AllLabels).Count(); got != 2*perWorker {
		t.Fatalf("histograms hold %d, want %d", got, 2*perWorker)
	}
	if got := r.CountWhere(Filter{Message: "CCR-U", Blame: "card"}, func(l string) bool { return l == "measured" }); got != 2*perWorker/10 {
		t.Fatalf("%d blamed on the card, want %d", got, 2*perWorker/10)
	}
	if got := r.Totals().Blame["card"]; got != 2*perWorker/10 {
		t.Fatalf("series blames the card %d times, want %d", got, 2*perWorker/10)
	}
}
