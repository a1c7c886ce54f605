package gtp

import (
	"bytes"
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

func TestAttachModifyDelete(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 1000, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)

	const card = 42
	resp, _ := s.create(s.createRequest(card))
	if resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("cause %v, want Request accepted", resp.Cause.Value)
	}
	if resp.Header.TEID != card+1 {
		t.Errorf("response header TEID %d, want the SGW's %d", resp.Header.TEID, card+1)
	}
	teid := resp.SenderFTEID.TEID
	if teid == 0 || resp.SenderFTEID.Interface != wire.IfS5S8PGWGTPC || resp.SenderFTEID.IPv4.String() != "127.0.0.1" {
		t.Errorf("sender F-TEID %+v", resp.SenderFTEID)
	}
	if !resp.PAA.IPv4.IsValid() || !p.cfg.UEPool.Contains(resp.PAA.IPv4) {
		t.Errorf("PAA %v not from the pool %v", resp.PAA.IPv4, p.cfg.UEPool)
	}
	if resp.NumBearers != 1 || resp.Bearers[0].EBI != 5 || resp.Bearers[0].Cause.Value != wire.CauseRequestAccepted ||
		resp.Bearers[0].S5S8UPGW.TEID == 0 || !resp.HasAMBR || !resp.HasRecovery {
		t.Errorf("response %+v", resp)
	}
	if got := p.Stats().SessionsOpen; got != 1 {
		t.Fatalf("sessions open %d, want 1", got)
	}
	st, _ := c.Card(card)
	if st.Reserved == 0 {
		t.Fatalf("card reserved nothing after admission: %+v", st)
	}

	// User data counted on the tunnel, then a move to another cell of the
	// home region with the usage reported.
	for i := 0; i < 10; i++ {
		s.gpdu(resp.Bearers[0].S5S8UPGW.TEID, 1000)
	}
	waitFor(t, "G-PDUs counted", func() bool { return p.Stats().GPDUBytes == 10_000 })
	l := c.HomeLocation(card + 1)
	mresp, _ := s.modify(teid, l)
	if mresp.Cause.Value != wire.CauseRequestAccepted || mresp.Header.TEID != card+1 {
		t.Fatalf("modify: %+v", mresp)
	}
	st, _ = c.Card(card)
	if st.Used != 10_000 {
		t.Errorf("card used %d after the modify, want 10000", st.Used)
	}

	dresp := s.deleteSession(teid)
	if dresp.Cause.Value != wire.CauseRequestAccepted || dresp.Header.TEID != card+1 {
		t.Fatalf("delete: %+v", dresp)
	}
	st, _ = c.Card(card)
	if st.Reserved != 0 || st.Used != 10_000 {
		t.Errorf("after delete: used %d reserved %d, want 10000 and 0", st.Used, st.Reserved)
	}
	stats := p.Stats()
	if stats.SessionsOpen != 0 || stats.Answers["CreateSession:16"] != 1 || stats.Answers["ModifyBearer:16"] != 1 ||
		stats.Answers["DeleteSession:16"] != 1 {
		t.Errorf("stats %+v", stats)
	}
	// The TEID is gone: another Delete Session finds no context.
	if dresp := s.deleteSession(teid); dresp.Cause.Value != wire.CauseContextNotFound || dresp.Header.TEID != 0 {
		t.Errorf("second delete: %+v", dresp)
	}
	if c.Anomalies() != 0 {
		t.Errorf("carrier anomalies %d", c.Anomalies())
	}
}

