package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	v1ie "github.com/wmnsk/go-gtp/gtpv1/ie"
	v1msg "github.com/wmnsk/go-gtp/gtpv1/message"
)

var ipPkt = []byte{0x45, 0x00, 0x00, 0x14} // first octets of an IPv4 packet

type gtpuFixture struct {
	name    string
	raw     []byte
	h       GTPUHeader
	payload []byte
}

func gtpuFixtures() []gtpuFixture {
	return []gtpuFixture{
		{
			name: "G-PDU",
			raw: []byte{
				// version 1, PT=1, no E/S/PN; G-PDU; length 4; TEID 0xd001
				0x30, 0xff, 0x00, 0x04, 0x00, 0x00, 0xd0, 0x01,
				0x45, 0x00, 0x00, 0x14,
			},
			h:       GTPUHeader{Type: GTPUMsgGPDU, TEID: 0xd001, Length: 4},
			payload: ipPkt,
		},
		{
			name: "G-PDU/sequence number",
			raw: []byte{
				// S=1; G-PDU; length 8; TEID 0xd001; seq 42, N-PDU 0, no extension
				0x32, 0xff, 0x00, 0x08, 0x00, 0x00, 0xd0, 0x01, 0x00, 0x2a, 0x00, 0x00,
				0x45, 0x00, 0x00, 0x14,
			},
			h:       GTPUHeader{Type: GTPUMsgGPDU, TEID: 0xd001, HasSeq: true, Seq: 42, Length: 8},
			payload: ipPkt,
		},
		{
			name: "G-PDU/PDU session container and N-PDU number",
			raw: []byte{
				// E=1, PN=1; G-PDU; length 12; TEID 0xd001; seq (unused) 0, N-PDU 7, next 0x85
				0x35, 0xff, 0x00, 0x0c, 0x00, 0x00, 0xd0, 0x01, 0x00, 0x00, 0x07, 0x85,
				// PDU Session Container: length 1 (4 octets), content 0x00 0x09 (QFI 9), next 0
				0x01, 0x00, 0x09, 0x00,
				0x45, 0x00, 0x00, 0x14,
			},
			h: GTPUHeader{Type: GTPUMsgGPDU, TEID: 0xd001, HasNPDU: true, NPDU: 7,
				NextExt: 0x85, Ext: []byte{0x01, 0x00, 0x09, 0x00}, Length: 12},
			payload: ipPkt,
		},
		{
			name: "Echo Request",
			raw: []byte{
				// S=1; Echo Request; length 4; TEID 0; seq 1
				0x32, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
			},
			h:       GTPUHeader{Type: GTPUMsgEchoRequest, HasSeq: true, Seq: 1, Length: 4},
			payload: []byte{},
		},
		{
			name: "Echo Response",
			raw: []byte{
				// S=1; Echo Response; length 6; TEID 0; seq 1; Recovery IE (TV) 0
				0x32, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
				0x0e, 0x00,
			},
			h:       GTPUHeader{Type: GTPUMsgEchoResponse, HasSeq: true, Seq: 1, Length: 6},
			payload: []byte{0x0e, 0x00},
		},
		{
			name: "Error Indication",
			raw: []byte{
				// S=1; Error Indication; length 16; TEID 0; seq 5
				0x32, 0x1a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00,
				// TEID Data I (TV): 0xd001
				0x10, 0x00, 0x00, 0xd0, 0x01,
				// GTP-U Peer Address (TLV): 10.10.1.2
				0x85, 0x00, 0x04, 0x0a, 0x0a, 0x01, 0x02,
			},
			h:       GTPUHeader{Type: GTPUMsgErrorIndication, HasSeq: true, Seq: 5, Length: 16},
			payload: []byte{0x10, 0x00, 0x00, 0xd0, 0x01, 0x85, 0x00, 0x04, 0x0a, 0x0a, 0x01, 0x02},
		},
		{
			name: "End Marker",
			raw: []byte{
				// End Marker; length 0; TEID 0xd001
				0x30, 0xfe, 0x00, 0x00, 0x00, 0x00, 0xd0, 0x01,
			},
			h:       GTPUHeader{Type: GTPUMsgEndMarker, TEID: 0xd001},
			payload: []byte{},
		},
	}
}

