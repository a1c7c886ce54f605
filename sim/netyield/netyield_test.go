package netyield

import (
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestYieldRunsReadyReader: with one P, a goroutine that loops on Yield
// lets a reader whose socket became ready run within a yield or two,
// where runtime.Gosched would let it wait for sysmon (10 ms).
func TestYieldRunsReadyReader(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	rx, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	tx, err := net.DialUDP("udp", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()

	y := New()
	defer y.Close()
	for round := range 20 {
		var got atomic.Bool
		parked := make(chan struct{})
		go func() {
			close(parked)
			var b [16]byte
			if _, err := rx.Read(b[:]); err == nil {
				got.Store(true)
			}
		}()
		<-parked
		runtime.Gosched() // let the reader reach its wait
		if _, err := tx.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		n := 0
		for ; !got.Load() && n < 1000; n++ {
			y.Yield()
		}
		if !got.Load() {
			t.Fatalf("round %d: the reader did not run in %d yields", round, n)
		}
		if n > 10 {
			t.Errorf("round %d: the reader ran after %d yields, want a few", round, n)
		}
	}
}

func TestEvery(t *testing.T) {
	e := NewEvery(time.Hour)
	defer e.Close()
	for range 3 {
		if e.Maybe() {
			t.Fatal("yielded before the interval")
		}
	}
	e.Close()
	e = NewEvery(0)
	defer e.Close()
	if e.Maybe() {
		t.Fatal("the first call starts the interval; it must not yield")
	}
	if !e.Maybe() {
		t.Fatal("a zero interval yields on every later call")
	}
	e.Parked()
	if e.Maybe() {
		t.Fatal("after Parked the interval starts again")
	}
}

func TestYieldAfterClose(t *testing.T) {
	y := New()
	if err := y.Close(); err != nil {
		t.Fatal(err)
	}
	y.Yield() // falls back to Gosched; must not block or panic
}

func BenchmarkYield(b *testing.B) {
	y := New()
	defer y.Close()
	b.ReportAllocs()
	for b.Loop() {
		y.Yield()
	}
}
