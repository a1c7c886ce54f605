// Package simtest starts a fake mobile carrier for Go tests, shaped like
// net/http/httptest: NewCarrier(t) runs carriersim's online charging
// server (Diameter Gy), its PGW (GTPv2-C and GTP-U) and its management API
// on 127.0.0.1 ephemeral ports, and closes them with t.Cleanup.
//
//	func TestMyPCEF(t *testing.T) {
//		fake := simtest.NewCarrier(t, simtest.WithCards(100))
//		pcef := mypcef.Dial(fake.GyAddr, fake.OriginRealm)
//		...
//		fake.Stop(42)                       // the customer suspends card 42
//		fake.ForceResult(43, 4012)          // its next CCR is refused: credit limit
//		fake.ForceDelay(44, 3*time.Second)  // its next CCA comes late
//		if got := fake.Asked(42); ...       // "CCR-I", "CCR-U", ...
//	}
//
// The cards are a generated population (1,000 by default: IMSIs
// 460040000000000 upwards, see sim.Spec) or given one by one (WithCard);
// card i is addressed by its index, its IMSI is IMSI(i). The carrier
// applies the rules of package sim (allowances, stops, arrears, expiry,
// IMEI binding, barred regions) and answers with the codes of
// diameter/MAPPING.md and gtp/MAPPING.md; every refusal says who is to
// blame. The clock is frozen by default so that a test never meets a
// cycle boundary by chance (WithClock to run it). The PGW charges over Gy
// at the same OCS, so a GTP test sees the charging requests in the journal
// too (WithLocalCharging turns that off).
//
// Helpers change cards (SetUsage, SetBalance, Stop, Resume, Move), force
// the answer to a card's next request (ForceResult, ForceDelay on Gy;
// ForceCause, ForceGTPDelay on GTP) and read what a card asked and was
// answered (Journal, Asked, Answered). The management API at APIURL does
// the same over HTTP (sim/api), and MetricsURL serves Prometheus metrics.
//
// The examples show a test of a Gy client and of an SGW; the tests of this
// package drive the fake with clients written only against go-diameter's
// and go-gtp's public APIs.
package simtest
