package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestCCAFixtureRoundTrip(t *testing.T) {
	t.Parallel()
	b := unhex(t, ccaUpdateHex)
	var got CCA
	if err := got.Decode(b); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := ccaUpdate()
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("Decode: %s", diff(&got, want))
	}
	enc, err := want.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, b) {
		t.Errorf("Append:\n got %x\nwant %x", enc, b)
	}
}

func TestCCAReplyTo(t *testing.T) {
	t.Parallel()
	r := ccrUpdate()
	r.ProxyInfo[0] = group(AVPProxyInfo, flagM, 0, str(AVPProxyHost, "dra1"), AppendAVP(nil, AVPProxyState, flagM, 0, []byte("x")))
	r.NumProxyInfo = 1
	var a CCA
	a.NumMSCC = 3 // stale state from an earlier answer
	a.ReplyTo(r)
	a.OriginHost, a.OriginRealm = []byte("ocs"), []byte("net")
	m := a.AddMSCC()
	*m = ccaUpdate().MSCC[0]
	b, err := a.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back CCA
	if err := back.Decode(b); err != nil {
		t.Fatal(err)
	}
	if back.Header.HopByHop != 0x11223344 || back.Header.EndToEnd != 0x55667788 ||
		string(back.SessionID) != "gw;1;2" || back.RequestType != UpdateRequest || back.RequestNumber != 1 ||
		back.NumMSCC != 1 || back.NumProxyInfo != 1 || !bytes.Equal(back.ProxyInfo[0], r.ProxyInfo[0]) {
		t.Errorf("answer %s", dump(&back))
	}
}

func TestCCAAnswerFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rc    ResultCode
		flags CommandFlags
	}{
		{Success, FlagProxiable},
		{CreditLimitReached, FlagProxiable},
		{UserUnknown, FlagProxiable},
		{TooBusy, FlagProxiable | FlagError}, // RFC 6733 §7.2: 3xxx answers carry E
	} {
		a := ccaUpdate()
		a.ResultCode = tt.rc
		a.Header.Flags = FlagRequest | FlagRetransmitted // ignored by Append
		b, err := a.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := CommandFlags(b[4]); got != tt.flags {
			t.Errorf("Result-Code %d: flags %#x, want %#x", tt.rc, got, tt.flags)
		}
	}
}

func ccaMsg(flags CommandFlags, replace map[uint32][]byte, extra ...[]byte) []byte {
	base := []struct {
		code uint32
		avp  []byte
	}{
		{AVPSessionID, str(AVPSessionID, "s;1")},
		{AVPResultCode, u32(AVPResultCode, 2001)},
		{AVPOriginHost, str(AVPOriginHost, "ocs")},
		{AVPOriginRealm, str(AVPOriginRealm, "net")},
		{AVPAuthApplicationID, u32(AVPAuthApplicationID, 4)},
		{AVPCCRequestType, u32(AVPCCRequestType, 1)},
		{AVPCCRequestNumber, u32(AVPCCRequestNumber, 0)},
	}
	var avps [][]byte
	for _, a := range base {
		if r, ok := replace[a.code]; ok {
			if r != nil {
				avps = append(avps, r)
			}
			continue
		}
		avps = append(avps, a.avp)
	}
	return testMsg(flags, CommandCreditControl, AppCreditControl, append(avps, extra...)...)
}

