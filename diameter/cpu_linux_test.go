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
	// Spin until 20 ms of CPU are counted: on a busy machine that may take
	// longer than 20 ms of wall time, but not 10 s.
	x := 0
	var b time.Duration
	for t0 := time.Now(); ; x++ {
		if x%4096 == 0 {
			if b, err = cpuTime(0); err != nil {
				t.Fatal(err)
			}
			if b-a >= 20*time.Millisecond {
				break
			}
			if time.Since(t0) > 10*time.Second {
				t.Fatalf("10 s of spinning counted %v of CPU", b-a)
			}
		}
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
