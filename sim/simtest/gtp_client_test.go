package simtest_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/wmnsk/go-gtp/gtpv2"
	"github.com/wmnsk/go-gtp/gtpv2/ie"
	"github.com/wmnsk/go-gtp/gtpv2/message"
)

// sgwClient is an SGW's S5 side written only against go-gtp's public API,
// as a user of the fake would write one: a gtpv2.Conn over real UDP (Dial
// checks the PGW with an Echo exchange first), handlers for the answers.
type sgwClient struct {
	t     testing.TB
	conn  *gtpv2.Conn
	pgw   net.Addr
	resps chan message.Message
}

func dialSGW(t testing.TB, pgwAddr string) *sgwClient {
	t.Helper()
	raddr, err := net.ResolveUDPAddr("udp", pgwAddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	conn, err := gtpv2.Dial(ctx, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, raddr, gtpv2.IFTypeS5S8SGWGTPC, 0)
	if err != nil {
		t.Fatalf("go-gtp Dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &sgwClient{t: t, conn: conn, pgw: raddr, resps: make(chan message.Message, 16)}
	deliver := func(_ *gtpv2.Conn, _ net.Addr, m message.Message) error { s.resps <- m; return nil }
	conn.AddHandlers(map[uint8]gtpv2.HandlerFunc{
		message.MsgTypeCreateSessionResponse: deliver,
		message.MsgTypeDeleteSessionResponse: deliver,
		message.MsgTypeDeleteBearerRequest:   deliver,
	})
	return s
}

func (s *sgwClient) next(what string) message.Message {
	s.t.Helper()
	select {
	case m := <-s.resps:
		return m
	case <-time.After(5 * time.Second):
		s.t.Fatalf("no %s", what)
		return nil
	}
}

// create sends a Create Session Request for imsi and returns the response.
func (s *sgwClient) create(imsi, msisdn, imei string, sgwTEID uint32) *message.CreateSessionResponse {
	s.t.Helper()
	_, _, err := s.conn.CreateSession(s.pgw,
		ie.NewIMSI(imsi), ie.NewMSISDN(msisdn), ie.NewMobileEquipmentIdentity(imei),
		ie.NewServingNetwork("460", "04"), ie.NewRATType(gtpv2.RATTypeEUTRAN),
		ie.NewFullyQualifiedTEID(gtpv2.IFTypeS5S8SGWGTPC, sgwTEID, "127.0.0.1", ""),
		ie.NewAccessPointName("cmiot"), ie.NewSelectionMode(gtpv2.SelectionModeMSorNetworkProvidedAPNSubscribedVerified),
		ie.NewPDNType(gtpv2.PDNTypeIPv4), ie.NewPDNAddressAllocation("0.0.0.0"),
		ie.NewBearerContext(ie.NewEPSBearerID(5), ie.NewBearerQoS(0, 9, 0, 9, 0, 0, 0, 0),
			ie.NewFullyQualifiedTEID(gtpv2.IFTypeS5S8SGWGTPU, sgwTEID, "127.0.0.1", "").WithInstance(2)))
	if err != nil {
		s.t.Fatalf("CreateSession: %v", err)
	}
	m, ok := s.next("Create Session Response").(*message.CreateSessionResponse)
	if !ok {
		s.t.Fatal("want a Create Session Response")
	}
	return m
}

// delete sends a Delete Session Request for the PGW's TEID.
func (s *sgwClient) delete(pgwTEID uint32) *message.DeleteSessionResponse {
	s.t.Helper()
	b, err := message.Marshal(message.NewDeleteSessionRequest(pgwTEID, s.conn.IncSequence(), ie.NewEPSBearerID(5)))
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.conn.WriteTo(b, s.pgw); err != nil {
		s.t.Fatal(err)
	}
	m, ok := s.next("Delete Session Response").(*message.DeleteSessionResponse)
	if !ok {
		s.t.Fatal("want a Delete Session Response")
	}
	return m
}

func causeOf(t testing.TB, c *ie.IE) uint8 {
	t.Helper()
	if c == nil {
		t.Fatal("no Cause IE")
	}
	v, err := c.Cause()
	if err != nil {
		t.Fatal(err)
	}
	return v
}
