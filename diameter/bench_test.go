package diameter

import (
	"encoding/binary"
	"testing"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim"
)

// The in-process cost of answering a CCR: decode, session lookup, rating by
// sim, session update and CCA encoding, without the network. The payload
// is a CCR-UPDATE with two MSCCs (each reporting usage and asking again),
// IMSI, IMEISV and ULI, as our load client and real gateways send.

// benchConn is a server connection with no socket: flushBatch appends the
// answers to out, which the benchmark discards.
type benchConn struct {
	c     *serverConn
	msgs  [][]byte // CCR-Us, one per session, patched in place
	num   []int    // offset of CC-Request-Number's value in each
	e2e   uint32
	round uint32
}

func newBenchConn(tb testing.TB, sessions int) *benchConn {
	tb.Helper()
	one := 1.0
	cr, err := sim.New(sim.Config{
		Clock: sim.NewClock(t0, 0),
		Population: sim.Spec{Count: 100_000, Seed: 3, Plans: map[string]float64{"iot-1g-year": 1},
			Regions: map[string]float64{"Guangdong": 1}, Bound: &one, Balance: 100 * sim.Yuan},
	})
	if err != nil {
		tb.Fatal(err)
	}
	s, err := NewServer(ServerConfig{Addr: "127.0.0.1:0", Carrier: cr})
	if err != nil {
		tb.Fatal(err)
	}
	bc := &benchConn{c: newServerConn(s, 1, nil, "")}
	bc.c.open = true
	p := &peer{t: tb}
	for i := range sessions {
		card := uint32(i * 37 % 100_000)
		id := cr.Identity(card)
		loc := cr.HomeLocation(card)
		sid := "pgw01.carriersim.test;1700000000;" + itoa(uint64(i))
		two := func(want, used int64) []wire.MSCCRequest {
			a, b := rg(want, used), rg(want, used)
			b.RatingGroup = 2
			a.HasServiceID, a.ServiceID, b.HasServiceID, b.ServiceID = true, 1, true, 2
			return []wire.MSCCRequest{a, b}
		}
		_, ini := p.buildCCR(ccrSpec{typ: wire.InitialRequest, sid: sid, imsi: id.IMSI, loc: &loc, imei: id.DeviceIMEI, mscc: two(1024, -1)})
		bc.c.b.add(bc.c, ini)
		bc.c.flushBatch()
		var a wire.CCA
		if err := a.Decode(bc.c.out); err != nil || a.ResultCode != wire.Success {
			tb.Fatalf("CCR-I answered %d, %v", a.ResultCode, err)
		}
		bc.c.out = bc.c.out[:0]
		_, upd := p.buildCCR(ccrSpec{typ: wire.UpdateRequest, sid: sid, imsi: id.IMSI, loc: &loc, imei: id.DeviceIMEI, mscc: two(1024, 10)})
		bc.msgs = append(bc.msgs, upd)
		bc.num = append(bc.num, avpAtTB(tb, upd, wire.AVPCCRequestNumber)+8)
	}
	return bc
}

func avpAtTB(tb testing.TB, msg []byte, code uint32) int {
	for off := wire.HeaderLen; off+8 <= len(msg); {
		n := int(msg[off+5])<<16 | int(msg[off+6])<<8 | int(msg[off+7])
		if binary.BigEndian.Uint32(msg[off:]) == code {
			return off
		}
		off += (n + 3) &^ 3
	}
	tb.Fatalf("no AVP %d", code)
	return 0
}

// step answers one CCR-U for each of k sessions starting at first, as one
// batch.
func (bc *benchConn) step(first, k int) {
	if first == 0 {
		bc.round++
	}
	for i := first; i < first+k; i++ {
		m := bc.msgs[i]
		bc.e2e++
		binary.BigEndian.PutUint32(m[16:20], bc.e2e)
		binary.BigEndian.PutUint32(m[bc.num[i]:], bc.round)
		bc.c.b.add(bc.c, m)
	}
	bc.c.flushBatch()
	bc.c.out = bc.c.out[:0]
}

func BenchmarkAnswerCCRUpdate(b *testing.B) {
	for _, k := range []int{1, 16} {
		b.Run("batch="+itoa(uint64(k)), func(b *testing.B) {
			const sessions = 4096
			bc := newBenchConn(b, sessions)
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.msgs[0])))
			b.ResetTimer()
			next := 0
			for done := 0; done < b.N; done += k {
				bc.step(next, k)
				next += k
				if next+k > sessions {
					next = 0
				}
			}
		})
	}
}

// TestAnswerZeroAllocs pins the promise that answering a CCR-UPDATE
// allocates nothing, and checks that the answers are successes.
func TestAnswerZeroAllocs(t *testing.T) {
	bc := newBenchConn(t, 64)
	next := 0
	allocs := testing.AllocsPerRun(500, func() {
		bc.step(next, 1)
		next++
		if next == 64 {
			next = 0
		}
	})
	if allocs != 0 {
		t.Fatalf("%.2f allocations per CCR-U, want 0", allocs)
	}
	// Check an answer.
	m := bc.msgs[next]
	bc.e2e++
	binary.BigEndian.PutUint32(m[16:20], bc.e2e)
	binary.BigEndian.PutUint32(m[bc.num[next]:], bc.round)
	bc.c.b.add(bc.c, m)
	bc.c.flushBatch()
	var a wire.CCA
	if err := a.Decode(bc.c.out); err != nil || a.ResultCode != wire.Success || a.NumMSCC != 2 || a.MSCC[1].GSU.Total != 1024 {
		t.Fatalf("answer %d %+v, %v", a.ResultCode, a.Services(), err)
	}
}
