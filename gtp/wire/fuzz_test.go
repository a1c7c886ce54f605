package wire

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
)

// Fuzz targets. Properties checked on every input:
//
//   - decoding never panics, and fails only with the documented errors;
//   - a value that decodes also encodes, decoding the encoding gives the
//     same value, and encoding again gives the same bytes;
//   - go-gtp v0.8.0 parses our encoding to the same value.
//
// Seeds are the fixtures of the other tests plus the checked-in corpus in
// testdata/fuzz.

// checkDecodeErr fails t unless err is one of the errors decoders document.
func checkDecodeErr(t *testing.T, err error) {
	t.Helper()
	_ = err.Error()
	if errors.Is(err, ErrTooShort) || errors.Is(err, ErrVersion) || errors.Is(err, ErrMessageType) {
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("undocumented error type %T: %v", err, err)
	}
	switch e.Cause {
	case CauseInvalidLength, CauseInvalidMessageFormat, CauseMandatoryIEMissing,
		CauseMandatoryIEIncorrect, CauseConditionalIEMissing:
	default:
		t.Fatalf("unexpected cause in %v", err)
	}
	if c, ok := RejectCause(err); !ok || c.Value != e.Cause || c.OffendingIE != e.IE {
		t.Fatalf("RejectCause(%v) = %+v, %v", err, c, ok)
	}
}

// withoutLength returns a copy of the message value m points to with
// Header.Length cleared, since re-encoding drops skipped IEs and changes it.
func withoutLength(m codec) any {
	v := reflect.ValueOf(m).Elem()
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	c.FieldByName("Header").FieldByName("Length").SetUint(0)
	return c.Interface()
}

// safeFromGoGTP runs fromGoGTP, turning a go-gtp panic into an error.
func safeFromGoGTP(b []byte) (m codec, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("go-gtp panicked: %v", r)
		}
	}()
	return fromGoGTP(b)
}

// roundTrip checks the encode/decode properties for a value m that decoded
// successfully (or was built by a test).
func roundTrip(t *testing.T, m codec, fresh func() codec) {
	t.Helper()
	out, err := m.Append(nil)
	if err != nil {
		t.Fatalf("decoded value does not encode: %v\n%+v", err, m)
	}
	m2 := fresh()
	if err := m2.Decode(out); err != nil {
		t.Fatalf("our encoding does not decode: %v\n% x", err, out)
	}
	if !reflect.DeepEqual(withoutLength(m), withoutLength(m2)) {
		t.Fatalf("decode(encode(x)) != x\n x: %+v\n y: %+v", m, m2)
	}
	out2, err := m2.Append(nil)
	if err != nil || !bytes.Equal(out, out2) {
		t.Fatalf("encoding is not a fixed point: %v\n% x\n% x", err, out, out2)
	}
	g, err := safeFromGoGTP(out)
	if err != nil {
		t.Fatalf("go-gtp cannot parse our encoding: %v\n% x", err, out)
	}
	if !reflect.DeepEqual(g, m2) {
		t.Fatalf("go-gtp reads our encoding differently\n go-gtp: %+v\n    ours: %+v\n% x", g, m2, out)
	}
}

func fuzzMessage(f *testing.F, fresh func() codec) {
	for _, fx := range fixtures() {
		f.Add(fx.raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m := fresh()
		if err := m.Decode(b); err != nil {
			checkDecodeErr(t, err)
			return
		}
		roundTrip(t, m, fresh)
	})
}

func FuzzDecodeCreateSessionRequest(f *testing.F) {
	fuzzMessage(f, func() codec { return new(CreateSessionRequest) })
}

func FuzzDecodeCreateSessionResponse(f *testing.F) {
	fuzzMessage(f, func() codec { return new(CreateSessionResponse) })
}

func FuzzDecodeModifyBearerRequest(f *testing.F) {
	fuzzMessage(f, func() codec { return new(ModifyBearerRequest) })
}

func FuzzDecodeModifyBearerResponse(f *testing.F) {
	fuzzMessage(f, func() codec { return new(ModifyBearerResponse) })
}

func FuzzDecodeDeleteSessionRequest(f *testing.F) {
	fuzzMessage(f, func() codec { return new(DeleteSessionRequest) })
}

func FuzzDecodeDeleteSessionResponse(f *testing.F) {
	fuzzMessage(f, func() codec { return new(DeleteSessionResponse) })
}

func FuzzDecodeDeleteBearerRequest(f *testing.F) {
	fuzzMessage(f, func() codec { return new(DeleteBearerRequest) })
}

