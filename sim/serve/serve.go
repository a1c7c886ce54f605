package serve

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/carriersim/carriersim/diameter"
	"github.com/carriersim/carriersim/gtp"
	"github.com/carriersim/carriersim/sim"
	"github.com/carriersim/carriersim/sim/api"
	"github.com/carriersim/carriersim/sim/netyield"
)

// Carrier is a served carrier: the carrier core, its OCS, its PGW, the
// management API and the metrics endpoint, all running. Start returns one;
// Shutdown (or Close) stops it. Its methods are safe for concurrent use.
type Carrier struct {
	cfg     Config
	carrier *sim.Carrier
	ocs     *diameter.Server
	charger *diameter.Charger
	pgw     *gtp.PGW
	api     *api.Server
	https   []*http.Server
	addrs   Addrs

	done     chan struct{}
	wg       sync.WaitGroup
	snapMu   sync.Mutex // one snapshot at a time
	snapOK   atomic.Uint64
	snapBad  atomic.Uint64
	snapLast atomic.Int64 // unix ns of the last good snapshot

	closeOnce sync.Once
	closeErr  error
}

// Addrs are where a served carrier listens; "" for a part left out.
type Addrs struct {
	// Gy is the OCS's Diameter address, GTPC and GTPU the PGW's.
	Gy, GTPC, GTPU string
	// API is the management API's base URL ("http://127.0.0.1:8080") and
	// Metrics the URL Prometheus scrapes.
	API, Metrics string
}

// String lists the addresses as "gy=… gtpc=… gtpu=… api=… metrics=…",
// leaving out the parts that are off.
func (a Addrs) String() string {
	var parts []string
	for _, kv := range [][2]string{{"gy", a.Gy}, {"gtpc", a.GTPC}, {"gtpu", a.GTPU}, {"api", a.API}, {"metrics", a.Metrics}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, " ")
}

