package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// rebuild splits the message raw into its IEs, lets edit change the list and
// returns the message re-assembled with BeginMessage, AppendIE and
// EndMessage.
func rebuild(t *testing.T, raw []byte, edit func([]IE) []IE) []byte {
	t.Helper()
	var h Header
	body, _, err := ParseHeader(raw, &h)
	if err != nil {
		t.Fatal(err)
	}
	var ies []IE
	for r := NewIEReader(body); r.Next(); {
		ies = append(ies, r.IE())
	}
	ies = edit(ies)
	b, start, err := BeginMessage(nil, h.Type, &h)
	if err != nil {
		t.Fatal(err)
	}
	for _, ie := range ies {
		if b, err = AppendIE(b, ie.Type, ie.Instance, ie.Value); err != nil {
			t.Fatal(err)
		}
	}
	if b, err = EndMessage(b, start); err != nil {
		t.Fatal(err)
	}
	return b
}

func without(t IEType, inst uint8) func([]IE) []IE {
	return func(ies []IE) []IE {
		var out []IE
		for _, ie := range ies {
			if ie.Type != t || ie.Instance != inst {
				out = append(out, ie)
			}
		}
		return out
	}
}

func replacing(t IEType, inst uint8, v []byte) func([]IE) []IE {
	return func(ies []IE) []IE {
		out := append([]IE(nil), ies...)
		for i := range out {
			if out[i].Type == t && out[i].Instance == inst {
				out[i].Value = v
			}
		}
		return out
	}
}

func appending(extra ...IE) func([]IE) []IE {
	return func(ies []IE) []IE { return append(append([]IE(nil), ies...), extra...) }
}

