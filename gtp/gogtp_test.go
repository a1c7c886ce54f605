package gtp

import (
	"fmt"
	"testing"
	"time"

	"github.com/wmnsk/go-gtp/gtpv2"
	"github.com/wmnsk/go-gtp/gtpv2/ie"
	"github.com/wmnsk/go-gtp/gtpv2/message"

	"github.com/carriersim/carriersim/sim"
)

// Differential tests against go-gtp, an independent implementation: a
// Create Session Request built with go-gtp's IE constructors is served by
// our gateway, and go-gtp's parser reads our answers; our load client
// drives a gateway built on go-gtp's Conn.

func TestGoGTPRequestsAgainstPGW(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 100, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)
	const card = 11
	id := c.Identity(card)
	loc := c.HomeLocation(card)
	req := message.NewCreateSessionRequest(0, 1,
		ie.NewIMSI(fmt.Sprint(id.IMSI)),
		ie.NewMSISDN(fmt.Sprint(id.MSISDN)),
		ie.NewMobileEquipmentIdentity(fmt.Sprint(sim.FullIMEI(id.DeviceIMEI))),
		ie.NewUserLocationInformationStruct(nil, nil, nil, ie.NewTAI("460", "04", loc.TAC), ie.NewECGI("460", "04", loc.ECI), nil, nil, nil),
		ie.NewServingNetwork("460", "04"),
		ie.NewRATType(gtpv2.RATTypeEUTRAN),
		ie.NewFullyQualifiedTEID(gtpv2.IFTypeS5S8SGWGTPC, 0xabc, "127.0.0.1", ""),
		ie.NewAccessPointName("cmiot"),
		ie.NewSelectionMode(gtpv2.SelectionModeMSorNetworkProvidedAPNSubscribedVerified),
		ie.NewPDNType(gtpv2.PDNTypeIPv4),
		ie.NewPDNAddressAllocation("0.0.0.0"),
		ie.NewBearerContext(
			ie.NewEPSBearerID(5),
			ie.NewBearerQoS(0, 9, 0, 9, 0, 0, 0, 0),
			ie.NewFullyQualifiedTEID(gtpv2.IFTypeS5S8SGWGTPU, 0xdef, "127.0.0.1", "").WithInstance(2),
		),
		ie.NewRecovery(1),
	)
	b, err := message.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	out := s.roundTrip(b)
	resp, err := message.ParseCreateSessionResponse(out)
	if err != nil {
		t.Fatalf("go-gtp cannot parse our response: %v", err)
	}
	if cause, _ := resp.Cause.Cause(); cause != 16 {
		t.Fatalf("cause %d", cause)
	}
	if resp.TEID() != 0xabc || resp.Sequence() != 1 {
		t.Errorf("header TEID %#x seq %d", resp.TEID(), resp.Sequence())
	}
	pgwTEID, _ := resp.SenderFTEIDC.TEID()
	it, _ := resp.SenderFTEIDC.InterfaceType()
	ip, _ := resp.SenderFTEIDC.IPv4()
	if pgwTEID == 0 || it != gtpv2.IFTypeS5S8PGWGTPC || ip.String() != "127.0.0.1" {
		t.Errorf("sender F-TEID %#x %d %v", pgwTEID, it, ip)
	}
	if paa, err := resp.PAA.IPAddress(); err != nil || paa == "" {
		t.Errorf("PAA %q %v", paa, err)
	}
	if len(resp.BearerContextsCreated) != 1 {
		t.Fatalf("%d bearer contexts", len(resp.BearerContextsCreated))
	}
	var ebi uint8
	var userTEID uint32
	for _, child := range resp.BearerContextsCreated[0].ChildIEs {
		switch child.Type {
		case ie.EPSBearerID:
			ebi, _ = child.EPSBearerID()
		case ie.FullyQualifiedTEID:
			userTEID, _ = child.TEID()
		}
	}
	if ebi != 5 || userTEID != pgwTEID {
		t.Errorf("bearer EBI %d user TEID %#x", ebi, userTEID)
	}
	if rec, err := resp.Recovery.Recovery(); err != nil || rec != p.Recovery() {
		t.Errorf("recovery %d %v", rec, err)
	}

	// A refusal's private extension is a well-formed IE to go-gtp too.
	must(t, c.Stop(12))
	req2 := message.NewCreateSessionRequest(0, 2, ie.NewIMSI(fmt.Sprint(c.Identity(12).IMSI)),
		ie.NewRATType(gtpv2.RATTypeEUTRAN),
		ie.NewFullyQualifiedTEID(gtpv2.IFTypeS5S8SGWGTPC, 0xabd, "127.0.0.1", ""),
		ie.NewAccessPointName("cmiot"),
		ie.NewBearerContext(ie.NewEPSBearerID(5), ie.NewBearerQoS(0, 9, 0, 9, 0, 0, 0, 0)))
	b2, _ := message.Marshal(req2)
	resp2, err := message.ParseCreateSessionResponse(s.roundTrip(b2))
	if err != nil {
		t.Fatalf("go-gtp cannot parse our refusal: %v", err)
	}
	if cause, _ := resp2.Cause.Cause(); cause != 89 || resp2.PrivateExtension == nil {
		t.Errorf("refusal cause %d, private extension %v", cause, resp2.PrivateExtension)
	}

	del := message.NewDeleteSessionRequest(pgwTEID, 3, ie.NewEPSBearerID(5))
	b3, _ := message.Marshal(del)
	dresp, err := message.ParseDeleteSessionResponse(s.roundTrip(b3))
	if err != nil {
		t.Fatalf("go-gtp cannot parse our Delete Session Response: %v", err)
	}
	if cause, _ := dresp.Cause.Cause(); cause != 16 || dresp.TEID() != 0xabc {
		t.Errorf("delete: cause %d TEID %#x", cause, dresp.TEID())
	}
}

func TestLoadAgainstGoGTPPGW(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 10_000, nil)
	b, err := NewBaselinePGW(PGWConfig{ControlAddr: "127.0.0.1:0", Carrier: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	run := newRunForTest()
	l, err := startLoadAt(t, c, b.ControlAddr(), run)
	if err != nil {
		t.Fatal(err)
	}
	l.Run(testPhase(t, c, 500, 300*time.Millisecond, 1, 20*time.Millisecond, 0))
	drain(t, l, 400*time.Millisecond)
	run.Tick(time.Now())
	tot := run.Totals()
	n := l.Progress().SessionsStarted
	if n == 0 || tot.Codes["CreateSession:16"] != n || tot.Codes["ModifyBearer:16"] != n || tot.Codes["DeleteSession:16"] != n {
		t.Errorf("codes %v for %d sessions", tot.Codes, n)
	}
	if b.Sessions() != 0 {
		t.Errorf("baseline holds %d sessions", b.Sessions())
	}
}