// Start builds the carrier of cfg (loading StateFile when it exists),
// starts its parts on their addresses and returns once all of them accept
// requests. ctx bounds the start only (the OCS connection of the PGW's
// charging); the carrier runs until Shutdown or Close. An invalid
// configuration is reported with every problem and wraps ErrInvalid.
func Start(ctx context.Context, cfg Config) (*Carrier, error) {
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	speed := cfg.ClockSpeed
	if cfg.FreezeClock {
		speed = 0
	}
	clock := sim.NewClock(cfg.ClockStart, speed)
	core, err := sim.New(cfg.simConfig(clock))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	c := &Carrier{cfg: cfg, carrier: core, done: make(chan struct{})}
	if cfg.StateFile != "" {
		if err := core.LoadStateFile(cfg.StateFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("serve: state: %w", err)
		}
	}
	fail := func(err error) (*Carrier, error) {
		c.stop(context.Background(), false)
		return nil, err
	}
	for i, f := range cfg.Faults {
		if err := startFault(core, f); err != nil {
			return fail(fmt.Errorf("%w: faults[%d]: %w", ErrInvalid, i, err))
		}
	}
	if cfg.Gy != Off {
		ocs, err := diameter.NewServer(diameter.ServerConfig{Addr: cfg.Gy, Network: cfg.Network, OriginHost: cfg.OriginHost,
			OriginRealm: cfg.OriginRealm, RedirectServer: cfg.RedirectServer, Instance: "ocs-1", Carrier: core, Logf: cfg.Logf,
			MeasureLatency: true})
		if err != nil {
			return fail(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		if err := ocs.Start(); err != nil {
			return fail(fmt.Errorf("serve: OCS: %w", err))
		}
		c.ocs = ocs
		c.addrs.Gy = ocs.Addr()
		ocs.SetJournal(cfg.Journal)
	}
	if cfg.GTPC != Off {
		var charging gtp.Charger // nil: local
		if cfg.Charging == "diameter" {
			ch, err := diameter.NewCharger(ctx, diameter.ChargerConfig{Addrs: []string{c.addrs.Gy}, Network: cfg.Network,
				OriginHost: "pgw." + cfg.OriginRealm, OriginRealm: cfg.OriginRealm, DestinationRealm: cfg.OriginRealm,
				Connections: 2, Carrier: core})
			if err != nil {
				return fail(fmt.Errorf("serve: PGW charging: %w", err))
			}
			c.charger, charging = ch, ch
		}
		pgw, err := gtp.NewPGW(gtp.PGWConfig{ControlAddr: cfg.GTPC, UserAddr: cfg.GTPU, Carrier: core, Charging: charging, APNs: cfg.APNs,
			MeasureLatency: true})
		if err != nil {
			return fail(fmt.Errorf("serve: PGW: %w", err))
		}
		if err := pgw.Start(); err != nil {
			pgw.Close()
			return fail(fmt.Errorf("serve: PGW: %w", err))
		}
		c.pgw = pgw
		c.addrs.GTPC, c.addrs.GTPU = pgw.ControlAddr(), pgw.UserAddr()
		pgw.SetJournal(cfg.Journal)
	}
	registry := NewRegistry(c, 5*time.Second)
	metricsHandler := promhttp.HandlerFor(registry, promhttp.HandlerOpts{})
	if cfg.API != Off {
		var sessions []api.SessionManager
		if c.ocs != nil {
			sessions = append(sessions, GySessions(c.ocs, core))
		}
		if c.pgw != nil {
			sessions = append(sessions, GTPSessions(c.pgw, core))
		}
		srv, err := api.New(api.Config{Carrier: core, Sessions: api.Sessions(sessions...), Token: cfg.Token,
			Listen: cfg.API, RateLimit: cfg.RateLimit, Logf: cfg.Logf})
		if err != nil {
			return fail(fmt.Errorf("%w: %w", ErrInvalid, err))
		}
		c.api = srv
		mux := http.NewServeMux()
		mux.Handle("/", srv)
		if cfg.Metrics == "" {
			mux.Handle("GET /metrics", metricsHandler)
		}
		addr, err := c.serveHTTP(cfg.API, mux)
		if err != nil {
			return fail(fmt.Errorf("serve: API: %w", err))
		}
		c.addrs.API = "http://" + addr
		if cfg.Metrics == "" {
			c.addrs.Metrics = c.addrs.API + "/metrics"
		}
	}
	if cfg.Metrics != "" && cfg.Metrics != Off {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metricsHandler)
		addr, err := c.serveHTTP(cfg.Metrics, mux)
		if err != nil {
			return fail(fmt.Errorf("serve: metrics: %w", err))
		}
		c.addrs.Metrics = "http://" + addr + "/metrics"
	}
	if cfg.StateFile != "" && cfg.SnapshotEvery > 0 {
		c.wg.Add(1)
		go c.snapshotLoop()
	}
	c.wg.Add(1)
	go c.settleLoop()
	return c, nil
}

// startFault starts one configured fault now.
func startFault(core *sim.Carrier, f Fault) error {
	now := core.Clock().Now()
	var err error
	switch {
	case f.Kind == "outage" && f.Duration > 0:
		_, err = core.Faults().ScheduleInstanceOutage(f.Node, f.Instance, f.Mode, now, now.Add(f.Duration))
	case f.Kind == "outage":
		_, err = core.Faults().StartInstanceOutage(f.Node, f.Instance, f.Mode)
	case f.Duration > 0:
		_, err = core.Faults().ScheduleMaintenance(f.Target, now, now.Add(f.Duration))
	default:
		_, err = core.Faults().StartMaintenance(f.Target)
	}
	return err
}

// serveHTTP listens on addr and serves h until Shutdown; it returns the
// address it listens on.
func (c *Carrier) serveHTTP(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	c.https = append(c.https, hs)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.logf("serve: %s: %v", addr, err)
		}
	}()
	return ln.Addr().String(), nil
}

func (c *Carrier) logf(format string, args ...any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf(format, args...)
	}
}

// Addrs returns where the carrier listens.
func (c *Carrier) Addrs() Addrs { return c.addrs }

// Sim returns the carrier core: its cards, rules, faults and clock.
func (c *Carrier) Sim() *sim.Carrier { return c.carrier }

// OCS returns the Gy online charging server (nil when listen.gy is off).
func (c *Carrier) OCS() *diameter.Server { return c.ocs }

