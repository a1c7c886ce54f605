package simtest_test

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
	"github.com/fiorix/go-diameter/v4/diam/sm"
)

// gyClient is a Gy client (a PCEF, say) written only against go-diameter's
// public API, as a user of the fake would write one: sm.Client for the
// capabilities exchange over real TCP, diam.NewRequest for the CCRs.
type gyClient struct {
	t    testing.TB
	conn diam.Conn
	host string
	ccas chan *diam.Message
	rars chan *diam.Message
	asrs chan *diam.Message
	hbh  uint32
}

// dialGy connects to addr. One connection per sm.Client: go-diameter's
// client has panicked opening several at once (shared/LIBRARIES.md).
func dialGy(t testing.TB, addr string) *gyClient {
	t.Helper()
	g := &gyClient{t: t, host: "pcef.test", ccas: make(chan *diam.Message, 16), rars: make(chan *diam.Message, 16),
		asrs: make(chan *diam.Message, 16)}
	mux := sm.New(&sm.Settings{OriginHost: datatype.DiameterIdentity(g.host), OriginRealm: "test",
		VendorID: 0, ProductName: "simtest-client", OriginStateID: datatype.Unsigned32(time.Now().Unix()),
		HostIPAddresses: []datatype.Address{datatype.Address(net.ParseIP("127.0.0.1"))}})
	mux.Handle("CCA", diam.HandlerFunc(func(_ diam.Conn, m *diam.Message) { g.ccas <- m }))
	answer := func(ch chan *diam.Message) diam.HandlerFunc {
		return func(c diam.Conn, m *diam.Message) {
			a := m.Answer(diam.Success)
			a.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(g.host))
			a.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity("test"))
			_, _ = a.WriteTo(c)
			ch <- m
		}
	}
	mux.Handle("RAR", answer(g.rars))
	mux.Handle("ASR", answer(g.asrs))
	go func() {
		for range mux.ErrorReports() {
		}
	}()
	cli := &sm.Client{Dict: dict.Default, Handler: mux,
		AuthApplicationID: []*diam.AVP{diam.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(4))}}
	conn, err := cli.DialNetwork("tcp", addr)
	if err != nil {
		t.Fatalf("go-diameter client: %v", err)
	}
	t.Cleanup(conn.Close)
	g.conn = conn
	return g
}

// CC-Request-Type values (RFC 4006 §8.3).
const (
	initial     = 1
	update      = 2
	termination = 3
)

// ccr sends a CCR for session sid and returns the CCA. want > 0 asks for
// that many octets; used > 0 reports usage.
func (g *gyClient) ccr(sid string, typ, num uint32, imsi string, want, used uint64) *diam.Message {
	g.t.Helper()
	m := diam.NewRequest(diam.CreditControl, 4, dict.Default)
	g.hbh++
	m.Header.HopByHopID, m.Header.EndToEndID = g.hbh, g.hbh+1000
	m.NewAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String(sid))
	m.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(g.host))
	m.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity("test"))
	m.NewAVP(avp.DestinationRealm, avp.Mbit, 0, datatype.DiameterIdentity("carriersim.test"))
	m.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(4))
	m.NewAVP(avp.ServiceContextID, avp.Mbit, 0, datatype.UTF8String("32251@3gpp.org"))
	m.NewAVP(avp.CCRequestType, avp.Mbit, 0, datatype.Enumerated(typ))
	m.NewAVP(avp.CCRequestNumber, avp.Mbit, 0, datatype.Unsigned32(num))
	if imsi != "" {
		m.NewAVP(avp.SubscriptionID, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
			diam.NewAVP(avp.SubscriptionIDType, avp.Mbit, 0, datatype.Enumerated(1)), // END_USER_IMSI
			diam.NewAVP(avp.SubscriptionIDData, avp.Mbit, 0, datatype.UTF8String(imsi)),
		}})
	}
	mscc := []*diam.AVP{diam.NewAVP(avp.RatingGroup, avp.Mbit, 0, datatype.Unsigned32(1))}
	if want > 0 {
		mscc = append(mscc, diam.NewAVP(avp.RequestedServiceUnit, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
			diam.NewAVP(avp.CCTotalOctets, avp.Mbit, 0, datatype.Unsigned64(want))}}))
	}
	if used > 0 {
		mscc = append(mscc, diam.NewAVP(avp.UsedServiceUnit, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
			diam.NewAVP(avp.CCTotalOctets, avp.Mbit, 0, datatype.Unsigned64(used))}}))
	}
	m.NewAVP(avp.MultipleServicesCreditControl, avp.Mbit, 0, &diam.GroupedAVP{AVP: mscc})
	if _, err := m.WriteTo(g.conn); err != nil {
		g.t.Fatalf("send CCR: %v", err)
	}
	select {
	case a := <-g.ccas:
		return a
	case <-time.After(5 * time.Second):
		g.t.Fatalf("no CCA for %s", sid)
		return nil
	}
}

// resultCode returns the answer's Result-Code.
func resultCode(t testing.TB, m *diam.Message) uint32 {
	t.Helper()
	a, err := m.FindAVP(avp.ResultCode, 0)
	if err != nil {
		t.Fatalf("answer without Result-Code: %v", err)
	}
	return uint32(a.Data.(datatype.Unsigned32))
}

// granted returns the octets granted in the answer's MSCC, 0 when none.
func granted(m *diam.Message) uint64 {
	l, err := m.FindAVPsWithPath([]any{avp.MultipleServicesCreditControl, avp.GrantedServiceUnit, avp.CCTotalOctets}, 0)
	if err != nil || len(l) == 0 {
		return 0
	}
	return uint64(l[0].Data.(datatype.Unsigned64))
}

// sessionID returns the Session-Id of a message.
func sessionID(t testing.TB, m *diam.Message) string {
	t.Helper()
	a, err := m.FindAVP(avp.SessionID, 0)
	if err != nil {
		t.Fatalf("no Session-Id: %v", err)
	}
	return string(a.Data.(datatype.UTF8String))
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
