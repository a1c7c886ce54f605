package gtp

import (
	"net/netip"
	"sync"
	"sync/atomic"
)

// peer is a GTP-C node the gateway has heard from (an SGW, or one socket of
// a load client), with what path management knows of it (TS 29.274 §7.1,
// TS 23.007): its restart counter and whether its path is up.
type peer struct {
	addr netip.AddrPort

	// rec is 1<<16 once a restart counter was seen, | epoch<<8 | the
	// counter. The epoch is bumped when the peer restarts; sessions created
	// in older epochs are gone.
	rec atomic.Uint32

	heard   atomic.Int64 // wall time of the last message from it (unix ns)
	echoSeq uint32       // outstanding Echo Request, guarded by the path manager
	echoOut bool
	tries   int
	due     int64
	down    atomic.Bool
}

// peerTable numbers peers densely so a session stores a 2-octet index.
// Lookups take a read lock; workers cache their last peer.
type peerTable struct {
	mu   sync.RWMutex
	idx  map[netip.AddrPort]uint16
	list []*peer
}

func newPeerTable() *peerTable { return &peerTable{idx: map[netip.AddrPort]uint16{}} }

// get returns the index of the peer at a, adding it if new; ok is false
// when the table is full (65535 peers).
func (t *peerTable) get(a netip.AddrPort) (uint16, bool) {
	t.mu.RLock()
	i, ok := t.idx[a]
	t.mu.RUnlock()
	if ok {
		return i, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.idx[a]; ok {
		return i, true
	}
	if len(t.list) >= 1<<16-1 {
		return 0, false
	}
	i = uint16(len(t.list))
	t.list = append(t.list, &peer{addr: a})
	t.idx[a] = i
	return i, true
}

// at returns peer i.
func (t *peerTable) at(i uint16) *peer {
	t.mu.RLock()
	p := t.list[i]
	t.mu.RUnlock()
	return p
}

// all returns the peers known so far.
func (t *peerTable) all() []*peer {
	t.mu.RLock()
	out := append([]*peer(nil), t.list...)
	t.mu.RUnlock()
	return out
}

// sawRecovery records the restart counter a peer sent and reports whether
// it differs from the one it sent before: the peer restarted and lost its
// sessions (TS 23.007 §18). It returns the peer's current epoch. It takes
// no lock: the common case is one atomic load.
func (p *peer) sawRecovery(r uint8) (restarted bool, epoch uint8) {
	for {
		old := p.rec.Load()
		has, ep, cur := old&(1<<16) != 0, uint8(old>>8), uint8(old)
		if has && cur == r {
			return false, ep
		}
		if has {
			ep++
		}
		if p.rec.CompareAndSwap(old, 1<<16|uint32(ep)<<8|uint32(r)) {
			return has, ep
		}
	}
}

// currentEpoch returns the peer's epoch.
func (p *peer) currentEpoch() uint8 { return uint8(p.rec.Load() >> 8) }
