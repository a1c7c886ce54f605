package gtp

import (
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

// expectDeleteBearer waits for the gateway's Delete Bearer Request, checks
// its cause and explanation, and answers it.
func (s *testSGW) expectDeleteBearer(sgwTEID uint32, cause wire.Cause, why sim.Reason) {
	s.t.Helper()
	out := s.recv(3 * time.Second)
	if out == nil {
		s.t.Fatal("no Delete Bearer Request")
	}
	var m wire.DeleteBearerRequest
	if err := m.Decode(out); err != nil {
		s.t.Fatalf("decode Delete Bearer Request: %v (%x)", err, out)
	}
	if m.Header.TEID != sgwTEID || m.LinkedEBI != 5 || m.Cause.Value != cause {
		s.t.Errorf("Delete Bearer Request %+v, want TEID %d, EBI 5, cause %v", m, sgwTEID, cause)
	}
	if r, _, ok := explanation(out); !ok || r != why {
		s.t.Errorf("explained %v %v, want %v", r, ok, why)
	}
	resp := wire.DeleteBearerResponse{Header: wire.Header{TEID: 1, Seq: m.Header.Seq},
		Cause: wire.CauseIE{Value: wire.CauseRequestAccepted}, LinkedEBI: 5}
	s.send(mustB(resp.Append(nil)))
}

func TestDeleteBearerOnQuotaExhaustion(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10, func(cfg *sim.Config) {
		cfg.Plans = []sim.Plan{{Name: "tiny", Allowance: 100 * sim.KB, Price: sim.Yuan}}
		cfg.Population.Plans = map[string]float64{"tiny": 1}
	})
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)
	const card = 2
	resp, _ := s.create(s.createRequest(card))
	if resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("cause %v", resp.Cause.Value)
	}
	// The whole allowance is granted as the final units; the device uses
	// them and a little more.
	for i := 0; i < 105; i++ {
		s.gpdu(resp.Bearers[0].S5S8UPGW.TEID, 1000)
	}
	s.expectDeleteBearer(card+1, wire.CausePDNReconnectionToThisAPNDisallowed, sim.ReasonOverQuota)
	waitFor(t, "session released", func() bool { return p.Stats().SessionsOpen == 0 })
	// Packets that arrive after the session is gone are not counted (they
	// get Error Indications); everything counted is committed.
	st, _ := c.Card(card)
	stats := p.Stats()
	if st.Used < 100*1024 || st.Used != stats.GPDUBytes || st.Reserved != 0 {
		t.Errorf("card used %d reserved %d, want the %d counted (at least 102400) and 0", st.Used, st.Reserved, stats.GPDUBytes)
	}
	if stats.NetworkDeleted["over_quota"] != 1 || stats.Answers["DeleteBearer:16"] != 1 {
		t.Errorf("stats %+v", stats)
	}
	// The card is over its allowance now: a new session is refused.
	if resp, _ := s.create(s.createRequest(card)); resp.Cause.Value != wire.CauseUENotAuthorisedByOCSOrAAA {
		t.Errorf("new session: cause %v, want 125", resp.Cause.Value)
	}
}

func TestDeleteBearerWhenCardStops(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)
	resp, _ := s.create(s.createRequest(5))
	if resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("cause %v", resp.Cause.Value)
	}
	must(t, c.Stop(5))
	s.expectDeleteBearer(6, wire.CausePDNReconnectionToThisAPNDisallowed, sim.ReasonManualStop)
	waitFor(t, "session released", func() bool { return p.Stats().SessionsOpen == 0 })
	if st, _ := c.Card(5); st.Reserved != 0 {
		t.Errorf("card holds %d", st.Reserved)
	}
}

func TestDeleteBearerUnansweredReleases(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10, nil)
	p := startTestPGW(t, c, nil) // T3 100ms, N3 2
	s := newTestSGW(t, c, p)
	if resp, _ := s.create(s.createRequest(5)); resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("cause %v", resp.Cause.Value)
	}
	must(t, c.SetStop(5, sim.ReasonContractViolation, true))
	// The SGW never answers: three copies, then the session goes anyway.
	for i := 0; i < 3; i++ {
		if out := s.recv(time.Second); out == nil {
			t.Fatalf("copy %d of the Delete Bearer Request missing", i+1)
		}
	}
	waitFor(t, "session released", func() bool { return p.Stats().SessionsOpen == 0 })
	if n := p.Stats().Answers["DeleteBearer:timeout"]; n != 1 {
		t.Errorf("DeleteBearer:timeout %d, want 1", n)
	}
}

