package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/carriersim/carriersim/sim"
)

func init() {
	register("bench rating", "build a population and measure rating decisions per second", benchRating)
}

// benchRatingResult is the JSON printed by `bench rating --json`.
type benchRatingResult struct {
	SIMs               int               `json:"sims"`
	GOMAXPROCS         int               `json:"gomaxprocs"`
	Workers            int               `json:"workers"`
	BuildSeconds       float64           `json:"build_seconds"`
	BytesPerSIM        float64           `json:"bytes_per_sim"`
	Decisions          uint64            `json:"decisions"`
	Seconds            float64           `json:"seconds"`
	DecisionsPerSecond float64           `json:"decisions_per_second"`
	AllocsPerDecision  float64           `json:"allocs_per_decision"`
	Outcomes           map[string]uint64 `json:"outcomes"`
	ReservedAfterDrain uint64            `json:"reserved_after_drain"`
	ConservationHeld   bool              `json:"conservation_held"`
}

func benchRating(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench rating", flag.ContinueOnError)
	sims := fs.Int("sims", 10_000_000, "number of SIM cards to build")
	dur := fs.Duration("duration", 5*time.Second, "how long to rate")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "rating goroutines")
	seed := fs.Uint64("seed", 1, "population seed")
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	if ok, code := parseFlags(fs, args, stderr); !ok {
		return code
	}
	if *sims <= 0 || *dur <= 0 || *workers <= 0 {
		fmt.Fprintln(stderr, "carriersim bench rating: --sims, --duration and --workers must be > 0")
		return exitInvalid
	}
	if *dur > time.Hour {
		fmt.Fprintln(stderr, "carriersim bench rating: --duration: want at most 1h")
		return exitInvalid
	}
	prog := newProgress(stderr, !*asJSON)
	prog.spinner(fmt.Sprintf("building %d SIMs", *sims))
	// A frozen clock keeps the measurement free of month boundaries.
	c, build, err := sim.MeasureBuild(sim.Config{
		Clock:      sim.NewClock(time.Time{}, 0),
		Population: sim.Spec{Count: *sims, Seed: *seed, Balance: 1000 * sim.Yuan},
	})
	prog.done()
	if err != nil {
		fmt.Fprintln(stderr, "carriersim bench rating:", err)
		return exitInvalid
	}
	prog.timed("rating", *dur)
	r := sim.MeasureRating(c, *workers, *dur, 0)
	prog.done()
	res := benchRatingResult{
		SIMs: *sims, GOMAXPROCS: runtime.GOMAXPROCS(0), Workers: r.Workers,
		BuildSeconds: build.Seconds, BytesPerSIM: build.BytesPerSIM,
		Decisions: r.Decisions, Seconds: r.Seconds, DecisionsPerSecond: r.PerSecond,
		AllocsPerDecision: r.AllocsPerDecision, Outcomes: r.Outcomes,
		ReservedAfterDrain: r.ReservedAfterDrain, ConservationHeld: r.ReservedAfterDrain == 0 && c.Anomalies() == 0,
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(res); err != nil {
			return exitRuntime
		}
	} else {
		fmt.Fprintf(stdout, "SIMs                 %d (GOMAXPROCS %d, %d rating goroutines)\n", res.SIMs, res.GOMAXPROCS, res.Workers)
		fmt.Fprintf(stdout, "build                %.2f s, %.1f bytes/SIM (live heap, index included)\n", res.BuildSeconds, res.BytesPerSIM)
		fmt.Fprintf(stdout, "decisions            %d in %.2f s\n", res.Decisions, res.Seconds)
		fmt.Fprintf(stdout, "decisions/s          %.0f\n", res.DecisionsPerSecond)
		fmt.Fprintf(stdout, "allocs/decision      %.4f\n", res.AllocsPerDecision)
		fmt.Fprintf(stdout, "outcomes             %v\n", res.Outcomes)
		fmt.Fprintf(stdout, "conservation         reserved after drain %d bytes, anomalies %d\n", res.ReservedAfterDrain, c.Anomalies())
	}
	if !res.ConservationHeld {
		fmt.Fprintln(stderr, "carriersim bench rating: conservation broken: units left reserved after every session was released")
		return exitRuntime
	}
	runtime.KeepAlive(c)
	_ = os.Stdout.Sync()
	return exitOK
}
