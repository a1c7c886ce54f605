package metrics

import "sync/atomic"

// Counter is a monotonically increasing count written by many goroutines.
// Each writer adds to its own cache line, so counting on a hot path does not
// bounce a shared line between cores. It is safe for concurrent use.
type Counter struct {
	cells []counterCell
}

type counterCell struct {
	n atomic.Uint64
	_ [56]byte
}

// NewCounter returns a counter with stripes cells (at least one).
func NewCounter(stripes int) *Counter { return &Counter{cells: make([]counterCell, max(stripes, 1))} }

// Add adds n on behalf of writer w.
func (c *Counter) Add(w int, n uint64) { c.cells[uint(w)%uint(len(c.cells))].n.Add(n) }

// Load returns the sum of all cells.
func (c *Counter) Load() uint64 {
	var s uint64
	for i := range c.cells {
		s += c.cells[i].n.Load()
	}
	return s
}
