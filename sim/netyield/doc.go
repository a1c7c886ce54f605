// Package netyield lets a goroutine that always has work give the CPU to
// goroutines waiting on I/O.
//
// Why it is needed: the Go scheduler learns that a socket or timer
// descriptor is ready only when it polls the network, and it polls only
// when a P has no goroutine to run (or, failing that, from sysmon every
// 10 ms). runtime.Gosched does not poll: a goroutine that loops with
// Gosched, or a reader whose socket always has more to read, keeps every
// goroutine parked on I/O waiting up to 10 ms. Measured with GOMAXPROCS 1,
// a goroutine busy in 100 µs slices, and a UDP reader fed once a
// millisecond from another process: the reader's wake-up took p50 5 ms,
// p99 10 ms with Gosched between slices, and p50 0.1 ms, p99 0.17 ms with
// Yield.
//
// How: Yield bumps an eventfd of its own and waits for it to be readable
// through the runtime's netpoller. The goroutine parks; with nothing else
// to run, the scheduler polls the network, which readies the yielder
// together with every other goroutine whose descriptor became ready.
// Those that were already runnable run first. On systems other than Linux
// Yield is runtime.Gosched.
package netyield