// bearer builds a Bearer Context value from IEs.
func bearer(t *testing.T, ies ...IE) []byte {
	var b []byte
	var err error
	for _, ie := range ies {
		if b, err = AppendIE(b, ie.Type, ie.Instance, ie.Value); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

var (
	ebi5   = IE{Type: IEEBI, Value: []byte{5}}
	qos9   = IE{Type: IEBearerQoS, Value: make([]byte, 22)}
	fteidU = IE{Type: IEFTEID, Instance: 2, Value: []byte{0x84, 0, 0, 0xb0, 1, 10, 10, 0, 2}}
)

func TestCreateSessionRequestDecodeErrors(t *testing.T) {
	t.Parallel()
	type want struct {
		cause  Cause
		ie     IEType
		inst   uint8
		bearer bool
	}
	cases := []struct {
		name string
		raw  []byte
		want want
	}{
		{"no Sender F-TEID", rebuild(t, csrBytes, without(IEFTEID, 0)), want{CauseMandatoryIEMissing, IEFTEID, 0, false}},
		{"no APN", rebuild(t, csrBytes, without(IEAPN, 0)), want{CauseMandatoryIEMissing, IEAPN, 0, false}},
		{"no RAT Type", rebuild(t, csrBytes, without(IERATType, 0)), want{CauseMandatoryIEMissing, IERATType, 0, false}},
		{"no Bearer Context", rebuild(t, csrBytes, without(IEBearerContext, 0)), want{CauseMandatoryIEMissing, IEBearerContext, 0, false}},
		{"bearer without EBI", rebuild(t, csrBytes, replacing(IEBearerContext, 0, bearer(t, fteidU, qos9))),
			want{CauseMandatoryIEMissing, IEEBI, 0, true}},
		{"bearer without QoS", rebuild(t, csrBytes, replacing(IEBearerContext, 0, bearer(t, ebi5, fteidU))),
			want{CauseMandatoryIEMissing, IEBearerQoS, 0, true}},
		{"bearer with short QoS", rebuild(t, csrBytes, replacing(IEBearerContext, 0,
			bearer(t, ebi5, IE{Type: IEBearerQoS, Value: make([]byte, 21)}))), want{CauseMandatoryIEIncorrect, IEBearerQoS, 0, true}},
		{"bearer with EBI 0", rebuild(t, csrBytes, replacing(IEBearerContext, 0,
			bearer(t, IE{Type: IEEBI, Value: []byte{0xf0}}, qos9))), want{CauseMandatoryIEIncorrect, IEEBI, 0, true}},
		{"bearer with a truncated IE", rebuild(t, csrBytes, replacing(IEBearerContext, 0,
			append(bearer(t, ebi5, qos9), 0x57, 0x00, 0x09, 0x02, 0x84))), want{CauseInvalidMessageFormat, IEFTEID, 2, true}},
		{"APN label overruns", rebuild(t, csrBytes, replacing(IEAPN, 0, []byte{6, 'c', 'm', 'i', 'o', 't'})),
			want{CauseMandatoryIEIncorrect, IEAPN, 0, false}},
		{"APN with empty label", rebuild(t, csrBytes, replacing(IEAPN, 0, []byte{3, 'i', 'o', 't', 0})),
			want{CauseMandatoryIEIncorrect, IEAPN, 0, false}},
		{"Sender F-TEID without address", rebuild(t, csrBytes, replacing(IEFTEID, 0, []byte{0x06, 0, 0, 0xa0, 1})),
			want{CauseMandatoryIEIncorrect, IEFTEID, 0, false}},
		{"Sender F-TEID cut short", rebuild(t, csrBytes, replacing(IEFTEID, 0, []byte{0x86, 0, 0, 0xa0, 1, 10})),
			want{CauseMandatoryIEIncorrect, IEFTEID, 0, false}},
		{"empty RAT Type", rebuild(t, csrBytes, replacing(IERATType, 0, nil)), want{CauseMandatoryIEIncorrect, IERATType, 0, false}},
		{"IE length past the end", func() []byte {
			b := append([]byte(nil), csrBytes...)
			b[len(b)-46] = 0x2d // Bearer Context length 44 -> 45
			return b
		}(), want{CauseInvalidMessageFormat, IEBearerContext, 0, false}},
		{"IE header cut short", func() []byte {
			b := append(append([]byte(nil), csrBytes...), 0x03, 0x00, 0x01)
			b[3] += 3
			return b
		}(), want{CauseInvalidMessageFormat, IERecovery, 0, false}},
		{"Length longer than the datagram", csrBytes[:len(csrBytes)-1], want{CauseInvalidLength, 0, 0, false}},
		{"octets after the message", append(append([]byte(nil), csrBytes...), 0), want{CauseInvalidLength, 0, 0, false}},
		{"Length shorter than the header", []byte{0x48, 0x20, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 1, 0}, want{CauseInvalidLength, 0, 0, false}},
		{"T flag clear", func() []byte {
			b := append([]byte{0x40, 0x20, 0x00, 0xc4}, csrBytes[8:]...)
			return b
		}(), want{CauseInvalidMessageFormat, 0, 0, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var m CreateSessionRequest
			err := m.Decode(c.raw)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Decode: %v, want an *Error", err)
			}
			if e.Cause != c.want.cause || e.IE != c.want.ie || e.Instance != c.want.inst || e.InBearerContext != c.want.bearer {
				t.Fatalf("Decode: %+v, want %+v", e, c.want)
			}
			rc, ok := RejectCause(err)
			if !ok || rc.Value != c.want.cause || rc.OffendingIE != c.want.ie || rc.OffendingInstance != c.want.inst || rc.BCE != c.want.bearer {
				t.Fatalf("RejectCause: %+v %v", rc, ok)
			}
			if !strings.HasPrefix(err.Error(), "wire: Create Session Request: ") {
				t.Errorf("error text %q", err.Error())
			}
		})
	}
}

func TestDecodeSentinelErrors(t *testing.T) {
	t.Parallel()
	v1 := append([]byte{0x32}, csrBytes[1:]...)
	cases := []struct {
		name string
		raw  []byte
		want error
	}{
		{"empty", nil, ErrTooShort},
		{"7 octets", csrBytes[:7], ErrTooShort},
		{"T flag, 11 octets", csrBytes[:11], ErrTooShort},
		{"GTPv1", v1, ErrVersion},
		{"another message type", csrespBytes, ErrMessageType},
	}
	for _, c := range cases {
		var m CreateSessionRequest
		err := m.Decode(c.raw)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if _, ok := RejectCause(err); ok {
			t.Errorf("%s: RejectCause says answer, want discard", c.name)
		}
	}
	var e Echo
	if err := e.Decode(csrBytes); !errors.Is(err, ErrMessageType) {
		t.Errorf("Echo.Decode(CSR): %v", err)
	}
}

func TestMandatoryCauseInResponses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		raw   []byte
		fresh func() codec
	}{
		{"CreateSessionResponse", rebuild(t, csrespBytes, without(IECause, 0)), func() codec { return new(CreateSessionResponse) }},
		{"DeleteSessionResponse", rebuild(t, dsrespBytes, without(IECause, 0)), func() codec { return new(DeleteSessionResponse) }},
		{"ModifyBearerResponse", rebuild(t, fixtureRaw("ModifyBearerResponse/accepted"), without(IECause, 0)), func() codec { return new(ModifyBearerResponse) }},
		{"DeleteBearerResponse", rebuild(t, fixtureRaw("DeleteBearerResponse/per bearer causes"), without(IECause, 0)), func() codec { return new(DeleteBearerResponse) }},
		{"Echo Recovery", rebuild(t, fixtureRaw("EchoResponse/with node features"), without(IERecovery, 0)), func() codec { return new(Echo) }},
	}
	for _, c := range cases {
		err := c.fresh().Decode(c.raw)
		var e *Error
		if !errors.As(err, &e) || e.Cause != CauseMandatoryIEMissing {
			t.Errorf("%s: %v, want Mandatory IE missing", c.name, err)
		}
	}
	// A bearer context created without its Cause.
	raw := rebuild(t, csrespBytes, replacing(IEBearerContext, 0, bearer(t, ebi5)))
	var m CreateSessionResponse
	err := m.Decode(raw)
	var e *Error
	if !errors.As(err, &e) || e.Cause != CauseMandatoryIEMissing || e.IE != IECause || !e.InBearerContext {
		t.Errorf("bearer without Cause: %v", err)
	}
	// A Delete Bearer Request that names no bearer.
	var dbr DeleteBearerRequest
	err = dbr.Decode(rebuild(t, fixtureRaw("DeleteBearerRequest/whole PDN connection"), without(IEEBI, 0)))
	if !errors.As(err, &e) || e.Cause != CauseConditionalIEMissing {
		t.Errorf("Delete Bearer Request without EBIs: %v", err)
	}
}

