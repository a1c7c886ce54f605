package wire_test

import (
	"fmt"
	"net/netip"

	"github.com/carriersim/carriersim/gtp/wire"
)

// A PGW worker admits a Create Session Request and answers it; the request,
// the response and the output buffer are reused for every datagram.
func Example_admit() {
	sgw := newSGW()
	pkt, _ := sgw.createSession(wire.MustDigits("460001234567890"))

	var (
		req  wire.CreateSessionRequest
		resp wire.CreateSessionResponse
		out  = make([]byte, 0, 1500)
	)
	if err := req.Decode(pkt); err != nil {
		if c, ok := wire.RejectCause(err); ok {
			fmt.Println("reject with", c.Value)
		}
		return
	}
	fmt.Println("IMSI", req.IMSI, "IMEI", req.MEI, "APN", req.APN)
	fmt.Println("cell", req.ULI.ECGI.PLMN, req.ULI.ECGI.ECI, "TAC", req.ULI.TAI.TAC, "RAT", req.RATType)

	resp = wire.CreateSessionResponse{
		// The response goes to the SGW's control TEID with the request's
		// sequence number.
		Header:      wire.Header{TEID: req.SenderFTEID.TEID, Seq: req.Header.Seq},
		Cause:       wire.CauseIE{Value: wire.CauseRequestAccepted},
		SenderFTEID: wire.FTEID{Interface: wire.IfS5S8PGWGTPC, TEID: 0xc001, IPv4: netip.MustParseAddr("10.10.1.1")},
		PAA:         wire.PAAIPv4(netip.MustParseAddr("10.45.0.7")),
	}
	for _, bc := range req.BearerContexts() {
		resp.AddBearer(wire.BearerCreated{
			EBI:      bc.EBI,
			Cause:    wire.CauseIE{Value: wire.CauseRequestAccepted},
			S5S8UPGW: wire.FTEID{Interface: wire.IfS5S8PGWGTPU, TEID: 0xd001, IPv4: netip.MustParseAddr("10.10.1.2")},
		})
	}
	out, err := resp.Append(out[:0])
	if err != nil {
		panic(err)
	}
	fmt.Println(len(out), "octets")
	// Output:
	// IMSI 460001234567890 IMEI 3534900698733190 APN cmiot
	// cell 460-00 31604737 TAC 6699 RAT EUTRAN-NB-IoT
	// 68 octets
}

// A PGW refuses a request that lacks a mandatory IE with the cause and
// offending IE that TS 29.274 §7.7 asks for.
func ExampleRejectCause() {
	// A Create Session Request with only an IMSI in it.
	var h wire.Header
	b, start, _ := wire.BeginMessage(nil, wire.MsgCreateSessionRequest, &h)
	b, _ = wire.AppendIE(b, wire.IEIMSI, 0, []byte{0x64, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0xf0})
	b, _ = wire.EndMessage(b, start)

	var req wire.CreateSessionRequest
	err := req.Decode(b)
	fmt.Println(err)
	c, ok := wire.RejectCause(err)
	fmt.Println(ok, uint8(c.Value), c.OffendingIE)

	resp := wire.CreateSessionResponse{Header: wire.Header{Seq: h.Seq}, Cause: c}
	out, _ := resp.Append(nil)
	fmt.Printf("% x\n", out)
	// Output:
	// wire: Create Session Request: Mandatory IE missing: F-TEID (type 87, instance 0)
	// true 70 F-TEID
	// 48 21 00 12 00 00 00 00 00 00 00 00 02 00 06 00 46 00 57 00 00 00
}

// An SGW-side load client builds Create Session Requests from a template,
// changing the subscriber and the sequence number each time.
func ExampleCreateSessionRequest_Append() {
	sgw := newSGW()
	out, err := sgw.createSession(wire.MustDigits("460001234567890"))
	fmt.Println(len(out), err)

	// A request without the mandatory APN is refused, not sent without it.
	bad := sgw.tmpl
	bad.APN = wire.APN{}
	_, err = bad.Append(nil)
	fmt.Println(err)
	// Output:
	// 150 <nil>
	// wire: encode Create Session Request: APN: missing or invalid
}

// A gateway reads a G-PDU and forwards the user packet in another tunnel.
func ExampleParseGTPU() {
	in, _ := wire.AppendGPDU(nil, 0xd001, []byte{0x45, 0x00, 0x00, 0x14})

	var h wire.GTPUHeader
	pkt, err := wire.ParseGTPU(in, &h)
	if err != nil || h.Type != wire.GTPUMsgGPDU {
		return
	}
	fmt.Printf("TEID %#x, %d-octet packet\n", h.TEID, len(pkt))
	out, _ := wire.AppendGPDU(nil, 0xb001, pkt)
	fmt.Printf("% x\n", out)
	// Output:
	// TEID 0xd001, 4-octet packet
	// 30 ff 00 04 00 00 b0 01 45 00 00 14
}

// sgw is a minimal SGW emulator: a request template and a sequence counter.
type sgw struct {
	tmpl wire.CreateSessionRequest
	seq  wire.SeqCounter
	buf  []byte
}

func newSGW() *sgw {
	s := &sgw{buf: make([]byte, 0, 1500)}
	plmn := wire.MustPLMN("460", "00")
	s.tmpl = wire.CreateSessionRequest{
		MEI:     wire.MustDigits("3534900698733190"),
		RATType: wire.RATEUTRANNBIoT,
		ULI: wire.ULI{Flags: wire.ULITAI | wire.ULIECGI,
			TAI:  wire.TAI{PLMN: plmn, TAC: 0x1a2b},
			ECGI: wire.ECGI{PLMN: plmn, ECI: 0x1e24001}},
		ServingNetwork: plmn,
		SenderFTEID:    wire.FTEID{Interface: wire.IfS5S8SGWGTPC, TEID: 0xa001, IPv4: netip.MustParseAddr("10.10.0.1")},
		APN:            wire.MustAPN("cmiot"),
		PDNType:        wire.PDNTypeIPv4,
		PAA:            wire.PAAIPv4(netip.IPv4Unspecified()),
	}
	s.tmpl.AddBearer(wire.BearerToCreate{
		EBI:      5,
		QoS:      wire.BearerQoS{PriorityLevel: 9, QCI: 9},
		S5S8USGW: wire.FTEID{Interface: wire.IfS5S8SGWGTPU, TEID: 0xb001, IPv4: netip.MustParseAddr("10.10.0.2")},
	})
	return s
}

func (s *sgw) createSession(imsi wire.Digits) ([]byte, error) {
	m := s.tmpl
	m.IMSI = imsi
	m.Header.Seq = s.seq.Next()
	var err error
	s.buf, err = m.Append(s.buf[:0])
	return s.buf, err
}