func TestRefusalCauses(t *testing.T) {
	t.Parallel()
	barred := func(c *sim.Carrier) sim.Location {
		id, err := c.RegionID("Xinjiang")
		if err != nil {
			t.Fatal(err)
		}
		return c.RegionLocation(id, 3)
	}
	tests := []struct {
		name    string
		carrier func(*sim.Config)
		setup   func(t *testing.T, c *sim.Carrier, p *PGW, card uint32)
		mut     func(c *sim.Carrier, m *wire.CreateSessionRequest)
		cfg     func(*PGWConfig)
		cause   wire.Cause
		reason  sim.Reason
		blame   string
	}{
		{name: "unknown card", mut: func(c *sim.Carrier, m *wire.CreateSessionRequest) { m.IMSI.Value = 460_049_999_999_999 },
			cause: 93, reason: sim.ReasonUnknownSIM, blame: "card"},
		{name: "manual stop", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) { must(t, c.Stop(card)) },
			cause: 89, reason: sim.ReasonManualStop, blame: "card"},
		{name: "expired", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			c.Clock().Advance(400 * 24 * time.Hour)
		}, cause: 89, reason: sim.ReasonExpired, blame: "card"},
		{name: "cancelled", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			c.Clock().Advance(520 * 24 * time.Hour)
		}, cause: 93, reason: sim.ReasonCancelled, blame: "card"},
		{name: "no real-name registration", carrier: func(cfg *sim.Config) { cfg.Population.Unregistered = 1 },
			cause: 89, reason: sim.ReasonNoRealName, blame: "card"},
		{name: "arrears", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			must(t, c.SetBalance(card, -sim.Yuan))
			must(t, c.SetStop(card, sim.ReasonArrears, true))
		}, cause: 125, reason: sim.ReasonArrears, blame: "card"},
		{name: "pay-per-use without money", carrier: func(cfg *sim.Config) { cfg.Population.Plans = map[string]float64{"iot-payg": 1} },
			setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
				must(t, c.SetUsage(card, 50<<20))
				must(t, c.SetBalance(card, 0))
			}, cause: 125, reason: sim.ReasonBalanceExhausted, blame: "card"},
		{name: "contract violation", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			must(t, c.SetStop(card, sim.ReasonContractViolation, true))
		}, cause: 89, reason: sim.ReasonContractViolation, blame: "card"},
		{name: "over quota", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) { must(t, c.SetUsage(card, 100<<20)) },
			cause: 125, reason: sim.ReasonOverQuota, blame: "card"},
		{name: "another device", mut: func(c *sim.Carrier, m *wire.CreateSessionRequest) { m.MEI.Value += 10 },
			cause: 96, reason: sim.ReasonIMEIMismatch, blame: "device"},
		{name: "barred region", mut: func(c *sim.Carrier, m *wire.CreateSessionRequest) { m.ULI = uliOf(barred(c)) },
			cause: 117, reason: sim.ReasonBarredRegion, blame: "card"},
		{name: "maintenance", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			_, err := c.Faults().StartMaintenance(sim.Target{TACs: []uint16{c.HomeLocation(card).TAC}})
			must(t, err)
		}, cause: 73, reason: sim.ReasonMaintenance, blame: "network"},
		{name: "apn not served", cfg: func(c *PGWConfig) { c.APNs = []string{"meters"} },
			cause: 78, reason: sim.ReasonServiceNotAllowed, blame: "card"},
		{name: "ocs silent", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			_, err := c.Faults().StartOutage(sim.NodeOCS, sim.OutageSilent)
			must(t, err)
		}, cause: 100, reason: sim.ReasonNodeOutage, blame: "network"},
		{name: "ocs busy", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			_, err := c.Faults().StartOutage(sim.NodeOCS, sim.OutageBusy)
			must(t, err)
		}, cause: 73, reason: sim.ReasonNodeOutage, blame: "network"},
		{name: "ocs unable", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			_, err := c.Faults().StartOutage(sim.NodeOCS, sim.OutageUnable)
			must(t, err)
		}, cause: 72, reason: sim.ReasonNodeOutage, blame: "network"},
		{name: "gateway busy", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			_, err := c.Faults().StartOutage(sim.NodeGateway, sim.OutageBusy)
			must(t, err)
		}, cause: 73, reason: sim.ReasonNodeOutage, blame: "network"},
		{name: "gateway unable", setup: func(t *testing.T, c *sim.Carrier, _ *PGW, card uint32) {
			_, err := c.Faults().StartOutage(sim.NodeGateway, sim.OutageUnable)
			must(t, err)
		}, cause: 72, reason: sim.ReasonNodeOutage, blame: "network"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newTestCarrier(t, 100, tc.carrier)
			p := startTestPGW(t, c, tc.cfg)
			s := newTestSGW(t, c, p)
			const card = 7
			if tc.setup != nil {
				tc.setup(t, c, p, card)
			}
			m := s.createRequest(card)
			if tc.mut != nil {
				tc.mut(c, &m)
			}
			resp, raw := s.create(m)
			if resp.Cause.Value != tc.cause {
				t.Fatalf("cause %d (%v), want %d", resp.Cause.Value, resp.Cause.Value, tc.cause)
			}
			if resp.Header.TEID != card+1 {
				t.Errorf("header TEID %d, want the SGW's %d", resp.Header.TEID, card+1)
			}
			r, bl, ok := explanation(raw)
			if !ok || r != tc.reason || blameString(bl) != tc.blame {
				t.Errorf("explanation %v %v %v, want %v %v", r, bl, ok, tc.reason, tc.blame)
			}
			class, blame := judge(resp.Cause.Value, raw)
			if blame != tc.blame || class.String() == "ok" {
				t.Errorf("judged %v %q", class, blame)
			}
			if n := p.Stats().SessionsOpen; n != 0 {
				t.Errorf("%d sessions open after a refusal", n)
			}
			if st, _ := c.Card(card); st.Reserved != 0 {
				t.Errorf("card holds %d after a refusal", st.Reserved)
			}
		})
	}
}

