package wire

import "testing"

// The zero-allocation promise of the hot path (decode a Create Session
// Request, admit, encode the response; the same for Delete Session; GTP-U
// headers), pinned with testing.AllocsPerRun.

func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	buf := make([]byte, 0, 2048)
	csr, csresp, dsreq, dsresp := csrValue(), csrespValue(), dsreqValue(), dsrespValue()
	var (
		csrIn    CreateSessionRequest
		csrespIn CreateSessionResponse
		dsreqIn  DeleteSessionRequest
		dsrespIn DeleteSessionResponse
		echo     Echo
		gh       GTPUHeader
	)
	gpdu, _ := AppendGPDU(nil, 0xd001, make([]byte, 100))
	echoReq, _ := AppendEchoRequest(nil, 1, 2)
	cases := []struct {
		name string
		fn   func() error
	}{
		{"CreateSessionRequest.Decode", func() error { return csrIn.Decode(csrBytes) }},
		{"CreateSessionRequest.Append", func() error { _, err := csr.Append(buf[:0]); return err }},
		{"CreateSessionResponse.Decode", func() error { return csrespIn.Decode(csrespBytes) }},
		{"CreateSessionResponse.Append", func() error { _, err := csresp.Append(buf[:0]); return err }},
		{"DeleteSessionRequest.Decode", func() error { return dsreqIn.Decode(dsreqBytes) }},
		{"DeleteSessionRequest.Append", func() error { _, err := dsreq.Append(buf[:0]); return err }},
		{"DeleteSessionResponse.Decode", func() error { return dsrespIn.Decode(dsrespBytes) }},
		{"DeleteSessionResponse.Append", func() error { _, err := dsresp.Append(buf[:0]); return err }},
		{"Echo.Decode", func() error { return echo.Decode(echoReq) }},
		{"AppendEchoResponse", func() error { _, err := AppendEchoResponse(buf[:0], 1, 2); return err }},
		{"PeekType", func() error { _, err := PeekType(csrBytes); return err }},
		{"AppendRejection", func() error {
			_, err := AppendRejection(buf[:0], MsgCreateSessionRequest, 1, 2, CauseIE{Value: CauseMandatoryIEMissing, OffendingIE: IEAPN})
			return err
		}},
		{"ParseGTPU", func() error { _, err := ParseGTPU(gpdu, &gh); return err }},
		{"AppendGPDU", func() error { _, err := AppendGPDU(buf[:0], 0xd001, gpdu[8:]); return err }},
		{"AppendGTPUHeader", func() error {
			h := GTPUHeader{Type: GTPUMsgGPDU, TEID: 1, HasSeq: true, Seq: 9}
			_, err := AppendGTPUHeader(buf[:0], &h, 100)
			return err
		}},
		{"DecodeTBCD", func() error { _, err := DecodeTBCD(csrBytes[16:24]); return err }},
		{"AppendTBCD", func() error { _, err := AppendTBCD(buf[:0], csr.IMSI); return err }},
	}
	for _, c := range cases {
		var err error
		n := testing.AllocsPerRun(200, func() { err = c.fn() })
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if n != 0 {
			t.Errorf("%s: %.1f allocations per run, want 0", c.name, n)
		}
	}
}
