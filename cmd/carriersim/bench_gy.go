package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/carriersim/carriersim/diameter"
)

func init() {
	register("bench gy", "measure the Gy OCS end to end over loopback, and a go-diameter baseline", benchGy)
}

// startChild starts `carriersim serve` (our OCS alone, or the baseline) on
// an ephemeral port in a child process pinned to CPU 0 with GOMAXPROCS=1,
// and returns its address, its process id and a function that stops it.
func startChild(ctx context.Context, cards int, baseline bool) (string, int, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", 0, nil, err
	}
	args := []string{"serve", "--gy", "127.0.0.1:0", "--gtpc", "off", "--api", "off", "--bench-population",
		"--sims", strconv.Itoa(cards), "--cpu", "0"}
	if baseline {
		args = append(args, "--baseline")
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", 0, nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", 0, nil, err
	}
	stopChild := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	m := listenRE.FindStringSubmatch(line)
	if err != nil || m == nil {
		stopChild()
		return "", 0, nil, fmt.Errorf("serve did not say where it listens (%q, %v)", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return m[1], cmd.Process.Pid, stopChild, nil
}

var listenRE = regexp.MustCompile(`listening on .*\bgy=(\S+)`)

// isFlagSet reports whether flag name was given on the command line.
func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// splitGyAvailable reports whether bench gy can split itself into pinned
// processes here: it pins with sched_setaffinity, so Linux and two CPUs.
func splitGyAvailable() bool { return runtime.GOOS == "linux" && runtime.NumCPU() >= 2 }

// pinProcess binds every thread of this process (and so every thread it
// creates later) to one CPU.
func pinProcess(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil {
			return fmt.Errorf("pin thread %d to CPU %d: %w", tid, cpu, err)
		}
	}
	return nil
}

func benchGy(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench gy", flag.ContinueOnError)
	dur := fs.Duration("duration", 5*time.Second, "length of each measured run (a warm-up of a fifth is added)")
	cards := fs.Int("cards", 1_000_000, "SIM cards in the carrier")
	conns := fs.Int("connections", 2, "client connections")
	workers := fs.Int("workers", 2, "client workers")
	inflight := fs.Int("max-in-flight", 8192, "client requests awaiting an answer, at most")
	updates := fs.Int("updates", 3, "CCR-Us per session")
	offered := fs.Float64("offered", 2_000_000, "CCR/s offered in the throughput runs")
	latRate := fs.Float64("latency-rate", 0, "CCR/s of the latency run (default: half the rate sustained)")
	target := fs.String("target", "", "measure the OCS at this address (e.g. carriersim serve --bench-population) instead of one in this process")
	split := fs.Bool("split", splitGyAvailable(), "run each OCS in a child process pinned to CPU 0 and the load pinned to CPU 1, GOMAXPROCS=1 each (default on Linux with 2+ CPUs); --split=false runs all in this process")
	noBaseline := fs.Bool("no-baseline", false, "skip the go-diameter baseline run")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the runs to this file")
	if ok, code := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if *dur <= 0 || *dur > time.Hour || *cards <= 0 || *conns <= 0 || *workers <= 0 || *inflight <= 0 ||
		*updates < 0 || *offered <= 0 {
		fmt.Fprintln(stderr, "carriersim bench gy: --duration (up to 1h), --cards, --connections, --workers, --max-in-flight and --offered must be > 0, --updates >= 0")
		return exitInvalid
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "carriersim bench gy:", err)
			return exitInvalid
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "carriersim bench gy:", err)
			return exitRuntime
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	baseTarget := ""
	targetPID := 0
	if *split && *target != "" {
		if isFlagSet(fs, "split") {
			fmt.Fprintln(stderr, "carriersim bench gy: --split and --target exclude each other")
			return exitInvalid
		}
		*split = false // split is only the default
	}
	if *split {
		if err := pinProcess(1); err != nil {
			fmt.Fprintln(stderr, "carriersim bench gy: --split:", err)
			return exitRuntime
		}
		runtime.GOMAXPROCS(1)
		addr, pid, stopOurs, err := startChild(ctx, *cards, false)
		if err != nil {
			fmt.Fprintln(stderr, "carriersim bench gy: --split:", err)
			return exitRuntime
		}
		defer stopOurs()
		*target = addr
		targetPID = pid
		if !*noBaseline {
			addr, _, stopBase, err := startChild(ctx, *cards, true)
			if err != nil {
				fmt.Fprintln(stderr, "carriersim bench gy: --split:", err)
				return exitRuntime
			}
			defer stopBase()
			baseTarget = addr
		}
	}
	prog := newProgress(stderr, !*asJSON)
	started := false
	res, err := diameter.Benchmark(ctx, diameter.BenchConfig{
		Duration: *dur, Cards: *cards, Connections: *conns, Workers: *workers, MaxInFlight: *inflight,
		Updates: max(*updates, 0), Offered: *offered, LatencyRate: max(*latRate, 0), NoBaseline: *noBaseline,
		Target: *target, TargetPID: targetPID, BaselineTarget: baseTarget,
		Stage: func(name string, d time.Duration) {
			if started {
				prog.done()
			}
			started = true
			prog.timed(name, d)
		},
	})
	if started {
		prog.done()
	}
	if err != nil {
		fmt.Fprintln(stderr, "carriersim bench gy:", err)
		return exitRuntime
	}
	res.Split = *split
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			return exitRuntime
		}
		return exitOK
	}
	mode := fmt.Sprintf("one process, GOMAXPROCS %d", res.GOMAXPROCS)
	switch {
	case res.Split:
		mode = "OCS on CPU 0, load on CPU 1, GOMAXPROCS 1 each"
	case *target != "":
		mode = fmt.Sprintf("OCS at %s, load GOMAXPROCS %d", *target, res.GOMAXPROCS)
	}
	fmt.Fprintf(stdout, "our OCS              %.0f CCR/s (%s, %d connections, %d in flight at most)\n",
		res.CCRPerSecond, mode, res.Connections, res.MaxInFlight)
	fmt.Fprintf(stdout, "latency run          p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms (offered %.0f/s, answered %.0f/s, %d late)\n",
		res.P50, res.P99, res.P999, res.HalfRateOffered, res.HalfRateAnswered, res.HalfRateLate)
	switch {
	case res.Split:
		fmt.Fprintf(stdout, "CPU at half rate     load %.0f%% (%.2f µs/CCR), OCS %.0f%% (%.2f µs/CCR)\n",
			100*res.LoadCPUShare, res.LoadCPUPerCCR, 100*res.OCSCPUShare, res.OCSCPUPerCCR)
	case *target != "":
		fmt.Fprintf(stdout, "CPU at half rate     load %.0f%% (%.2f µs/CCR); the OCS at --target is not measured\n",
			100*res.LoadCPUShare, res.LoadCPUPerCCR)
	default:
		fmt.Fprintf(stdout, "CPU at half rate     %.0f%% of a CPU, load and OCS (%.2f µs/CCR)\n",
			100*res.LoadCPUShare, res.LoadCPUPerCCR)
	}
	fmt.Fprintf(stdout, "lost                 %d\n", res.Lost)
	if !*noBaseline {
		fmt.Fprintf(stdout, "go-diameter baseline %.0f CCR/s (lost %d)\n", res.BaselineCCRPerSecond, res.BaselineLost)
		fmt.Fprintf(stdout, "ratio                %.1fx\n", res.Ratio)
	}
	return exitOK
}
