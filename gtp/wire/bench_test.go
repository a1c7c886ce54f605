package wire

import (
	"bytes"
	"testing"

	"github.com/wmnsk/go-gtp/gtpv2/ie"
	"github.com/wmnsk/go-gtp/gtpv2/message"
)

// Benchmarks with the realistic S5/S8 messages of fixtures_test.go: a
// 204-octet, 16-IE Create Session Request and its 136-octet response. The
// go-gtp figures are for the same bytes through go-gtp v0.8.0: Parse for
// decoding, IE constructors plus Marshal for encoding (what a go-gtp user
// writes per message, see goGTPCSR).

func BenchmarkDecodeCreateSessionRequest(b *testing.B) {
	b.Run("wire", func(b *testing.B) {
		var m CreateSessionRequest
		b.ReportAllocs()
		b.SetBytes(int64(len(csrBytes)))
		for b.Loop() {
			if err := m.Decode(csrBytes); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-gtp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(csrBytes)))
		for b.Loop() {
			if _, err := message.ParseCreateSessionRequest(csrBytes); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeCreateSessionRequest(b *testing.B) {
	tmpl := csrValue()
	b.Run("wire", func(b *testing.B) {
		buf := make([]byte, 0, 1500)
		b.ReportAllocs()
		b.SetBytes(int64(len(csrBytes)))
		var seq uint32
		for b.Loop() {
			m := tmpl
			seq = NextSeq(seq)
			m.Header.Seq = seq
			m.IMSI.Value++
			var err error
			if buf, err = m.Append(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-gtp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(csrBytes)))
		var seq uint32
		for b.Loop() {
			seq = NextSeq(seq)
			if _, err := message.Marshal(goGTPCSR(seq)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-gtp/marshal-only", func(b *testing.B) {
		g := goGTPCSR(1)
		b.ReportAllocs()
		b.SetBytes(int64(len(csrBytes)))
		for b.Loop() {
			if _, err := message.Marshal(g); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeCreateSessionResponse(b *testing.B) {
	b.Run("wire", func(b *testing.B) {
		var m CreateSessionResponse
		b.ReportAllocs()
		b.SetBytes(int64(len(csrespBytes)))
		for b.Loop() {
			if err := m.Decode(csrespBytes); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-gtp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(csrespBytes)))
		for b.Loop() {
			if _, err := message.ParseCreateSessionResponse(csrespBytes); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeCreateSessionResponse(b *testing.B) {
	tmpl := csrespValue()
	b.Run("wire", func(b *testing.B) {
		buf := make([]byte, 0, 1500)
		b.ReportAllocs()
		b.SetBytes(int64(len(csrespBytes)))
		for b.Loop() {
			m := tmpl
			m.Bearers[0].ChargingID++
			var err error
			if buf, err = m.Append(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-gtp", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(csrespBytes)))
		var seq uint32
		for b.Loop() {
			seq = NextSeq(seq)
			if _, err := message.Marshal(goGTPCSResp(seq)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAdmit is the PGW's hot path for one Create Session: decode the
// request, build the response from it, encode the response.
func BenchmarkAdmit(b *testing.B) {
	var (
		req  CreateSessionRequest
		resp CreateSessionResponse
	)
	buf := make([]byte, 0, 1500)
	b.ReportAllocs()
	for b.Loop() {
		if err := req.Decode(csrBytes); err != nil {
			b.Fatal(err)
		}
		resp = CreateSessionResponse{
			Header:      Header{TEID: req.SenderFTEID.TEID, Seq: req.Header.Seq},
			Cause:       CauseIE{Value: CauseRequestAccepted},
			SenderFTEID: FTEID{Interface: IfS5S8PGWGTPC, TEID: 0xc001, IPv4: pgwC},
			PAA:         PAAIPv4(ueAddr),
			HasAMBR:     true,
			AMBR:        req.AMBR,
			NumBearers:  1,
		}
		resp.Bearers[0] = BearerCreated{
			EBI:      req.Bearers[0].EBI,
			Cause:    CauseIE{Value: CauseRequestAccepted},
			S5S8UPGW: FTEID{Interface: IfS5S8PGWGTPU, TEID: 0xd001, IPv4: pgwU},
		}
		var err error
		if buf, err = resp.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDeleteSession(b *testing.B) {
	b.Run("wire/decode-request", func(b *testing.B) {
		var m DeleteSessionRequest
		b.ReportAllocs()
		for b.Loop() {
			if err := m.Decode(dsreqBytes); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("wire/encode-response", func(b *testing.B) {
		m := dsrespValue()
		buf := make([]byte, 0, 256)
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if buf, err = m.Append(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-gtp/decode-request", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := message.ParseDeleteSessionRequest(dsreqBytes); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGTPU(b *testing.B) {
	pkt := make([]byte, 1400)
	gpdu, _ := AppendGPDU(nil, 0xd001, pkt)
	b.Run("ParseGTPU", func(b *testing.B) {
		var h GTPUHeader
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseGTPU(gpdu, &h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendGPDU", func(b *testing.B) {
		buf := make([]byte, 0, 1500)
		b.ReportAllocs()
		b.SetBytes(int64(len(pkt)))
		for b.Loop() {
			buf, _ = AppendGPDU(buf[:0], 0xd001, pkt)
		}
	})
}

// goGTPCSR builds csrBytes the way a go-gtp user writes it, from literal
// values, so that the go-gtp encode benchmark does not pay for converting
// our types.
func goGTPCSR(seq uint32) *message.CreateSessionRequest {
	return message.NewCreateSessionRequest(0, seq,
		ie.NewIMSI("460001234567890"),
		ie.NewMSISDN("8613800138000"),
		ie.NewMobileEquipmentIdentity("3534900698733190"),
		ie.NewUserLocationInformationStruct(nil, nil, nil,
			ie.NewTAI("460", "00", 0x1a2b), ie.NewECGI("460", "00", 0x1e24001), nil, nil, nil),
		ie.NewServingNetwork("460", "00"),
		ie.NewRATType(8),
		ie.NewIndicationFromOctets(0, 0x10, 0),
		ie.NewFullyQualifiedTEID(6, 0xa001, "10.10.0.1", ""),
		ie.NewAccessPointName("cmiot"),
		ie.NewSelectionMode(0),
		ie.NewPDNType(1),
		ie.NewPDNAddressAllocation("0.0.0.0"),
		ie.NewAPNRestriction(0),
		ie.NewAggregateMaximumBitRate(256, 512),
		ie.New(ie.ProtocolConfigurationOptions, 0, []byte{0x80, 0x00, 0x0d, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x10, 0x00}),
		ie.NewBearerContext(
			ie.NewEPSBearerID(5),
			ie.NewFullyQualifiedTEID(4, 0xb001, "10.10.0.2", "").WithInstance(2),
			ie.NewBearerQoS(1, 9, 0, 9, 0, 0, 0, 0),
		),
	)
}

// goGTPCSResp builds csrespBytes with go-gtp from literal values.
func goGTPCSResp(seq uint32) *message.CreateSessionResponse {
	return message.NewCreateSessionResponse(0xa001, seq,
		ie.NewCause(16, 0, 0, 0, nil),
		ie.NewFullyQualifiedTEID(7, 0xc001, "10.10.1.1", ""),
		ie.NewPDNAddressAllocation("10.45.0.7"),
		ie.NewAPNRestriction(0),
		ie.NewAggregateMaximumBitRate(256, 512),
		ie.New(ie.ProtocolConfigurationOptions, 0, []byte{0x80, 0x00, 0x0d, 0x04, 0x08, 0x08, 0x08, 0x08}),
		ie.NewBearerContext(
			ie.NewEPSBearerID(5),
			ie.NewCause(16, 0, 0, 0, nil),
			ie.NewFullyQualifiedTEID(5, 0xd001, "10.10.1.2", "").WithInstance(2),
			ie.NewBearerQoS(1, 9, 0, 9, 0, 0, 0, 0),
			ie.NewChargingID(12345),
		),
		ie.NewRecovery(1),
	)
}

func TestGoGTPBenchmarkBuilders(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		m    message.Message
		want []byte
	}{
		{"CreateSessionRequest", goGTPCSR(0x457), csrBytes},
		{"CreateSessionResponse", goGTPCSResp(0x457), csrespBytes},
	} {
		b, err := message.Marshal(c.m)
		if err != nil || !bytes.Equal(b, c.want) {
			t.Errorf("%s: go-gtp builds % x, %v; want % x", c.name, b, err, c.want)
		}
	}
}
