package diameter

import (
	"hash/maphash"
	"sync"

	"github.com/carriersim/carriersim/sim"
)

// The session table of the OCS: Session-Id -> the reservations of the
// session, one per rating group, and a summary of its last answer so that a
// retransmitted request is answered again without being charged again.
//
// Layout: sessions live in pointer-free chunks, a slab per shard, so the garbage
// collector never scans them and a million sessions cost no GC time. A shard
// is chosen by the top bits of the Session-Id's hash; inside it a hashIdx
// takes the hash to a slab slot. Keys up to sessionKeyMax
// bytes are kept inline; a longer key, or the (astronomically rare) second
// key with the same 64-bit hash, goes to a map[string]uint32 instead, the
// only path that allocates.
//
// A session is "busy" from the moment its request is taken until its answer
// is recorded, so that concurrent connections cannot rate one session twice:
// a duplicate arriving meanwhile is dropped (its original is about to be
// answered), another request for it is refused.

const (
	sessionShards = 64
	sessionKeyMax = 64
	// inlineRGs rating groups are kept in the session itself; more spill
	// into an overflow slab of the shard.
	inlineRGs = 2
	extRGs    = 6
	// maxRGs is how many rating groups one session can hold.
	maxRGs = inlineRGs + extRGs
	// slabChunk sessions are allocated at a time; growing the table never
	// copies (a copy of a large slab under the shard lock stalled every
	// request of the shard).
	slabChunk = 1024
)

// Session states.
const (
	stateFree  uint8 = iota
	stateOpen        // reservations held
	stateEnded       // a tombstone: answered with a final answer, kept to answer duplicates
)

// rgEntry is one rating group of a session: what it holds, and how it was
// answered in the session's last answer (pos > 0).
type rgEntry struct {
	hold      sim.Hold
	granted   uint64
	rg, svc   uint32
	validity  uint32
	threshold uint32
	code      uint16
	flags     uint8
	final     sim.FinalAction
	pos       uint8 // 1-based position in the last answer; 0: not in it
}

const (
	rgHasRG  uint8 = 1 << iota // Rating-Group present
	rgHasSvc                   // Service-Identifier present
	rgHasGSU                   // the last answer granted units
	rgLive                     // holds a reservation (hold may still be zero)
)

// session is one credit-control session. It holds no pointers.
type session struct {
	key     [sessionKeyMax]byte
	hash    uint64
	expires int64 // virtual unix nanos after which Tcc releases it
	started int64 // virtual unix nanos of its first request
	sim     uint32
	gen     uint32 // bumped whenever the slot is reused
	conn    uint32 // id of the connection that sent the last request
	num     uint32 // CC-Request-Number of the last request
	e2e     uint32 // End-to-End-Id of the last request
	ended   uint32 // sweep generation at which it became a tombstone
	ext     int32  // index in the shard's overflow slab, -1 none
	keyLen  uint8
	state   uint8
	busy    bool
	long    bool // keyed in the shard's long map
	nrg     uint8
	reqType uint8 // CC-Request-Type of the last request
	nAns    uint8 // MSCC blocks in the last answer
	code    uint16
	reason  sim.Reason
	blame   sim.Blame
	rgs     [inlineRGs]rgEntry
}

type sessionShard struct {
	mu      sync.Mutex
	idx     hashIdx
	long    map[string]uint32
	slab    []*[slabChunk]session // grown a chunk at a time: never copied
	n       int                   // slots in use or free
	free    []uint32
	ext     [][extRGs]rgEntry
	extFree []int32
	open    int
	_       [64]byte
}

// sessionRef names a session slot; gen tells whether it is still the same
// session.
type sessionRef struct {
	shard uint16
	slot  uint32
	gen   uint32
}

// sessionTable is safe for concurrent use.
type sessionTable struct {
	seed   maphash.Seed
	shards [sessionShards]sessionShard
	cards  [sessionShards]cardShard
}

// cardShard indexes open sessions by card, so that a change to a card can
// reach its sessions (RAR, ASR). Most cards have one session; a card with
// more than len(cardSessions.refs) keeps the rest in more.
type cardShard struct {
	mu   sync.Mutex
	m    map[uint32]cardSessions
	more map[uint32][]sessionRef
	_    [64]byte
}

type cardSessions struct {
	n    uint8
	refs [3]sessionRef
}

func newSessionTable() *sessionTable {
	t := &sessionTable{seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].long = make(map[string]uint32)
	}
	for i := range t.cards {
		t.cards[i].m = make(map[uint32]cardSessions)
		t.cards[i].more = make(map[uint32][]sessionRef)
	}
	return t
}

func (t *sessionTable) hash(key []byte) uint64 { return maphash.Bytes(t.seed, key) }

func shardOf(h uint64) int { return int(h >> 58) }

// at returns slot's session. The caller holds sh.mu.
func (sh *sessionShard) at(slot int) *session { return &sh.slab[slot/slabChunk][slot%slabChunk] }

// lookup finds key in shard sh, which the caller has locked; it returns the
// slot or -1.
func (sh *sessionShard) lookup(h uint64, key []byte) int {
	if len(key) <= sessionKeyMax {
		if slot, ok := sh.idx.get(h); ok {
			s := sh.at(int(slot))
			if !s.long && int(s.keyLen) == len(key) && string(s.key[:s.keyLen]) == string(key) {
				return int(slot)
			}
		}
	}
	if len(sh.long) > 0 {
		if slot, ok := sh.long[string(key)]; ok {
			return int(slot)
		}
	}
	return -1
}

