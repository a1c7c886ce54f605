package diameter

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// BenchConfig configures Benchmark. The zero value of every field means
// its default.
type BenchConfig struct {
	// Duration is how long each measured run lasts (default 5s), after a
	// warm-up of a fifth of it.
	Duration time.Duration
	// Cards is the population size (default 1,000,000).
	Cards int
	// Connections and Workers shape the load client (defaults 2 and 2: on
	// two CPUs more goroutines cost more than they overlap).
	Connections, Workers int
	// MaxInFlight caps the client's outstanding requests (default 8192).
	MaxInFlight int
	// Updates is the number of CCR-Us per session (default 3): a session is
	// CCR-I, Updates CCR-Us and a CCR-T, back to back.
	Updates int
	// Offered is the CCR rate offered in the throughput runs (default
	// 2,000,000/s: more than either server can answer, so the figure is
	// what the server sustains).
	Offered float64
	// LatencyRate is the CCR rate of the latency run (default: half of the
	// rate the throughput run sustained).
	LatencyRate float64
	// Target, if set, is the address of an OCS in another process (such as
	// `carriersim serve`) to measure instead of one started here; its
	// cards must be those of this population (same Cards and Seed 11:
	// IMSI 460040000000000 + index). The baseline still runs here.
	Target string
	// BaselineTarget, if set, is the address of a baseline OCS in another
	// process (`carriersim serve --baseline --bench-population`) to
	// measure instead of one started here.
	BaselineTarget string
	// TargetPID, if set, is the process id of the OCS at Target, whose CPU
	// time the latency run reports (OCSCPUPerCCR; Linux).
	TargetPID int
	// NoBaseline skips the run against the go-diameter baseline server.
	NoBaseline bool
	// Stage, if set, is told when each run starts, for progress displays.
	Stage func(name string, d time.Duration)
}

func (c *BenchConfig) fillDefaults() {
	if c.Duration == 0 {
		c.Duration = 5 * time.Second
	}
	if c.Cards == 0 {
		c.Cards = 1_000_000
	}
	if c.Connections == 0 {
		c.Connections = 2
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 8192
	}
	if c.Updates == 0 {
		c.Updates = 3
	}
	if c.Offered == 0 {
		c.Offered = 2_000_000
	}
}

// BenchResult is what Benchmark measured. The JSON names are those of
// `carriersim bench gy --json`.
type BenchResult struct {
	// CCRPerSecond is the rate our OCS answered under an offered load above
	// its capacity (full rating, our load client, both in this process).
	CCRPerSecond float64 `json:"ccr_per_second"`
	// P50, P99 and P999 are the latencies (from the intended send time) of
	// the latency run, at half of CCRPerSecond unless LatencyRate says
	// otherwise, in milliseconds.
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	// Lost counts requests of our runs that were never answered (timeouts
	// after retransmission).
	Lost uint64 `json:"lost"`
	// BaselineCCRPerSecond is the same throughput run against a server on
	// go-diameter's own message path; Ratio is CCRPerSecond over it.
	BaselineCCRPerSecond float64 `json:"baseline_ccr_per_second"`
	Ratio                float64 `json:"ratio"`

	// HalfRateOffered and HalfRateAnswered are the offered and answered
	// rates of the latency run; HalfRateLate counts its requests sent more
	// than 1 ms late.
	HalfRateOffered  float64 `json:"half_rate_offered"`
	HalfRateAnswered float64 `json:"half_rate_answered"`
	HalfRateLate     uint64  `json:"half_rate_late"`
	// P99AtCapacity is the p99 latency of the throughput run (ms); it
	// includes queueing behind an offered load above capacity.
	P99AtCapacity float64 `json:"p99_at_capacity_ms"`
	// LoadCPUPerCCR is the CPU time this process used per CCR answered in
	// the latency run, in microseconds: the load client's, and the OCS's
	// too when it runs here. OCSCPUPerCCR is the OCS's, when it runs in
	// another process whose id is known (TargetPID); else 0. The cost per
	// CCR falls as the rate rises, because each wake-up and socket call
	// then carries more messages (measured split, the load: ~39 µs at
	// 20k CCR/s, ~3 µs at 300k, ~1 µs at capacity), so a side near a whole
	// CPU at half rate is not at its capacity; but it has no idle time left
	// to absorb a stall, and its p99 shows the machine's noise.
	LoadCPUPerCCR float64 `json:"load_cpu_us_per_ccr"`
	OCSCPUPerCCR  float64 `json:"ocs_cpu_us_per_ccr"`
	// LoadCPUShare and OCSCPUShare are the same as fractions of one CPU.
	LoadCPUShare float64 `json:"load_cpu_share"`
	OCSCPUShare  float64 `json:"ocs_cpu_share"`
	// BaselineLost counts unanswered requests of the baseline run.
	BaselineLost uint64 `json:"baseline_lost"`
	// Split says the OCS ran in a process of its own pinned to one CPU and
	// the load in this one, pinned to the other (carriersim bench gy
	// --split); GOMAXPROCS is then the load's, and the OCS's is 1.
	Split       bool    `json:"split"`
	GOMAXPROCS  int     `json:"gomaxprocs"`
	Connections int     `json:"connections"`
	MaxInFlight int     `json:"max_in_flight"`
	Seconds     float64 `json:"seconds_per_run"`
}

