// Package serve runs carriersim as a carrier for other systems to use:
// the online charging server (package diameter), the PGW (package gtp,
// charging over Gy at that OCS or in process), the management API
// (package sim/api) and a Prometheus /metrics endpoint, all on one carrier
// core (package sim). `carriersim serve` is a thin command over it, and
// package sim/simtest starts one per test.
//
//	cfg, err := serve.LoadConfig("carrier.toml") // or serve.Config{}: every default, on loopback
//	c, err := serve.Start(ctx, cfg)
//	fmt.Println(c.Addrs())                      // gy=127.0.0.1:3868 gtpc=… api=http://… metrics=…
//	...
//	c.Shutdown(ctx) // DPR to the Diameter peers, answers in flight, last state snapshot
//
// The configuration file is TOML, decoded strictly (an unknown key is an
// error) and reported as file:line: key: what was wanted, what was found,
// every problem at once; README.md in this directory lists its keys. Its
// population, plans and rules sections are those of a scenario file.
//
// With a state file the cards' state (usage, balances, stop reasons,
// bindings) is loaded on start and written atomically every
// SnapshotEvery and at shutdown (sim.Carrier.SaveStateFile): a crash
// leaves the last good snapshot. Shard I/N serves the I-th of N equal
// IMSI ranges of the population, so that several processes share a large
// one.
//
// The session adapters (GySessions, GTPSessions) give the management API
// the open sessions of the OCS and the PGW; they live here because
// packages diameter and gtp do not import sim/api. The metrics are custom
// collectors that read the parts' Stats snapshots and a cached census of
// the cards at scrape time: nothing on the request path calls Prometheus.
package serve
