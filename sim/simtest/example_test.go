package simtest_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
	"github.com/fiorix/go-diameter/v4/diam/sm"
	"github.com/wmnsk/go-gtp/gtpv2"
	"github.com/wmnsk/go-gtp/gtpv2/ie"
	"github.com/wmnsk/go-gtp/gtpv2/message"

	"github.com/carriersim/carriersim/sim/simtest"
)

// A test of a Gy client (a PCEF's charging side) against the fake OCS:
// connect, open a session for a card, read the quota granted, and see
// that a stop of the card reaches the open session as a Re-Auth-Request.
// (The function is the body of a TestXxx; examples have no *testing.T.)
func Example_gyClient() {
	testGyClient := func(t *testing.T) {
		fake := simtest.NewCarrier(t, simtest.WithCards(100))
		card := uint32(42)

		// The client under test, here written with go-diameter.
		mux := sm.New(&sm.Settings{OriginHost: "pcef.example", OriginRealm: "example",
			HostIPAddresses: []datatype.Address{datatype.Address(net.ParseIP("127.0.0.1"))}})
		ccas, rars := make(chan *diam.Message, 1), make(chan *diam.Message, 1)
		mux.Handle("CCA", diam.HandlerFunc(func(_ diam.Conn, m *diam.Message) { ccas <- m }))
		mux.Handle("RAR", diam.HandlerFunc(func(c diam.Conn, m *diam.Message) {
			a := m.Answer(diam.Success)
			a.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity("pcef.example"))
			a.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity("example"))
			a.WriteTo(c)
			rars <- m
		}))
		cli := &sm.Client{Dict: dict.Default, Handler: mux,
			AuthApplicationID: []*diam.AVP{diam.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(4))}}
		conn, err := cli.DialNetwork("tcp", fake.GyAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()

		ccr := diam.NewRequest(diam.CreditControl, 4, dict.Default)
		ccr.NewAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String("pcef.example;1"))
		ccr.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity("pcef.example"))
		ccr.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity("example"))
		ccr.NewAVP(avp.DestinationRealm, avp.Mbit, 0, datatype.DiameterIdentity(fake.OriginRealm))
		ccr.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(4))
		ccr.NewAVP(avp.ServiceContextID, avp.Mbit, 0, datatype.UTF8String("32251@3gpp.org"))
		ccr.NewAVP(avp.CCRequestType, avp.Mbit, 0, datatype.Enumerated(1))
		ccr.NewAVP(avp.CCRequestNumber, avp.Mbit, 0, datatype.Unsigned32(0))
		ccr.NewAVP(avp.SubscriptionID, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
			diam.NewAVP(avp.SubscriptionIDType, avp.Mbit, 0, datatype.Enumerated(1)),
			diam.NewAVP(avp.SubscriptionIDData, avp.Mbit, 0, datatype.UTF8String(fake.IMSI(card))),
		}})
		ccr.NewAVP(avp.MultipleServicesCreditControl, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
			diam.NewAVP(avp.RequestedServiceUnit, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
				diam.NewAVP(avp.CCTotalOctets, avp.Mbit, 0, datatype.Unsigned64(1<<20))}}),
		}})
		if _, err := ccr.WriteTo(conn); err != nil {
			t.Fatal(err)
		}
		cca := <-ccas
		if rc, _ := cca.FindAVP(avp.ResultCode, 0); rc.Data.(datatype.Unsigned32) != 2001 {
			t.Fatalf("CCR-I answered %v", rc.Data)
		}

		fake.Stop(card) // the customer suspends the card
		select {
		case <-rars: // the client must now report and re-authorise
		case <-time.After(5 * time.Second):
			t.Fatal("no RAR")
		}
		if got := fake.Asked(card); len(got) != 1 || got[0] != "CCR-I" {
			t.Fatalf("the fake was asked %v", got)
		}
	}
	_ = testGyClient
}

// A test of an SGW's S5 side against the fake PGW: create a session for a
// card, and see the network tear it down when the card stops. The fake's
// PGW charges over Gy at its own OCS; ForceCause makes the next request of
// a card fail.
func Example_sgw() {
	testSGW := func(t *testing.T) {
		fake := simtest.NewCarrier(t, simtest.WithCards(100))
		card := uint32(7)

		// The SGW under test, here written with go-gtp.
		pgw, _ := net.ResolveUDPAddr("udp", fake.GTPCAddr)
		conn, err := gtpv2.Dial(context.Background(), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, pgw, gtpv2.IFTypeS5S8SGWGTPC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		got := make(chan message.Message, 4)
		deliver := func(_ *gtpv2.Conn, _ net.Addr, m message.Message) error { got <- m; return nil }
		conn.AddHandler(message.MsgTypeCreateSessionResponse, deliver)
		conn.AddHandler(message.MsgTypeDeleteBearerRequest, deliver)

		_, _, err = conn.CreateSession(pgw, ie.NewIMSI(fake.IMSI(card)), ie.NewRATType(gtpv2.RATTypeEUTRAN),
			ie.NewFullyQualifiedTEID(gtpv2.IFTypeS5S8SGWGTPC, 0x100, "127.0.0.1", ""),
			ie.NewAccessPointName("cmiot"),
			ie.NewBearerContext(ie.NewEPSBearerID(5), ie.NewBearerQoS(0, 9, 0, 9, 0, 0, 0, 0)))
		if err != nil {
			t.Fatal(err)
		}
		csr := (<-got).(*message.CreateSessionResponse)
		if cause, _ := csr.Cause.Cause(); cause != gtpv2.CauseRequestAccepted {
			t.Fatalf("Create Session refused: cause %d", cause)
		}

		fake.Stop(card)
		if _, ok := (<-got).(*message.DeleteBearerRequest); !ok {
			t.Fatal("want a Delete Bearer Request after the stop")
		}
	}
	_ = testSGW
}
