package gtp

import (
	"sync"

	"github.com/carriersim/carriersim/gtp/wire"
)

// TS 29.274 §7.6: a request retransmitted by its sender (the same sequence
// number from the same peer) must not be carried out twice; the receiver
// sends the response it sent before. The gateway remembers every request it
// answered in a direct-mapped table keyed by (peer, message type, sequence
// number) and indexed so that one peer's consecutive sequence numbers fall in
// consecutive entries. An entry holds what it takes to rebuild the answer
// (the cause, the explanation, the session's TEID) rather than its octets,
// so an entry is 24 bytes. A request whose answer is still being worked on
// is dropped: the answer will go out once.
//
// An entry lives until a later request hashes to the same index, so the
// table covers the last len(entries) requests: with the default 1<<20
// entries, about 6.5 seconds at 160,000 requests a second, more than the
// 3 x 2 s a sender retransmits for. Past that a retransmission is handled
// as new: a Create Session then replaces the card's session (no second
// session is ever held), a Delete Session answers Context not found.

const dedupStripes = 1 << 10

// dedupEntry remembers one answered request.
type dedupEntry struct {
	key     uint64 // peer<<32 | type<<24 | seq, plus 1<<48 so that 0 means empty
	sgw     uint32 // TEID of the answer's header
	teid    uint32 // our session's TEID, 0 when the answer created or found none
	cause   wire.Cause
	reason  uint8 // explanation, when explained
	blame   uint8
	pending bool
}

type dedupTable struct {
	entries []dedupEntry
	mask    uint64
	locks   [dedupStripes]sync.Mutex
}

func newDedupTable(size int) *dedupTable {
	n := 1
	for n < size {
		n <<= 1
	}
	return &dedupTable{entries: make([]dedupEntry, n), mask: uint64(n - 1)}
}

func dedupKey(peer uint16, t wire.MsgType, seq uint32) uint64 {
	return 1<<48 | uint64(peer)<<32 | uint64(t)<<24 | uint64(seq&0xffffff)
}

func (d *dedupTable) index(key uint64) uint64 {
	// Sequence numbers in the low bits, the peer and type spread above.
	return (key + (key>>24)*0x9E3779B1) & d.mask
}

// dedupVerdict says what to do with a request.
type dedupVerdict uint8

const (
	dedupNew     dedupVerdict = iota // carry it out
	dedupPending                     // the original is being worked on: drop this copy
	dedupDone                        // answered before: resend the answer from the entry
)

// check looks the request up and, when it is new, claims its entry as
// pending. For dedupDone it copies the entry into *e.
func (d *dedupTable) check(key uint64, e *dedupEntry) dedupVerdict {
	i := d.index(key)
	mu := &d.locks[i&(dedupStripes-1)]
	mu.Lock()
	x := &d.entries[i]
	if x.key == key {
		v := dedupDone
		if x.pending {
			v = dedupPending
		} else {
			*e = *x
		}
		mu.Unlock()
		return v
	}
	*x = dedupEntry{key: key, pending: true}
	mu.Unlock()
	return dedupNew
}

// done records the answer to a request claimed by check.
func (d *dedupTable) done(key uint64, e dedupEntry) {
	i := d.index(key)
	mu := &d.locks[i&(dedupStripes-1)]
	mu.Lock()
	if x := &d.entries[i]; x.key == key {
		e.key, e.pending = key, false
		*x = e
	}
	mu.Unlock()
}

// forget drops a pending claim whose request was not answered (it was
// dropped), so a retransmission is carried out.
func (d *dedupTable) forget(key uint64) {
	i := d.index(key)
	mu := &d.locks[i&(dedupStripes-1)]
	mu.Lock()
	if x := &d.entries[i]; x.key == key {
		*x = dedupEntry{}
	}
	mu.Unlock()
}
