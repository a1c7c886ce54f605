package gtp

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// BenchConfig configures Bench. The zero value of every field means its
// default.
type BenchConfig struct {
	// Duration is how long each gateway is measured (default 5s), after
	// Warmup (default 1s) which is not counted.
	Duration, Warmup time.Duration
	// SIMs is the population size (default 1,000,000).
	SIMs int
	// InFlight is the number of sessions kept under way in closed-loop mode
	// (default 256).
	InFlight int
	// Rate, when set, runs open loop at this many sessions a second
	// instead of closed loop.
	Rate float64
	// Workers and LoadWorkers are the gateway's and the client's
	// goroutines (default GOMAXPROCS each).
	Workers, LoadWorkers int
	// SkipBaseline measures only our gateway.
	SkipBaseline bool
	// Rounds alternates the two gateways this many times (default 1) and
	// reports each one's median round, so that a stretch of contention
	// from other work on the machine does not fall on one side only.
	Rounds int
	// Progress, when set, is called with a label as each part starts.
	Progress func(label string, d time.Duration)
}

// BenchSide is one gateway's figures.
type BenchSide struct {
	// ProceduresPerSecond counts Create Session + Delete Session pairs
	// completed (both accepted) per second of the measured window.
	ProceduresPerSecond float64 `json:"procedures_per_second"`
	// CreateP99ms and DeleteP99ms are the 99th percentiles of the answered
	// requests' latency from their intended send time.
	CreateP99ms float64 `json:"create_p99_ms"`
	DeleteP99ms float64 `json:"delete_p99_ms"`
	// Lost counts requests that had to be sent again (the request or its
	// answer was lost, or came later than T3) plus those never answered.
	Lost uint64 `json:"lost"`
	// Timeouts counts requests never answered after N3 retransmissions;
	// Errors answers other than acceptance.
	Timeouts uint64 `json:"timeouts"`
	Errors   uint64 `json:"errors"`
	// Late counts requests sent late (open loop only).
	Late uint64 `json:"late"`
	// Abandoned counts sessions never sent because the gateway fell so
	// far behind that they were still held back at the end (open loop).
	Abandoned uint64 `json:"abandoned,omitempty"`
	// DrainTimedOut is set when requests were still unanswered 10 s after
	// the end (counted in Lost).
	DrainTimedOut bool `json:"drain_timed_out,omitempty"`
}

// BenchResult is what `carriersim bench gtp --json` prints.
type BenchResult struct {
	BenchSide
	BaselineProceduresPerSecond float64    `json:"baseline_procedures_per_second"`
	Ratio                       float64    `json:"ratio"`
	Baseline                    *BenchSide `json:"baseline,omitempty"`
	Mode                        string     `json:"mode"` // "closed" or "open"
	InFlight                    int        `json:"in_flight,omitempty"`
	Rate                        float64    `json:"rate,omitempty"`
	Seconds                     float64    `json:"seconds"`
	GOMAXPROCS                  int        `json:"gomaxprocs"`
	SIMs                        int        `json:"sims"`
	// AllocsPerProcedure counts this process's allocations per procedure
	// of our gateway's run: the client's and, in process, the gateway's.
	AllocsPerProcedure float64 `json:"allocs_per_procedure"`
	// Split is set when the gateways ran in another process, each side
	// pinned to a core of its own (carriersim bench gtp --split).
	Split bool `json:"split,omitempty"`
	// Rounds lists every round's procedures per second, ours and the
	// baseline's, in the order run; the figures above are the medians.
	Rounds         []float64 `json:"rounds"`
	BaselineRounds []float64 `json:"baseline_rounds,omitempty"`
}

// Gateways Bench can measure.
const (
	BenchOurs     = "carriersim" // PGW
	BenchBaseline = "go-gtp"     // BaselinePGW
)

