package diameter

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
)

// setLen rewrites the Message Length of msg to n.
func setLen(msg []byte, n int) []byte {
	msg[1], msg[2], msg[3] = byte(n>>16), byte(n>>8), byte(n)
	return msg
}

// avpAt returns the offset of the first top-level AVP with code in msg.
func avpAt(t *testing.T, msg []byte, code uint32) int {
	t.Helper()
	for off := wire.HeaderLen; off+8 <= len(msg); {
		n := int(msg[off+5])<<16 | int(msg[off+6])<<8 | int(msg[off+7])
		if binary.BigEndian.Uint32(msg[off:]) == code {
			return off
		}
		off += (n + 3) &^ 3
	}
	t.Fatalf("no AVP %d", code)
	return 0
}

// cut removes the top-level AVP with code from msg.
func cut(t *testing.T, msg []byte, code uint32) []byte {
	off := avpAt(t, msg, code)
	n := int(msg[off+5])<<16 | int(msg[off+6])<<8 | int(msg[off+7])
	out := append(append([]byte(nil), msg[:off]...), msg[off+(n+3)&^3:]...)
	return setLen(out, len(out))
}

// appendAVP adds a raw AVP at the end of msg.
func appendAVP(msg []byte, avp []byte) []byte {
	out := append(append([]byte(nil), msg...), avp...)
	return setLen(out, len(out))
}

