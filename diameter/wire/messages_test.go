package wire

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"testing"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
)

// Round trips and go-diameter differentials for the small messages: RAR,
// RAA, ASR, ASA, CER, CEA, DWR, DWA, DPR, DPA and the generic error answer.

// message is what every message type here implements.
type message interface {
	Append([]byte) ([]byte, error)
	Decode([]byte) error
}

func gdNew(code uint32, flags uint8, app uint32, h Header) *diam.Message {
	return diam.NewMessage(code, flags, app, h.HopByHop, h.EndToEnd, dict.Default)
}

func sampleProxyInfo() []byte {
	return group(AVPProxyInfo, flagM, 0, str(AVPProxyHost, "dra1.carriersim.test"), AppendAVP(nil, AVPProxyState, flagM, 0, []byte{7, 7}))
}

func sessionRequest() SessionRequest {
	r := SessionRequest{
		Header:            Header{HopByHop: 0x100, EndToEnd: 0x200},
		SessionID:         []byte("pgw01;1;2"),
		OriginHost:        []byte("ocs01.carriersim.test"),
		OriginRealm:       []byte("carriersim.test"),
		DestinationRealm:  []byte("epc.test"),
		DestinationHost:   []byte("pgw01.epc.test"),
		AuthApplicationID: 4,
		HasOriginStateID:  true,
		OriginStateID:     12,
		NumProxyInfo:      1,
		NumRouteRecord:    1,
	}
	r.ProxyInfo[0] = sampleProxyInfo()
	r.RouteRecord[0] = []byte("dra1.carriersim.test")
	return r
}

func gdSessionRequest(m *diam.Message, r *SessionRequest) {
	m.AddAVP(gdAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String(r.SessionID)))
	m.AddAVP(gdAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(r.OriginHost)))
	m.AddAVP(gdAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(r.OriginRealm)))
	m.AddAVP(gdAVP(avp.DestinationRealm, avp.Mbit, 0, datatype.DiameterIdentity(r.DestinationRealm)))
	m.AddAVP(gdAVP(avp.DestinationHost, avp.Mbit, 0, datatype.DiameterIdentity(r.DestinationHost)))
	m.AddAVP(gdAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(r.AuthApplicationID)))
}

func gdSessionRequestTail(m *diam.Message, r *SessionRequest) {
	m.AddAVP(gdAVP(avp.OriginStateID, avp.Mbit, 0, datatype.Unsigned32(r.OriginStateID)))
	m.AddAVP(gdRaw(r.ProxyInfo[0]))
	m.AddAVP(gdAVP(avp.RouteRecord, avp.Mbit, 0, datatype.DiameterIdentity(r.RouteRecord[0])))
}

func sessionAnswer() SessionAnswer {
	a := SessionAnswer{
		Header:           Header{HopByHop: 0x100, EndToEnd: 0x200},
		SessionID:        []byte("pgw01;1;2"),
		ResultCode:       UnknownSessionID,
		OriginHost:       []byte("pgw01.epc.test"),
		OriginRealm:      []byte("epc.test"),
		HasOriginStateID: true,
		OriginStateID:    3,
		ErrorMessage:     []byte("no such session"),
		FailedAVP:        str(AVPSessionID, "pgw01;1;2"),
		NumProxyInfo:     1,
	}
	a.ProxyInfo[0] = sampleProxyInfo()
	return a
}

func gdSessionAnswer(m *diam.Message, a *SessionAnswer) {
	m.AddAVP(gdAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String(a.SessionID)))
	m.AddAVP(gdAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(a.ResultCode)))
	m.AddAVP(gdAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(a.OriginHost)))
	m.AddAVP(gdAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(a.OriginRealm)))
	m.AddAVP(gdAVP(avp.OriginStateID, avp.Mbit, 0, datatype.Unsigned32(a.OriginStateID)))
	m.AddAVP(gdAVP(avp.ErrorMessage, 0, 0, datatype.UTF8String(a.ErrorMessage)))
	m.AddAVP(gdAVP(avp.FailedAVP, avp.Mbit, 0, datatype.Grouped(a.FailedAVP)))
	m.AddAVP(gdRaw(a.ProxyInfo[0]))
}

