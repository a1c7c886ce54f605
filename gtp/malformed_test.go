package gtp

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
)

// TestMalformedInput sends each kind of malformed datagram over UDP and
// checks the gateway's answer (TS 29.274 §7.7): the proper cause, a
// Version Not Supported Indication, or nothing; and that it goes on
// serving afterwards.
func TestMalformedInput(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 100, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)

	valid := func() []byte { m := s.createRequest(3); return mustB(m.Append(nil)) }
	// withoutIE re-encodes a valid Create Session Request minus the first
	// IE of type t.
	withoutIE := func(typ wire.IEType) []byte {
		b := valid()
		var h wire.Header
		ies, _, err := wire.ParseHeader(b, &h)
		if err != nil {
			t.Fatal(err)
		}
		out, start, err := wire.BeginMessage(nil, wire.MsgCreateSessionRequest, &h)
		if err != nil {
			t.Fatal(err)
		}
		r := wire.NewIEReader(ies)
		dropped := false
		for r.Next() {
			ie := r.IE()
			if ie.Type == typ && !dropped {
				dropped = true
				continue
			}
			out = mustB(wire.AppendIE(out, ie.Type, ie.Instance, ie.Value))
		}
		return mustB(wire.EndMessage(out, start))
	}
	// mangleIE replaces the value of the first IE of type t.
	mangleIE := func(typ wire.IEType, value []byte) []byte {
		b := valid()
		var h wire.Header
		ies, _, _ := wire.ParseHeader(b, &h)
		out, start, _ := wire.BeginMessage(nil, wire.MsgCreateSessionRequest, &h)
		r := wire.NewIEReader(ies)
		for r.Next() {
			ie := r.IE()
			v := ie.Value
			if ie.Type == typ {
				v = value
			}
			out = mustB(wire.AppendIE(out, ie.Type, ie.Instance, v))
		}
		return mustB(wire.EndMessage(out, start))
	}
	tests := []struct {
		name    string
		pkt     func() []byte
		answer  wire.MsgType // 0: no answer
		cause   wire.Cause
		ie      wire.IEType
		counter func(PGWStats) uint64
	}{
		{name: "three octets", pkt: func() []byte { return []byte{0x48, 0x20, 0x00} },
			counter: func(s PGWStats) uint64 { return s.MalformedDropped }},
		{name: "header cut short", pkt: func() []byte { return valid()[:10] },
			counter: func(s PGWStats) uint64 { return s.MalformedDropped }},
		{name: "length past the end", pkt: func() []byte { b := valid(); return b[:len(b)-4] },
			answer: wire.MsgCreateSessionResponse, cause: wire.CauseInvalidLength,
			counter: func(s PGWStats) uint64 { return s.MalformedRejected }},
		{name: "IE length past the end", pkt: func() []byte {
			b := valid()
			// The last IE claims 200 more octets than the message has.
			var h wire.Header
			ies, _, _ := wire.ParseHeader(b, &h)
			off := len(b) - len(ies)
			r := wire.NewIEReader(ies)
			last := 0
			pos := 0
			for r.Next() {
				last = pos
				pos += 4 + len(r.IE().Value)
			}
			binary.BigEndian.PutUint16(b[off+last+1:], 200)
			return b
		}, answer: wire.MsgCreateSessionResponse, cause: wire.CauseInvalidMessageFormat,
			counter: func(s PGWStats) uint64 { return s.MalformedRejected }},
		{name: "sender F-TEID missing", pkt: func() []byte { return withoutIE(wire.IEFTEID) },
			answer: wire.MsgCreateSessionResponse, cause: wire.CauseMandatoryIEMissing, ie: wire.IEFTEID},
		{name: "APN missing", pkt: func() []byte { return withoutIE(wire.IEAPN) },
			answer: wire.MsgCreateSessionResponse, cause: wire.CauseMandatoryIEMissing, ie: wire.IEAPN},
		{name: "bearer context missing", pkt: func() []byte { return withoutIE(wire.IEBearerContext) },
			answer: wire.MsgCreateSessionResponse, cause: wire.CauseMandatoryIEMissing, ie: wire.IEBearerContext},
		{name: "IMSI missing", pkt: func() []byte { return withoutIE(wire.IEIMSI) },
			answer: wire.MsgCreateSessionResponse, cause: wire.CauseMandatoryIEMissing, ie: wire.IEIMSI},
		{name: "RAT type incorrect", pkt: func() []byte { return mangleIE(wire.IERATType, nil) },
			answer: wire.MsgCreateSessionResponse, cause: wire.CauseMandatoryIEIncorrect, ie: wire.IERATType},
		{name: "GTPv1 echo", pkt: func() []byte { return []byte{0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0x12, 0x34, 0, 0} },
			answer:  wire.MsgVersionNotSupported,
			counter: func(s PGWStats) uint64 { return s.MalformedRejected }},
		{name: "unknown message type", pkt: func() []byte {
			var h wire.Header
			b, start, _ := wire.BeginMessage(nil, wire.MsgType(250), &h)
			return mustB(wire.EndMessage(b, start))
		}, counter: func(s PGWStats) uint64 { return s.UnknownMessages }},
		{name: "delete for an unknown TEID", pkt: func() []byte {
			m := wire.DeleteSessionRequest{Header: wire.Header{TEID: 0x00abcdef, Seq: 77}}
			return mustB(m.Append(nil))
		}, answer: wire.MsgDeleteSessionResponse, cause: wire.CauseContextNotFound},
		{name: "modify for an unknown TEID", pkt: func() []byte {
			m := wire.ModifyBearerRequest{Header: wire.Header{TEID: 0x00abcdef, Seq: 78}}
			return mustB(m.Append(nil))
		}, answer: wire.MsgModifyBearerResponse, cause: wire.CauseContextNotFound},
	}
	for _, tc := range tests {
		before := p.Stats()
		s.send(tc.pkt())
		out := s.recv(150 * time.Millisecond)
		if tc.answer == 0 {
			if out != nil {
				t.Errorf("%s: answered %x, want nothing", tc.name, out)
			}
		} else {
			if out == nil {
				t.Errorf("%s: no answer", tc.name)
				continue
			}
			var h wire.Header
			ies, _, err := wire.ParseHeader(out, &h)
			if err != nil || h.Type != tc.answer {
				t.Errorf("%s: answer %v (%v), want %v", tc.name, h.Type, err, tc.answer)
				continue
			}
			if tc.cause != 0 {
				var cause wire.CauseIE
				r := wire.NewIEReader(ies)
				for r.Next() {
					if ie := r.IE(); ie.Type == wire.IECause && len(ie.Value) >= 2 {
						cause.Value = wire.Cause(ie.Value[0])
						if len(ie.Value) >= 6 {
							cause.OffendingIE = wire.IEType(ie.Value[2])
						}
					}
				}
				if cause.Value != tc.cause || (tc.ie != 0 && cause.OffendingIE != tc.ie) {
					t.Errorf("%s: cause %v offending %v, want %v %v", tc.name, cause.Value, cause.OffendingIE, tc.cause, tc.ie)
				}
			}
		}
		if tc.counter != nil {
			waitFor(t, tc.name+" counted", func() bool { return tc.counter(p.Stats()) > tc.counter(before) })
		}
	}
	// Nothing stopped: a valid request is served.
	if resp, _ := s.create(s.createRequest(4)); resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("after the malformed input: cause %v", resp.Cause.Value)
	}
	if n := p.Stats().SessionsOpen; n != 1 {
		t.Errorf("%d sessions open, want 1", n)
	}
}