func TestOptionalIEsTolerated(t *testing.T) {
	t.Parallel()
	t.Run("malformed optional IEs are dropped", func(t *testing.T) {
		raw := csrBytes
		for _, edit := range []func([]IE) []IE{
			replacing(IEIMSI, 0, []byte{0x64, 0x0a}), // nibble 0xA
			replacing(IEMSISDN, 0, nil),              // empty
			replacing(IEULI, 0, []byte{0x18, 0x64}),  // cut short
			replacing(IEServingNetwork, 0, []byte{0xaa, 0xaa, 0xaa}),
			replacing(IEPAA, 0, []byte{0x07}),     // unknown PDN type
			replacing(IEAMBR, 0, []byte{1, 2, 3}), // short
			replacing(IEIndication, 0, nil),       // empty
		} {
			raw = rebuild(t, raw, edit)
		}
		var m CreateSessionRequest
		if err := m.Decode(raw); err != nil {
			t.Fatal(err)
		}
		if m.IMSI.N != 0 || m.MSISDN.N != 0 || m.ULI.Flags != 0 || m.ServingNetwork.MNCLen != 0 ||
			m.PAA.Type != 0 || m.HasAMBR || m.Indication.Len != 0 {
			t.Errorf("malformed optional IEs not dropped: %+v", m)
		}
		if m.APN.String() != "cmiot" || m.NumBearers != 1 {
			t.Errorf("rest of the message lost: %+v", m)
		}
	})
	t.Run("unknown IEs, unknown instances and repeats", func(t *testing.T) {
		raw := rebuild(t, csrBytes, appending(
			IE{Type: IEUETimeZone, Value: []byte{0x23, 0}},                                       // not decoded
			IE{Type: 250, Value: []byte{1, 2, 3}},                                                // unknown type
			IE{Type: IEExtendedType, Value: []byte{1, 0, 9}},                                     // extended type
			IE{Type: IEFTEID, Instance: 5, Value: []byte{0x86, 0, 0, 0, 9, 1, 1, 1, 1}},          // unknown instance
			IE{Type: IEIMSI, Value: []byte{0x21, 0xf3}},                                          // repeat: first wins
			IE{Type: IEAPN, Value: []byte{5, 'o', 't', 'h', 'e', 'r'}},                           // repeat: first wins
			IE{Type: IEBearerContext, Value: bearer(t, IE{Type: IEEBI, Value: []byte{6}}, qos9)}, // second bearer
		))
		var m CreateSessionRequest
		if err := m.Decode(raw); err != nil {
			t.Fatal(err)
		}
		want := csrValue()
		want.Header.Length = m.Header.Length
		want.AddBearer(BearerToCreate{EBI: 6})
		if !reflect.DeepEqual(m, want) {
			t.Errorf("got %+v\nwant %+v", m, want)
		}
	})
	t.Run("bearer contexts beyond MaxBearers are dropped", func(t *testing.T) {
		var extra []IE
		for i := 0; i < MaxBearers+3; i++ {
			extra = append(extra, IE{Type: IEBearerContext, Value: bearer(t, IE{Type: IEEBI, Value: []byte{byte(5 + i%11)}}, qos9)})
		}
		var m CreateSessionRequest
		if err := m.Decode(rebuild(t, csrBytes, appending(extra...))); err != nil {
			t.Fatal(err)
		}
		if m.NumBearers != MaxBearers || len(m.BearerContexts()) != MaxBearers {
			t.Errorf("NumBearers %d", m.NumBearers)
		}
	})
	t.Run("piggybacked message", func(t *testing.T) {
		b := append([]byte(nil), csrespBytes...)
		b[0] |= 0x10
		b = append(b, fixtureRaw("DeleteBearerRequest/dedicated bearers")...) // a Delete Bearer Request stands in for the Create Bearer Request
		var m CreateSessionResponse
		if err := m.Decode(b); err != nil {
			t.Fatal(err)
		}
		var h Header
		_, rest, err := ParseHeader(b, &h)
		if err != nil || !h.Piggyback || !bytes.Equal(rest, fixtureRaw("DeleteBearerRequest/dedicated bearers")) {
			t.Errorf("ParseHeader: %+v rest % x %v", h, rest, err)
		}
	})
	t.Run("decode resets the value", func(t *testing.T) {
		var m CreateSessionRequest
		if err := m.Decode(csrBytes); err != nil {
			t.Fatal(err)
		}
		if err := m.Decode(rebuild(t, csrBytes, without(IEIMSI, 0))); err != nil {
			t.Fatal(err)
		}
		if m.IMSI.N != 0 {
			t.Error("IMSI of the previous message survived")
		}
	})
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		field string
		edit  func(m *CreateSessionRequest)
	}{
		{"IMSI too long for its digits", "IMSI", func(m *CreateSessionRequest) { m.IMSI.N = 3 }},
		{"MEI of 20 digits", "MEI", func(m *CreateSessionRequest) { m.MEI.N = 20 }},
		{"no APN", "APN", func(m *CreateSessionRequest) { m.APN = APN{} }},
		{"Sender F-TEID without address", "SenderFTEID", func(m *CreateSessionRequest) { m.SenderFTEID = FTEID{TEID: 1} }},
		{"IPv6 in the IPv4 field", "SenderFTEID", func(m *CreateSessionRequest) { m.SenderFTEID.IPv4 = mustAddr("::1") }},
		{"interface type of 7 bits", "SenderFTEID", func(m *CreateSessionRequest) { m.SenderFTEID.Interface = 64 }},
		{"no bearer", "NumBearers", func(m *CreateSessionRequest) { m.NumBearers = 0 }},
		{"EBI 16", "Bearers[0].EBI", func(m *CreateSessionRequest) { m.Bearers[0].EBI = 16 }},
		{"priority level 16", "Bearers[0].QoS", func(m *CreateSessionRequest) { m.Bearers[0].QoS.PriorityLevel = 16 }},
		{"41-bit MBR", "Bearers[0].QoS", func(m *CreateSessionRequest) { m.Bearers[0].QoS.MBRDownlink = 1 << 40 }},
		{"ECI of 29 bits", "ULI", func(m *CreateSessionRequest) { m.ULI.ECGI.ECI = 1 << 28 }},
		{"MNC of 4 digits", "ULI", func(m *CreateSessionRequest) { m.ULI.TAI.PLMN.MNCLen = 4 }},
		{"serving network MCC 1000", "ServingNetwork", func(m *CreateSessionRequest) { m.ServingNetwork.MCC = 1000 }},
		{"PAA type without address", "PAA", func(m *CreateSessionRequest) { m.PAA.IPv4 = mustAddr("::") }},
		{"PDN type 6", "PDNType", func(m *CreateSessionRequest) { m.PDNType = 6 }},
		{"selection mode 4", "SelectionMode", func(m *CreateSessionRequest) { m.SelectionMode = 4 }},
		{"indication flags past Len", "Indication", func(m *CreateSessionRequest) { m.Indication.Octets[5] = 1 }},
		{"sequence number of 25 bits", "Header.Seq", func(m *CreateSessionRequest) { m.Header.Seq = 1 << 24 }},
		{"message priority 16", "Header.Priority", func(m *CreateSessionRequest) { m.Header.HasPriority, m.Header.Priority = true, 16 }},
		{"message over 64 KiB", "", func(m *CreateSessionRequest) { m.PCO = make([]byte, 0xfff0) }},
		// Forgotten counts, flags and addresses are errors, not missing IEs.
		{"IMSI Value without N", "IMSI", func(m *CreateSessionRequest) { m.IMSI = Digits{Value: 4600} }},
		{"Recovery without HasRecovery", "Recovery", func(m *CreateSessionRequest) { m.Recovery = 3 }},
		{"AMBR without HasAMBR", "AMBR", func(m *CreateSessionRequest) { m.HasAMBR = false }},
		{"bearer past NumBearers", "Bearers[1]", func(m *CreateSessionRequest) { m.Bearers[1].EBI = 6 }},
		{"optional F-TEID without address", "Bearers[0].S5S8USGW", func(m *CreateSessionRequest) { m.Bearers[0].S5S8USGW.IPv4 = netip.Addr{} }},
		{"location without ULI flags", "ULI", func(m *CreateSessionRequest) { m.ULI.Flags = 0 }},
		{"PLMN without MNCLen", "ServingNetwork", func(m *CreateSessionRequest) { m.ServingNetwork.MNCLen = 0 }},
		{"PAA address without type", "PAA", func(m *CreateSessionRequest) { m.PAA.Type = 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := csrValue()
			c.edit(&m)
			prefix := []byte{1, 2, 3}
			b, err := m.Append(prefix)
			var e *EncodeError
			if !errors.As(err, &e) {
				t.Fatalf("Append: %v, want an *EncodeError", err)
			}
			if e.Field != c.field {
				t.Errorf("field %q, want %q (%v)", e.Field, c.field, err)
			}
			if !bytes.Equal(b, prefix) {
				t.Errorf("Append changed the buffer on error: % x", b)
			}
			if !strings.HasPrefix(err.Error(), "wire: encode Create Session Request: ") {
				t.Errorf("error text %q", err.Error())
			}
		})
	}

	resp := csrespValue()
	resp.Cause = CauseIE{}
	if _, err := resp.Append(nil); err == nil {
		t.Error("Create Session Response without Cause encoded")
	}
	resp = csrespValue()
	resp.Cause.OffendingInstance = 16
	if _, err := resp.Append(nil); err == nil {
		t.Error("offending instance 16 encoded")
	}
	resp = csrespValue()
	resp.Bearers[0].HasChargingID = false
	if _, err := resp.Append(nil); err == nil || !strings.Contains(err.Error(), "Bearers[0].ChargingID") {
		t.Errorf("Charging ID without its Has flag: %v", err)
	}
	dbr := DeleteBearerRequest{LinkedEBI: 5, EBIs: [MaxBearers]uint8{6}}
	if _, err := dbr.Append(nil); err == nil {
		t.Error("EBI past NumEBIs encoded")
	}
	dbr = DeleteBearerRequest{}
	if _, err := dbr.Append(nil); err == nil {
		t.Error("Delete Bearer Request naming no bearer encoded")
	}
	e := Echo{Header: Header{Type: MsgCreateSessionRequest}}
	if _, err := e.Append(nil); err == nil {
		t.Error("Echo with a non-echo type encoded")
	}
}