// Benchmark measures the OCS end to end over loopback with this package's
// load client, in this process: a throughput run offered more than the
// server can answer, a latency run at half the rate it sustained, and the
// throughput run again against a baseline server built on go-diameter's
// own message path (unless NoBaseline). Every run uses full rating by a
// carrier of cfg.Cards cards on a year plan.
func Benchmark(ctx context.Context, cfg BenchConfig) (BenchResult, error) {
	cfg.fillDefaults()
	res := BenchResult{GOMAXPROCS: runtime.GOMAXPROCS(0), Connections: cfg.Connections,
		MaxInFlight: cfg.MaxInFlight, Seconds: cfg.Duration.Seconds()}
	newCarrier := func() (*sim.Carrier, error) { return sim.New(BenchCarrierConfig(cfg.Cards)) }
	stage := func(name string) {
		if cfg.Stage != nil {
			cfg.Stage(name, cfg.Duration+cfg.Duration/5)
		}
	}

	c, err := newCarrier()
	if err != nil {
		return res, err
	}
	target := cfg.Target
	var srv *Server
	if target == "" {
		srv, err = NewServer(ServerConfig{Addr: "127.0.0.1:0", Carrier: c})
		if err != nil {
			return res, err
		}
		if err := srv.Start(); err != nil {
			return res, err
		}
		defer srv.Close()
		target = srv.Addr()
	}

	stage("throughput, our OCS")
	tp, err := benchRun(ctx, &cfg, c, target, cfg.Offered)
	if err != nil {
		return res, fmt.Errorf("diameter: bench: %w", err)
	}
	res.CCRPerSecond, res.P99AtCapacity, res.Lost = tp.answered, tp.p99, tp.lost

	stage("latency at half rate, our OCS")
	lr := cfg.LatencyRate
	if lr == 0 {
		lr = tp.answered / 2
	}
	half, err := benchRun(ctx, &cfg, c, target, lr)
	if err != nil {
		return res, fmt.Errorf("diameter: bench: %w", err)
	}
	if half.answered > 0 {
		perCCR := func(cpu float64) float64 { return cpu / half.answered * 1e6 }
		res.LoadCPUShare, res.OCSCPUShare = half.loadCPU, half.ocsCPU
		res.LoadCPUPerCCR, res.OCSCPUPerCCR = perCCR(half.loadCPU), perCCR(half.ocsCPU)
	}
	res.P50, res.P99, res.P999 = half.p50, half.p99, half.p999
	res.HalfRateOffered, res.HalfRateAnswered, res.HalfRateLate = lr, half.answered, half.late
	res.Lost += half.lost
	if srv != nil {
		srv.Close()
	}

	if !cfg.NoBaseline {
		bc, err := newCarrier()
		if err != nil {
			return res, err
		}
		baseAddr := cfg.BaselineTarget
		if baseAddr == "" {
			base, err := NewBaselineServer(ServerConfig{Addr: "127.0.0.1:0", Carrier: bc})
			if err != nil {
				return res, err
			}
			if err := base.Start(); err != nil {
				return res, err
			}
			defer base.Close()
			baseAddr = base.Addr()
		}
		stage("throughput, go-diameter baseline")
		bcfg := cfg
		// The baseline answers one request at a time per connection; keep
		// its queue short enough that nothing times out.
		bcfg.MaxInFlight = min(cfg.MaxInFlight, 1024)
		bt, err := benchRun(ctx, &bcfg, bc, baseAddr, cfg.Offered)
		if err != nil {
			return res, fmt.Errorf("diameter: bench baseline: %w", err)
		}
		res.BaselineCCRPerSecond, res.BaselineLost = bt.answered, bt.lost
		if bt.answered > 0 {
			res.Ratio = res.CCRPerSecond / bt.answered
		}
	}
	return res, nil
}

