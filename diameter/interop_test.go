package diameter

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// TestGoDiameterPeer drives our OCS with messages built by go-diameter, an
// independent implementation, and reads our answers with go-diameter's
// decoder.
func TestGoDiameterPeer(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, nil)
	p := connect(t, s.Addr())
	const card = 77
	id := c.Identity(card)
	loc := c.HomeLocation(card)
	m := diam.NewRequest(diam.CreditControl, 4, dict.Default)
	m.Header.HopByHopID, m.Header.EndToEndID = 4242, 4343
	m.NewAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String("gd;1"))
	m.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity("gd.test"))
	m.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity("test"))
	m.NewAVP(avp.DestinationRealm, avp.Mbit, 0, datatype.DiameterIdentity("carriersim.test"))
	m.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(4))
	m.NewAVP(avp.ServiceContextID, avp.Mbit, 0, datatype.UTF8String("32251@3gpp.org"))
	m.NewAVP(avp.CCRequestType, avp.Mbit, 0, datatype.Enumerated(1))
	m.NewAVP(avp.CCRequestNumber, avp.Mbit, 0, datatype.Unsigned32(0))
	m.NewAVP(avp.SubscriptionID, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
		diam.NewAVP(avp.SubscriptionIDType, avp.Mbit, 0, datatype.Enumerated(1)),
		diam.NewAVP(avp.SubscriptionIDData, avp.Mbit, 0, datatype.UTF8String(itoa(id.IMSI))),
	}})
	m.NewAVP(avp.MultipleServicesCreditControl, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
		diam.NewAVP(avp.RequestedServiceUnit, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
			diam.NewAVP(avp.CCTotalOctets, avp.Mbit, 0, datatype.Unsigned64(500_000))}}),
		diam.NewAVP(avp.RatingGroup, avp.Mbit, 0, datatype.Unsigned32(9)),
	}})
	m.NewAVP(avp.TGPPUserLocationInfo, avp.Vbit, 10415, datatype.OctetString(uliOf(loc, nil)))
	m.NewAVP(avp.ProxyInfo, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
		diam.NewAVP(avp.ProxyHost, avp.Mbit, 0, datatype.DiameterIdentity("dra.test")),
		diam.NewAVP(avp.ProxyState, avp.Mbit, 0, datatype.OctetString("state-1")),
	}})
	b, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	p.send(b)
	ans, err := diam.ReadMessage(bytes.NewReader(p.read()), dict.Default)
	if err != nil {
		t.Fatalf("go-diameter cannot read our CCA: %v", err)
	}
	if ans.Header.HopByHopID != 4242 || ans.Header.EndToEndID != 4343 || ans.Header.CommandFlags&diam.RequestFlag != 0 {
		t.Fatalf("header %+v", ans.Header)
	}
	rc, err := ans.FindAVP(avp.ResultCode, 0)
	if err != nil || rc.Data.(datatype.Unsigned32) != 2001 {
		t.Fatalf("Result-Code %v, %v", rc, err)
	}
	gsu, err := ans.FindAVPsWithPath([]interface{}{avp.MultipleServicesCreditControl, avp.GrantedServiceUnit, avp.CCTotalOctets}, 0)
	if err != nil || len(gsu) != 1 || gsu[0].Data.(datatype.Unsigned64) != 500_000 {
		t.Fatalf("granted %v, %v", gsu, err)
	}
	rg, err := ans.FindAVPsWithPath([]interface{}{avp.MultipleServicesCreditControl, avp.RatingGroup}, 0)
	if err != nil || len(rg) != 1 || rg[0].Data.(datatype.Unsigned32) != 9 {
		t.Fatalf("rating group %v, %v", rg, err)
	}
	pi, err := ans.FindAVPsWithPath([]interface{}{avp.ProxyInfo, avp.ProxyState}, 0)
	if err != nil || len(pi) != 1 || string(pi[0].Data.(datatype.OctetString)) != "state-1" {
		t.Fatalf("Proxy-Info not echoed: %v, %v", pi, err)
	}
}

// TestLoadSurvivesBadAnswers points the load client at a fake OCS that
// answers every CCR with a CCA whose last AVP is truncated (go-diameter's
// own client panics on that), then with garbage after a good header: the
// client counts errors and goes on.
func TestLoadSurvivesBadAnswers(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go fakeOCS(t, ln)
	l, run := startLoad(t, c, []string{ln.Addr().String()}, func(cfg *LoadConfig) {
		cfg.Workers, cfg.Connections, cfg.Timeout = 1, 1, 200*time.Millisecond
	})
	l.Run(phase(200, 100*time.Millisecond, 0, 0, 10, 100))
	for deadline := time.Now().Add(3 * time.Second); l.Progress().SessionsStarted < 20 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	waitIdle(t, l, 5*time.Second)
	run.Tick(time.Now())
	if n := run.CountWhere(metrics.Filter{Message: "CCR-I", Class: "error"}, metrics.AllLabels); n != 20 {
		t.Fatalf("%d CCR-I errors, want 20 (totals %+v)", n, run.Totals())
	}
}

// fakeOCS completes CER, then answers each CCR with a malformed CCA.
func fakeOCS(t *testing.T, ln net.Listener) {
	nc, err := ln.Accept()
	if err != nil {
		return
	}
	defer nc.Close()
	var buf []byte
	tmp := make([]byte, 64<<10)
	n := 0
	for {
		k, err := nc.Read(tmp)
		if err != nil {
			return
		}
		buf = append(buf, tmp[:k]...)
		for {
			fl, ferr := wire.Frame(buf, 0)
			if ferr != nil {
				break
			}
			msg := buf[:fl]
			h, _ := wire.ParseHeader(msg)
			var out []byte
			switch h.Code {
			case wire.CommandCapabilitiesExchange:
				var a wire.CEA
				a.Header = h
				a.Header.Flags = 0
				a.ResultCode = wire.Success
				a.OriginHost, a.OriginRealm = []byte("fake"), []byte("fake")
				out, _ = a.Append(nil)
			case wire.CommandCreditControl:
				var r wire.CCR
				_ = r.Decode(msg)
				var a wire.CCA
				a.ReplyTo(&r)
				a.OriginHost, a.OriginRealm = []byte("fake"), []byte("fake")
				a.ResultCode = wire.Success
				out, _ = a.Append(nil)
				n++
				if n%2 == 0 {
					// The last AVP claims 64 more bytes than there are.
					out[len(out)-12+7] += 64
				} else {
					// A good header, then bytes that are no AVP at all.
					out = append(out[:wire.HeaderLen], 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 3)
					out[1], out[2], out[3] = 0, 0, byte(len(out))
				}
			}
			buf = buf[fl:]
			if out != nil {
				if _, err := nc.Write(out); err != nil {
					return
				}
			}
		}
	}
}

var _ = sim.KindInitial
