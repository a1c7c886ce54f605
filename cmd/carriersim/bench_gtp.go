package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"time"

	"github.com/carriersim/carriersim/gtp"
)

func init() {
	register("bench gtp", "measure Create+Delete Session procedures/s of our PGW against a go-gtp baseline", benchGTP)
}

func benchGTP(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench gtp", flag.ContinueOnError)
	dur := fs.Duration("duration", 5*time.Second, "how long each gateway is measured (after --warmup)")
	warmup := fs.Duration("warmup", time.Second, "load before measuring, not counted")
	sims := fs.Int("sims", 1_000_000, "number of SIM cards")
	inflight := fs.Int("inflight", 256, "sessions kept under way (closed loop)")
	rate := fs.Float64("rate", 0, "sessions per second, open loop (0: closed loop with --inflight)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "PGW goroutines per socket")
	loadWorkers := fs.Int("load-workers", runtime.GOMAXPROCS(0), "load client goroutines")
	skip := fs.Bool("skip-baseline", false, "measure only our PGW")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	if ok, code := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if *dur <= 0 || *dur > time.Hour || *warmup < 0 || *sims <= 0 || *inflight <= 0 || *rate < 0 || *workers <= 0 || *loadWorkers <= 0 {
		fmt.Fprintln(stderr, "carriersim bench gtp: want --duration in (0, 1h], --warmup >= 0, --sims, --inflight, --workers, --load-workers > 0 and --rate >= 0")
		return exitInvalid
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	prog := newProgress(stderr, !*asJSON)
	res, err := gtp.Bench(ctx, gtp.BenchConfig{Duration: *dur, Warmup: *warmup, SIMs: *sims, InFlight: *inflight,
		Rate: *rate, Workers: *workers, LoadWorkers: *loadWorkers, SkipBaseline: *skip,
		Progress: func(label string, d time.Duration) { prog.done(); prog.timed(label, d) }})
	prog.done()
	if err != nil {
		fmt.Fprintln(stderr, "carriersim bench gtp:", err)
		return exitRuntime
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			return exitRuntime
		}
		return exitOK
	}
	mode := fmt.Sprintf("closed loop, %d sessions in flight", res.InFlight)
	if res.Mode == "open" {
		mode = fmt.Sprintf("open loop at %.0f sessions/s", res.Rate)
	}
	fmt.Fprintf(stdout, "load                 %s, %d SIMs, GOMAXPROCS %d, %.1f s measured\n", mode, res.SIMs, res.GOMAXPROCS, res.Seconds)
	fmt.Fprintf(stdout, "carriersim PGW       %.0f Create+Delete/s, p99 create %.2f ms, delete %.2f ms, lost %d, errors %d, late %d\n",
		res.ProceduresPerSecond, res.CreateP99ms, res.DeleteP99ms, res.Lost, res.Errors, res.Late)
	fmt.Fprintf(stdout, "allocations          %.2f per procedure (client and gateway together)\n", res.AllocsPerProcedure)
	if b := res.Baseline; b != nil {
		fmt.Fprintf(stdout, "go-gtp baseline PGW  %.0f Create+Delete/s, p99 create %.2f ms, delete %.2f ms, lost %d, errors %d, late %d\n",
			b.ProceduresPerSecond, b.CreateP99ms, b.DeleteP99ms, b.Lost, b.Errors, b.Late)
		fmt.Fprintf(stdout, "ratio                %.2fx\n", res.Ratio)
	}
	return exitOK
}
