// Package gtp is the carrier's packet gateway and the load client that
// drives it, over GTPv2-C (3GPP TS 29.274) and GTP-U (TS 29.281) on UDP.
//
// The PGW answers Create Session, Modify Bearer, Delete Session and Echo,
// admits sessions with the carrier core's rules (package sim) and charges
// them through a Charger: in process (NewLocalCharger) or over Gy to any
// OCS (package diameter provides one). It counts G-PDUs per tunnel or, for
// millions of sessions, models usage at a configured throughput, and tears
// sessions down itself with Delete Bearer when a card stops, its final
// units are used or its cell goes into maintenance.
//
//	c, _ := sim.New(sim.Config{})
//	p, _ := gtp.NewPGW(gtp.PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c})
//	_ = p.Start()
//	defer p.Close()
//	fmt.Println(p.ControlAddr(), p.Stats().SessionsOpen)
//
// MAPPING.md tabulates how each sim reason, outcome and fault becomes a
// TS 29.274 cause, and how the load client classifies causes and blames.
//
// # Performance
//
// The path from a Create Session Request to its response allocates
// nothing: datagrams are read and written in batches (recvmmsg/sendmmsg on
// Linux), decoded and encoded by gtp/wire into per-worker values, admitted
// by sim.Carrier.Rate, and sessions live in a dense table keyed by TEID
// (sessions.go). A fixed set of worker goroutines serves each socket;
// nothing starts a goroutine per datagram.
//
// Package gtp is the only place github.com/wmnsk/go-gtp is imported: the
// baseline gateway the benchmark compares against is built on its Conn.
package gtp