func TestGatewaySilentOutageAndRestart(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 100, nil)
	p := startTestPGW(t, c, func(cfg *PGWConfig) { cfg.Recovery = 3 })
	s := newTestSGW(t, c, p)
	resp, _ := s.create(s.createRequest(1))
	if resp.Recovery != 3 {
		t.Fatalf("recovery %d, want 3", resp.Recovery)
	}
	id, err := c.Faults().StartOutage(sim.NodeGateway, sim.OutageSilent)
	must(t, err)
	s.send(mustB(wire.AppendEchoRequest(nil, s.nextSeq(), 7)))
	if out := s.recv(200 * time.Millisecond); out != nil {
		t.Fatalf("answer during a silent outage: %x", out)
	}
	must(t, c.Faults().EndOutage(id))
	waitFor(t, "restart", func() bool { return p.Recovery() == 4 })
	if n := p.Stats().SessionsOpen; n != 0 {
		t.Errorf("%d sessions survived the restart", n)
	}
	if st, _ := c.Card(1); st.Reserved != 0 {
		t.Errorf("card holds %d after the restart", st.Reserved)
	}
	// Peers see the restart in the Echo Response.
	out := s.roundTrip(mustB(wire.AppendEchoRequest(nil, s.nextSeq(), 7)))
	var e wire.Echo
	must(t, e.Decode(out))
	if e.Header.Type != wire.MsgEchoResponse || e.Recovery != 4 {
		t.Errorf("echo response %+v", e)
	}
}

func TestDuplicateCreateSession(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 100, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)
	m := s.createRequest(9)
	b := mustB(m.Append(nil))
	first := s.roundTrip(b)
	second := s.roundTrip(b)
	if !bytes.Equal(first, second) {
		t.Errorf("retransmission answered differently:\n%x\n%x", first, second)
	}
	st := p.Stats()
	if st.SessionsOpen != 1 || st.Duplicates != 1 || st.Answers["CreateSession:16"] != 2 {
		t.Errorf("stats %+v", st)
	}
	card, _ := c.Card(9)
	grant := card.Reserved
	// A refused request retransmitted gets the same refusal.
	m2 := s.createRequest(10)
	m2.MEI.Value += 10
	b2 := mustB(m2.Append(nil))
	if r1, r2 := s.roundTrip(b2), s.roundTrip(b2); !bytes.Equal(r1, r2) {
		t.Errorf("refusal answered differently")
	}
	if card, _ = c.Card(9); card.Reserved != grant {
		t.Errorf("reserved %d after the retransmission, want %d", card.Reserved, grant)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSequenceWrapAndDuplicates(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 100, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)
	m1 := s.createRequest(1)
	m1.Header.Seq = wire.MaxSeq
	b1 := mustB(m1.Append(nil))
	m2 := s.createRequest(2)
	m2.Header.Seq = 0 // the next after MaxSeq: the counter wrapped
	b2 := mustB(m2.Append(nil))
	r1 := s.roundTrip(b1)
	r2 := s.roundTrip(b2)
	if !bytes.Equal(s.roundTrip(b1), r1) || !bytes.Equal(s.roundTrip(b2), r2) {
		t.Error("retransmissions across the wrap answered differently")
	}
	st := p.Stats()
	if st.SessionsOpen != 2 || st.Duplicates != 2 {
		t.Errorf("open %d duplicates %d, want 2 and 2", st.SessionsOpen, st.Duplicates)
	}
}