func FuzzDecodeDeleteBearerResponse(f *testing.F) {
	fuzzMessage(f, func() codec { return new(DeleteBearerResponse) })
}

func FuzzDecodeEcho(f *testing.F) {
	fuzzMessage(f, func() codec { return new(Echo) })
}

// FuzzEncodeCreateSessionRequest builds requests from fuzzed field values:
// whatever the encoder accepts must decode back to the same value and be
// read identically by go-gtp; whatever it refuses must be an *EncodeError.
func FuzzEncodeCreateSessionRequest(f *testing.F) {
	f.Add(uint64(460001234567890), uint8(15), uint16(460), uint16(0), uint8(2), uint16(0x1a2b), uint32(0x1e24001),
		uint8(8), uint32(0xa001), uint32(0x0a0a0001), "cmiot", uint8(1), uint8(5), uint8(0x64), uint8(9), uint64(0), []byte{0x80}, uint16(0xffff))
	f.Add(uint64(1), uint8(1), uint16(1), uint16(1), uint8(3), uint16(0), uint32(0xfffffff),
		uint8(6), uint32(0), uint32(0), "a.b", uint8(3), uint8(15), uint8(0xff), uint8(0), uint64(1<<40-1), []byte(nil), uint16(0))
	f.Fuzz(func(t *testing.T, imsi uint64, imsiN uint8, mcc, mnc uint16, mncLen uint8, tac uint16, eci uint32,
		rat uint8, teid, v4 uint32, apn string, pdn, ebi, arp, qci uint8, mbr uint64, pco []byte, has uint16) {
		p := PLMN{MCC: mcc, MNC: mnc, MNCLen: mncLen}
		addr := netip.AddrFrom4([4]byte{byte(v4 >> 24), byte(v4 >> 16), byte(v4 >> 8), byte(v4)})
		m := CreateSessionRequest{
			Header:      Header{TEID: teid ^ 1, Seq: uint32(imsi) & 0xffffff},
			IMSI:        Digits{Value: imsi, N: imsiN},
			MSISDN:      Digits{Value: imsi / 7, N: imsiN / 2},
			RATType:     RATType(rat),
			SenderFTEID: FTEID{Interface: InterfaceType(rat & 0x3f), TEID: teid, IPv4: addr},
			PDNType:     PDNType(pdn),
			PCO:         pco,
		}
		m.APN, _ = ParseAPN(apn)
		if has&1 != 0 {
			m.ULI = ULI{Flags: ULITAI | ULIECGI, TAI: TAI{PLMN: p, TAC: tac}, ECGI: ECGI{PLMN: p, ECI: eci}}
		}
		if has&2 != 0 {
			m.ServingNetwork = p
		}
		if has&4 != 0 {
			m.HasSelectionMode, m.SelectionMode = true, SelectionMode(pdn)
		}
		if has&8 != 0 {
			m.PAA = PAAIPv4(addr)
		}
		if has&16 != 0 {
			m.HasAMBR, m.AMBR = true, AMBR{Uplink: eci, Downlink: teid}
		}
		if has&32 != 0 {
			m.HasRecovery, m.Recovery = true, arp
		}
		if has&64 != 0 {
			m.Indication.Set(IndicationFlag(uint16(arp&3)<<8 | uint16(qci)))
		}
		if has&128 != 0 {
			m.PGWFTEID = FTEID{Interface: IfS5S8PGWGTPC, TEID: teid, IPv6: netip.AddrFrom16([16]byte{0x20, 1, 0xd, 0xb8, 15: byte(qci)})}
		}
		n := 1 + int(has>>8&0x0f)
		for i := 0; i < n; i++ {
			m.AddBearer(BearerToCreate{
				EBI: ebi + uint8(i),
				QoS: BearerQoS{PCI: arp&0x40 != 0, PriorityLevel: arp >> 2, PVI: arp&1 != 0, QCI: qci,
					MBRUplink: mbr, MBRDownlink: mbr >> 1, GBRUplink: mbr >> 2, GBRDownlink: mbr >> 3},
				S5S8USGW: FTEID{Interface: IfS5S8SGWGTPU, TEID: teid + uint32(i), IPv4: addr},
			})
		}
		out, err := m.Append(nil)
		if err != nil {
			var ee *EncodeError
			if !errors.As(err, &ee) || out != nil {
				t.Fatalf("Append: %v, % x", err, out)
			}
			return
		}
		var got CreateSessionRequest
		if err := got.Decode(out); err != nil {
			t.Fatalf("Decode of our encoding: %v\n% x", err, out)
		}
		m.Header.Type, m.Header.HasTEID = MsgCreateSessionRequest, true
		if !reflect.DeepEqual(withoutLength(&m), withoutLength(&got)) {
			t.Fatalf("decode(encode(x)) != x\n x: %+v\n y: %+v", m, got)
		}
		roundTrip(t, &got, func() codec { return new(CreateSessionRequest) })
	})
}

