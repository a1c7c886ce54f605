// Package gtp is the carrier's packet gateway and the load client that
// drives it, over GTPv2-C (3GPP TS 29.274) and GTP-U (TS 29.281) on UDP.
//
// # The gateway
//
// PGW answers Create Session, Modify Bearer, Delete Session and Echo on
// S5/S8, admits sessions with the carrier core's rules (package sim) and
// charges them through a Charger: in process (NewLocalCharger) or over Gy
// to any OCS (package diameter provides one), so it can stand as a PCEF in
// front of someone else's OCS. It counts G-PDUs per tunnel or, for millions
// of sessions, models usage at a configured throughput, reports usage when
// a grant's threshold, volume or validity runs out, and tears sessions
// down itself with Delete Bearer when a card stops, its final units are
// used or its cell goes into maintenance. Retransmitted requests are
// answered from a duplicate table and never carried out twice; malformed
// ones get the cause TS 29.274 §7.7 asks for or are dropped and counted. A
// silent outage of sim.NodeGateway is a restart: sessions are lost and the
// Recovery counter goes up; peers that restart or stop answering Echo lose
// their sessions (TS 23.007).
//
//	c, _ := sim.New(sim.Config{})
//	p, _ := gtp.NewPGW(gtp.PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c})
//	_ = p.Start()
//	defer p.Close()
//	fmt.Println(p.ControlAddr(), p.Stats().SessionsOpen)
//
// Sessions, CardSession and Session list the sessions held (manage.go);
// DeleteBearer tears one down on demand. Inject forces the cause or delays
// the response of a card's next requests, and SetJournal keeps what each
// card asked and was answered (hooks.go): test hooks for package
// sim/simtest, off by default at the cost of one atomic load per request.
//
// MAPPING.md tabulates how each sim reason, outcome and fault becomes a
// TS 29.274 cause, and how the load client classifies causes and blames.
//
// # The load client
//
// Load emulates SGWs: Run schedules a sim.Phase whose sessions start at an
// open-loop arrival rate (Create Session with the card's IMSI, MSISDN,
// IMEI and location from sim.Devices), do the phase's Modify Bearers with
// the current location and the interval's usage as G-PDUs (or none, with
// the gateway's modelled usage), and end with Delete Session. Every
// procedure is measured from its intended start into a metrics.Run, by
// message, class, cause and blame. It retransmits (T3, N3), answers the
// gateway's Delete Bearer and Echo Requests, notices the gateway's restart
// and path failure, re-attaches devices the network cut off, and drives any
// PGW at an address, not only ours, or several (LoadConfig.Routes): each
// card's sessions go to the PGW owning its IMSI range, with echo, restart
// and path-failure detection per PGW, as for the carrier shards of
// `carriersim serve --shard`. RunClosed keeps a number of sessions
// under way instead, for capacity measurements.
//
// # Performance
//
// The path from a Create Session Request to its response allocates
// nothing (TestHotPathAllocatesNothing; about 0.9 µs per Create + Delete
// in BenchmarkPGWHotPath): datagrams are read and written in batches with
// recvmmsg/sendmmsg through the socket's RawConn (golang.org/x/net/ipv4's
// ReadBatch would allocate a net.UDPAddr per datagram), decoded and encoded
// by gtp/wire into per-worker values, admitted by sim.Carrier.Rate, and
// sessions live in a dense table keyed by TEID at 112 bytes each
// (sessions.go; a million sessions take about 160 bytes each with the
// duplicate table). A fixed set of goroutines serves each socket; nothing
// starts a goroutine per datagram. The client runs each worker's sessions,
// timers (a hashed timing wheel) and socket on one goroutine.
//
// Bench (and `carriersim bench gtp`) measures Create + Delete procedures a
// second of our client against PGW and against BaselinePGW, a gateway
// built on go-gtp's own Conn, in the same run.
//
// Package gtp is the only place github.com/wmnsk/go-gtp is imported: the
// baseline is built on it, and the tests use it as an independent
// implementation (differential tests, and fuzz targets that check go-gtp
// parses every answer).
package gtp
