package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestCCRFixtureRoundTrip(t *testing.T) {
	t.Parallel()
	b := unhex(t, ccrUpdateHex)
	var got CCR
	if err := got.Decode(b); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := ccrUpdate()
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("Decode: %s", diff(&got, want))
	}
	enc, err := want.Append(nil)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	if !bytes.Equal(enc, b) {
		t.Errorf("Append:\n got %x\nwant %x", enc, b)
	}
	tai, ok := got.UserLocationInfo.TAI()
	if !ok || tai.PLMN.String() != "460-01" || tai.TAC != 0x1234 {
		t.Errorf("TAI = %v %v, %v", tai.PLMN, tai.TAC, ok)
	}
	ecgi, ok := got.UserLocationInfo.ECGI()
	if !ok || ecgi.ECI != 0x1a2b3c4 {
		t.Errorf("ECGI = %+v, %v", ecgi, ok)
	}
	if string(got.IMSI()) != "460011234567890" || got.MSISDN() != nil {
		t.Errorf("IMSI %q MSISDN %q", got.IMSI(), got.MSISDN())
	}
}

func TestCCRRoundTripRealistic(t *testing.T) {
	t.Parallel()
	in := benchCCR()
	b, err := in.Append(make([]byte, 0, 1024))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := Frame(b, 0); err != nil || n != len(b) {
		t.Fatalf("Frame = %d, %v; len %d", n, err, len(b))
	}
	var out CCR
	if err := out.Decode(b); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	normalizeHeader(&in.Header, out.Header)
	if !reflect.DeepEqual(in, &out) {
		t.Errorf("round trip: %s", diff(&out, in))
	}
}

// TestCCRUserName: User-Name (RFC 6733 §8.14) goes out right after
// Destination-Host, M set, as the IMSI a routing agent matches, and comes
// back on decoding.
func TestCCRUserName(t *testing.T) {
	t.Parallel()
	in := benchCCR()
	in.UserName = []byte("460040000000007")
	b, err := in.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var out CCR
	if err := out.Decode(b); err != nil {
		t.Fatal(err)
	}
	normalizeHeader(&in.Header, out.Header)
	if !reflect.DeepEqual(in, &out) {
		t.Errorf("round trip: %s", diff(&out, in))
	}
	it := NewIter(b[HeaderLen:])
	var codes []uint32
	for it.Next() {
		a := it.AVP()
		codes = append(codes, a.Code)
		if a.Code == AVPUserName && (a.Flags != AVPFlagMandatory || string(a.Data) != "460040000000007" || len(a.Raw) != 23) {
			t.Errorf("User-Name AVP %x", a.Raw)
		}
	}
	for i, c := range codes {
		if c == AVPUserName && (i == 0 || codes[i-1] != AVPCCRequestNumber) {
			t.Errorf("User-Name at %d after %d; want it after the fixed AVPs (no Destination-Host here)", i, codes[i-1])
		}
	}
	in.UserName = nil
	if b2, _ := in.Append(nil); len(b2) != len(b)-24 { // 23, padded to 24
		t.Errorf("without User-Name: %d bytes, want %d", len(b2), len(b)-24)
	}
}

// normalizeHeader sets in the header fields an encoder computes itself.
func normalizeHeader(h *Header, decoded Header) {
	h.Version, h.Length, h.Flags, h.Code, h.AppID = decoded.Version, decoded.Length, decoded.Flags, decoded.Code, decoded.AppID
}

// testAVPs builds a message from a header and raw AVP encodings.
func testMsg(flags CommandFlags, code, app uint32, avps ...[]byte) []byte {
	b, start := BeginMessage(nil, flags, code, app, 1, 2)
	for _, a := range avps {
		b = append(b, a...)
	}
	b, _ = EndMessage(b, start)
	return b
}

func u32(code uint32, v uint32) []byte { return AppendUint32AVP(nil, code, flagM, 0, v) }
func str(code uint32, s string) []byte { return AppendAVP(nil, code, flagM, 0, []byte(s)) }
func group(code uint32, flags AVPFlags, vendor uint32, members ...[]byte) []byte {
	b, g := BeginGroupedAVP(nil, code, flags, vendor)
	for _, m := range members {
		b = append(b, m...)
	}
	return EndGroupedAVP(b, g)
}