// PGW returns the packet gateway (nil when listen.gtpc is off).
func (c *Carrier) PGW() *gtp.PGW { return c.pgw }

// Config returns the configuration the carrier runs with, defaults filled.
func (c *Carrier) Config() Config { return c.cfg }

// Snapshot writes the carrier's state to StateFile now (atomically: a
// crash leaves the previous snapshot whole). It is a no-op without a
// StateFile.
func (c *Carrier) Snapshot() error {
	if c.cfg.StateFile == "" {
		return nil
	}
	c.snapMu.Lock()
	defer c.snapMu.Unlock()
	if err := c.carrier.SaveStateFile(c.cfg.StateFile); err != nil {
		c.snapBad.Add(1)
		return fmt.Errorf("serve: state: %w", err)
	}
	c.snapOK.Add(1)
	c.snapLast.Store(time.Now().UnixNano())
	return nil
}

func (c *Carrier) snapshotStats() (ok, bad uint64, last time.Time) {
	if ns := c.snapLast.Load(); ns != 0 {
		last = time.Unix(0, ns)
	}
	return c.snapOK.Load(), c.snapBad.Load(), last
}

func (c *Carrier) snapshotLoop() {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.SnapshotEvery)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.Snapshot(); err != nil {
				c.logf("%v", err)
			}
		}
	}
}

// settleLoop applies what the clock makes due (cycle rollovers, expiry,
// retention fees) to idle cards too, so that their watchers (RAR, Delete
// Bearer) and events fire on time: every card once a second, a tenth of
// them every 100 ms, in runs of settleRun cards with other goroutines let
// in between. One SettleAll a second instead held the CPU 60-130 ms per
// million cards, and every request behind it (bench gy --split p99
// 16-20 ms at 50k CCR/s, GOMAXPROCS 1). The yield is netyield's: with
// runtime.Gosched the connections' goroutines, parked on their sockets,
// still waited for the whole pass.
func (c *Carrier) settleLoop() {
	defer c.wg.Done()
	const slices = 10
	t := time.NewTicker(time.Second / slices)
	defer t.Stop()
	next := 0
	y := netyield.New()
	defer y.Close()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		n := c.carrier.Len()
		end := min(next+(n+slices-1)/slices, n)
		for lo := next; lo < end; lo += settleRun {
			c.carrier.SettleRange(lo, min(lo+settleRun, end))
			y.Yield()
		}
		next = end
		if next >= n {
			next = 0
		}
	}
}

// settleRun is how many cards settleLoop settles between yields: well
// under 0.1 ms of work (60-130 ns a card measured on 1M cards while the
// clock was read per card; 20 ns since it is read per run, in
// sim.BenchmarkSettleRange on 100k cards).
const settleRun = 1024

// Shutdown stops the carrier cleanly: the API and metrics stop taking
// requests (those under way finish, until ctx is done), the OCS sends DPR
// to its peers and answers what it has read, the PGW releases its
// sessions to charging, and a last state snapshot is written. It returns
// the first error met; calling it again returns the same.
func (c *Carrier) Shutdown(ctx context.Context) error {
	c.closeOnce.Do(func() { c.closeErr = c.stop(ctx, true) })
	return c.closeErr
}

// Close is Shutdown with five seconds for requests under way.
func (c *Carrier) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Shutdown(ctx)
}

func (c *Carrier) stop(ctx context.Context, snapshot bool) error {
	var errs []error
	select {
	case <-c.done:
	default:
		close(c.done)
	}
	if c.api != nil {
		c.api.Close() // ends event streams, which Shutdown would wait for
	}
	for _, hs := range c.https {
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
	}
	// The PGW first: its sessions' final usage goes to the OCS over Gy.
	if c.pgw != nil {
		errs = append(errs, c.pgw.Close())
	}
	if c.charger != nil {
		errs = append(errs, c.charger.Close())
	}
	if c.ocs != nil {
		errs = append(errs, c.ocs.Close())
	}
	c.wg.Wait()
	if snapshot {
		errs = append(errs, c.Snapshot())
	}
	return errors.Join(errs...)
}