func (cfg *BenchConfig) fillDefaults() error {
	if cfg.Duration == 0 {
		cfg.Duration = 5 * time.Second
	}
	if cfg.Warmup == 0 {
		cfg.Warmup = time.Second
	}
	if cfg.SIMs == 0 {
		cfg.SIMs = 1_000_000
	}
	if cfg.InFlight == 0 {
		cfg.InFlight = 256
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.LoadWorkers == 0 {
		cfg.LoadWorkers = runtime.GOMAXPROCS(0)
	}
	if cfg.Progress == nil {
		cfg.Progress = func(string, time.Duration) {}
	}
	if cfg.Rounds == 0 {
		cfg.Rounds = 1
	}
	if cfg.Rounds < 0 || cfg.Rounds > 100 {
		return errors.New("gtp: bench: want 1..100 rounds")
	}
	if cfg.Duration <= 0 || cfg.Warmup < 0 || cfg.SIMs <= 0 || cfg.InFlight <= 0 || cfg.Rate < 0 {
		return errors.New("gtp: bench: want duration, sims and in-flight > 0, warmup and rate >= 0")
	}
	return nil
}

// BenchCarrier builds the benchmark's population: sims cards on a yearly
// 1 GB plan with money to spare, on a frozen clock, so that every
// procedure is admitted. The same sims give the same cards in every
// process, so a gateway in one process and the load in another agree.
func BenchCarrier(sims int) (*sim.Carrier, error) {
	return sim.New(sim.Config{Clock: sim.NewClock(time.Time{}, 0),
		Population: sim.Spec{Count: sims, Balance: 1000 * sim.Yuan, Plans: map[string]float64{"iot-1g-year": 1}}})
}

// BenchServe starts a gateway of the given kind (BenchOurs or
// BenchBaseline) on an ephemeral loopback port for c, and returns its
// control address and a function that stops it.
func BenchServe(kind string, c *sim.Carrier, workers int) (string, func() error, error) {
	switch kind {
	case BenchOurs:
		p, err := NewPGW(PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c, Workers: workers})
		if err != nil {
			return "", nil, err
		}
		if err := p.Start(); err != nil {
			p.Close()
			return "", nil, err
		}
		return p.ControlAddr(), p.Close, nil
	case BenchBaseline:
		b, err := NewBaselinePGW(PGWConfig{ControlAddr: "127.0.0.1:0", Carrier: c})
		if err != nil {
			return "", nil, err
		}
		return b.ControlAddr(), b.Close, nil
	}
	return "", nil, fmt.Errorf("gtp: bench: want gateway %q or %q, got %q", BenchOurs, BenchBaseline, kind)
}

// Bench measures Create Session + Delete Session procedures per second of
// our client against our PGW, then of the same client against a
// BaselinePGW built on go-gtp's Conn, on loopback in this process, with the
// same carrier and charging.
func Bench(ctx context.Context, cfg BenchConfig) (BenchResult, error) {
	if err := cfg.fillDefaults(); err != nil {
		return BenchResult{}, err
	}
	c, err := BenchCarrier(cfg.SIMs)
	if err != nil {
		return BenchResult{}, err
	}
	return BenchWith(ctx, cfg, c, func(kind string) (string, func() error, error) {
		return BenchServe(kind, c, cfg.Workers)
	})
}

// BenchWith is Bench with the gateways started by serve, which returns a
// gateway's control address and how to stop it: in this process
// (BenchServe) or in another one, so that the gateway and the load can be
// given a core each. c models the cards (BenchCarrier with cfg.SIMs).
func BenchWith(ctx context.Context, cfg BenchConfig, c *sim.Carrier, serve func(kind string) (string, func() error, error)) (BenchResult, error) {
	if err := cfg.fillDefaults(); err != nil {
		return BenchResult{}, err
	}
	res := BenchResult{Mode: "closed", InFlight: cfg.InFlight, Seconds: cfg.Duration.Seconds(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), SIMs: cfg.SIMs}
	if cfg.Rate > 0 {
		res.Mode, res.InFlight, res.Rate = "open", 0, cfg.Rate
	}
	var ours, bases []BenchSide
	var allocs []float64
	for round := 0; round < cfg.Rounds; round++ {
		addr, stop, err := serve(BenchOurs)
		if err != nil {
			return res, err
		}
		cfg.Progress(fmt.Sprintf("carriersim PGW (round %d of %d)", round+1, cfg.Rounds), cfg.Warmup+cfg.Duration)
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		side, completed, err := benchOne(ctx, c, addr, &cfg)
		runtime.ReadMemStats(&ms1)
		if serr := stop(); err == nil {
			err = serr
		}
		if err != nil {
			return res, err
		}
		ours = append(ours, side)
		res.Rounds = append(res.Rounds, side.ProceduresPerSecond)
		if completed > 0 {
			allocs = append(allocs, float64(ms1.Mallocs-ms0.Mallocs)/float64(completed))
		}
		if cfg.SkipBaseline {
			continue
		}
		addr, stop, err = serve(BenchBaseline)
		if err != nil {
			return res, err
		}
		cfg.Progress(fmt.Sprintf("go-gtp baseline PGW (round %d of %d)", round+1, cfg.Rounds), cfg.Warmup+cfg.Duration)
		base, _, err := benchOne(ctx, c, addr, &cfg)
		if serr := stop(); err == nil {
			err = serr
		}
		if err != nil {
			return res, err
		}
		bases = append(bases, base)
		res.BaselineRounds = append(res.BaselineRounds, base.ProceduresPerSecond)
	}
	res.BenchSide = medianSide(ours)
	if len(allocs) > 0 {
		sort.Float64s(allocs)
		res.AllocsPerProcedure = allocs[len(allocs)/2]
	}
	if cfg.SkipBaseline {
		return res, nil
	}
	base := medianSide(bases)
	res.Baseline = &base
	res.BaselineProceduresPerSecond = base.ProceduresPerSecond
	if base.ProceduresPerSecond > 0 {
		res.Ratio = res.ProceduresPerSecond / base.ProceduresPerSecond
	}
	return res, nil
}

