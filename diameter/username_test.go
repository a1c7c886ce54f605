package diameter

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
)

// relay forwards TCP connections on 127.0.0.1 to target, as a routing
// agent would, and hands every CCR that passes towards the server to seen.
func relay(t *testing.T, target string, seen func(*wire.CCR)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); s.Close() })
			go func() { _, _ = io.Copy(c, s) }()
			go func() {
				var buf []byte
				chunk := make([]byte, 64<<10)
				var r wire.CCR
				for {
					n, err := c.Read(chunk)
					if n > 0 {
						if _, werr := s.Write(chunk[:n]); werr != nil {
							return
						}
						buf = append(buf, chunk[:n]...)
						for {
							m, ferr := wire.Frame(buf, 0)
							if ferr != nil {
								break
							}
							if h, _ := wire.ParseHeader(buf[:m]); h.Code == wire.CommandCreditControl && r.Decode(buf[:m]) == nil {
								seen(&r)
							}
							buf = buf[m:]
						}
					}
					if err != nil {
						s.Close()
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestLoadUserName: with UserName set, every CCR of a session (I, U and T;
// the drain may end some before their update) carries the card's IMSI in User-Name, so a routing agent keeps the whole
// session on the carrier shard that owns the card; without it, none does.
func TestLoadUserName(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{true, false} {
		c := newCarrier(t, nil)
		s := startServer(t, c, nil)
		var mu sync.Mutex
		byType := map[wire.RequestType]int{}
		bad := 0
		addr := relay(t, s.Addr(), func(r *wire.CCR) {
			mu.Lock()
			defer mu.Unlock()
			byType[r.RequestType]++
			if want := r.IMSI(); on && string(r.UserName) != string(want) || !on && r.UserName != nil {
				bad++
			}
		})
		l, _ := startLoad(t, c, []string{addr}, func(cfg *LoadConfig) { cfg.UserName = on })
		l.Run(phase(500, 100*time.Millisecond, 1, 5*time.Millisecond, 1000, 10_000))
		waitStarted(t, l, 50)
		waitIdle(t, l, 10*time.Second)
		mu.Lock()
		if byType[wire.InitialRequest] != 50 || byType[wire.UpdateRequest] == 0 || byType[wire.TerminationRequest] != 50 || bad != 0 {
			t.Errorf("UserName %v: CCRs by type %v, %d without the IMSI as User-Name", on, byType, bad)
		}
		mu.Unlock()
	}
}