// FuzzEncodeCreateSessionResponse is FuzzEncodeCreateSessionRequest for the
// PGW's answer.
func FuzzEncodeCreateSessionResponse(f *testing.F) {
	f.Add(uint8(16), uint8(0), uint8(0), uint32(0xa001), uint32(0x0a2d0007), uint8(1), uint8(5), uint8(16), uint32(12345), []byte{0x80}, uint16(0xffff))
	f.Add(uint8(70), uint8(71), uint8(7), uint32(0), uint32(0), uint8(3), uint8(0), uint8(0), uint32(0), []byte(nil), uint16(0))
	f.Fuzz(func(t *testing.T, cause, offending, flags uint8, teid, v4 uint32, pdn, ebi, bcause uint8, chargingID uint32, pco []byte, has uint16) {
		addr := netip.AddrFrom4([4]byte{byte(v4 >> 24), byte(v4 >> 16), byte(v4 >> 8), byte(v4)})
		m := CreateSessionResponse{
			Header: Header{TEID: teid, Seq: chargingID & 0xffffff, Piggyback: has&0x8000 != 0},
			Cause: CauseIE{Value: Cause(cause), PCE: flags&4 != 0, BCE: flags&2 != 0, CS: flags&1 != 0,
				OffendingIE: IEType(offending), OffendingInstance: flags >> 4},
			PCO: pco,
		}
		if has&1 != 0 {
			m.SenderFTEID = FTEID{Interface: IfS5S8PGWGTPC, TEID: teid, IPv4: addr}
		}
		if has&2 != 0 {
			m.PAA = PAA{Type: PDNType(pdn), IPv4: addr}
		}
		if has&4 != 0 {
			m.HasAPNRestriction, m.APNRestriction = true, flags
		}
		if has&8 != 0 {
			m.HasAMBR, m.AMBR = true, AMBR{Uplink: v4, Downlink: teid}
		}
		if has&16 != 0 {
			m.HasRecovery, m.Recovery = true, bcause
		}
		n := int(has >> 8 & 0x0f)
		for i := 0; i < n; i++ {
			bc := BearerCreated{
				EBI:      ebi + uint8(i),
				Cause:    CauseIE{Value: Cause(bcause)},
				S5S8UPGW: FTEID{Interface: IfS5S8PGWGTPU, TEID: teid + uint32(i), IPv4: addr},
			}
			if has&32 != 0 {
				bc.HasChargingID, bc.ChargingID = true, chargingID+uint32(i)
			}
			if has&64 != 0 {
				bc.HasQoS, bc.QoS = true, BearerQoS{PriorityLevel: flags & 0x0f, QCI: pdn, MBRUplink: uint64(v4)}
			}
			m.AddBearer(bc)
		}
		out, err := m.Append(nil)
		if err != nil {
			var ee *EncodeError
			if !errors.As(err, &ee) || out != nil {
				t.Fatalf("Append: %v, % x", err, out)
			}
			return
		}
		var got CreateSessionResponse
		if err := got.Decode(out); err != nil {
			t.Fatalf("Decode of our encoding: %v\n% x", err, out)
		}
		m.Header.Type, m.Header.HasTEID = MsgCreateSessionResponse, true
		if !reflect.DeepEqual(withoutLength(&m), withoutLength(&got)) {
			t.Fatalf("decode(encode(x)) != x\n x: %+v\n y: %+v", m, got)
		}
		roundTrip(t, &got, func() codec { return new(CreateSessionResponse) })
	})
}

// FuzzHeader checks ParseHeader on arbitrary input and that a parsed header
// re-encodes to one that parses the same.
func FuzzHeader(f *testing.F) {
	for _, fx := range fixtures() {
		f.Add(fx.raw)
	}
	f.Add(AppendVersionNotSupported(nil, 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Header
		ies, rest, err := ParseHeader(b, &h)
		if err != nil {
			checkDecodeErr(t, err)
			return
		}
		if h.Len()+len(ies)+len(rest) != len(b) || int(h.Length)+4 != h.Len()+len(ies) {
			t.Fatalf("lengths: header %d, ies %d, rest %d, datagram %d, Length %d", h.Len(), len(ies), len(rest), len(b), h.Length)
		}
		if len(rest) > 0 && !h.Piggyback {
			t.Fatal("trailing octets without the P flag")
		}
		if h.HasTEID != h.Type.HasTEID() {
			return // no encoder writes that
		}
		out, start, err := BeginMessage(nil, h.Type, &h)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ies...)
		if out, err = EndMessage(out, start); err != nil {
			t.Fatal(err)
		}
		var h2 Header
		ies2, rest2, err := ParseHeader(out, &h2)
		if err != nil || h2 != h || !bytes.Equal(ies, ies2) || len(rest2) != 0 {
			t.Fatalf("re-encoded header: %+v %v, want %+v", h2, err, h)
		}
	})
}

