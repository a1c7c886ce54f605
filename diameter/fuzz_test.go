package diameter

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim"
)

// FuzzServerConn feeds arbitrary bytes, after a valid CER, to a server
// connection's read loop (over net.Pipe): it must never panic or hang,
// and the server must still answer a good CCR on a new connection.
func FuzzServerConn(f *testing.F) {
	c := newCarrier(f, nil)
	s, err := NewServer(ServerConfig{Addr: "127.0.0.1:0", Carrier: c, SweepInterval: time.Hour,
		MaxMessageLen: 8192, BufferSize: 16384})
	if err != nil {
		f.Fatal(err)
	}
	p := &peer{t: f}
	id := c.Identity(1)
	loc := c.HomeLocation(1)
	_, ccrI := p.buildCCR(ccrSpec{typ: wire.InitialRequest, sid: "fz;1", imsi: id.IMSI, loc: &loc, imei: id.DeviceIMEI,
		mscc: []wire.MSCCRequest{rg(1000, -1), rg(2000, -1)}})
	_, ccrU := p.buildCCR(ccrSpec{typ: wire.UpdateRequest, sid: "fz;1", num: 1, loc: &loc, mscc: []wire.MSCCRequest{rg(1000, 500)}})
	_, ccrT := p.buildCCR(ccrSpec{typ: wire.TerminationRequest, sid: "fz;1", num: 2, mscc: []wire.MSCCRequest{rg(-1, 10)}})
	var dwr wire.DWR
	dwr.OriginHost, dwr.OriginRealm = []byte("a"), []byte("b")
	dwrB, _ := dwr.Append(nil)
	f.Add(ccrI)
	f.Add(append(append(append([]byte(nil), ccrI...), ccrU...), ccrT...))
	f.Add(dwrB)
	f.Add(ccrI[:len(ccrI)-3])
	f.Add([]byte{1, 0, 0, 22, 0x80, 0, 1, 16, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0})
	var cer wire.CER
	cer.OriginHost, cer.OriginRealm, cer.ProductName = []byte("fz"), []byte("fz"), []byte("fz")
	cer.HostIPAddresses = nil
	cer.AuthApplicationIDs = []uint32{4}
	cerB := mustEnc(f, cer.Append)
	// CER requires a Host-IP-Address: patch one in.
	cerB = appendAVP(cerB, []byte{0, 0, 1, 1, 0x40, 0, 0, 14, 0, 1, 127, 0, 0, 1, 0, 0})
	var mu sync.Mutex // one connection at a time: the server is shared
	f.Fuzz(func(t *testing.T, in []byte) {
		mu.Lock()
		defer mu.Unlock()
		a, b := net.Pipe()
		sc := newServerConn(s, s.nextID.Add(1), a, "")
		done := make(chan struct{})
		go func() { sc.serve(); close(done) }()
		go func() { _, _ = io.Copy(io.Discard, b) }()
		_ = b.SetWriteDeadline(time.Now().Add(2 * time.Second))
		_, _ = b.Write(cerB)
		_, _ = b.Write(in)
		b.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("server connection did not finish")
		}
		if c.Anomalies() != 0 {
			t.Fatalf("carrier anomalies: %d", c.Anomalies())
		}
	})
}

var _ = sim.KindInitial
