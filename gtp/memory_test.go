package gtp

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/carriersim/carriersim/gtp/wire"
)

// TestMillionSessionsMemory opens a million sessions on a gateway and
// measures what the gateway's heap grew by per session: the session
// record, its generation, the card index, the free list and the duplicate
// table (its fixed 24 MB counted against the million). The budget is 200
// bytes a session. The requests are fed to a worker directly; the wire
// path is the one the UDP tests exercise.
func TestMillionSessionsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens a million sessions")
	}
	const n = 1_000_000
	c := newTestCarrier(t, n, nil)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p, err := NewPGW(PGWConfig{ControlAddr: "127.0.0.1:0", UserAddr: "127.0.0.1:0", Carrier: c})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	w := p.newWorker(0)
	s := &testSGW{t: t, c: c}
	m := s.createRequest(0)
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	buf := make([]byte, 0, 1024)
	for i := uint32(0); i < n; i++ {
		id := c.Identity(i)
		m.Header.Seq = i & wire.MaxSeq
		m.IMSI.Value = id.IMSI
		m.MEI.Value = id.DeviceIMEI * 10
		m.SenderFTEID.TEID = i + 1
		buf, _ = m.Append(buf[:0])
		w.out.n = 0
		w.control(buf, from, 0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	st := p.Stats()
	if st.SessionsOpen != n {
		t.Fatalf("%d sessions open, want %d (answers %v)", st.SessionsOpen, n, st.Answers)
	}
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%d sessions: %.1f bytes each (heap), table %d bytes", n, per, st.MemoryBytes)
	if per > 200 {
		t.Errorf("%.1f bytes per session, want at most 200", per)
	}
	runtime.KeepAlive(w)
}