// ccrBase returns the required AVPs of a CCR, with replacements: a key of
// the map replaces that AVP (nil drops it).
func ccrAVPs(replace map[uint32][]byte, extra ...[]byte) [][]byte {
	base := []struct {
		code uint32
		avp  []byte
	}{
		{AVPSessionID, str(AVPSessionID, "s;1")},
		{AVPOriginHost, str(AVPOriginHost, "gw")},
		{AVPOriginRealm, str(AVPOriginRealm, "net")},
		{AVPDestinationRealm, str(AVPDestinationRealm, "ocs")},
		{AVPAuthApplicationID, u32(AVPAuthApplicationID, 4)},
		{AVPServiceContextID, str(AVPServiceContextID, "32251@3gpp.org")},
		{AVPCCRequestType, u32(AVPCCRequestType, 1)},
		{AVPCCRequestNumber, u32(AVPCCRequestNumber, 0)},
	}
	var out [][]byte
	for _, a := range base {
		if r, ok := replace[a.code]; ok {
			if r != nil {
				out = append(out, r)
			}
			continue
		}
		out = append(out, a.avp)
	}
	return append(out, extra...)
}

func ccrMsg(replace map[uint32][]byte, extra ...[]byte) []byte {
	return testMsg(FlagRequest|FlagProxiable, CommandCreditControl, AppCreditControl, ccrAVPs(replace, extra...)...)
}

