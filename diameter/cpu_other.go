//go:build !linux

package diameter

import (
	"errors"
	"time"
)

// cpuTime is not measured off Linux.
func cpuTime(pid int) (time.Duration, error) {
	return 0, errors.New("CPU time is read on Linux only")
}