func TestCCADecode(t *testing.T) {
	t.Parallel()
	mscc := func(members ...[]byte) []byte { return group(AVPMultipleServicesCreditControl, flagM, 0, members...) }
	tests := []struct {
		name    string
		msg     []byte
		rc      ResultCode // 0: must decode
		avpCode uint32
		check   func(*CCA) bool
	}{
		{name: "minimal", msg: ccaMsg(FlagProxiable, nil)},
		{name: "unknown AVPs with M bit are skipped in answers",
			msg:   ccaMsg(FlagProxiable, nil, u32(9999, 1), mscc(u32(9999, 1), u32(AVPRatingGroup, 5))),
			check: func(a *CCA) bool { return a.NumMSCC == 1 && a.MSCC[0].RatingGroup == 5 }},
		{name: "protocol error answer needs only Result-Code and Origin",
			msg: ccaMsg(FlagProxiable|FlagError, map[uint32][]byte{
				AVPSessionID: nil, AVPAuthApplicationID: nil, AVPCCRequestType: nil, AVPCCRequestNumber: nil,
				AVPResultCode: u32(AVPResultCode, 3004)}),
			check: func(a *CCA) bool { return a.ResultCode == TooBusy && a.SessionID == nil }},
		{name: "redirect", msg: ccaMsg(FlagProxiable, nil, mscc(group(AVPFinalUnitIndication, flagM, 0,
			u32(AVPFinalUnitAction, 1),
			group(AVPRedirectServer, flagM, 0, u32(AVPRedirectAddressType, 2), str(AVPRedirectServerAddress, "http://pay"))))),
			check: func(a *CCA) bool {
				f := a.MSCC[0].FUI
				return a.MSCC[0].HasFUI && f.Action == ActionRedirect && f.HasRedirectServer &&
					f.RedirectAddressType == RedirectURL && string(f.RedirectServerAddress) == "http://pay"
			}},
		{name: "restrict access with filter rules, more than are kept",
			msg: ccaMsg(FlagProxiable, nil, mscc(group(AVPFinalUnitIndication, flagM, 0,
				u32(AVPFinalUnitAction, 2),
				str(AVPRestrictionFilterRule, "permit in ip from assigned to 198.51.100.10"),
				str(AVPRestrictionFilterRule, "permit out ip from 198.51.100.10 to assigned"),
				str(AVPRestrictionFilterRule, "r3"), str(AVPRestrictionFilterRule, "r4"), str(AVPRestrictionFilterRule, "r5")))),
			check: func(a *CCA) bool {
				f := a.MSCC[0].FUI
				return f.Action == ActionRestrictAccess && f.NumFilterRules == MaxFilterRules && f.ExtraFilterRules == 1 &&
					string(f.FilterRules[1]) == "permit out ip from 198.51.100.10 to assigned" && !f.HasRedirectServer
			}},
		{name: "missing Result-Code", msg: ccaMsg(FlagProxiable, map[uint32][]byte{AVPResultCode: nil}),
			rc: MissingAVP, avpCode: AVPResultCode},
		{name: "missing CC-Request-Number", msg: ccaMsg(FlagProxiable, map[uint32][]byte{AVPCCRequestNumber: nil}),
			rc: MissingAVP, avpCode: AVPCCRequestNumber},
		{name: "Result-Code twice", msg: ccaMsg(FlagProxiable, nil, u32(AVPResultCode, 5030)),
			rc: AVPOccursTooManyTimes, avpCode: AVPResultCode},
		{name: "Result-Code of 2 bytes", msg: ccaMsg(FlagProxiable, map[uint32][]byte{AVPResultCode: AppendAVP(nil, AVPResultCode, flagM, 0, []byte{7, 0xd1})}),
			rc: InvalidAVPLength, avpCode: AVPResultCode},
		{name: "FUI without action", msg: ccaMsg(FlagProxiable, nil, mscc(group(AVPFinalUnitIndication, flagM, 0))),
			rc: MissingAVP, avpCode: AVPFinalUnitAction},
		{name: "Redirect-Server without address", msg: ccaMsg(FlagProxiable, nil, mscc(group(AVPFinalUnitIndication, flagM, 0,
			u32(AVPFinalUnitAction, 1), group(AVPRedirectServer, flagM, 0, u32(AVPRedirectAddressType, 2))))),
			rc: MissingAVP, avpCode: AVPRedirectServerAddress},
		{name: "GSU with CC-Time of 8 bytes", msg: ccaMsg(FlagProxiable, nil, mscc(group(AVPGrantedServiceUnit, flagM, 0,
			AppendUint64AVP(nil, AVPCCTime, flagM, 0, 1)))),
			rc: InvalidAVPLength, avpCode: AVPCCTime},
		{name: "truncated AVP", msg: ccaMsg(FlagProxiable, nil, unhex(t, "0000010c 40 0000f0 000007d1")),
			rc: InvalidAVPLength, avpCode: AVPResultCode},
		{name: "a request", msg: ccaMsg(FlagRequest|FlagProxiable, nil), rc: InvalidHdrBits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var a CCA
			err := a.Decode(tt.msg)
			if tt.rc == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if tt.check != nil && !tt.check(&a) {
					t.Errorf("decoded %s", dump(&a))
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode = %v, want *Error", err)
			}
			if e.ResultCode != tt.rc || e.AVPCode != tt.avpCode {
				t.Errorf("got %d (AVP %d) %q, want %d (AVP %d)", e.ResultCode, e.AVPCode, e.Msg, tt.rc, tt.avpCode)
			}
		})
	}
}

// TestCCADecodeTruncated feeds every truncation of a valid CCA, with the
// header length patched to match, and every single-byte corruption: the
// decoder must return an error or a value, never panic. (go-diameter's
// client panics on a truncated AVP.)
func TestCCADecodeTruncated(t *testing.T) {
	t.Parallel()
	full := mustAppend(t, benchCCA(benchCCR()).Append)
	var a CCA
	for n := 0; n <= len(full); n++ {
		b := append([]byte(nil), full[:n]...)
		if n >= 4 {
			putUint24(b[1:], uint32(n))
		}
		_ = a.Decode(b)
	}
	for i := range full {
		for _, v := range []byte{0x00, 0xff, full[i] ^ 0x80, full[i] + 1} {
			b := append([]byte(nil), full...)
			b[i] = v
			_ = a.Decode(b)
		}
	}
}
