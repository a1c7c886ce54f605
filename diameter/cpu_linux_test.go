//go:build linux

package diameter

import (
	"os"
	"testing"
	"time"
)

// TestCPUTime: this process's CPU time read both ways (getrusage, and
// /proc by pid) agrees to the /proc tick, and grows with work.
func TestCPUTime(t *testing.T) {
	a, err := cpuTime(0)
	if err != nil {
		t.Fatal(err)
	}
	x := 0
	for t0 := time.Now(); time.Since(t0) < 50*time.Millisecond; x++ {
	}
	b, err := cpuTime(0)
	if err != nil {
		t.Fatal(err)
	}
	if b-a < 20*time.Millisecond {
		t.Fatalf("50 ms of spinning counted %v of CPU", b-a)
	}
	p, err := cpuTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := cpuTime(0)
	if p > c || c-p > 100*time.Millisecond {
		t.Fatalf("/proc says %v, getrusage %v", p, c)
	}
	if _, err := cpuTime(1 << 30); err == nil {
		t.Fatal("no error for a process that does not exist")
	}
	_ = x
}
