package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/results"
	"github.com/carriersim/carriersim/scenarios"
)

func init() {
	register("run", "run a scenario (a TOML file or a bundled name such as smoke) and write results", runCmd)
}

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "results folder (default results/<scenario>-<UTC time>)")
	shard := fs.String("shard", "", "run shard I of N, as I/N: the cards c with c mod N == I and 1/N of every arrival rate (default: $JOB_COMPLETION_INDEX/$CARRIERSIM_SHARDS)")
	startAt := fs.String("start-at", "", "RFC 3339 wall-clock instant the timeline starts at, the same for every shard (default: $CARRIERSIM_START_AT)")
	compress := fs.Float64("compress", 1, "shorten every time in the scenario by this factor (0.1 = ten times shorter)")
	quiet := fs.Bool("quiet", false, "no progress display")
	metricsAddr := fs.String("metrics", "", "serve the load generator's health (sent, in flight, late, timeouts) as Prometheus /metrics on this address, e.g. 127.0.0.1:9091")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: carriersim run [flags] FILE.toml | NAME")
		fmt.Fprintln(stderr, "bundled scenarios: "+strings.Join(scenarios.BundledNames(), ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitInvalid
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitInvalid
	}
	sc, err := scenarios.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	if *compress <= 0 || *compress > 1 {
		fmt.Fprintln(stderr, "carriersim run: --compress: want a factor in (0, 1]")
		return exitInvalid
	}
	sc.Compress(*compress)
	opts := scenarios.Options{OutDir: *out, Backends: scenarios.DefaultBackends}
	if opts.ShardIndex, opts.ShardCount, err = parseShard(*shard); err != nil {
		fmt.Fprintln(stderr, "carriersim run: --shard:", err)
		return exitInvalid
	}
	if opts.StartAt, err = parseStartAt(*startAt, sc.Duration, time.Now()); err != nil {
		fmt.Fprintln(stderr, "carriersim run: --start-at:", err)
		return exitInvalid
	}
	if late := time.Since(opts.StartAt); !opts.StartAt.IsZero() && late > 0 {
		fmt.Fprintf(stderr, "carriersim run: starting %s after --start-at: the first seconds' sends go out late and count as late\n", late.Round(time.Millisecond))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	runner := scenarios.NewRunner(sc, opts)
	if *metricsAddr != "" {
		addr, closeMetrics, err := serveGeneratorMetrics(*metricsAddr, runner)
		if err != nil {
			fmt.Fprintln(stderr, "carriersim run:", err)
			return exitInvalid
		}
		defer closeMetrics()
		fmt.Fprintf(stderr, "carriersim run: metrics on http://%s/metrics\n", addr)
	}
	done := make(chan struct{})
	if !*quiet {
		go showProgress(runner, sc, stderr, done)
	}
	dir, res, err := runner.Run(ctx)
	close(done)
	if !*quiet {
		time.Sleep(50 * time.Millisecond) // let the display finish its last frame
	}
	if res != nil {
		printSummary(stdout, &res.Summary)
	}
	if dir != "" {
		fmt.Fprintln(stdout, "results:", dir)
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, scenarios.ErrThresholds):
		fmt.Fprintln(stderr, "carriersim run:", err)
		return exitFailed
	default:
		fmt.Fprintln(stderr, "carriersim run:", err)
		return exitRuntime
	}
}

// parseShard reads "I/N" or, when s is empty, the shard of a Kubernetes
// Indexed Job: JOB_COMPLETION_INDEX, which the Job controller sets in each
// pod (0 … completions-1), over CARRIERSIM_SHARDS, which the manifest sets
// to the Job's completions. One without the other is an error: a pod
// running the whole load N times over is worse than one that stops.
func parseShard(s string) (int, int, error) {
	if s == "" {
		idx, cnt := os.Getenv("JOB_COMPLETION_INDEX"), os.Getenv("CARRIERSIM_SHARDS")
		switch {
		case idx == "" && cnt == "":
			return 0, 1, nil
		case cnt == "":
			return 0, 0, fmt.Errorf("JOB_COMPLETION_INDEX is %q but CARRIERSIM_SHARDS is not set: set it to the Job's completions", idx)
		case idx == "":
			return 0, 0, fmt.Errorf("CARRIERSIM_SHARDS is %q but JOB_COMPLETION_INDEX is not set: give --shard I/N", cnt)
		}
		s = idx + "/" + cnt
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("want I/N with 0 <= I < N, got %q", s)
	}
	return i, n, nil
}

// parseStartAt reads --start-at (or, when s is empty, CARRIERSIM_START_AT):
// an RFC 3339 instant no more than a day ahead and not so far back that a
// run of duration d would already be over. Empty means none.
func parseStartAt(s string, d time.Duration, now time.Time) (time.Time, error) {
	if s == "" {
		s = os.Getenv("CARRIERSIM_START_AT")
	}
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	switch {
	case err != nil:
		return time.Time{}, fmt.Errorf("want an RFC 3339 time such as 2026-11-23T10:00:00Z, got %q", s)
	case t.After(now.Add(24 * time.Hour)):
		return time.Time{}, fmt.Errorf("want an instant within a day from now, got %s (%s ahead)", s, t.Sub(now).Round(time.Second))
	case now.After(t.Add(d)):
		return time.Time{}, fmt.Errorf("want an instant less than the run's %s ago, got %s (%s ago): the run would already be over", d, s, now.Sub(t).Round(time.Second))
	}
	return t, nil
}

