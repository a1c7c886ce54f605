package gtp

import (
	"context"
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// BenchmarkCreateDeleteLoopback measures Create Session + Delete Session
// procedures end to end: our load client against our PGW over UDP on
// loopback, closed loop with 256 sessions under way, both in this process.
// ns/op is per procedure (a Create and a Delete).
func BenchmarkCreateDeleteLoopback(b *testing.B) {
	for _, inflight := range []int{256, 1024} {
		b.Run(itoa(inflight), func(b *testing.B) {
			c := newTestCarrier(b, 1_000_000, func(cfg *sim.Config) {
				cfg.Population.Plans = map[string]float64{"iot-1g-year": 1}
				cfg.Population.Balance = 1000 * sim.Yuan
			})
			p := startTestPGW(b, c, func(cfg *PGWConfig) { cfg.Workers = 0; cfg.DedupEntries = 0; cfg.Housekeeping = time.Second })
			run := metrics.NewRun(time.Now(), 2)
			l, err := StartLoad(context.Background(), LoadConfig{PGW: p.ControlAddr(), Run: run, Devices: sim.NewDevices(c),
				ModelledUsage: true, T3: time.Second, EchoInterval: time.Hour})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			co, _ := c.Resolve(sim.Cohort{})
			b.ReportAllocs()
			b.ResetTimer()
			l.RunClosed(sim.Phase{Start: time.Now(), Duration: time.Hour, Cohort: co}, inflight)
			for l.Progress().Completed < uint64(b.N) {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			l.Drain(ctx)
			if pr := l.Progress(); pr.Timeouts > 0 {
				b.Logf("timeouts %d", pr.Timeouts)
			}
		})
	}
}

func itoa(n int) string { return string(wire.MustDigits("0").String()[:0]) + fmtInt(n) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