// insert adds a session for key to the locked shard and returns its slot,
// zeroed but for the key, hash, generation and ext.
func (sh *sessionShard) insert(h uint64, key []byte) int {
	var slot uint32
	if n := len(sh.free); n > 0 {
		slot = sh.free[n-1]
		sh.free = sh.free[:n-1]
	} else {
		if sh.n%slabChunk == 0 {
			sh.slab = append(sh.slab, new([slabChunk]session))
		}
		slot = uint32(sh.n)
		sh.n++
	}
	s := sh.at(int(slot))
	gen := s.gen + 1
	*s = session{hash: h, gen: gen, ext: -1}
	_, taken := sh.idx.get(h)
	if len(key) <= sessionKeyMax && !taken {
		copy(s.key[:], key)
		s.keyLen = uint8(len(key))
		sh.idx.put(h, slot)
	} else {
		s.long = true
		sh.long[string(key)] = slot
	}
	return int(slot)
}

// remove frees slot in the locked shard. A long key is found by a scan of
// the long map, which holds only the rare sessions with keys over
// sessionKeyMax bytes.
func (sh *sessionShard) remove(slot int) {
	s := sh.at(slot)
	if s.long {
		for k, v := range sh.long {
			if int(v) == slot {
				delete(sh.long, k)
				break
			}
		}
	} else if cur, ok := sh.idx.get(s.hash); ok && int(cur) == slot {
		sh.idx.del(s.hash)
	}
	if s.ext >= 0 {
		sh.extFree = append(sh.extFree, s.ext)
	}
	gen := s.gen
	*s = session{gen: gen, ext: -1}
	sh.free = append(sh.free, uint32(slot))
}

// rg returns rating-group entry i of session s (0 <= i < s.nrg).
func (sh *sessionShard) rg(s *session, i int) *rgEntry {
	if i < inlineRGs {
		return &s.rgs[i]
	}
	return &sh.ext[s.ext][i-inlineRGs]
}

// findRG returns the index of the entry for (hasRG, rg) in s, or -1.
func (sh *sessionShard) findRG(s *session, hasRG bool, rg uint32) int {
	for i := 0; i < int(s.nrg); i++ {
		e := sh.rg(s, i)
		if (e.flags&rgHasRG != 0) == hasRG && (!hasRG || e.rg == rg) {
			return i
		}
	}
	return -1
}

// addRG appends a zeroed entry to s and returns its index, or -1 if the
// session holds maxRGs already.
func (sh *sessionShard) addRG(s *session) int {
	i := int(s.nrg)
	if i == maxRGs {
		return -1
	}
	if i == inlineRGs && s.ext < 0 {
		if n := len(sh.extFree); n > 0 {
			s.ext = sh.extFree[n-1]
			sh.extFree = sh.extFree[:n-1]
		} else {
			sh.ext = append(sh.ext, [extRGs]rgEntry{})
			s.ext = int32(len(sh.ext) - 1)
		}
	}
	*sh.rg(s, i) = rgEntry{}
	s.nrg++
	return i
}

// compactRGs drops the entries that hold nothing and were not in the last
// answer, keeping the order of the rest.
func (sh *sessionShard) compactRGs(s *session) {
	j := 0
	for i := 0; i < int(s.nrg); i++ {
		e := *sh.rg(s, i)
		if e.flags&rgLive == 0 {
			continue
		}
		e.pos = 0
		*sh.rg(s, j) = e
		j++
	}
	s.nrg = uint8(j)
}

// addCard records that session ref belongs to card c.
func (t *sessionTable) addCard(c uint32, ref sessionRef) {
	cs := &t.cards[c%sessionShards]
	cs.mu.Lock()
	e := cs.m[c]
	if int(e.n) < len(e.refs) {
		e.refs[e.n] = ref
		e.n++
		cs.m[c] = e
	} else {
		cs.more[c] = append(cs.more[c], ref)
	}
	cs.mu.Unlock()
}

// dropCard forgets that session ref belongs to card c.
func (t *sessionTable) dropCard(c uint32, ref sessionRef) {
	cs := &t.cards[c%sessionShards]
	cs.mu.Lock()
	e, ok := cs.m[c]
	if ok {
		for i := 0; i < int(e.n); i++ {
			if e.refs[i] == ref {
				copy(e.refs[i:], e.refs[i+1:e.n])
				e.n--
				// Refill from the overflow list.
				if more := cs.more[c]; len(more) > 0 {
					e.refs[e.n] = more[len(more)-1]
					e.n++
					if len(more) == 1 {
						delete(cs.more, c)
					} else {
						cs.more[c] = more[:len(more)-1]
					}
				}
				if e.n == 0 {
					delete(cs.m, c)
				} else {
					cs.m[c] = e
				}
				cs.mu.Unlock()
				return
			}
		}
	}
	if more := cs.more[c]; len(more) > 0 {
		for i, r := range more {
			if r == ref {
				more = append(more[:i], more[i+1:]...)
				break
			}
		}
		if len(more) == 0 {
			delete(cs.more, c)
		} else {
			cs.more[c] = more
		}
	}
	cs.mu.Unlock()
}

// cardSessions returns the sessions of card c, appended to dst.
func (t *sessionTable) cardSessions(c uint32, dst []sessionRef) []sessionRef {
	cs := &t.cards[c%sessionShards]
	cs.mu.Lock()
	e := cs.m[c]
	dst = append(dst, e.refs[:e.n]...)
	dst = append(dst, cs.more[c]...)
	cs.mu.Unlock()
	return dst
}

// open returns the number of open sessions (tombstones excluded).
func (t *sessionTable) openCount() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		n += sh.open
		sh.mu.Unlock()
	}
	return n
}