// FuzzIEReader checks that the IE reader never reads past its input and
// accounts for every octet.
func FuzzIEReader(f *testing.F) {
	for _, fx := range fixtures() {
		f.Add(fx.raw[12:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewIEReader(b)
		n := 0
		for r.Next() {
			ie := r.IE()
			n += 4 + len(ie.Value)
			if ie.Instance > 15 {
				t.Fatal("instance above 15")
			}
			if ie.Type == IEBearerContext {
				g := NewIEReader(ie.Value)
				for g.Next() {
				}
			}
		}
		if err := r.Err(); err != nil {
			checkDecodeErr(t, err)
			return
		}
		if n != len(b) {
			t.Fatalf("read %d of %d octets", n, len(b))
		}
	})
}

// FuzzGTPU checks ParseGTPU and that a parsed message re-encodes to one that
// parses the same.
func FuzzGTPU(f *testing.F) {
	for _, s := range gtpuFixtures() {
		f.Add(s.raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var h GTPUHeader
		p, err := ParseGTPU(b, &h)
		if err != nil {
			if !errors.Is(err, ErrTooShort) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrGTPUMalformed) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		for r := h.ExtHeaders(); r.Next(); {
			_ = r.Ext()
		}
		out, err := AppendGTPU(nil, &h, p)
		if err != nil {
			t.Fatalf("parsed header does not encode: %v %+v", err, h)
		}
		var h2 GTPUHeader
		p2, err := ParseGTPU(out, &h2)
		h.Length, h2.Length = 0, 0
		if err != nil || !reflect.DeepEqual(h, h2) && !(len(h.Ext) == 0 && len(h2.Ext) == 0) || !bytes.Equal(p, p2) {
			t.Fatalf("re-encoded: %+v %v, want %+v", h2, err, h)
		}
		var ei GTPUErrorIndication
		if err := ei.Decode(b); err == nil {
			out, err := ei.Append(nil)
			if err != nil {
				t.Fatalf("decoded Error Indication does not encode: %v", err)
			}
			var ei2 GTPUErrorIndication
			if err := ei2.Decode(out); err != nil || ei2.TEID != ei.TEID || ei2.PeerAddr != ei.PeerAddr {
				t.Fatalf("Error Indication round trip: %+v %v, want %+v", ei2, err, ei)
			}
		}
	})
}

// FuzzTBCD checks DecodeTBCD against AppendTBCD and the digit string forms.
func FuzzTBCD(f *testing.F) {
	f.Add([]byte{0x64, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0xf0})
	f.Add([]byte{0x53, 0x43, 0x09, 0x60, 0x89, 0x37, 0x13, 0x09})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := DecodeTBCD(b)
		if err != nil {
			return
		}
		if !d.Valid() || int(d.N) > 2*len(b) {
			t.Fatalf("decoded %+v from % x", d, b)
		}
		out, err := AppendTBCD(nil, d)
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("AppendTBCD = % x, %v; want % x", out, err, b)
		}
		p, err := ParseDigits(d.String())
		if err != nil || p != d {
			t.Fatalf("ParseDigits(%q) = %+v, %v", d.String(), p, err)
		}
	})
}

// FuzzAPN checks the label decoder against the label encoder.
func FuzzAPN(f *testing.F) {
	f.Add([]byte("\x05cmiot"))
	f.Add([]byte("\x03iot\x07example\x06mnc000\x06mcc460\x04gprs"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var a APN
		if !a.decode(b) {
			if a != (APN{}) {
				t.Fatal("failed decode left a non-zero APN")
			}
			return
		}
		if !a.valid() {
			t.Fatalf("decoded APN %q is not valid", a.String())
		}
		if out := a.appendLabels(nil); !bytes.Equal(out, b) {
			t.Fatalf("labels % x, want % x", out, b)
		}
		p, err := ParseAPN(a.String())
		if err != nil || p != a {
			t.Fatalf("ParseAPN(%q) = %v", a.String(), err)
		}
	})
}
