// Package diameter is carriersim's Diameter Gy (online charging) adapter:
// the carrier's online charging server, the open-loop load client that
// drives any OCS, and the charging client of the GTP gateway. It is the
// only package that imports go-diameter; the hot messages go through the
// zero-allocation codec in diameter/wire.
//
// # The OCS
//
// Server answers RFC 6733 base messages (CER/CEA advertising application
// 4 and accepting relay peers, DWR/DWA, DPR/DPA) and RFC 4006 / TS 32.299
// Credit-Control-Requests (INITIAL, UPDATE, TERMINATION, EVENT, any number
// of MSCC blocks) from the rules of a sim.Carrier:
//
//	c, _ := sim.New(sim.Config{})
//	s, _ := diameter.NewServer(diameter.ServerConfig{Addr: "127.0.0.1:0", Carrier: c})
//	if err := s.Start(); err != nil { ... }
//	defer s.Close()
//	fmt.Println(s.Addr())     // 127.0.0.1:41234
//	fmt.Println(s.Stats())    // connections, requests, answers by code, sessions
//
// Each connection is read by one goroutine into a 256 KiB buffer; the
// CCRs of one read are decoded, rated together with Carrier.RateBatch and
// answered into one write buffer that is flushed once everything read is
// answered, so a pipelining peer gets many answers per write(2).
// Answering a CCR-UPDATE with two MSCCs takes about 0.78 µs and no
// allocation (BenchmarkAnswerCCRUpdate).
//
// Sessions live in a sharded, pointer-free table keyed by Session-Id, with
// the hold of every rating group and a record of the last answer: a
// retransmission (same End-to-End-Id, type and number, T flag or not, on
// any connection) gets that answer again and is never charged twice; a
// CC-Request-Number out of order gets 5004; UPDATE or TERMINATION for an
// unknown session gets 5002; a session silent past its Validity-Time plus
// SessionGrace is released (Tcc). When a card's stop reasons change
// outside a request the server sends RAR to its open sessions (ASR when
// the card is cancelled or stopped for contract violation). Outages of
// sim.NodeOCS make it silent (no answer, no DWA) or answer 3004/3002.
// With Alternates the server is a geo-redundant OCS: several front ends,
// each on its own address and obeying the outages of its own Instance
// name, sharing one session table, so a client that fails over finds its
// sessions on the other front end.
// Malformed input gets the proper error answer (5001, 5004, 5005, 5009,
// 5014, 5015, 3001, 3007 ...) and the connection goes on; only a stream
// out of step (version not 1, a length below 20) is closed.
//
// Sessions, CardSessions and Session list the open sessions (manage.go);
// ReAuth and Abort send a RAR or an ASR to one on demand. Inject forces
// the Result-Code or delays the answer of a card's next requests, and
// SetJournal keeps what each card asked and was answered (hooks.go): test
// hooks for package sim/simtest, off by default at the cost of one atomic
// load per batch of CCRs.
//
// MAPPING.md is the table from each stop reason, refusal and fault to
// Result-Code, Final-Unit-Indication and Error-Message. Every refusal
// carries Error-Message "reason=<sim reason> blame=<card|network|device>".
//
// # The load client
//
// Load emulates PCEF/PGW peers against any OCS at an address:
//
//	l, err := diameter.StartLoad(ctx, diameter.LoadConfig{
//		Addrs: []string{s.Addr()}, Devices: sim.NewDevices(c), Run: run,
//		Connections: 4, Workers: 2,
//	})
//	l.Run(sim.Phase{Start: time.Now(), Duration: time.Minute, Rate: 5000,
//		Updates: ..., Interval: ..., Usage: ..., Request: 1 << 20})
//	... l.Progress() ...
//	l.Drain(ctx)
//	l.Close()
//
// A session is CCR-I, Updates CCR-Us Interval apart (each reporting
// min(Usage, granted) and asking again) and CCR-T; a refusal ends it, a
// Final-Unit-Indication makes the next request the CCR-T. Sessions start
// at the phase's open-loop arrival times; latency is measured from the
// intended send time into the metrics.Run, per message and class, and
// requests sent more than LateAfter past their time are counted late.
// Requests are pipelined on every connection and matched by
// Hop-by-Hop-Identifier; on timeout they are retransmitted with the T flag
// to the alternate peer. With several Addrs (in failover order) each
// worker keeps a standby connection to every alternate: requests
// unanswered in time, and answers of 3004 or 3002, go there at once, and
// connections whose watchdog goes unanswered move to the next address
// (RFC 6733 §5.5.4, RFC 4006 §5.5). Answers are classified by ClassOf and
// blamed by BlameOf.
//
// # The gateway's charging client
//
// Charger sends one CCR per call and maps the answer back into a
// sim.Decision, for package gtp (whose Charger interface it satisfies
// without either package importing the other).
//
// # Measuring
//
// Benchmark (and `carriersim bench gy`) runs our load client against our
// OCS, at an offered rate above capacity and at half the rate sustained,
// then against BaselineServer, an OCS written on go-diameter's own message
// path, so the ratio is measured in one run. `bench gy` splits itself by
// default on Linux with two CPUs or more: each OCS runs in a child process
// (`carriersim serve --bench-population`) pinned to CPU 0 and the load in
// the parent pinned to CPU 1, GOMAXPROCS=1 each. `--split=false` runs all
// in one process, and `--target` measures an OCS started elsewhere.
//
// On the 2-CPU VM this was written on, `bench gy --json`, four sets of 5
// runs at different hours: median throughput 457,000 to 674,000 CCR/s
// (the machine's speed changes by 1.5x over an afternoon), against 22,000
// to 37,000 for the baseline, median ratios 16.7 to 18.8; p99 at half the
// sustained rate: medians 0.73, 0.81 and 0.83 ms in three sets (every run
// 0.54-1.42 ms) and 1.96 ms in the fourth, taken while the machine was
// busier. p50 is 0.13-0.34 ms. In one process (GOMAXPROCS=2) throughput is
// 460,000-700,000 but the ratio is 7-8 (the baseline gains more from the
// second P) and p99 at half rate 4-5 ms: threads of one process wake
// each other across the two CPUs, and on this VM such a wake-up can wait
// for the next 4 ms tick.
//
// The servers and the client yield with package sim/netyield where they
// have work without pause (a reader whose socket always has data, the Tcc
// sweep, a load worker behind its schedule): runtime.Gosched would leave
// the goroutines parked on other sockets waiting up to 10 ms.
package diameter