func TestGTPUFixtures(t *testing.T) {
	t.Parallel()
	for _, f := range gtpuFixtures() {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			var h GTPUHeader
			p, err := ParseGTPU(f.raw, &h)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(h, f.h) || !bytes.Equal(p, f.payload) {
				t.Errorf("ParseGTPU: %+v % x, want %+v % x", h, p, f.h, f.payload)
			}
			b, err := AppendGTPU(nil, &f.h, f.payload)
			if err != nil || !bytes.Equal(b, f.raw) {
				t.Errorf("AppendGTPU: % x, %v; want % x", b, err, f.raw)
			}
		})
	}
}

func TestGTPUHelpers(t *testing.T) {
	t.Parallel()
	fx := gtpuFixtures()
	check := func(name string, got, want []byte) {
		t.Helper()
		if !bytes.Equal(got, want) {
			t.Errorf("%s: % x, want % x", name, got, want)
		}
	}
	g, err := AppendGPDU(nil, 0xd001, ipPkt)
	if err != nil {
		t.Fatal(err)
	}
	check("AppendGPDU", g, fx[0].raw)
	check("AppendGTPUEchoRequest", AppendGTPUEchoRequest(nil, 1), fx[3].raw)
	check("AppendGTPUEchoResponse", AppendGTPUEchoResponse(nil, 1), fx[4].raw)
	check("AppendEndMarker", AppendEndMarker(nil, 0xd001), fx[6].raw)

	ei := GTPUErrorIndication{Header: GTPUHeader{HasSeq: true, Seq: 5}, TEID: 0xd001, PeerAddr: pgwU}
	b, err := ei.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	check("GTPUErrorIndication.Append", b, fx[5].raw)
	var got GTPUErrorIndication
	if err := got.Decode(fx[5].raw); err != nil {
		t.Fatal(err)
	}
	ei.Header.Type, ei.Header.Length = GTPUMsgErrorIndication, 16
	if !reflect.DeepEqual(got, ei) {
		t.Errorf("GTPUErrorIndication.Decode: %+v, want %+v", got, ei)
	}

	var h GTPUHeader
	if _, err := ParseGTPU(fx[2].raw, &h); err != nil {
		t.Fatal(err)
	}
	r := h.ExtHeaders()
	if !r.Next() || r.Ext().Type != 0x85 || !bytes.Equal(r.Ext().Content, []byte{0x00, 0x09}) || r.Next() {
		t.Errorf("ExtHeaders: %+v", r.Ext())
	}
	ext, err := AppendGTPUExtHeader(nil, []byte{0x00, 0x09}, 0)
	if err != nil || !bytes.Equal(ext, h.Ext) {
		t.Errorf("AppendGTPUExtHeader: % x, %v", ext, err)
	}
}

func TestGTPUErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		raw  []byte
		want error
	}{
		{"empty", nil, ErrTooShort},
		{"7 octets", []byte{0x30, 0xff, 0, 0, 0, 0, 0}, ErrTooShort},
		{"version 2", []byte{0x50, 0xff, 0, 0, 0, 0, 0, 1}, ErrVersion},
		{"GTP prime (PT=0)", []byte{0x20, 0xff, 0, 0, 0, 0, 0, 1}, ErrVersion},
		{"length past end", []byte{0x30, 0xff, 0, 5, 0, 0, 0, 1, 1, 2, 3, 4}, ErrGTPUMalformed},
		{"S flag, no room for optional fields", []byte{0x32, 0xff, 0, 2, 0, 0, 0, 1, 0, 1}, ErrGTPUMalformed},
		{"extension length 0", []byte{0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 0, 0, 0, 0}, ErrGTPUMalformed},
		{"extension past end", []byte{0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 2, 0, 0, 0}, ErrGTPUMalformed},
		{"extension chain not terminated", []byte{0x34, 0xff, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0, 0, 0x85}, ErrGTPUMalformed},
	}
	for _, c := range cases {
		var h GTPUHeader
		if _, err := ParseGTPU(c.raw, &h); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	var ei GTPUErrorIndication
	for _, raw := range [][]byte{
		gtpuFixtures()[0].raw, // not an Error Indication
		{0x32, 0x1a, 0x00, 0x09, 0, 0, 0, 0, 0, 5, 0, 0, 0x10, 0, 0, 0xd0, 0x01}, // no peer address
		{0x32, 0x1a, 0x00, 0x0b, 0, 0, 0, 0, 0, 5, 0, 0, 0x85, 0, 3, 1, 2, 3, 0}, // bad address length
		{0x32, 0x1a, 0x00, 0x06, 0, 0, 0, 0, 0, 5, 0, 0, 0x7f, 0},                // unknown TV IE
	} {
		if err := ei.Decode(raw); err == nil {
			t.Errorf("GTPUErrorIndication.Decode(% x) succeeded", raw)
		}
	}
	if _, err := AppendGTPUHeader(nil, &GTPUHeader{Ext: []byte{1, 0, 0, 0}}, 0); err == nil {
		t.Error("Ext without NextExt accepted")
	}
	if _, err := AppendGTPUHeader(nil, &GTPUHeader{NextExt: 0x85, Ext: []byte{1, 0, 0, 0x85}}, 0); err == nil {
		t.Error("unterminated extension chain accepted")
	}
	if _, err := AppendGPDU(nil, 1, make([]byte, 0x10000)); err == nil {
		t.Error("oversized G-PDU accepted")
	}
	if _, err := AppendGTPUExtHeader(nil, []byte{1}, 0); err == nil {
		t.Error("extension content of 1 octet accepted")
	}
}

// TestGTPUGoGTP compares with go-gtp's GTPv1 implementation both ways.
func TestGTPUGoGTP(t *testing.T) {
	t.Parallel()
	for _, f := range gtpuFixtures() {
		if len(f.raw) < 11 { // go-gtp's header parser wants 11 octets
			continue
		}
		g, err := v1msg.ParseHeader(f.raw)
		if err != nil {
			t.Errorf("%s: go-gtp: %v", f.name, err)
			continue
		}
		var h GTPUHeader
		p, _ := ParseGTPU(f.raw, &h)
		if g.Type != uint8(h.Type) || g.TEID != h.TEID || g.Length != h.Length ||
			g.HasSequence() != h.HasSeq || (h.HasSeq && g.SequenceNumber != h.Seq) ||
			g.HasNPDUNumber() != h.HasNPDU || (h.HasNPDU && g.NPDUNumber != h.NPDU) ||
			!bytes.Equal(g.Payload, p) {
			t.Errorf("%s: go-gtp reads %+v, we read %+v % x", f.name, g, h, p)
		}
	}

	build := []struct {
		name string
		m    v1msg.Message
	}{
		{"T-PDU", v1msg.NewTPDU(0xd001, ipPkt)},
		{"T-PDU with sequence", v1msg.NewTPDUWithSequence(0xd001, 42, ipPkt)},
		{"Error Indication", v1msg.NewErrorIndication(0, 5, v1ie.NewTEIDDataI(0xd001), v1ie.NewGSNAddress("10.10.1.2"))},
	}
	for _, c := range build {
		b, err := v1msg.Marshal(c.m)
		if err != nil {
			t.Fatal(err)
		}
		var h GTPUHeader
		p, err := ParseGTPU(b, &h)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if uint8(h.Type) != c.m.MessageType() || h.TEID != c.m.TEID() {
			t.Errorf("%s: %+v", c.name, h)
		}
		if c.name == "Error Indication" {
			var ei GTPUErrorIndication
			if err := ei.Decode(b); err != nil || ei.TEID != 0xd001 || ei.PeerAddr != pgwU {
				t.Errorf("Error Indication from go-gtp: %+v %v", ei, err)
			}
			if ours, _ := ei.Append(nil); !bytes.Equal(ours, b) {
				t.Errorf("Error Indication: ours % x, go-gtp % x", ours, b)
			}
		} else if !bytes.Equal(p, ipPkt) {
			t.Errorf("%s: payload % x", c.name, p)
		}
	}
}
