package wire

import (
	"bytes"
	"math"
	"sync"
	"testing"
)

func TestDigits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		s    string
		tbcd []byte
	}{
		{"460001234567890", []byte{0x64, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0xf0}},  // IMSI, odd: filler F
		{"00101000000001", []byte{0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x10}},         // 14 digits, leading zeros
		{"3534900698733190", []byte{0x53, 0x43, 0x09, 0x60, 0x89, 0x37, 0x13, 0x09}}, // IMEISV, even
		{"0", []byte{0xf0}},
		{"9999999999999999999", []byte{0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0xf9}}, // MaxDigits
	}
	for _, c := range cases {
		d, err := ParseDigits(c.s)
		if err != nil || d.String() != c.s || int(d.N) != len(c.s) {
			t.Errorf("ParseDigits(%q) = %+v, %v", c.s, d, err)
		}
		b, err := AppendTBCD(nil, d)
		if err != nil || !bytes.Equal(b, c.tbcd) {
			t.Errorf("AppendTBCD(%s) = % x, %v; want % x", c.s, b, err, c.tbcd)
		}
		got, err := DecodeTBCD(c.tbcd)
		if err != nil || got != d {
			t.Errorf("DecodeTBCD(% x) = %+v, %v; want %+v", c.tbcd, got, err, d)
		}
	}
	for _, s := range []string{"", "12a", "-1", "12345678901234567890"} {
		if _, err := ParseDigits(s); err == nil {
			t.Errorf("ParseDigits(%q) succeeded", s)
		}
	}
	for _, b := range [][]byte{
		nil,
		{0x1a},       // low nibble 0xA
		{0xf1, 0x21}, // filler before the last octet
		{0x21, 0x0f}, // filler in a low nibble
		{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11}, // 20 digits
	} {
		if d, err := DecodeTBCD(b); err == nil {
			t.Errorf("DecodeTBCD(% x) = %+v", b, d)
		}
	}
	for _, d := range []Digits{{}, {Value: 100, N: 2}, {Value: 1, N: 20}} {
		if d.Valid() {
			t.Errorf("%+v valid", d)
		}
		if _, err := AppendTBCD(nil, d); err == nil {
			t.Errorf("AppendTBCD(%+v) succeeded", d)
		}
	}
	if (Digits{Value: math.MaxUint64, N: 19}).Valid() {
		t.Error("20-digit value valid as 19 digits")
	}
	if s := (Digits{}).String(); s != "" {
		t.Errorf("zero Digits String %q", s)
	}
}

func TestPLMN(t *testing.T) {
	t.Parallel()
	cases := []struct {
		mcc, mnc, s string
		raw         []byte
	}{
		{"460", "00", "460-00", []byte{0x64, 0xf0, 0x00}},
		{"310", "410", "310-410", []byte{0x13, 0x00, 0x14}},
		{"001", "01", "001-01", []byte{0x00, 0xf1, 0x10}},
		{"123", "456", "123-456", []byte{0x21, 0x63, 0x54}},
	}
	for _, c := range cases {
		p, err := ParsePLMN(c.mcc, c.mnc)
		if err != nil || p.String() != c.s {
			t.Errorf("ParsePLMN(%s, %s) = %v, %v", c.mcc, c.mnc, p, err)
		}
		b, err := AppendPLMN(nil, p)
		if err != nil || !bytes.Equal(b, c.raw) {
			t.Errorf("AppendPLMN(%v) = % x, %v", p, b, err)
		}
		if got, err := DecodePLMN(c.raw); err != nil || got != p {
			t.Errorf("DecodePLMN(% x) = %v, %v", c.raw, got, err)
		}
	}
	for _, b := range [][]byte{{0x64, 0xf0}, {0x6a, 0xf0, 0x00}, {0x64, 0xe0, 0x00}, {0x64, 0xf0, 0xa0}} {
		if p, err := DecodePLMN(b); err == nil {
			t.Errorf("DecodePLMN(% x) = %v", b, p)
		}
	}
	for _, c := range [][2]string{{"46", "00"}, {"460", "0"}, {"460", "0000"}, {"4x0", "00"}, {"460", "0y"}} {
		if _, err := ParsePLMN(c[0], c[1]); err == nil {
			t.Errorf("ParsePLMN(%q, %q) succeeded", c[0], c[1])
		}
	}
	if _, err := AppendPLMN(nil, PLMN{MCC: 460, MNC: 100, MNCLen: 2}); err == nil {
		t.Error("3-digit MNC value with MNCLen 2 encoded")
	}
}