func TestCCRDecodeErrors(t *testing.T) {
	t.Parallel()
	unknownM := AppendUint32AVP(nil, 9999, flagM, 0, 1)
	badLen := AppendAVP(nil, AVPCCRequestNumber, flagM, 0, []byte{0, 0, 1}) // Unsigned32 of 3 bytes
	mscc := func(members ...[]byte) []byte { return group(AVPMultipleServicesCreditControl, flagM, 0, members...) }
	nineMSCC := make([][]byte, 9)
	for i := range nineMSCC {
		nineMSCC[i] = mscc(u32(AVPRatingGroup, uint32(i)))
	}
	tests := []struct {
		name    string
		msg     []byte
		rc      ResultCode
		avpCode uint32
		failed  []byte // expected Failed-AVP content; nil to skip the check
	}{
		{
			name: "missing Session-Id", msg: ccrMsg(map[uint32][]byte{AVPSessionID: nil}),
			rc: MissingAVP, avpCode: AVPSessionID,
			failed: unhex(t, "00000107 40 000008"), // example AVP, empty value
		},
		{
			name: "missing CC-Request-Number", msg: ccrMsg(map[uint32][]byte{AVPCCRequestNumber: nil}),
			rc: MissingAVP, avpCode: AVPCCRequestNumber,
			failed: unhex(t, "0000019f 40 00000c 00000000"), // zero-filled Unsigned32
		},
		{
			name: "unknown AVP with M bit", msg: ccrMsg(nil, unknownM),
			rc: AVPUnsupported, avpCode: 9999, failed: unknownM,
		},
		{
			name: "unknown vendor AVP with M bit", msg: ccrMsg(nil, AppendUint32AVP(nil, 7, flagVM, 99, 1)),
			rc: AVPUnsupported, avpCode: 7,
		},
		{
			name: "unknown AVP with M bit inside MSCC", msg: ccrMsg(nil, mscc(u32(AVPRatingGroup, 1), unknownM)),
			rc: AVPUnsupported, avpCode: 9999,
			failed: append(unhex(t, "000001c8 40 000014"), unknownM...), // MSCC header around the offender
		},
		{
			name: "Unsigned32 of 3 bytes", msg: ccrMsg(map[uint32][]byte{AVPCCRequestNumber: badLen}),
			rc: InvalidAVPLength, avpCode: AVPCCRequestNumber, failed: badLen,
		},
		{
			name: "Unsigned64 of 4 bytes in USU",
			msg: ccrMsg(nil, mscc(group(AVPUsedServiceUnit, flagM, 0,
				AppendUint32AVP(nil, AVPCCTotalOctets, flagM, 0, 5)))),
			rc: InvalidAVPLength, avpCode: AVPCCTotalOctets,
			failed: unhex(t, `000001c8 40 00001c  # MSCC
				000001be 40 000014                # USU
				000001a5 40 00000c 00000005       # CC-Total-Octets, 4 bytes`),
		},
		{
			name: "CC-Request-Type out of range", msg: ccrMsg(map[uint32][]byte{AVPCCRequestType: u32(AVPCCRequestType, 9)}),
			rc: InvalidAVPValue, avpCode: AVPCCRequestType, failed: u32(AVPCCRequestType, 9),
		},
		{
			name: "Session-Id twice", msg: ccrMsg(nil, str(AVPSessionID, "again")),
			rc: AVPOccursTooManyTimes, avpCode: AVPSessionID, failed: str(AVPSessionID, "again"),
		},
		{
			name: "Rating-Group twice in MSCC", msg: ccrMsg(nil, mscc(u32(AVPRatingGroup, 1), u32(AVPRatingGroup, 2))),
			rc: AVPOccursTooManyTimes, avpCode: AVPRatingGroup,
		},
		{
			name: "nine MSCC", msg: ccrMsg(nil, nineMSCC...),
			rc: UnableToComply, avpCode: AVPMultipleServicesCreditControl, failed: nineMSCC[8],
		},
		{
			name: "Subscription-Id without data",
			msg:  ccrMsg(nil, group(AVPSubscriptionID, flagM, 0, u32(AVPSubscriptionIDType, 1))),
			rc:   MissingAVP, avpCode: AVPSubscriptionIDData,
			failed: unhex(t, "000001bb 40 000010 000001bc 40 000008"),
		},
		{
			name: "AVP length past the end",
			msg:  ccrMsg(nil, unhex(t, "00000001 40 000040 00000000")),
			rc:   InvalidAVPLength, avpCode: 1,
			failed: unhex(t, "00000001 40 000008"), // header only, length restated
		},
		{
			name: "AVP length below header",
			msg:  ccrMsg(nil, unhex(t, "00000001 40 000004 00000000")),
			rc:   InvalidAVPLength, avpCode: 1,
		},
		{
			name: "vendor AVP length below its 12-byte header",
			msg:  ccrMsg(nil, unhex(t, "00000001 c0 00000a 000028af")),
			rc:   InvalidAVPLength, avpCode: 1,
			failed: unhex(t, "00000001 c0 00000c 000028af"),
		},
		{
			name: "AVP header cut short",
			msg:  ccrMsg(nil, unhex(t, "00000001")),
			rc:   InvalidAVPLength, avpCode: 1,
			failed: unhex(t, "00000001 00 000008"), // zero-filled to the minimum header
		},
		{
			name: "bad length inside MSCC",
			msg:  ccrMsg(nil, mscc(unhex(t, "000001b0 40 0000ff 00000001"))),
			rc:   InvalidAVPLength, avpCode: AVPRatingGroup,
		},
		{
			name: "ULI twice in PS-Information",
			msg: ccrMsg(nil, group(AVPServiceInformation, flagVM, Vendor3GPP, group(AVPPSInformation, flagVM, Vendor3GPP,
				AppendAVP(nil, 22, AVPFlagVendor, Vendor3GPP, []byte{0x80}),
				AppendAVP(nil, 22, AVPFlagVendor, Vendor3GPP, []byte{0x80})))),
			rc: AVPOccursTooManyTimes, avpCode: 22,
		},
		{
			name: "answer instead of request",
			msg:  testMsg(FlagProxiable, CommandCreditControl, AppCreditControl, ccrAVPs(nil)...),
			rc:   InvalidHdrBits,
		},
		{
			name: "E bit in request",
			msg:  testMsg(FlagRequest|FlagError, CommandCreditControl, AppCreditControl, ccrAVPs(nil)...),
			rc:   InvalidHdrBits,
		},
		{
			name: "other command", msg: testMsg(FlagRequest, CommandReAuth, AppCreditControl, ccrAVPs(nil)...),
			rc: CommandUnsupported,
		},
		{
			name: "Gx application", msg: testMsg(FlagRequest, CommandCreditControl, 16777238, ccrAVPs(nil)...),
			rc: ApplicationUnsupported,
		},
		{
			name: "length field disagrees with buffer",
			msg:  func() []byte { b := ccrMsg(nil); return b[:len(b)-4] }(),
			rc:   InvalidMessageLength,
		},
		{
			name: "version 2",
			msg:  func() []byte { b := ccrMsg(nil); b[0] = 2; return b }(),
			rc:   UnsupportedVersion,
		},
		{
			name: "shorter than a header", msg: []byte{1, 0, 0, 8, 0x80, 0, 1, 0x10},
			rc: InvalidMessageLength,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r CCR
			err := r.Decode(tt.msg)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode = %v, want *Error", err)
			}
			if e.ResultCode != tt.rc || e.AVPCode != tt.avpCode {
				t.Errorf("got %d (AVP %d) %q, want %d (AVP %d)", e.ResultCode, e.AVPCode, e.Msg, tt.rc, tt.avpCode)
			}
			if tt.failed != nil && !bytes.Equal(e.AVP, tt.failed) {
				t.Errorf("Failed-AVP\n got %x\nwant %x", e.AVP, tt.failed)
			}
			if e.AVP != nil {
				// Failed-AVP content must itself be well-formed AVPs.
				it := NewIter(e.AVP)
				for it.Next() {
				}
				if it.Err() != nil || len(e.AVP)%4 != 0 {
					t.Errorf("Failed-AVP %x is malformed: %v", e.AVP, it.Err())
				}
			}
		})
	}
}

