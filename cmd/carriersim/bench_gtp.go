package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/gtp"
)

func init() {
	register("bench gtp", "measure Create+Delete Session procedures/s of our PGW against a go-gtp baseline", benchGTP)
}

// benchGTP runs `carriersim bench gtp`. With --split (the default where
// taskset and two CPUs are available) the gateways run in a child process
// pinned to CPU 1 and the load in another pinned to CPU 0, each with
// GOMAXPROCS 1, so that neither takes the other's core, as when a gateway
// and its SGWs are separate machines; --split-role is how the processes
// tell their part. --split=false runs everything in this process, where
// the client and the gateway share both cores.
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
	rounds := fs.Int("rounds", 1, "alternate the two gateways this many times and report the medians")
	split := fs.Bool("split", splitAvailable(), "run the gateways and the load in two processes pinned to a core each (default when taskset and two CPUs are there); --split=false runs all in this process")
	role := fs.String("split-role", "", "internal: client or server:<gateway> of a --split run")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	if ok, code := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if *dur <= 0 || *dur > time.Hour || *warmup < 0 || *sims <= 0 || *inflight <= 0 || *rate < 0 || *workers <= 0 || *loadWorkers <= 0 || *rounds < 1 || *rounds > 100 {
		fmt.Fprintln(stderr, "carriersim bench gtp: want --duration in (0, 1h], --warmup >= 0, --sims, --inflight, --workers, --load-workers > 0, --rounds 1..100 and --rate >= 0")
		return exitInvalid
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if kind, ok := strings.CutPrefix(*role, "server:"); ok {
		return benchGTPServe(kind, *sims, *workers, stderr)
	}
	if *split && *role == "" {
		return benchGTPSplit(ctx, args, stdout, stderr)
	}
	cfg := gtp.BenchConfig{Duration: *dur, Warmup: *warmup, SIMs: *sims, InFlight: *inflight,
		Rate: *rate, Workers: *workers, LoadWorkers: *loadWorkers, SkipBaseline: *skip, Rounds: *rounds}
	prog := newProgress(stderr, !*asJSON)
	cfg.Progress = func(label string, d time.Duration) { prog.done(); prog.timed(label, d) }
	var res gtp.BenchResult
	var err error
	if *role == "client" {
		res, err = benchGTPClient(ctx, cfg, stderr)
	} else {
		res, err = gtp.Bench(ctx, cfg)
	}
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
	printBenchGTP(stdout, &res)
	return exitOK
}

func printBenchGTP(w io.Writer, res *gtp.BenchResult) {
	mode := fmt.Sprintf("closed loop, %d sessions in flight", res.InFlight)
	if res.Mode == "open" {
		mode = fmt.Sprintf("open loop at %.0f sessions/s", res.Rate)
	}
	where := "client and gateway in one process"
	if res.Split {
		where = "gateway and client in two processes, a core each"
	}
	fmt.Fprintf(w, "load                 %s, %d SIMs, GOMAXPROCS %d, %.1f s measured, median of %d rounds\n", mode, res.SIMs, res.GOMAXPROCS, res.Seconds, len(res.Rounds))
	fmt.Fprintf(w, "                     %s\n", where)
	fmt.Fprintf(w, "carriersim PGW       %.0f Create+Delete/s, p99 create %.2f ms, delete %.2f ms, lost %d, errors %d, late %d\n",
		res.ProceduresPerSecond, res.CreateP99ms, res.DeleteP99ms, res.Lost, res.Errors, res.Late)
	fmt.Fprintf(w, "allocations          %.2f per procedure in the load's process\n", res.AllocsPerProcedure)
	if b := res.Baseline; b != nil {
		fmt.Fprintf(w, "go-gtp baseline PGW  %.0f Create+Delete/s, p99 create %.2f ms, delete %.2f ms, lost %d, errors %d, late %d\n",
			b.ProceduresPerSecond, b.CreateP99ms, b.DeleteP99ms, b.Lost, b.Errors, b.Late)
		fmt.Fprintf(w, "ratio                %.2fx (rounds: ours %.0f, go-gtp %.0f)\n", res.Ratio, res.Rounds, res.BaselineRounds)
	}
}

// splitAvailable reports whether --split can run here.
func splitAvailable() bool {
	_, err := exec.LookPath("taskset")
	return err == nil && runtime.NumCPU() >= 2
}

// benchGTPSplit re-runs this command as the load, pinned to CPU 0 with
// GOMAXPROCS 1, and passes its output through.
func benchGTPSplit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "carriersim bench gtp:", err)
		return exitRuntime
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		fmt.Fprintln(stderr, "carriersim bench gtp: --split needs taskset (util-linux)")
		return exitInvalid
	}
	if runtime.NumCPU() < 2 {
		fmt.Fprintln(stderr, "carriersim bench gtp: --split needs two CPUs")
		return exitInvalid
	}
	cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", "0", self, "bench", "gtp", "--split-role=client"}, args...)...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintln(stderr, "carriersim bench gtp:", err)
		return exitRuntime
	}
	return exitOK
}

// benchGTPClient is the load's side of a --split run: each gateway is
// started in a child pinned to CPU 1.
func benchGTPClient(ctx context.Context, cfg gtp.BenchConfig, stderr io.Writer) (gtp.BenchResult, error) {
	c, err := gtp.BenchCarrier(cfg.SIMs)
	if err != nil {
		return gtp.BenchResult{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return gtp.BenchResult{}, err
	}
	serve := func(kind string) (string, func() error, error) {
		cmd := exec.CommandContext(ctx, "taskset", "-c", "1", self, "bench", "gtp", "--split-role=server:"+kind,
			"--sims", strconv.Itoa(cfg.SIMs), "--workers", "1")
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
		cmd.Stderr = stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return "", nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return "", nil, err
		}
		if err := cmd.Start(); err != nil {
			return "", nil, err
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			in.Close()
			_ = cmd.Wait()
			return "", nil, fmt.Errorf("gateway process: %w", err)
		}
		return strings.TrimSpace(line), func() error { in.Close(); return cmd.Wait() }, nil
	}
	res, err := gtp.BenchWith(ctx, cfg, c, serve)
	res.Split = true
	return res, err
}

// benchGTPServe is a gateway's side of a --split run: it prints the
// gateway's address and serves until its standard input closes.
func benchGTPServe(kind string, sims, workers int, stderr io.Writer) int {
	c, err := gtp.BenchCarrier(sims)
	if err != nil {
		fmt.Fprintln(stderr, "carriersim bench gtp:", err)
		return exitRuntime
	}
	addr, stop, err := gtp.BenchServe(kind, c, workers)
	if err != nil {
		fmt.Fprintln(stderr, "carriersim bench gtp:", err)
		return exitInvalid
	}
	fmt.Println(addr)
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := stop(); err != nil {
		fmt.Fprintln(stderr, "carriersim bench gtp:", err)
		return exitRuntime
	}
	return exitOK
}