func TestMalformedInputAnsweredAndConnectionServes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	// A session opened before the bad input goes on after it.
	wantCode(t, f.open("s-survivor", 1, 1<<20), wire.Success, "")
	id := f.c.Identity(2)
	loc := f.c.HomeLocation(2)
	good := func(sid string) []byte {
		_, b := f.p.buildCCR(ccrSpec{typ: wire.InitialRequest, sid: sid, imsi: id.IMSI, loc: &loc, imei: id.DeviceIMEI,
			mscc: []wire.MSCCRequest{rg(100, -1)}})
		return b
	}
	tests := []struct {
		name    string
		msg     func() []byte
		code    wire.ResultCode
		failed  uint32 // AVP code expected in Failed-AVP (0: none checked)
		errFlag bool
	}{
		{"truncated AVP", func() []byte {
			b := good("bad-1")
			off := avpAt(t, b, wire.AVPCCRequestNumber)
			b[off+7] += 64 // runs past the end of the message
			return b
		}, wire.InvalidAVPLength, wire.AVPCCRequestNumber, false},
		{"mis-sized Unsigned32", func() []byte {
			b := good("bad-2")
			off := avpAt(t, b, wire.AVPCCRequestNumber)
			b[off+7] = 10 // 2 bytes of value: wrong size for Unsigned32
			return b
		}, wire.InvalidAVPLength, wire.AVPCCRequestNumber, false},
		{"missing Session-Id", func() []byte { return cut(t, good("bad-3"), wire.AVPSessionID) },
			wire.MissingAVP, wire.AVPSessionID, false},
		{"missing Subscription-Id", func() []byte { return cut(t, good("bad-4"), wire.AVPSubscriptionID) },
			wire.MissingAVP, wire.AVPSubscriptionID, false},
		{"unknown mandatory AVP", func() []byte {
			return appendAVP(good("bad-5"), wire.AppendUint32AVP(nil, 99999, wire.AVPFlagMandatory, 0, 1))
		}, wire.AVPUnsupported, 99999, false},
		{"unknown optional AVP is ignored", func() []byte {
			return appendAVP(good("ok-6"), wire.AppendUint32AVP(nil, 99999, 0, 0, 1))
		}, wire.Success, 0, false},
		{"wrong enumerated value", func() []byte {
			b := good("bad-7")
			off := avpAt(t, b, wire.AVPCCRequestType)
			binary.BigEndian.PutUint32(b[off+8:], 9)
			return b
		}, wire.InvalidAVPValue, wire.AVPCCRequestType, false},
		{"IMSI not digits", func() []byte {
			var r wire.CCR
			if err := r.Decode(good("bad-8")); err != nil {
				t.Fatal(err)
			}
			r.SubscriptionIDs[0].Data = []byte("46004x")
			return mustEnc(t, r.Append)
		}, wire.InvalidAVPValue, wire.AVPSubscriptionID, false},
		{"wrong application", func() []byte {
			b := good("bad-9")
			binary.BigEndian.PutUint32(b[8:], 16777238)
			return b
		}, wire.ApplicationUnsupported, 0, true},
		{"unknown command", func() []byte {
			b := good("bad-10")
			b[7] = 99
			return b
		}, wire.CommandUnsupported, 0, true},
		{"routing loop", func() []byte {
			var r wire.CCR
			if err := r.Decode(good("bad-12")); err != nil {
				t.Fatal(err)
			}
			r.NumRouteRecord = 2
			r.RouteRecord[0], r.RouteRecord[1] = []byte("dra.test"), []byte("ocs.carriersim.test")
			return mustEnc(t, r.Append)
		}, wire.LoopDetected, 0, true},
		{"length not a multiple of 4", func() []byte {
			b := appendAVP(good("bad-11"), []byte{0, 0})
			return setLen(b, len(b))
		}, wire.InvalidMessageLength, 0, false},
	}
	for _, tt := range tests {
		f.p.send(tt.msg())
		a := f.p.answer()
		if a.ResultCode != tt.code {
			t.Errorf("%s: Result-Code %d (%q), want %d", tt.name, a.ResultCode, a.ErrorMessage, tt.code)
			continue
		}
		if a.Header.IsError() != tt.errFlag {
			t.Errorf("%s: E bit %v, want %v", tt.name, a.Header.IsError(), tt.errFlag)
		}
		if tt.failed != 0 {
			it := wire.NewIter(a.FailedAVP)
			if !it.Next() || it.AVP().Code != tt.failed {
				t.Errorf("%s: Failed-AVP %x, want AVP %d", tt.name, a.FailedAVP, tt.failed)
			}
		}
		if tt.code != wire.Success && len(a.ErrorMessage) == 0 {
			t.Errorf("%s: no Error-Message", tt.name)
		}
	}
	// The connection still serves, and the earlier session goes on.
	wantCode(t, f.update("s-survivor", 1, 1, 1000, 1000), wire.Success, "")
	f.p.send(good("ok-after"))
	wantCode(t, f.p.answer(), wire.Success, "")
	if st := f.card(t, 1); st.Used != 1000 {
		t.Fatalf("survivor used %d", st.Used)
	}
}

func TestOversizedMessageSkipped(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, func(cfg *ServerConfig) { cfg.MaxMessageLen = 4096 })
	f := &fixture{c: c, s: s, p: connect(t, s.Addr())}
	var r wire.CCR
	_, b := f.p.buildCCR(ccrSpec{typ: wire.InitialRequest, sid: "big", imsi: c.Identity(1).IMSI, mscc: []wire.MSCCRequest{rg(1, -1)}})
	if err := r.Decode(b); err != nil {
		t.Fatal(err)
	}
	r.DestinationHost = make([]byte, 8000)
	f.p.send(mustEnc(t, r.Append))
	wantCode(t, f.p.answer(), wire.UnableToComply, "")
	wantCode(t, f.open("after-big", 1, 10), wire.Success, "")
}

func TestOutOfStepStreamCloses(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.p.send([]byte{2, 0, 0, 20, 0x80, 0, 1, 16, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 1})
	if !f.p.closed(2 * time.Second) {
		t.Fatal("connection open after a version-2 header")
	}
	// The server itself goes on.
	p := connect(t, f.s.Addr())
	f.p = p
	wantCode(t, f.open("after-desync", 1, 10), wire.Success, "")
}
