//go:build linux

package diameter

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// rawPair returns both ends of a loopback TCP connection, each wrapped.
func rawPair(t *testing.T) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			acc <- nil
			return
		}
		acc <- c
	}()
	d, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-acc
	if s == nil {
		t.Fatal("accept failed")
	}
	a, b = wrapRaw(d), wrapRaw(s)
	if _, ok := a.(*rawConn); !ok {
		t.Fatalf("wrapRaw(%T) = %T, want *rawConn", d, a)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func TestRawConnCarriesBytesBothWays(t *testing.T) {
	a, b := rawPair(t)
	msg := bytes.Repeat([]byte("diameter"), 100_000) // 800 kB: many reads, and writes that wait for room
	errc := make(chan error, 1)
	go func() {
		_, err := a.Write(msg)
		errc <- err
	}()
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(b, got); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("bytes differ")
	}
	if _, err := b.Write([]byte("back")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(a, buf); err != nil || string(buf) != "back" {
		t.Fatalf("read %q, %v", buf, err)
	}
	a.Close()
	if n, err := b.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("after the peer closed: %d, %v; want 0, EOF", n, err)
	}
}

func TestRawConnDeadlines(t *testing.T) {
	a, b := rawPair(t)
	_ = b.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := b.Read(make([]byte, 10))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past its deadline: %v, want a timeout", err)
	}
	// Nobody reads b: a write larger than both socket buffers fills them and
	// then times out, saying how much went.
	_ = a.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	big := make([]byte, 64<<20)
	n, err := a.Write(big)
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("write past its deadline: %v, want a timeout", err)
	}
	if n <= 0 || n >= len(big) {
		t.Fatalf("write reported %d bytes written, want some but not all", n)
	}
}

func TestRawConnReadAfterCloseFails(t *testing.T) {
	a, _ := rawPair(t)
	a.Close()
	if _, err := a.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read on a closed conn: %v, want net.ErrClosed", err)
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write on a closed conn: %v, want net.ErrClosed", err)
	}
}

func TestRawConnConcurrentWritesStayWhole(t *testing.T) {
	a, b := rawPair(t)
	const writers, each = 4, 500
	done := make(chan struct{})
	for w := range writers {
		go func() {
			defer func() { done <- struct{}{} }()
			msg := bytes.Repeat([]byte{byte('a' + w)}, 1000)
			for range each {
				if _, err := a.Write(msg); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	buf := make([]byte, 1000)
	for range writers * each {
		if _, err := io.ReadFull(b, buf); err != nil {
			t.Fatal(err)
		}
		if bytes.Count(buf, buf[:1]) != len(buf) {
			t.Fatal("two writes interleaved")
		}
	}
	for range writers {
		<-done
	}
}