func capabilities() Capabilities {
	return Capabilities{
		OriginHost:                   []byte("ocs01.carriersim.test"),
		OriginRealm:                  []byte("carriersim.test"),
		HostIPAddresses:              []netip.Addr{netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("2001:db8::1")},
		VendorID:                     Vendor3GPP,
		ProductName:                  []byte("carriersim"),
		HasOriginStateID:             true,
		OriginStateID:                1700000000,
		SupportedVendorIDs:           []uint32{Vendor3GPP},
		AuthApplicationIDs:           []uint32{AppCreditControl},
		AcctApplicationIDs:           []uint32{3},
		VendorSpecificApplicationIDs: []VendorSpecificApplicationID{{VendorID: Vendor3GPP, AuthApplicationID: AppCreditControl}},
		HasFirmwareRevision:          true,
		FirmwareRevision:             1,
	}
}

func gdCapabilitiesHead(m *diam.Message, c *Capabilities) {
	m.AddAVP(gdAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(c.OriginHost)))
	m.AddAVP(gdAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(c.OriginRealm)))
	for _, ip := range c.HostIPAddresses {
		m.AddAVP(gdAVP(avp.HostIPAddress, avp.Mbit, 0, datatype.Address(net.IP(ip.AsSlice()))))
	}
	m.AddAVP(gdAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(c.VendorID)))
	m.AddAVP(gdAVP(avp.ProductName, 0, 0, datatype.UTF8String(c.ProductName)))
	m.AddAVP(gdAVP(avp.OriginStateID, avp.Mbit, 0, datatype.Unsigned32(c.OriginStateID)))
}

func gdCapabilitiesTail(m *diam.Message, c *Capabilities) {
	m.AddAVP(gdAVP(avp.SupportedVendorID, avp.Mbit, 0, datatype.Unsigned32(c.SupportedVendorIDs[0])))
	m.AddAVP(gdAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(c.AuthApplicationIDs[0])))
	m.AddAVP(gdAVP(avp.AcctApplicationID, avp.Mbit, 0, datatype.Unsigned32(c.AcctApplicationIDs[0])))
	v := c.VendorSpecificApplicationIDs[0]
	m.AddAVP(gdGroup(avp.VendorSpecificApplicationID, avp.Mbit, 0,
		gdAVP(avp.VendorID, avp.Mbit, 0, datatype.Unsigned32(v.VendorID)),
		gdAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(v.AuthApplicationID))))
	m.AddAVP(gdAVP(avp.FirmwareRevision, 0, 0, datatype.Unsigned32(c.FirmwareRevision)))
}