func TestAPN(t *testing.T) {
	t.Parallel()
	a, err := ParseAPN("iot.example.mnc000.mcc460.gprs")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.appendLabels(nil); !bytes.Equal(got, []byte("\x03iot\x07example\x06mnc000\x06mcc460\x04gprs")) {
		t.Errorf("labels % x", got)
	}
	if a.String() != "iot.example.mnc000.mcc460.gprs" || a.Len() != 30 || string(a.Bytes()) != a.String() || a.IsZero() {
		t.Errorf("accessors: %q %d", a.String(), a.Len())
	}
	long := bytes.Repeat([]byte("a"), 63)
	for _, s := range []string{"", ".", "a..b", "a.", ".a", string(long) + "b", string(bytes.Repeat([]byte("abcdefghi."), 10)) + "x"} {
		if _, err := ParseAPN(s); err == nil {
			t.Errorf("ParseAPN(%q) succeeded", s)
		}
	}
	if _, err := ParseAPN(string(long)); err != nil {
		t.Errorf("63-octet label refused: %v", err)
	}
}

func TestSequenceNumbers(t *testing.T) {
	t.Parallel()
	if NextSeq(0) != 1 || NextSeq(MaxSeq-1) != MaxSeq || NextSeq(MaxSeq) != 0 {
		t.Error("NextSeq does not wrap at 0x800000")
	}
	var c SeqCounter
	c.n.Store(math.MaxUint32 - 1)
	got := []uint32{c.Next(), c.Next(), c.Next()}
	if got[0] != MaxSeq-1 || got[1] != MaxSeq || got[2] != 0 {
		t.Errorf("SeqCounter across the uint32 wrap: %v", got)
	}
	var c2 SeqCounter
	var mu sync.Mutex
	seen := make(map[uint32]bool)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 1000 {
				s := c2.Next()
				mu.Lock()
				if seen[s] {
					t.Errorf("sequence number %d handed out twice", s)
				}
				seen[s] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestIEReader(t *testing.T) {
	t.Parallel()
	var h Header
	body, _, err := ParseHeader(csrBytes, &h)
	if err != nil {
		t.Fatal(err)
	}
	want := []IEType{IEIMSI, IEMSISDN, IEMEI, IEULI, IEServingNetwork, IERATType, IEIndication, IEFTEID,
		IEAPN, IESelectionMode, IEPDNType, IEPAA, IEAPNRestriction, IEAMBR, IEPCO, IEBearerContext}
	var got []IEType
	r := NewIEReader(body)
	for r.Next() {
		ie := r.IE()
		got = append(got, ie.Type)
		if ie.Type == IEBearerContext {
			var inner []IEType
			for g := NewIEReader(ie.Value); g.Next(); {
				inner = append(inner, g.IE().Type)
			}
			if len(inner) != 3 || inner[0] != IEEBI || inner[1] != IEFTEID || inner[2] != IEBearerQoS {
				t.Errorf("bearer context IEs %v", inner)
			}
		}
	}
	if r.Err() != nil || len(got) != len(want) {
		t.Fatalf("read %v, %v", got, r.Err())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("IE %d: %v, want %v", i, got[i], want[i])
		}
	}
	var zero IEReader
	if zero.Next() || zero.Err() != nil {
		t.Error("zero IEReader reads")
	}
	r = NewIEReader([]byte{0x03, 0x00, 0x02, 0x00, 0x01})
	if r.Next() || r.Err() == nil || r.Next() {
		t.Error("IE past the end not reported")
	}
	if msg := r.Err().Error(); msg != "wire: Invalid Message Format: Recovery (type 3, instance 0): IE length runs past the end of the message" {
		t.Errorf("error text %q", msg)
	}
}

func TestRawBuilders(t *testing.T) {
	t.Parallel()
	b, start, err := BeginMessage([]byte{0xaa}, MsgEchoRequest, &Header{Seq: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, g := BeginIE(b, IEBearerContext, 0)
	if b, err = AppendIE(b, IEEBI, 0, []byte{5}); err != nil {
		t.Fatal(err)
	}
	if b, err = EndIE(b, g); err != nil {
		t.Fatal(err)
	}
	if b, err = AppendIE(b, IERecovery, 0, []byte{1}); err != nil {
		t.Fatal(err)
	}
	if b, err = EndMessage(b, start); err != nil {
		t.Fatal(err)
	}
	want := []byte{0xaa,
		0x40, 0x01, 0x00, 0x12, 0x00, 0x00, 0x07, 0x00, // header: length 18, seq 7
		0x5d, 0x00, 0x05, 0x00, 0x49, 0x00, 0x01, 0x00, 0x05, // grouped IE
		0x03, 0x00, 0x01, 0x00, 0x01, // Recovery
	}
	if !bytes.Equal(b, want) {
		t.Errorf("got % x\nwant % x", b, want)
	}
	if _, err := AppendIE(nil, IEEBI, 16, nil); err == nil {
		t.Error("instance 16 accepted")
	}
	if _, err := AppendIE(nil, IEPCO, 0, make([]byte, 0x10000)); err == nil {
		t.Error("65536-octet value accepted")
	}
	if _, err := EndMessage([]byte{1, 2}, 0); err == nil {
		t.Error("EndMessage without a message accepted")
	}
	if _, err := EndIE([]byte{1, 2}, 5); err == nil {
		t.Error("EndIE without an IE accepted")
	}
	if typ, err := PeekType(csrespBytes); err != nil || typ != MsgCreateSessionResponse {
		t.Errorf("PeekType = %v, %v", typ, err)
	}
}

func TestIndication(t *testing.T) {
	t.Parallel()
	var i Indication
	if i.Has(IndOI) {
		t.Error("zero Indication has OI")
	}
	i.Set(IndOI)
	i.Set(IndSI)
	if !i.Has(IndOI) || !i.Has(IndSI) || i.Has(IndDAF) || i.Has(IndCPSR) || i.Len != 2 {
		t.Errorf("%+v", i)
	}
	if i.Octets[0] != 0x08 || i.Octets[1] != 0x02 {
		t.Errorf("octets % x", i.Octets[:i.Len])
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	checks := []struct{ got, want string }{
		{CauseRequestAccepted.String(), "Request accepted"},
		{CauseMandatoryIEIncorrect.String(), "Mandatory IE incorrect"},
		{CauseMandatoryIEMissing.String(), "Mandatory IE missing"},
		{CauseIMSIIMEINotKnown.String(), "IMSI/IMEI not known"},
		{Cause(71).String(), "Cause(71)"},
		{Cause(250).String(), "Cause(250)"},
		{MsgCreateSessionRequest.String(), "Create Session Request"},
		{MsgType(200).String(), "MsgType(200)"},
		{IEFTEID.String(), "F-TEID"},
		{IEType(200).String(), "IE(200)"},
		{MustPLMN("460", "01").String(), "460-01"},
		{(PLMN{}).String(), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if !CauseRequestAcceptedPartially.IsAccepted() || CauseRequestAccepted.IsRejection() ||
		!CauseContextNotFound.IsRejection() || CauseLocalDetach.IsAccepted() {
		t.Error("IsAccepted/IsRejection")
	}
}

func TestEchoHelpers(t *testing.T) {
	t.Parallel()
	req, err := AppendEchoRequest(nil, 0x100, 7)
	if err != nil || !bytes.Equal(req, fixtureRaw("EchoRequest")) {
		t.Errorf("AppendEchoRequest: % x, %v", req, err)
	}
	resp, err := AppendEchoResponse(nil, 0x100, 3)
	var e Echo
	if err != nil || e.Decode(resp) != nil || e.Header.Type != MsgEchoResponse || e.Recovery != 3 || e.Header.Seq != 0x100 {
		t.Errorf("AppendEchoResponse: % x, %v, %+v", resp, err, e)
	}
	if _, err := AppendEchoRequest(nil, 1<<24, 0); err == nil {
		t.Error("25-bit sequence number encoded")
	}
}

func TestPAAKinds(t *testing.T) {
	t.Parallel()
	v4, v6 := mustAddr("10.45.0.7"), mustAddr("2001:db8:1::")
	for _, p := range []PAA{
		PAAIPv4(v4),
		{Type: PDNTypeIPv6, IPv6: v6, IPv6PrefixLen: 64},
		{Type: PDNTypeIPv4v6, IPv4: v4, IPv6: v6, IPv6PrefixLen: 64},
		{Type: PDNTypeNonIP},
		{Type: PDNTypeEthernet},
	} {
		m := csrespValue()
		m.PAA = p
		b, err := m.Append(nil)
		if err != nil {
			t.Fatalf("%v: %v", p.Type, err)
		}
		var got CreateSessionResponse
		if err := got.Decode(b); err != nil || got.PAA != p {
			t.Errorf("%v: decoded %+v, %v", p.Type, got.PAA, err)
		}
		g, err := fromGoGTP(b)
		if err != nil || g.(*CreateSessionResponse).PAA != p {
			t.Errorf("%v: go-gtp reads %+v, %v", p.Type, g, err)
		}
	}
	for _, p := range []PAA{
		{Type: PDNTypeIPv4},
		{Type: PDNTypeIPv6, IPv6: v6, IPv6PrefixLen: 129},
		{Type: PDNTypeIPv4v6, IPv4: v4},
		{Type: PDNTypeNonIP, IPv4: v4},
		{Type: 6},
	} {
		m := csrespValue()
		m.PAA = p
		if _, err := m.Append(nil); err == nil {
			t.Errorf("%+v encoded", p)
		}
	}
	if RATEUTRANNBIoT.String() != "EUTRAN-NB-IoT" || RATType(99).String() != "RATType(99)" ||
		PDNTypeIPv4v6.String() != "IPv4v6" || PDNType(9).String() != "PDNType(9)" {
		t.Error("RATType/PDNType names")
	}
}