func TestPathFailureReleasesSessions(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10, nil)
	p := startTestPGW(t, c, func(cfg *PGWConfig) {
		cfg.EchoInterval = 50 * time.Millisecond
		cfg.T3 = 30 * time.Millisecond
	})
	s := newTestSGW(t, c, p)
	if resp, _ := s.create(s.createRequest(1)); resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("cause %v", resp.Cause.Value)
	}
	// The SGW answers the first Echo Request, then goes silent.
	for {
		out := s.recv(2 * time.Second)
		if out == nil {
			t.Fatal("no Echo Request")
		}
		var e wire.Echo
		if e.Decode(out) == nil && e.Header.Type == wire.MsgEchoRequest {
			s.send(mustB(wire.AppendEchoResponse(nil, e.Header.Seq, 7)))
			break
		}
	}
	waitFor(t, "path failure", func() bool { return p.Stats().PathFailures == 1 })
	st := p.Stats()
	if st.SessionsOpen != 0 || st.ReleasedByPeerLoss != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestPeerRestartReleasesItsSessions(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)
	if resp, _ := s.create(s.createRequest(1)); resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("cause %v", resp.Cause.Value)
	}
	// The SGW restarts: its next request carries a new restart counter.
	m := s.createRequest(2)
	m.Recovery = 8
	if resp, _ := s.create(m); resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("cause %v", resp.Cause.Value)
	}
	waitFor(t, "old session released", func() bool { return p.Stats().SessionsOpen == 1 })
	st := p.Stats()
	if st.PeerRestarts != 1 || st.ReleasedByPeerLoss != 1 {
		t.Errorf("stats %+v", st)
	}
	if card, _ := c.Card(1); card.Reserved != 0 {
		t.Errorf("card 1 holds %d", card.Reserved)
	}
	if card, _ := c.Card(2); card.Reserved == 0 {
		t.Errorf("card 2's new session holds nothing")
	}
}

func TestModelledUsage(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10, nil)
	p := startTestPGW(t, c, func(cfg *PGWConfig) { cfg.ModelledThroughput = 100 * sim.KB })
	s := newTestSGW(t, c, p)
	resp, _ := s.create(s.createRequest(3))
	if resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("cause %v", resp.Cause.Value)
	}
	c.Clock().Advance(3 * time.Second)
	if m, _ := s.modify(resp.SenderFTEID.TEID, c.HomeLocation(3)); m.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("modify: %v", m.Cause.Value)
	}
	if st, _ := c.Card(3); st.Used != 300*1024 {
		t.Errorf("used %d after 3 s at 100 KB/s, want %d", st.Used, 300*1024)
	}
	// Past the grant's threshold the gateway reports by itself.
	c.Clock().Advance(9 * time.Second)
	waitFor(t, "usage reported", func() bool { st, _ := c.Card(3); return st.Used >= 1200*1024 })
	c.Clock().Advance(time.Second)
	if d := s.deleteSession(resp.SenderFTEID.TEID); d.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("delete: %v", d.Cause.Value)
	}
	if st, _ := c.Card(3); st.Used != 1300*1024 || st.Reserved != 0 {
		t.Errorf("used %d reserved %d, want %d and 0", st.Used, st.Reserved, 1300*1024)
	}
}

func TestModifyIntoBarredRegionEndsSession(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)
	resp, _ := s.create(s.createRequest(3))
	id, _ := c.RegionID("Tibet")
	m, raw := s.modify(resp.SenderFTEID.TEID, c.RegionLocation(id, 1))
	if m.Cause.Value != wire.CauseTargetAccessRestrictedForSubscriber {
		t.Fatalf("modify into a barred region: cause %v", m.Cause.Value)
	}
	if r, _, _ := explanation(raw); r != sim.ReasonBarredRegion {
		t.Errorf("explained %v", r)
	}
	if n := p.Stats().SessionsOpen; n != 0 {
		t.Errorf("%d sessions open", n)
	}
	if d := s.deleteSession(resp.SenderFTEID.TEID); d.Cause.Value != wire.CauseContextNotFound {
		t.Errorf("delete after: cause %v", d.Cause.Value)
	}
	if st, _ := c.Card(3); st.Reserved != 0 {
		t.Errorf("card holds %d", st.Reserved)
	}
}
