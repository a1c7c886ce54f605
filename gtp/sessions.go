package gtp

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/carriersim/carriersim/sim"
)

// The gateway's sessions live in one dense table indexed by slot, in chunks
// allocated as the table grows, so a million sessions take a million
// records and nothing per session is a pointer, a map entry or a mutex.
// The TEID the gateway hands out (the same number on the control and the
// user plane, and the charging ID) is the slot plus one in its low 24 bits
// and a generation in its high 8 bits, so a TEID finds its record with a
// shift and a mask, and a stale TEID (of a session since deleted and its
// slot reused) is recognised and answered Context not found.

const (
	slotBits   = 24
	maxSlots   = 1<<slotBits - 1 // TEID low bits are slot+1, never 0
	chunkBits  = 14
	chunkSize  = 1 << chunkBits
	sessStripe = 1 << 12 // lock stripes over slots
)

// Session states.
const (
	stateFree    uint8 = iota
	stateOpen          // admitted, answering
	stateClosing       // a Delete Bearer Request is on its way; usage still counts
)

// pgwSession is one PDN connection: 112 bytes. Every field is guarded by
// the slot's lock stripe.
type pgwSession struct {
	teid      uint32 // our TEID; 0 when free
	sim       uint32 // card index
	sgwC      uint32 // the SGW's control plane TEID
	sgwU      uint32 // the SGW's user plane TEID (downlink)
	peer      uint16 // index in the peer table
	ebi       uint8  // default bearer
	state     uint8
	final     sim.FinalAction
	busy      bool  // a charging request for it is in progress
	queued    bool  // a usage report is queued
	epoch     uint8 // the peer's epoch when the session was created
	loc       sim.Location
	imei      uint64
	hold      sim.Hold
	granted   uint64 // volume of the current grant
	threshold uint64 // report when this much of the grant is left
	used      uint64 // volume counted since the last report
	accrued   int64  // modelled usage: virtual time accrued up to (unix ns)
	validTo   int64  // virtual time the grant's validity ends (unix ns)
}

// sizeofSession is the size of a record (112 bytes on 64-bit platforms).
const sizeofSession = unsafe.Sizeof(pgwSession{})

// sessionMeta is what only the session list reads, kept beside the records
// rather than in them so that the records stay 112 bytes: when the session
// started and the number of its APN (apnTable). It is written once, at
// Create Session, under the slot's lock.
type sessionMeta struct {
	started int64 // carrier clock, unix ns
	apn     uint16
}

// metaOf returns slot s's sessionMeta (the slot must have been allocated).
func (t *sessionTable) metaOf(s uint32) *sessionMeta {
	return &t.meta[s>>chunkBits].Load()[s&(chunkSize-1)]
}

// sessionTable is the dense table of sessions with its free list and the
// card -> TEID index used to find a card's session when the card stops.
type sessionTable struct {
	chunks [maxSlots/chunkSize + 1]atomic.Pointer[[chunkSize]pgwSession]
	locks  [sessStripe]sync.Mutex
	gens   [maxSlots/chunkSize + 1]atomic.Pointer[[chunkSize]uint8]
	meta   [maxSlots/chunkSize + 1]atomic.Pointer[[chunkSize]sessionMeta]

	mu    sync.Mutex // free list and growth
	free  []uint32
	next  uint32 // slots below next have been handed out at least once
	limit uint32
	open  atomic.Int64

	bySIM []atomic.Pointer[[chunkSize]atomic.Uint32] // card -> TEID of its session, chunked
}

func newSessionTable(limit int, cards int) *sessionTable {
	t := &sessionTable{limit: uint32(min(limit, maxSlots))}
	t.bySIM = make([]atomic.Pointer[[chunkSize]atomic.Uint32], cards/chunkSize+1)
	return t
}

// slotOf returns the slot a TEID names (it may be out of range).
func slotOf(teid uint32) uint32 { return teid&(1<<slotBits-1) - 1 }

// at returns the record of slot s, which must have been allocated.
func (t *sessionTable) at(s uint32) *pgwSession {
	return &t.chunks[s>>chunkBits].Load()[s&(chunkSize-1)]
}

// lock locks slot s's stripe.
func (t *sessionTable) lock(s uint32) *sync.Mutex {
	m := &t.locks[s&(sessStripe-1)]
	m.Lock()
	return m
}