func TestCCRTolerates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		extra [][]byte
		check func(*CCR) bool
	}{
		{"unknown AVP without M bit", [][]byte{AppendUint32AVP(nil, 9999, 0, 0, 1)}, nil},
		{"unknown vendor AVP without M bit", [][]byte{AppendUint32AVP(nil, 3, AVPFlagVendor, Vendor3GPP, 1)}, nil},
		{"RFC 4006 single-service AVPs", [][]byte{
			u32(AVPServiceIdentifier, 1), group(AVPRequestedServiceUnit, flagM, 0), u32(AVPOriginStateID, 5),
			str(AVPUserName, "u"), AppendUint64AVP(nil, AVPCCSubSessionID, flagM, 0, 1),
		}, nil},
		{"3GPP MSCC members", [][]byte{group(AVPMultipleServicesCreditControl, flagM, 0,
			u32(AVPRatingGroup, 1),
			group(AVPTrigger, flagVM, Vendor3GPP, AppendUint32AVP(nil, 1265, flagVM, Vendor3GPP, 1)),
			group(AVPQoSInformation, flagVM, Vendor3GPP),
			group(AVPUsedServiceUnit, flagM, 0, AppendUint32AVP(nil, AVPEventChargingTimeStamp, flagVM, Vendor3GPP, 1),
				u32(AVPTariffChangeUsage, 0)),
		)}, func(r *CCR) bool { return r.NumMSCC == 1 && r.MSCC[0].NumUsed == 1 }},
		{"Service-Information contents other than ULI are opaque", [][]byte{
			group(AVPServiceInformation, flagVM, Vendor3GPP,
				u32(9999, 1), // unknown, M bit: not ours to judge
				group(AVPPSInformation, flagVM, Vendor3GPP,
					AppendUint32AVP(nil, 2, flagVM, Vendor3GPP, 7), // 3GPP-Charging-Id
					AppendAVP(nil, 22, AVPFlagVendor, Vendor3GPP, []byte{0x81, 0x64, 0xf0, 0x10, 0x00, 0x01, 0x02, 0x03}),
				)),
		}, func(r *CCR) bool {
			e, ok := r.UserLocationInfo.ECGI()
			return r.ULIInPSInformation && ok && e.ECI == 0x00010203
		}},
		{"nested ULI wins over top level before it", [][]byte{
			AppendAVP(nil, 22, AVPFlagVendor, Vendor3GPP, []byte{0x80, 1}),
			group(AVPServiceInformation, flagVM, Vendor3GPP, group(AVPPSInformation, flagVM, Vendor3GPP,
				AppendAVP(nil, 22, AVPFlagVendor, Vendor3GPP, []byte{0x80, 2}))),
		}, func(r *CCR) bool { return r.ULIInPSInformation && r.UserLocationInfo[1] == 2 }},
		{"nested ULI wins over top level after it", [][]byte{
			group(AVPServiceInformation, flagVM, Vendor3GPP, group(AVPPSInformation, flagVM, Vendor3GPP,
				AppendAVP(nil, 22, AVPFlagVendor, Vendor3GPP, []byte{0x80, 2}))),
			AppendAVP(nil, 22, AVPFlagVendor, Vendor3GPP, []byte{0x80, 3}),
		}, func(r *CCR) bool { return r.ULIInPSInformation && r.UserLocationInfo[1] == 2 }},
		{"two Service-Identifiers keep the first", [][]byte{group(AVPMultipleServicesCreditControl, flagM, 0,
			u32(AVPServiceIdentifier, 1), u32(AVPServiceIdentifier, 2))},
			func(r *CCR) bool { return r.MSCC[0].HasServiceID && r.MSCC[0].ServiceID == 1 }},
		{"last AVP without padding", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg := ccrMsg(nil, tt.extra...)
			var r CCR
			if err := r.Decode(msg); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if tt.check != nil && !tt.check(&r) {
				t.Errorf("decoded %s", dump(&r))
			}
		})
	}
}