// BenchCarrierConfig is the carrier Benchmark rates with: cards on a
// yearly 1 GB plan, bound to their devices, with money, so that the load
// is served rather than refused. `carriersim serve --bench-population`
// builds the same one for a Target in another process.
func BenchCarrierConfig(cards int) sim.Config {
	one := 1.0
	return sim.Config{Population: sim.Spec{Count: cards, Seed: 11,
		Plans: map[string]float64{"iot-1g-year": 1}, Bound: &one, Balance: 1000 * sim.Yuan}}
}

type runResult struct {
	answered       float64 // per second over the measured window
	p50, p99, p999 float64 // ms
	lost, late     uint64
	// loadCPU and ocsCPU are the CPU used per second of the measured
	// window by this process and by the OCS's (cfg.TargetPID; 0 if none).
	loadCPU, ocsCPU float64
}

// benchRun offers rate CCR/s for cfg.Duration after a warm-up and measures
// what was answered in the window.
func benchRun(ctx context.Context, cfg *BenchConfig, c *sim.Carrier, addr string, rate float64) (runResult, error) {
	var r runResult
	warm := cfg.Duration / 5
	run := metrics.NewRun(time.Now(), cfg.Workers)
	l, err := StartLoad(ctx, LoadConfig{Addrs: []string{addr}, Devices: sim.NewDevices(c), Run: run,
		Connections: cfg.Connections, Workers: cfg.Workers, MaxInFlight: cfg.MaxInFlight,
		Timeout: 3 * time.Second, Seed: 7, LateAfter: time.Millisecond})
	if err != nil {
		return r, err
	}
	defer l.Close()
	perSession := float64(cfg.Updates + 2)
	start := time.Now().Add(20 * time.Millisecond)
	l.Run(sim.Phase{Name: "bench", Start: start, Duration: warm + cfg.Duration,
		Rate:    sim.Rate(rate / perSession),
		Updates: sim.CountDist{Dist: sim.Const(float64(cfg.Updates))},
		Usage:   sim.BytesDist{Dist: sim.Const(1024)}, Request: 64 << 10})
	if err := sleepCtx(ctx, time.Until(start.Add(warm))); err != nil {
		return r, err
	}
	run.SetLabel(time.Now(), "measured")
	p0 := l.Progress()
	t0 := time.Now()
	loadCPU := cpuMeter(0)
	ocsCPU := func(time.Duration) float64 { return 0 }
	if cfg.TargetPID != 0 {
		ocsCPU = cpuMeter(cfg.TargetPID)
	}
	if err := sleepCtx(ctx, cfg.Duration); err != nil {
		return r, err
	}
	p1 := l.Progress()
	el := time.Since(t0)
	r.loadCPU, r.ocsCPU = loadCPU(el), ocsCPU(el)
	run.SetLabel(time.Now(), "after")
	r.answered = float64(p1.Answered-p0.Answered) / el.Seconds()
	r.late = p1.Late - p0.Late
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	derr := l.Drain(dctx)
	cancel()
	p2 := l.Progress()
	r.lost = p2.Timeouts + p2.InFlight
	run.Tick(time.Now())
	h := metrics.NewHist()
	for _, m := range msgNames {
		h.Merge(run.LatencyWhere(m, nil, func(label string) bool { return label == "measured" }))
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	r.p50, r.p99, r.p999 = ms(h.Quantile(0.5)), ms(h.Quantile(0.99)), ms(h.Quantile(0.999))
	if derr != nil && !errors.Is(derr, context.DeadlineExceeded) {
		return r, derr
	}
	return r, nil
}

// cpuMeter reads process pid's CPU time (0: this process's) now and
// returns a function giving the CPU it used per second of el since then,
// 0 when either reading fails.
func cpuMeter(pid int) func(el time.Duration) float64 {
	t0, err0 := cpuTime(pid)
	return func(el time.Duration) float64 {
		t1, err1 := cpuTime(pid)
		if err0 != nil || err1 != nil || el <= 0 {
			return 0
		}
		return (t1 - t0).Seconds() / el.Seconds()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
