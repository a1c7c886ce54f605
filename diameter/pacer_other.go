//go:build !linux

package diameter

import "time"

// pacer is how a load worker waits for its next send: here a runtime timer
// and a channel (see pacer_linux.go for why Linux uses a timerfd).
type pacer struct {
	wake chan struct{}
	t    *time.Timer
}

func newPacer() (*pacer, error) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &pacer{wake: make(chan struct{}, 1), t: t}, nil
}

// wait returns after d, or earlier when poked.
func (p *pacer) wait(d time.Duration) {
	p.t.Reset(d)
	select {
	case <-p.wake:
		p.t.Stop()
	case <-p.t.C:
	}
}

// poke ends the current or next wait at once. It does not block.
func (p *pacer) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *pacer) close() { p.t.Stop() }