func TestCCRDecodeUnpaddedLastAVP(t *testing.T) {
	t.Parallel()
	// A grouped AVP whose last member lacks its padding: the group's
	// length excludes it, and the member is still read.
	rg := u32(AVPRatingGroup, 7)
	sid := AppendAVP(nil, AVPSubscriptionIDData, flagM, 0, []byte("123")) // 11 bytes + 1 pad
	sub := group(AVPSubscriptionID, flagM, 0, u32(AVPSubscriptionIDType, 1), sid[:11])
	sub = append(sub, 0) // pad the group itself
	putUint24(sub[5:], uint32(len(sub)-1))
	msg := ccrMsg(nil, sub, group(AVPMultipleServicesCreditControl, flagM, 0, rg))
	var r CCR
	if err := r.Decode(msg); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if string(r.SubscriptionIDs[0].Data) != "123" || r.MSCC[0].RatingGroup != 7 {
		t.Errorf("decoded %s", dump(&r))
	}
}

func TestCCRSalvageForErrorAnswer(t *testing.T) {
	t.Parallel()
	proxy := group(AVPProxyInfo, flagM, 0, str(AVPProxyHost, "dra"), AppendAVP(nil, AVPProxyState, flagM, 0, []byte{1, 2}))
	msg := ccrMsg(map[uint32][]byte{AVPSessionID: nil}, proxy, AppendUint32AVP(nil, 9999, flagM, 0, 1), str(AVPSessionID, "late;1"))
	var r CCR
	err := r.Decode(msg)
	var e *Error
	if !errors.As(err, &e) || e.ResultCode != AVPUnsupported {
		t.Fatalf("Decode = %v", err)
	}
	if string(r.SessionID) != "late;1" || r.RequestType != InitialRequest || r.NumProxyInfo != 1 || !bytes.Equal(r.ProxyInfo[0], proxy) {
		t.Errorf("salvaged %s", dump(&r))
	}
	var a CCA
	a.ReplyTo(&r)
	a.OriginHost, a.OriginRealm = []byte("ocs"), []byte("net")
	a.SetError(err)
	b, err := a.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	var back CCA
	if err := back.Decode(b); err != nil {
		t.Fatalf("decode error answer: %v", err)
	}
	if back.ResultCode != AVPUnsupported || !bytes.Equal(back.FailedAVP, AppendUint32AVP(nil, 9999, flagM, 0, 1)) ||
		back.Header.IsError() || back.NumProxyInfo != 1 || back.Header.HopByHop != 1 {
		t.Errorf("error answer %s", dump(&back))
	}
}

func TestCCRAppendTooLong(t *testing.T) {
	t.Parallel()
	r := benchCCR()
	r.SessionID = make([]byte, 1<<24)
	dst := []byte("keep")
	out, err := r.Append(dst)
	if err != ErrMessageTooLong || string(out) != "keep" {
		t.Errorf("Append = %q..., %v", out[:min(len(out), 8)], err)
	}
}

func TestCCRDecodeReusesStruct(t *testing.T) {
	t.Parallel()
	var r CCR
	big, _ := benchCCR().Append(nil)
	if err := r.Decode(big); err != nil {
		t.Fatal(err)
	}
	small := unhex(t, ccrUpdateHex)
	if err := r.Decode(small); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&r, ccrUpdate()) {
		t.Errorf("stale fields after reuse: %s", diff(&r, ccrUpdate()))
	}
}
