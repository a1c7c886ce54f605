package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/carriersim/carriersim/diameter"
	"github.com/carriersim/carriersim/sim"
	"github.com/carriersim/carriersim/sim/serve"
)

func init() {
	register("serve", "run the carrier (Gy OCS, PGW, management API, /metrics) until stopped", serveCmd)
}

// serveCmd runs package serve's carrier until SIGINT or SIGTERM (or
// --duration), then shuts it down cleanly: DPR to the Diameter peers,
// answers in flight, a last state snapshot.
func serveCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	config := fs.String("config", "", "TOML configuration file (see sim/serve/README.md); flags override it")
	gy := fs.String("gy", "", `Diameter Gy listen address of the OCS (default 127.0.0.1:3868; "off" leaves it out)`)
	gtpc := fs.String("gtpc", "", `GTPv2-C listen address of the PGW (default 127.0.0.1:2123; "off" leaves the PGW out)`)
	gtpu := fs.String("gtpu", "", `GTP-U listen address of the PGW (default 127.0.0.1:2152)`)
	apiAddr := fs.String("api", "", `management API listen address (default 127.0.0.1:8080; "off")`)
	metricsAddr := fs.String("metrics", "", `separate /metrics listen address (default: on the API's; "off")`)
	host := fs.String("origin-host", "", "Origin-Host of the OCS (default ocs.carriersim.test)")
	realm := fs.String("origin-realm", "", "Origin-Realm of the OCS (default carriersim.test)")
	network := fs.String("network", "", "Gy transport: tcp or sctp (default tcp)")
	sims := fs.Int("sims", 0, "cards in the generated population (default 100000)")
	state := fs.String("state", "", "state file: loaded on start when it exists, written periodically and on shutdown")
	shard := fs.String("shard", "", "serve the I-th of N equal IMSI ranges of the population, as I/N")
	token := fs.String("token", "", "bearer token the management API requires (required off loopback)")
	benchPop := fs.Bool("bench-population", false, "the population of bench gy (--sims cards on a yearly 1 GB plan), for bench gy --target")
	baseline := fs.Bool("baseline", false, "serve Gy with the go-diameter baseline OCS instead of ours, and nothing else (for bench gy --target)")
	cpu := fs.Int("cpu", -1, "pin the process to this CPU (Linux)")
	dur := fs.Duration("duration", 0, "stop after this long (0: until SIGINT or SIGTERM)")
	every := fs.Duration("every", 0, "print the OCS and PGW counters this often (0: never)")
	if ok, code := parseFlags(fs, args, stderr); !ok {
		return code
	}
	fail := func(code int, err error) int {
		fmt.Fprintln(stderr, "carriersim serve:", err)
		return code
	}
	if *sims < 0 || *dur < 0 || *every < 0 {
		return fail(exitInvalid, errors.New("--sims, --duration and --every must be >= 0"))
	}
	var cfg serve.Config
	if *config != "" {
		var err error
		if cfg, err = serve.LoadConfig(*config); err != nil {
			if errors.Is(err, serve.ErrInvalid) {
				fmt.Fprintln(stderr, err)
				return exitInvalid
			}
			return fail(exitInvalid, err)
		}
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.Gy, *gy)
	set(&cfg.GTPC, *gtpc)
	set(&cfg.GTPU, *gtpu)
	set(&cfg.API, *apiAddr)
	set(&cfg.Metrics, *metricsAddr)
	set(&cfg.OriginHost, *host)
	set(&cfg.OriginRealm, *realm)
	set(&cfg.Network, *network)
	set(&cfg.StateFile, *state)
	set(&cfg.Token, *token)
	if *gtpc == serve.Off && *gtpu == "" {
		cfg.GTPU = serve.Off
	}
	if *sims > 0 {
		cfg.Sim.Population.Count = *sims
	}
	if *benchPop {
		n := cfg.Sim.Population.Count
		if n == 0 {
			n = 100_000
		}
		cfg.Sim = diameter.BenchCarrierConfig(n)
	}
	if *shard != "" {
		i, n, err := serve.ParseShard(*shard)
		if err != nil {
			return fail(exitInvalid, fmt.Errorf("--shard: %w", err))
		}
		cfg.ShardIndex, cfg.ShardCount = i, n
	}
	if *cpu >= 0 {
		if err := pinProcess(*cpu); err != nil {
			return fail(exitRuntime, err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
	}
	if *baseline {
		return serveBaseline(ctx, cfg, stdout, stderr)
	}
	c, err := serve.Start(ctx, cfg)
	if err != nil {
		if errors.Is(err, serve.ErrInvalid) {
			return fail(exitInvalid, err)
		}
		return fail(exitRuntime, err)
	}
	fmt.Fprintf(stdout, "carriersim serve: listening on %s (%d cards)\n", c.Addrs(), c.Sim().Len())
	var tick <-chan time.Time
	if *every > 0 {
		t := time.NewTicker(*every)
		defer t.Stop()
		tick = t.C
	}
	for running := true; running; {
		select {
		case <-ctx.Done():
			running = false
		case <-tick:
			printCounters(stdout, c)
		}
	}
	stop()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Shutdown(shutdown); err != nil {
		return fail(exitRuntime, fmt.Errorf("shutdown: %w", err))
	}
	fmt.Fprintln(stdout, "carriersim serve: stopped")
	return exitOK
}

// printCounters prints one line of the OCS's and the PGW's counters.
func printCounters(w io.Writer, c *serve.Carrier) {
	if o := c.OCS(); o != nil {
		st := o.Stats()
		fmt.Fprintf(w, "gy: %d connections, %d sessions open, requests %v, answers %v\n",
			st.Connections, st.SessionsOpen, st.Requests, st.Answers)
	}
	if p := c.PGW(); p != nil {
		st := p.Stats()
		fmt.Fprintf(w, "gtp: %d sessions open, requests %v, answers %v\n", st.SessionsOpen, st.Requests, st.Answers)
	}
}

// serveBaseline serves Gy with the go-diameter baseline OCS alone, for
// bench gy --target and --split.
func serveBaseline(ctx context.Context, cfg serve.Config, stdout, stderr io.Writer) int {
	addr := cfg.Gy
	if addr == "" || addr == serve.Off {
		addr = "127.0.0.1:3868"
	}
	simCfg := cfg.Sim
	c, err := sim.New(simCfg)
	if err != nil {
		fmt.Fprintln(stderr, "carriersim serve:", err)
		return exitInvalid
	}
	b, err := diameter.NewBaselineServer(diameter.ServerConfig{Addr: addr, Network: cfg.Network, OriginHost: cfg.OriginHost,
		OriginRealm: cfg.OriginRealm, Carrier: c})
	if err != nil {
		fmt.Fprintln(stderr, "carriersim serve:", err)
		return exitInvalid
	}
	if err := b.Start(); err != nil {
		fmt.Fprintln(stderr, "carriersim serve:", err)
		return exitRuntime
	}
	defer b.Close()
	fmt.Fprintf(stdout, "carriersim serve: listening on gy=%s (baseline OCS on go-diameter, %d cards)\n", b.Addr(), c.Len())
	<-ctx.Done()
	fmt.Fprintln(stdout, "carriersim serve: stopped")
	return exitOK
}