// find locks and returns the open or closing session with this TEID, or
// nil (unlocked) when there is none. The caller unlocks mu.
func (t *sessionTable) find(teid uint32) (*pgwSession, *sync.Mutex) {
	s := slotOf(teid)
	if teid == 0 || s >= t.limit || int(s>>chunkBits) >= len(t.chunks) {
		return nil, nil
	}
	c := t.chunks[s>>chunkBits].Load()
	if c == nil {
		return nil, nil
	}
	mu := t.lock(s)
	r := &c[s&(chunkSize-1)]
	if r.teid != teid || r.state == stateFree {
		mu.Unlock()
		return nil, nil
	}
	return r, mu
}

// alloc takes a free slot and returns its new TEID, or 0 when the table is
// full. The record is left free (teid set, state free) for the caller to
// fill under the slot's lock.
func (t *sessionTable) alloc() uint32 {
	t.mu.Lock()
	var s uint32
	if n := len(t.free); n > 0 {
		s = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		if t.next >= t.limit {
			t.mu.Unlock()
			return 0
		}
		s = t.next
		t.next++
		if t.chunks[s>>chunkBits].Load() == nil {
			t.chunks[s>>chunkBits].Store(new([chunkSize]pgwSession))
			t.gens[s>>chunkBits].Store(new([chunkSize]uint8))
			t.meta[s>>chunkBits].Store(new([chunkSize]sessionMeta))
		}
	}
	t.mu.Unlock()
	g := &t.gens[s>>chunkBits].Load()[s&(chunkSize-1)]
	mu := t.lock(s)
	*g++
	teid := uint32(*g)<<slotBits | (s + 1)
	r := t.at(s)
	*r = pgwSession{teid: teid}
	mu.Unlock()
	t.open.Add(1)
	return teid
}

// release frees the slot of r (locked by the caller, who unlocks after).
func (t *sessionTable) releaseLocked(r *pgwSession) {
	s := slotOf(r.teid)
	r.state = stateFree
	r.teid = 0
	t.open.Add(-1)
	t.mu.Lock()
	t.free = append(t.free, s)
	t.mu.Unlock()
}

// simIndex returns the cell of the card index, allocating its chunk.
func (t *sessionTable) simCell(card uint32) *atomic.Uint32 {
	ci := int(card >> chunkBits)
	if ci >= len(t.bySIM) {
		return nil
	}
	c := t.bySIM[ci].Load()
	if c == nil {
		t.mu.Lock()
		if c = t.bySIM[ci].Load(); c == nil {
			c = new([chunkSize]atomic.Uint32)
			t.bySIM[ci].Store(c)
		}
		t.mu.Unlock()
	}
	return &c[card&(chunkSize-1)]
}

// sessionOfSIM returns the TEID of card's session, 0 when it has none.
func (t *sessionTable) sessionOfSIM(card uint32) uint32 {
	ci := int(card >> chunkBits)
	if ci >= len(t.bySIM) {
		return 0
	}
	c := t.bySIM[ci].Load()
	if c == nil {
		return 0
	}
	return c[card&(chunkSize-1)].Load()
}

// forEach calls fn for every slot handed out so far with the slot's record
// locked; fn must not block.
func (t *sessionTable) forEach(fn func(r *pgwSession)) {
	t.mu.Lock()
	n := t.next
	t.mu.Unlock()
	for s := uint32(0); s < n; s++ {
		mu := t.lock(s)
		r := t.at(s)
		if r.state != stateFree {
			fn(r)
		}
		mu.Unlock()
	}
}

// bytes returns the memory the table holds: records, generations, the free
// list and the card index.
func (t *sessionTable) bytes() int {
	n := 0
	for i := range t.chunks {
		if t.chunks[i].Load() != nil {
			n += chunkSize * (int(sizeofSession) + 1 + int(unsafe.Sizeof(sessionMeta{})))
		}
	}
	for i := range t.bySIM {
		if t.bySIM[i].Load() != nil {
			n += chunkSize * 4
		}
	}
	t.mu.Lock()
	n += cap(t.free) * 4
	t.mu.Unlock()
	return n
}

// discard frees a slot alloc handed out that never opened.
func (t *sessionTable) discard(teid uint32) {
	s := slotOf(teid)
	mu := t.lock(s)
	r := t.at(s)
	if r.teid == teid {
		t.releaseLocked(r)
	}
	mu.Unlock()
}

// unbindSIM forgets that card's session is teid, unless it has another
// session since.
func (t *sessionTable) unbindSIM(card, teid uint32) {
	if c := t.simCell(card); c != nil {
		c.CompareAndSwap(teid, 0)
	}
}