// A rejection needs the request's sequence number even when the request is
// malformed.
func TestHeaderKeptOnError(t *testing.T) {
	t.Parallel()
	var m CreateSessionRequest
	err := m.Decode(csrBytes[:len(csrBytes)-3])
	if c, ok := RejectCause(err); !ok || c.Value != CauseInvalidLength {
		t.Fatalf("Decode: %v", err)
	}
	if m.Header.Type != MsgCreateSessionRequest || m.Header.Seq != 0x457 {
		t.Errorf("header %+v", m.Header)
	}
	if typ, err := PeekType(csrBytes[:len(csrBytes)-3]); typ != MsgCreateSessionRequest || err == nil {
		t.Errorf("PeekType = %v, %v", typ, err)
	}
}

func TestAppendRejection(t *testing.T) {
	t.Parallel()
	var req CreateSessionRequest
	err := req.Decode(rebuild(t, csrBytes, without(IEAPN, 0)))
	c, ok := RejectCause(err)
	if !ok {
		t.Fatal(err)
	}
	b, err := AppendRejection(nil, req.Header.Type, req.SenderFTEID.TEID, req.Header.Seq, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		// T=1, Create Session Response, length 18, TEID 0xa001, seq 0x000457
		0x48, 0x21, 0x00, 0x12, 0x00, 0x00, 0xa0, 0x01, 0x00, 0x04, 0x57, 0x00,
		// Cause: Mandatory IE missing, offending APN (71)
		0x02, 0x00, 0x06, 0x00, 0x46, 0x00, 0x47, 0x00, 0x00, 0x00,
	}
	if !bytes.Equal(b, want) {
		t.Errorf("got % x\nwant % x", b, want)
	}
	g, err := fromGoGTP(b)
	if err != nil {
		t.Fatal(err)
	}
	if resp := g.(*CreateSessionResponse); resp.Cause != c {
		t.Errorf("go-gtp reads cause %+v, want %+v", resp.Cause, c)
	}
	for req, resp := range map[MsgType]MsgType{
		MsgDeleteSessionRequest: MsgDeleteSessionResponse,
		MsgModifyBearerRequest:  MsgModifyBearerResponse,
		MsgDeleteBearerRequest:  MsgDeleteBearerResponse,
	} {
		b, err := AppendRejection(nil, req, 1, 2, CauseIE{Value: CauseContextNotFound})
		if typ, _ := PeekType(b); err != nil || typ != resp {
			t.Errorf("%v: %v %v", req, typ, err)
		}
	}
	if _, err := AppendRejection(nil, MsgEchoRequest, 0, 1, CauseIE{Value: CauseSystemFailure}); err == nil {
		t.Error("rejection of an Echo Request encoded")
	}
	if _, err := AppendRejection(nil, MsgCreateSessionRequest, 0, 1, CauseIE{}); err == nil {
		t.Error("rejection with cause 0 encoded")
	}
}
