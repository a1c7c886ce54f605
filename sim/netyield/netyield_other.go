//go:build !linux

package netyield

// Yielder is one goroutine's way to yield. Off Linux, Yield is
// runtime.Gosched.
type Yielder struct{}

// New returns a Yielder.
func New() *Yielder { return &Yielder{} }

// Yield is runtime.Gosched here: see the package comment.
func (y *Yielder) Yield() { gosched() }

// Close does nothing here.
func (y *Yielder) Close() error { return nil }