func TestSmallMessagesDifferential(t *testing.T) {
	t.Parallel()
	rar := &RAR{SessionRequest: sessionRequest(), ReAuthRequestType: AuthorizeOnly,
		HasServiceID: true, ServiceID: 5, HasRatingGroup: true, RatingGroup: 10}
	asr := &ASR{SessionRequest: sessionRequest()}
	raa := &RAA{SessionAnswer: sessionAnswer()}
	asa := &ASA{SessionAnswer: sessionAnswer()}
	cer := &CER{Header: Header{HopByHop: 1, EndToEnd: 2}, Capabilities: capabilities()}
	cea := &CEA{Header: Header{HopByHop: 1, EndToEnd: 2}, ResultCode: Success,
		ErrorMessage: []byte("welcome"), FailedAVP: u32(AVPAuthApplicationID, 5), Capabilities: capabilities()}
	dwr := &DWR{Header: Header{HopByHop: 3, EndToEnd: 4}, OriginHost: []byte("a"), OriginRealm: []byte("b"), HasOriginStateID: true, OriginStateID: 9}
	dwa := &DWA{Header: Header{HopByHop: 3, EndToEnd: 4}, ResultCode: Success, OriginHost: []byte("a"), OriginRealm: []byte("b"),
		ErrorMessage: []byte("ok"), FailedAVP: u32(1, 1), HasOriginStateID: true, OriginStateID: 9}
	dpr := &DPR{Header: Header{HopByHop: 5, EndToEnd: 6}, OriginHost: []byte("a"), OriginRealm: []byte("b"), DisconnectCause: DisconnectBusy}
	dpa := &DPA{Header: Header{HopByHop: 5, EndToEnd: 6}, ResultCode: Success, OriginHost: []byte("a"), OriginRealm: []byte("b"),
		ErrorMessage: []byte("bye"), FailedAVP: u32(1, 1)}

	tests := []struct {
		name  string
		msg   message
		fresh func() message
		gd    func() *diam.Message
		flags CommandFlags
	}{
		{"RAR", rar, func() message { return new(RAR) }, func() *diam.Message {
			m := gdNew(CommandReAuth, diam.RequestFlag|diam.ProxiableFlag, AppCreditControl, rar.Header)
			gdSessionRequest(m, &rar.SessionRequest)
			m.AddAVP(gdAVP(avp.ReAuthRequestType, avp.Mbit, 0, datatype.Enumerated(rar.ReAuthRequestType)))
			gdSessionRequestTail(m, &rar.SessionRequest)
			m.AddAVP(gdAVP(avp.ServiceIdentifier, avp.Mbit, 0, datatype.Unsigned32(rar.ServiceID)))
			m.AddAVP(gdAVP(avp.RatingGroup, avp.Mbit, 0, datatype.Unsigned32(rar.RatingGroup)))
			return m
		}, FlagRequest | FlagProxiable},
		{"ASR", asr, func() message { return new(ASR) }, func() *diam.Message {
			m := gdNew(CommandAbortSession, diam.RequestFlag|diam.ProxiableFlag, AppCreditControl, asr.Header)
			gdSessionRequest(m, &asr.SessionRequest)
			gdSessionRequestTail(m, &asr.SessionRequest)
			return m
		}, FlagRequest | FlagProxiable},
		{"RAA", raa, func() message { return new(RAA) }, func() *diam.Message {
			m := gdNew(CommandReAuth, diam.ProxiableFlag, AppCreditControl, raa.Header)
			gdSessionAnswer(m, &raa.SessionAnswer)
			return m
		}, FlagProxiable},
		{"ASA", asa, func() message { return new(ASA) }, func() *diam.Message {
			m := gdNew(CommandAbortSession, diam.ProxiableFlag, AppCreditControl, asa.Header)
			gdSessionAnswer(m, &asa.SessionAnswer)
			return m
		}, FlagProxiable},
		{"CER", cer, func() message { return new(CER) }, func() *diam.Message {
			m := gdNew(CommandCapabilitiesExchange, diam.RequestFlag, AppCommon, cer.Header)
			gdCapabilitiesHead(m, &cer.Capabilities)
			gdCapabilitiesTail(m, &cer.Capabilities)
			return m
		}, FlagRequest},
		{"CEA", cea, func() message { return new(CEA) }, func() *diam.Message {
			m := gdNew(CommandCapabilitiesExchange, 0, AppCommon, cea.Header)
			m.AddAVP(gdAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(cea.ResultCode)))
			gdCapabilitiesHead(m, &cea.Capabilities)
			m.AddAVP(gdAVP(avp.ErrorMessage, 0, 0, datatype.UTF8String(cea.ErrorMessage)))
			m.AddAVP(gdAVP(avp.FailedAVP, avp.Mbit, 0, datatype.Grouped(cea.FailedAVP)))
			gdCapabilitiesTail(m, &cea.Capabilities)
			return m
		}, 0},
		{"DWR", dwr, func() message { return new(DWR) }, func() *diam.Message {
			m := gdNew(CommandDeviceWatchdog, diam.RequestFlag, AppCommon, dwr.Header)
			m.AddAVP(gdAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(dwr.OriginHost)))
			m.AddAVP(gdAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(dwr.OriginRealm)))
			m.AddAVP(gdAVP(avp.OriginStateID, avp.Mbit, 0, datatype.Unsigned32(dwr.OriginStateID)))
			return m
		}, FlagRequest},
		{"DWA", dwa, func() message { return new(DWA) }, func() *diam.Message {
			m := gdNew(CommandDeviceWatchdog, 0, AppCommon, dwa.Header)
			m.AddAVP(gdAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(dwa.ResultCode)))
			m.AddAVP(gdAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(dwa.OriginHost)))
			m.AddAVP(gdAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(dwa.OriginRealm)))
			m.AddAVP(gdAVP(avp.ErrorMessage, 0, 0, datatype.UTF8String(dwa.ErrorMessage)))
			m.AddAVP(gdAVP(avp.FailedAVP, avp.Mbit, 0, datatype.Grouped(dwa.FailedAVP)))
			m.AddAVP(gdAVP(avp.OriginStateID, avp.Mbit, 0, datatype.Unsigned32(dwa.OriginStateID)))
			return m
		}, 0},
		{"DPR", dpr, func() message { return new(DPR) }, func() *diam.Message {
			m := gdNew(CommandDisconnectPeer, diam.RequestFlag, AppCommon, dpr.Header)
			m.AddAVP(gdAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(dpr.OriginHost)))
			m.AddAVP(gdAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(dpr.OriginRealm)))
			m.AddAVP(gdAVP(avp.DisconnectCause, avp.Mbit, 0, datatype.Enumerated(dpr.DisconnectCause)))
			return m
		}, FlagRequest},
		{"DPA", dpa, func() message { return new(DPA) }, func() *diam.Message {
			m := gdNew(CommandDisconnectPeer, 0, AppCommon, dpa.Header)
			m.AddAVP(gdAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(dpa.ResultCode)))
			m.AddAVP(gdAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(dpa.OriginHost)))
			m.AddAVP(gdAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(dpa.OriginRealm)))
			m.AddAVP(gdAVP(avp.ErrorMessage, 0, 0, datatype.UTF8String(dpa.ErrorMessage)))
			m.AddAVP(gdAVP(avp.FailedAVP, avp.Mbit, 0, datatype.Grouped(dpa.FailedAVP)))
			return m
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ours, err := tt.msg.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := CommandFlags(ours[4]); got != tt.flags {
				t.Errorf("flags %#x, want %#x", got, tt.flags)
			}
			theirs := gdSerialize(tt.gd())
			if !bytes.Equal(ours, theirs) {
				t.Errorf("encodings differ\n ours   %x\n theirs %x", ours, theirs)
			}
			if _, err := gdRead(ours); err != nil {
				t.Errorf("go-diameter cannot read ours: %v", err)
			}
			got := tt.fresh()
			if err := got.Decode(theirs); err != nil {
				t.Fatalf("Decode go-diameter's: %v", err)
			}
			// Compare with the original, its header completed as decoded.
			want := reflect.ValueOf(tt.msg).Elem()
			gotV := reflect.ValueOf(got).Elem()
			hdr := headerField(gotV)
			wantCopy := reflect.New(want.Type()).Elem()
			wantCopy.Set(want)
			headerField(wantCopy).Set(hdr)
			if !reflect.DeepEqual(gotV.Interface(), wantCopy.Interface()) {
				t.Errorf("decoded differently: %s", diff(gotV.Addr().Interface(), wantCopy.Addr().Interface()))
			}
		})
	}
}

