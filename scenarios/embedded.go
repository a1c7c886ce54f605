package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/diameter"
	"github.com/carriersim/carriersim/gtp"
)

// ShardOriginHost is the Diameter Origin-Host of shard i of a run whose
// load side is host: "shard-I." + host, e.g. shard-3.load.carriersim.test,
// so that a routing agent accepts the shards as peers (*.load.carriersim.test).
func ShardOriginHost(host string, i int) string { return "shard-" + strconv.Itoa(i) + "." + host }

// DefaultBackends starts the carrier side and the load generators with our
// real parts: for an embedded carrier, our OCS on 127.0.0.1 (ephemeral port)
// and, when GTP is driven, our PGW charging over real Diameter to that OCS;
// for an external carrier, only the load generators, pointed at its
// addresses.
func DefaultBackends(ctx context.Context, cfg StackConfig) (*Stack, error) {
	sc := cfg.Scenario
	var closers []func() error
	closeAll := func() error {
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	fail := func(err error) (*Stack, error) {
		_ = closeAll()
		return nil, err
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = sc.Seed
	}
	// Shards of one run are distinct Diameter peers: a routing agent takes
	// one connection per Origin-Host, and routes RAR/ASR back by it.
	originHost := sc.Carrier.OriginHost
	if cfg.ShardCount > 1 {
		originHost = ShardOriginHost(originHost, cfg.ShardIndex)
	}
	needs := map[Interface]bool{}
	for _, i := range cfg.Interfaces {
		needs[i] = true
	}
	gyAddrs, gtpc := sc.Carrier.Gy, sc.Carrier.GTPC
	var addrs []string
	if !sc.Carrier.External {
		scfg := diameter.ServerConfig{Addr: "127.0.0.1:0", OriginHost: "ocs." + sc.Carrier.DestinationRealm,
			OriginRealm: sc.Carrier.DestinationRealm, Carrier: cfg.Carrier}
		if sc.Carrier.OCSInstances > 1 {
			scfg.Instance = OCSInstanceName(0)
			for i := 1; i < sc.Carrier.OCSInstances; i++ {
				scfg.Alternates = append(scfg.Alternates, diameter.Instance{Name: OCSInstanceName(i), Addr: "127.0.0.1:0"})
			}
		}
		srv, err := diameter.NewServer(scfg)
		if err != nil {
			return fail(fmt.Errorf("OCS: %w", err))
		}
		if err := srv.Start(); err != nil {
			return fail(fmt.Errorf("OCS: %w", err))
		}
		closers = append(closers, srv.Close)
		gyAddrs = srv.Addrs()
		if needs[GTP] {
			charger, err := diameter.NewCharger(ctx, diameter.ChargerConfig{Addrs: gyAddrs, OriginHost: "pgw." + sc.Carrier.OriginRealm,
				OriginRealm: sc.Carrier.OriginRealm, DestinationRealm: sc.Carrier.DestinationRealm, Connections: 2,
				Timeout: sc.Carrier.Timeout, Carrier: cfg.Carrier})
			if err != nil {
				return fail(fmt.Errorf("PGW charging: %w", err))
			}
			closers = append(closers, charger.Close)
			pgw, err := gtp.NewPGW(gtp.PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: cfg.Carrier, Charging: charger})
			if err != nil {
				return fail(fmt.Errorf("PGW: %w", err))
			}
			if err := pgw.Start(); err != nil {
				return fail(fmt.Errorf("PGW: %w", err))
			}
			closers = append(closers, pgw.Close)
			gtpc = pgw.ControlAddr()
		}
	}
	if needs[Gy] {
		addrs = append(addrs, "gy="+strings.Join(gyAddrs, ","))
	}
	if needs[GTP] && len(sc.Carrier.GTPRoutes) > 0 && sc.Carrier.External {
		var cs []string
		for _, r := range sc.Carrier.GTPRoutes {
			cs = append(cs, r.GTPC)
		}
		addrs = append(addrs, "gtpc="+strings.Join(cs, ","))
	} else if needs[GTP] {
		addrs = append(addrs, "gtpc="+gtpc)
	}
	st := &Stack{Drivers: map[Interface]Driver{}, Addrs: strings.Join(addrs, " ")}
	var gyLoad *diameter.Load
	var gtpLoad *gtp.Load
	if needs[Gy] {
		if len(gyAddrs) == 0 {
			return fail(errors.New("a Gy phase needs carrier.gy addresses"))
		}
		l, err := diameter.StartLoad(ctx, diameter.LoadConfig{Addrs: gyAddrs, OriginHost: originHost,
			OriginRealm: sc.Carrier.OriginRealm, DestinationRealm: sc.Carrier.DestinationRealm,
			Connections: sc.Carrier.Connections, Timeout: sc.Carrier.Timeout, Retries: 1,
			WatchdogInterval: sc.Carrier.Watchdog, UserName: sc.Carrier.UserName,
			Run: cfg.Run, Devices: cfg.Devices, Seed: seed})
		if err != nil {
			return fail(fmt.Errorf("Gy load: %w", err))
		}
		gyLoad = l
		st.Drivers[Gy] = l
	}
	if needs[GTP] {
		lcfg := gtp.LoadConfig{Run: cfg.Run, Devices: cfg.Devices, Seed: seed,
			T3: sc.Carrier.Timeout, N3: 2, Reattach: 2 * time.Second}
		var err error
		switch {
		case sc.Carrier.External && len(sc.Carrier.GTPRoutes) > 0:
			lcfg.Routes, err = gtpRoutes(sc.Carrier.GTPRoutes)
		case gtpc == "":
			err = errors.New("a GTP phase needs carrier.gtpc or carrier.gtpc_routes")
		default:
			lcfg.PGW, err = resolveUDP(gtpc)
		}
		if err != nil {
			if gyLoad != nil {
				gyLoad.Close()
			}
			return fail(fmt.Errorf("GTP load: %w", err))
		}
		l, err := gtp.StartLoad(ctx, lcfg)
		if err != nil {
			if gyLoad != nil {
				gyLoad.Close()
			}
			return fail(fmt.Errorf("GTP load: %w", err))
		}
		gtpLoad = l
		st.Drivers[GTP] = l
	}
	st.Stats = func(i Interface) DriverStats {
		switch {
		case i == Gy && gyLoad != nil:
			p := gyLoad.Progress()
			return DriverStats{Open: p.SessionsOpen, InFlight: p.InFlight, Sent: p.Sent, Answered: p.Answered, Late: p.Late, Timeouts: p.Timeouts}
		case i == GTP && gtpLoad != nil:
			p := gtpLoad.Progress()
			return DriverStats{Open: p.SessionsOpen, InFlight: p.InFlight, Sent: p.Sent, Answered: p.Answered, Late: p.Late, Timeouts: p.Timeouts}
		}
		return DriverStats{}
	}
	st.Close = closeAll
	return st, nil
}

// gtpRoutes turns carrier.gtpc_routes into the load client's routes, the
// host names resolved (a Kubernetes Service per carrier shard).
func gtpRoutes(rs []GTPRoute) ([]gtp.PGWRoute, error) {
	var out []gtp.PGWRoute
	var errs []error
	for _, r := range rs {
		c, err := resolveUDP(r.GTPC)
		if err != nil {
			errs = append(errs, err)
		}
		u := ""
		if r.GTPU != "" {
			if u, err = resolveUDP(r.GTPU); err != nil {
				errs = append(errs, err)
			}
		}
		out = append(out, gtp.PGWRoute{FirstIMSI: r.FirstIMSI, LastIMSI: r.LastIMSI, Control: c, User: u})
	}
	return out, errors.Join(errs...)
}

// resolveUDP turns host:port into ip:port, looking the host up only when
// it is a name.
func resolveUDP(addr string) (string, error) {
	if _, err := netip.ParseAddrPort(addr); err == nil {
		return addr, nil
	}
	a, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", addr, err)
	}
	ap := a.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String(), nil
}