// showProgress draws the timeline and live figures: mpb bars on a terminal,
// a line every five seconds elsewhere (CI logs).
func showProgress(r *scenarios.Runner, sc *scenarios.Scenario, w io.Writer, done <-chan struct{}) {
	status := func() string {
		p := r.Progress()
		var parts []string
		for _, m := range metrics.SortedKeys(p.Last.Msgs) {
			x := p.Last.Msgs[m]
			parts = append(parts, fmt.Sprintf("%s %d/s p99 %.2fms", m, x.Count, x.P99))
		}
		bad := p.Last.Classes["refused"] + p.Last.Classes["error"] + p.Last.Classes["timeout"]
		var ifs []string
		for _, i := range sortedIfaces(p.Drivers) {
			d := p.Drivers[i]
			ifs = append(ifs, fmt.Sprintf("%s open %d in-flight %d late %d", i, d.Open, d.InFlight, d.Late))
		}
		ev := ""
		if len(p.Active) > 0 {
			ev = " | now: " + strings.Join(p.Active, ", ")
		}
		if p.Next != "" {
			ev += fmt.Sprintf(" | next: %s at %s", p.Next, p.NextAt)
		}
		return strings.Join(parts, "  ") + fmt.Sprintf("  refused/failed %d/s | ", bad) + strings.Join(ifs, "; ") + ev
	}
	if !isTerminal(w) {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p := r.Progress()
				fmt.Fprintf(w, "[%s/%s] %s\n", p.Elapsed.Round(time.Second), sc.Duration, status())
			}
		}
	}
	pr := mpb.New(mpb.WithOutput(w), mpb.WithWidth(48), mpb.WithRefreshRate(200*time.Millisecond))
	total := int64(sc.Duration / time.Millisecond)
	bar := pr.New(total, mpb.BarStyle().Lbound("[").Rbound("]"),
		mpb.PrependDecorators(decor.Name(sc.Name+" ", decor.WCSyncSpaceR),
			decor.Any(func(decor.Statistics) string {
				p := r.Progress()
				return fmt.Sprintf("%s/%s", p.Elapsed.Round(time.Second), sc.Duration)
			})),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return status() })))
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-done:
			bar.SetCurrent(total)
			pr.Wait()
			return
		case <-t.C:
			bar.SetCurrent(min(int64(r.Progress().Elapsed/time.Millisecond), total))
		}
	}
}

func sortedIfaces(m map[scenarios.Interface]scenarios.DriverStats) []scenarios.Interface {
	var out []scenarios.Interface
	for i := range m {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// printSummary prints the end-of-run table: messages, blame, thresholds.
func printSummary(w io.Writer, s *results.Summary) {
	verdict := "PASS"
	if !s.Pass {
		verdict = "FAIL"
	}
	if s.Interrupted {
		verdict += " (interrupted)"
	}
	if s.Aborted != "" {
		verdict += " (aborted by " + s.Aborted + ")"
	}
	fmt.Fprintf(w, "\n%s: %s in %.1fs on %s\n", s.Scenario, verdict, s.Seconds, s.Carrier)
	if s.Shard != "" {
		fmt.Fprintf(w, "shard %s\n", s.Shard)
	}
	if m := s.Merged; m != nil {
		fmt.Fprintf(w, "merged from %d of %d shards\n", len(m.Merged), m.Shards)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "message\tcount\tper s\tok\trefused\terror\ttimeout\tp50 ms\tp99 ms\tp99.9 ms\tmax ms\tlate\t")
	for _, m := range metrics.SortedKeys(s.Messages) {
		x := s.Messages[m]
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t\n", m, x.Count, x.Rate,
			x.ByClass["ok"], x.ByClass["refused"], x.ByClass["error"], x.ByClass["timeout"], x.P50, x.P99, x.P999, x.Max, x.Late)
	}
	tw.Flush()
	if len(s.Blame) > 0 {
		fmt.Fprint(w, "\nrefused or failed, by blame:")
		for _, k := range metrics.SortedKeys(s.Blame) {
			fmt.Fprintf(w, "  %s %d", k, s.Blame[k])
		}
		fmt.Fprintln(w)
	}
	if len(s.Reasons) > 0 {
		fmt.Fprint(w, "refusals by rule:")
		for _, k := range metrics.SortedKeys(s.Reasons) {
			fmt.Fprintf(w, "  %s %d", k, s.Reasons[k])
		}
		fmt.Fprintln(w)
	}
	if s.Capacity != nil {
		fmt.Fprintf(w, "\ncapacity knee: %.0f sessions/s (%s)\n", s.Capacity.Knee, s.Capacity.Broke)
	}
	if len(s.Thresholds) > 0 {
		fmt.Fprintln(w, "\nthresholds:")
		if s.Shard != "" {
			fmt.Fprintln(w, "  (this shard's slice only: the run's verdict is its merged results', carriersim results merge)")
		}
		for _, v := range s.Thresholds {
			mark := "pass"
			if !v.Pass {
				mark = "FAIL"
			}
			fmt.Fprintf(w, "  %-4s  %s  (observed %g)\n", mark, v.Name, v.Observed)
			if v.Detail != "" {
				fmt.Fprintf(w, "        %s\n", v.Detail)
			}
		}
	}
}