// headerField finds the Header field of a message struct, embedded or not.
func headerField(v reflect.Value) reflect.Value {
	if f := v.FieldByName("Header"); f.IsValid() {
		return f
	}
	panic("no Header in " + v.Type().String())
}

func TestSmallMessagesDecodeErrors(t *testing.T) {
	t.Parallel()
	rarAVPs := func(drop uint32, extra ...[]byte) []byte {
		all := []struct {
			code uint32
			b    []byte
		}{
			{AVPSessionID, str(AVPSessionID, "s")},
			{AVPOriginHost, str(AVPOriginHost, "o")},
			{AVPOriginRealm, str(AVPOriginRealm, "r")},
			{AVPDestinationRealm, str(AVPDestinationRealm, "d")},
			{AVPDestinationHost, str(AVPDestinationHost, "h")},
			{AVPAuthApplicationID, u32(AVPAuthApplicationID, 4)},
			{AVPReAuthRequestType, u32(AVPReAuthRequestType, 0)},
		}
		var avps [][]byte
		for _, a := range all {
			if a.code != drop {
				avps = append(avps, a.b)
			}
		}
		return testMsg(FlagRequest|FlagProxiable, CommandReAuth, AppCreditControl, append(avps, extra...)...)
	}
	tests := []struct {
		name    string
		m       message
		msg     []byte
		rc      ResultCode
		avpCode uint32
	}{
		{"RAR ok", new(RAR), rarAVPs(0), 0, 0},
		{"RAR without Re-Auth-Request-Type", new(RAR), rarAVPs(AVPReAuthRequestType), MissingAVP, AVPReAuthRequestType},
		{"RAR without Destination-Host", new(RAR), rarAVPs(AVPDestinationHost), MissingAVP, AVPDestinationHost},
		{"RAR with unknown M AVP", new(RAR), rarAVPs(0, u32(9999, 0)), AVPUnsupported, 9999},
		{"RAR with two Rating-Groups", new(RAR), rarAVPs(0, u32(AVPRatingGroup, 1), u32(AVPRatingGroup, 2)), AVPOccursTooManyTimes, AVPRatingGroup},
		{"RAR tolerates User-Name", new(RAR), rarAVPs(0, str(AVPUserName, "u")), 0, 0},
		{"ASR from a RAR", new(ASR), rarAVPs(0), CommandUnsupported, 0},
		{"CER without Host-IP-Address", new(CER), testMsg(FlagRequest, CommandCapabilitiesExchange, AppCommon,
			str(AVPOriginHost, "o"), str(AVPOriginRealm, "r"), u32(AVPVendorID, 0), AppendAVP(nil, AVPProductName, 0, 0, []byte("p"))),
			MissingAVP, AVPHostIPAddress},
		{"CER with address family 8", new(CER), testMsg(FlagRequest, CommandCapabilitiesExchange, AppCommon,
			AppendAVP(nil, AVPHostIPAddress, flagM, 0, []byte{0, 8, 1, 2, 3, 4})), InvalidAVPValue, AVPHostIPAddress},
		{"CER with short IPv6", new(CER), testMsg(FlagRequest, CommandCapabilitiesExchange, AppCommon,
			AppendAVP(nil, AVPHostIPAddress, flagM, 0, []byte{0, 2, 1, 2, 3, 4})), InvalidAVPLength, AVPHostIPAddress},
		{"DPR without cause", new(DPR), testMsg(FlagRequest, CommandDisconnectPeer, AppCommon,
			str(AVPOriginHost, "o"), str(AVPOriginRealm, "r")), MissingAVP, AVPDisconnectCause},
		{"DWR with unknown M AVP", new(DWR), testMsg(FlagRequest, CommandDeviceWatchdog, AppCommon,
			str(AVPOriginHost, "o"), str(AVPOriginRealm, "r"), u32(AVPDisconnectCause, 0)), AVPUnsupported, AVPDisconnectCause},
		{"DWA without Result-Code", new(DWA), testMsg(0, CommandDeviceWatchdog, AppCommon,
			str(AVPOriginHost, "o"), str(AVPOriginRealm, "r")), MissingAVP, AVPResultCode},
		{"DWA skips unknown M AVP", new(DWA), testMsg(0, CommandDeviceWatchdog, AppCommon,
			u32(AVPResultCode, 2001), str(AVPOriginHost, "o"), str(AVPOriginRealm, "r"), u32(9999, 1)), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Decode(tt.msg)
			if tt.rc == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.ResultCode != tt.rc || e.AVPCode != tt.avpCode {
				t.Errorf("Decode = %v, want %d for AVP %d", err, tt.rc, tt.avpCode)
			}
		})
	}
}