// benchOne drives one gateway and returns its figures and the sessions
// completed (warm-up included).
func benchOne(ctx context.Context, c *sim.Carrier, addr string, cfg *BenchConfig) (BenchSide, uint64, error) {
	run := metrics.NewRun(time.Now(), cfg.LoadWorkers)
	// In-flight requests are bounded so that a burst fits the sockets'
	// receive buffers: beyond that an overloaded gateway would lose
	// datagrams to buffer overflow and retransmissions would pile on.
	// Requests held back count as late, their latency from the intended
	// time.
	l, err := StartLoad(ctx, LoadConfig{PGW: addr, Run: run, Devices: sim.NewDevices(c), Workers: cfg.LoadWorkers,
		ModelledUsage: true, T3: time.Second, N3: 3, EchoInterval: time.Hour, MaxInFlight: max(2048, cfg.InFlight)})
	if err != nil {
		return BenchSide{}, 0, err
	}
	defer l.Close()
	co, err := c.Resolve(sim.Cohort{})
	if err != nil {
		return BenchSide{}, 0, err
	}
	start := time.Now().Add(50 * time.Millisecond)
	ph := sim.Phase{Name: "bench", Start: start, Duration: cfg.Warmup + cfg.Duration, Cohort: co,
		Rate: sim.Rate(cfg.Rate)}
	if cfg.Rate > 0 {
		l.Run(ph)
	} else {
		l.RunClosed(ph, cfg.InFlight)
	}
	sleepUntil(ctx, start.Add(cfg.Warmup))
	before := l.Progress()
	sleepUntil(ctx, start.Add(cfg.Warmup+cfg.Duration))
	after := l.Progress()
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	// A gateway that cannot keep up may leave requests unanswered past
	// the drain: they count as lost, not as a failure of the benchmark.
	derr := l.Drain(dctx)
	cancel()
	run.Tick(time.Now())
	if ctx.Err() != nil {
		return BenchSide{}, 0, ctx.Err()
	}
	final := l.Progress()
	var s BenchSide
	s.ProceduresPerSecond = float64(after.Completed-before.Completed) / cfg.Duration.Seconds()
	s.CreateP99ms = ms(run.LatenciesByClass("CreateSession", metrics.ClassOK).Quantile(0.99))
	s.DeleteP99ms = ms(run.LatenciesByClass("DeleteSession", metrics.ClassOK).Quantile(0.99))
	s.Timeouts = final.Timeouts
	s.Lost = final.Retransmissions + final.Timeouts + final.InFlight
	s.Late = final.Late
	s.Abandoned = final.Abandoned
	s.DrainTimedOut = derr != nil
	tot := run.Totals()
	s.Errors = tot.Classes["error"] + tot.Classes["refused"]
	return s, final.Completed, nil
}

// medianSide returns the round with the median procedures per second
// (the upper median for an even count).
func medianSide(sides []BenchSide) BenchSide {
	sorted := append([]BenchSide(nil), sides...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ProceduresPerSecond < sorted[j].ProceduresPerSecond })
	return sorted[len(sorted)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
	case <-tm.C:
	}
}
