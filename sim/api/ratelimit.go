package api

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket per client: rate tokens a second, up to burst.
// Buckets that have filled up again are forgotten now and then, so a scan
// from many addresses does not grow the map for ever.
type limiter struct {
	rate, burst float64
	now         func() time.Time

	mu        sync.Mutex
	clients   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, clients: map[string]*bucket{}, lastSweep: now()}
}

// allow takes a token for client: whether it may go on, how many whole
// tokens remain, and when refused how long until a token is back.
func (l *limiter) allow(client string) (ok bool, remaining int, retry time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.clients) > 1024 && now.Sub(l.lastSweep) > time.Minute {
		l.sweep(now)
	}
	b := l.clients[client]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.clients[client] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false, 0, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, int(b.tokens), 0
}

// sweep forgets clients whose bucket is full again.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.clients {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.clients, k)
		}
	}
	l.lastSweep = now
}