func TestSessionAnswerReplyTo(t *testing.T) {
	t.Parallel()
	rar := &RAR{SessionRequest: sessionRequest(), ReAuthRequestType: AuthorizeOnly}
	b, _ := rar.Append(nil)
	var got RAR
	if err := got.Decode(b); err != nil {
		t.Fatal(err)
	}
	var raa RAA
	raa.ReplyTo(&got)
	raa.OriginHost, raa.OriginRealm = []byte("pgw"), []byte("epc")
	out, _ := raa.Append(nil)
	var back RAA
	if err := back.Decode(out); err != nil {
		t.Fatal(err)
	}
	if back.ResultCode != Success || string(back.SessionID) != "pgw01;1;2" || back.Header.HopByHop != 0x100 ||
		back.NumProxyInfo != 1 || !bytes.Equal(back.ProxyInfo[0], rar.ProxyInfo[0]) {
		t.Errorf("RAA %s", dump(&back))
	}
	var asa ASA
	asr := &ASR{SessionRequest: sessionRequest()}
	asa.ReplyTo(asr)
	if string(asa.SessionID) != "pgw01;1;2" || asa.Header.EndToEnd != 0x200 {
		t.Errorf("ASA %s", dump(&asa))
	}
}

func TestErrorAnswer(t *testing.T) {
	t.Parallel()
	// A request for a command we do not support (Gx CCR), with a
	// Proxy-Info: answer 3001 with E set, echoing Session-Id and Proxy-Info.
	req := testMsg(FlagRequest|FlagProxiable, CommandCreditControl, 16777238,
		str(AVPSessionID, "gx;1"), str(AVPOriginHost, "pcef"), sampleProxyInfo())
	var r CCR
	err := r.Decode(req)
	var e ErrorAnswer
	e.ReplyTo(req)
	e.OriginHost, e.OriginRealm = []byte("ocs"), []byte("net")
	e.SetError(err)
	b, aerr := e.Append(nil)
	if aerr != nil {
		t.Fatal(aerr)
	}
	want := unhex(t, `
		01 00009c 60 000110 01000016 00000001 00000002 # length 156, P|E, code 272, app 16777238, ids 1 and 2
		00000107 40 00000c 67783b31                     # Session-Id "gx;1"
		00000108 40 00000b 6f6373 00                    # Origin-Host "ocs"
		00000128 40 00000b 6e6574 00                    # Origin-Realm "net"
		0000010c 40 00000c 00000bbf                     # Result-Code 3007 DIAMETER_APPLICATION_UNSUPPORTED
		00000119 00 000027                              # Error-Message, length 39
		  6170706c69636174696f6e2069642031363737373233382c2077616e742034 00 # "application id 16777238, want 4"
		                                                # Proxy-Info follows`)
	want = append(want, sampleProxyInfo()...)
	if !bytes.Equal(b, want) {
		t.Errorf("got  %x\nwant %x", b, want)
	}
	if _, err := gdRead(b); err != nil {
		t.Errorf("go-diameter cannot read it: %v", err)
	}
	var back ErrorAnswer
	if err := back.Decode(b); err != nil {
		t.Fatal(err)
	}
	if back.ResultCode != ApplicationUnsupported || !back.Header.IsError() || string(back.SessionID) != "gx;1" ||
		back.NumProxyInfo != 1 || back.Header.AppID != 16777238 {
		t.Errorf("decoded %s", dump(&back))
	}
	// A permanent failure through the generic answer goes without E.
	e.ResultCode = UnableToComply
	b, _ = e.Append(nil)
	if CommandFlags(b[4]) != FlagProxiable {
		t.Errorf("5012 flags %#x", b[4])
	}
}

func TestCERDecodeReusesSlices(t *testing.T) {
	cer := &CER{Capabilities: capabilities()}
	b, _ := cer.Append(nil)
	var c CER
	if err := c.Decode(b); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if err := c.Decode(b); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("CER.Decode into a used CER: %v allocations", n)
	}
}
