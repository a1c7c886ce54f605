package sim

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"
)

// State that survives a restart.
//
// A snapshot holds every card's mutable state — usage this cycle, balance,
// stop reasons, bound IMEI, plan, expiry, retention fees, last reported
// region and tracking area, cycle position, whether the card was seen — and
// nothing that the population configuration derives (identities, home
// region, real-name registration). Reservations held by open sessions are
// not saved: sessions do not survive a restart, so a restarted carrier holds
// nothing for them. Money a pay-per-use session held for overage at the time
// of the snapshot stays charged (the card does not record it apart from its
// sessions); a clean shutdown that ends its sessions before the last
// snapshot loses nothing.
//
// File layout (version 1), integers little-endian, varints as in
// encoding/binary:
//
//	header
//	   0   8  magic "csimstat"
//	   8   2  version (1)
//	  10   2  flags (0)
//	  12   4  n: length of the header body
//	  16   n  header body:
//	            u64 cards, u64 population fingerprint (PopulationFingerprint),
//	            i64 virtual time of the snapshot (unix ns), u64 clock speed (float64 bits),
//	            uvarint plan count, then per plan uvarint length and name,
//	            uvarint region count, then per region uvarint length and name
//	16+n   4  CRC-32C of bytes [0, 16+n)
//	frames, each holding 1..stateFrameCards consecutive cards
//	           4  cards in the frame
//	           4  payload length
//	           …  payload: the cards, encoded as below
//	end        4  0 (a frame of no cards)
//	trailer    4  CRC-32C of every byte before it
//
// A card:
//
//	1  head: bit 0 used follows, 1 stops follow, 2 fees follow, 3 last TAC
//	   follows, 4 region follows (else the region is the home region),
//	   bits 5-6 bound IMEI: 0 none, 1 the card's own device, 2 another
//	   (follows), bit 7 the card has made a request
//	uvarint plan (index into the header's plan table)
//	varint balance, expiry and cycle, each as the difference from the
//	   previous card of the frame (from 0 for the first)
//	then, when the head says so: uvarint used, uvarint stops, byte fees,
//	   uvarint last TAC, byte region (index into the header's region
//	   table), uvarint IMEI body
//
// Plans and regions are saved by name, so a snapshot still loads after
// plans or regions are added or reordered; a card on a plan or in a region
// that is no longer configured makes the snapshot refused as a whole.
// A typical card takes 8 to 12 bytes.

const (
	stateMagic      = "csimstat"
	stateVersion    = 1
	stateFrameCards = 1 << 14
	stateMaxCard    = 1 + 8*binary.MaxVarintLen64 + 2 // worst case of one encoded card
)

const (
	headUsed = 1 << iota
	headStops
	headFees
	headTAC
	headRegion
	headIMEIOwn
	headIMEIOther
	headSeen
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors of ReadState and LoadStateFile. They are wrapped with the details.
var (
	// ErrStateCorrupt: the snapshot is torn, truncated or altered (bad magic,
	// checksum or encoding). Keep the last good snapshot instead.
	ErrStateCorrupt = errors.New("sim: state: corrupt snapshot")
	// ErrStateMismatch: the snapshot is whole but was taken of another
	// population, or names plans or regions this carrier does not have, or
	// has a format version this build cannot read.
	ErrStateMismatch = errors.New("sim: state: snapshot does not fit this carrier")
)

// StateInfo describes a snapshot (see ReadStateInfo).
type StateInfo struct {
	Version int
	// Cards is the population size; Fingerprint identifies the population
	// (Carrier.PopulationFingerprint).
	Cards       int
	Fingerprint uint64
	// Saved is the virtual time when the snapshot was taken and Speed the
	// clock's speed then, so a caller can build the restarted carrier's
	// clock to carry on where it stopped (ReadState leaves the clock alone).
	Saved time.Time
	Speed float64
	// Plans and Regions are the names the snapshot refers to.
	Plans, Regions []string
}

// PopulationFingerprint identifies the population: a hash of what makes
// card i the same card (its identities and home region) — for a generated
// population the Spec's identity fields, seed and home-region weights, for a
// CSV population every card's numbers and home. Two carriers with the same
// fingerprint number their cards alike, so a snapshot of one loads into the
// other. It costs a few nanoseconds a card for a CSV population.
func (c *Carrier) PopulationFingerprint() uint64 {
	h := fingerprint(0x6373696d)
	nameHash := make([]uint64, len(c.regions.regions))
	for i, r := range c.regions.regions {
		nameHash[i] = stringHash(r.Name)
	}
	home := func(id uint16) uint64 {
		if int(id) < len(nameHash) {
			return nameHash[id]
		}
		return 0
	}
	h.add(uint64(len(c.recs)))
	if c.generated {
		s := &c.spec
		h.add(1, s.Seed, s.FirstIMSI, s.FirstMSISDN, s.FirstICCID, s.DeviceTAC)
		if s.Offset != 0 {
			h.add(uint64(s.Offset))
		}
		for k := range c.homeIDs {
			h.add(c.homeCum[k], home(c.homeIDs[k]))
		}
		return uint64(h)
	}
	h.add(2)
	for i := range c.recs {
		h.add(c.imsis[i], c.msisdns[i], c.iccids[i], c.devices[i], home(uint16(c.recs[i].home)))
	}
	return uint64(h)
}

type fingerprint uint64

func (h *fingerprint) add(vs ...uint64) {
	for _, v := range vs {
		*h = fingerprint(mix64(uint64(*h) ^ v))
	}
}

// stringHash is FNV-1a, 64 bits.
func stringHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// crcWriter writes through to w and keeps the CRC-32C of what it wrote.
type crcWriter struct {
	w   *bufio.Writer
	crc uint32
	err error
}

func (cw *crcWriter) write(b []byte) {
	if cw.err != nil {
		return
	}
	cw.crc = crc32.Update(cw.crc, castagnoli, b)
	_, cw.err = cw.w.Write(b)
}

// WriteState writes a snapshot of every card's state to w (see the layout
// above). It is safe to call while rating goes on: it takes each card's
// lock in turn as rating does, so each card is consistent in itself, while
// the snapshot as a whole is not of one instant. It holds one frame of
// cards in memory (a few hundred KB) and writes through a buffer, so 10
// million cards take about 100 MB on disk and no extra memory.
func (c *Carrier) WriteState(w io.Writer) error {
	cw := &crcWriter{w: bufio.NewWriterSize(w, 1<<20)}
	hdr := c.stateHeader()
	cw.write(hdr)
	var b4 [4]byte
	binary.LittleEndian.PutUint32(b4[:], crc32.Checksum(hdr, castagnoli))
	cw.write(b4[:])

	n := len(c.recs)
	buf := make([]byte, 8, 8+stateFrameCards*stateMaxCard)
	for lo := 0; lo < n && cw.err == nil; lo += stateFrameCards {
		hi := min(lo+stateFrameCards, n)
		buf = c.encodeFrame(buf[:8], lo, hi)
		binary.LittleEndian.PutUint32(buf[0:], uint32(hi-lo))
		binary.LittleEndian.PutUint32(buf[4:], uint32(len(buf)-8))
		cw.write(buf)
	}
	binary.LittleEndian.PutUint32(b4[:], 0)
	cw.write(b4[:])
	binary.LittleEndian.PutUint32(b4[:], cw.crc)
	cw.write(b4[:])
	if cw.err == nil {
		cw.err = cw.w.Flush()
	}
	if cw.err != nil {
		return fmt.Errorf("sim: state: write: %w", cw.err)
	}
	return nil
}

// stateHeader returns the header up to (not including) its checksum.
func (c *Carrier) stateHeader() []byte {
	body := make([]byte, 32, 64+16*len(c.plans)+16*len(c.regions.regions))
	binary.LittleEndian.PutUint64(body[0:], uint64(len(c.recs)))
	binary.LittleEndian.PutUint64(body[8:], c.PopulationFingerprint())
	binary.LittleEndian.PutUint64(body[16:], uint64(c.clock.UnixNano()))
	binary.LittleEndian.PutUint64(body[24:], math.Float64bits(c.clock.Speed()))
	body = binary.AppendUvarint(body, uint64(len(c.plans)))
	for i := range c.plans {
		body = binary.AppendUvarint(body, uint64(len(c.plans[i].Name)))
		body = append(body, c.plans[i].Name...)
	}
	body = binary.AppendUvarint(body, uint64(len(c.regions.regions)))
	for i := range c.regions.regions {
		body = binary.AppendUvarint(body, uint64(len(c.regions.regions[i].Name)))
		body = append(body, c.regions.regions[i].Name...)
	}
	hdr := make([]byte, 16, 16+len(body))
	copy(hdr, stateMagic)
	binary.LittleEndian.PutUint16(hdr[8:], stateVersion)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(len(body)))
	return append(hdr, body...)
}

// encodeFrame appends the encoding of cards [lo, hi) to b, taking each
// card's lock while it copies the card.
func (c *Carrier) encodeFrame(b []byte, lo, hi int) []byte {
	var pb, pe, pc int64
	for i := lo; i < hi; i++ {
		mu := &c.locks[i&(lockStripes-1)]
		mu.Lock()
		r := c.recs[i]
		mu.Unlock()

		var head byte
		if r.used != 0 {
			head |= headUsed
		}
		if r.stops != 0 {
			head |= headStops
		}
		if r.fees != 0 {
			head |= headFees
		}
		if r.lastTAC != 0 {
			head |= headTAC
		}
		if r.region != r.home {
			head |= headRegion
		}
		if r.imei != 0 {
			if r.imei == c.deviceOf(uint32(i)) {
				head |= headIMEIOwn
			} else {
				head |= headIMEIOther
			}
		}
		if r.flags&flagSeen != 0 {
			head |= headSeen
		}
		b = append(b, head)
		b = binary.AppendUvarint(b, uint64(r.plan))
		b = binary.AppendVarint(b, int64(r.balance)-pb)
		b = binary.AppendVarint(b, int64(r.expiry)-pe)
		b = binary.AppendVarint(b, int64(r.cycle)-pc)
		pb, pe, pc = int64(r.balance), int64(r.expiry), int64(r.cycle)
		if head&headUsed != 0 {
			b = binary.AppendUvarint(b, r.used)
		}
		if head&headStops != 0 {
			b = binary.AppendUvarint(b, uint64(r.stops))
		}
		if head&headFees != 0 {
			b = append(b, r.fees)
		}
		if head&headTAC != 0 {
			b = binary.AppendUvarint(b, uint64(r.lastTAC))
		}
		if head&headRegion != 0 {
			b = append(b, byte(r.region))
		}
		if head&headIMEIOther != 0 {
			b = binary.AppendUvarint(b, r.imei)
		}
	}
	return b
}

// deviceOf is the IMEI body of the device card i sits in.
func (c *Carrier) deviceOf(i uint32) uint64 {
	if c.generated {
		return c.deviceBody(i)
	}
	return c.devices[i]
}

// ReadStateInfo reads a snapshot's header (and checks its checksum) without
// reading the cards.
func ReadStateInfo(r io.Reader) (StateInfo, error) {
	info, _, err := readStateHeader(bufio.NewReader(r))
	return info, err
}

// StateFileInfo is ReadStateInfo on a file.
func StateFileInfo(path string) (StateInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return StateInfo{}, fmt.Errorf("sim: state: %w", err)
	}
	defer f.Close()
	return ReadStateInfo(f)
}

// readStateHeader reads and checks the header and returns it with the
// running CRC of the bytes read.
func readStateHeader(br *bufio.Reader) (StateInfo, uint32, error) {
	var info StateInfo
	var fixed [16]byte
	if _, err := io.ReadFull(br, fixed[:]); err != nil {
		return info, 0, corrupt("header", err)
	}
	if string(fixed[:8]) != stateMagic {
		return info, 0, fmt.Errorf("%w: not a carriersim state file (magic %q)", ErrStateCorrupt, fixed[:8])
	}
	info.Version = int(binary.LittleEndian.Uint16(fixed[8:]))
	n := binary.LittleEndian.Uint32(fixed[12:])
	if n < 32 || n > 1<<24 {
		return info, 0, fmt.Errorf("%w: header length %d", ErrStateCorrupt, n)
	}
	body := make([]byte, n+4)
	if _, err := io.ReadFull(br, body); err != nil {
		return info, 0, corrupt("header", err)
	}
	crc := crc32.Update(crc32.Checksum(fixed[:], castagnoli), castagnoli, body[:n])
	if got := binary.LittleEndian.Uint32(body[n:]); got != crc {
		return info, 0, fmt.Errorf("%w: header checksum %08x, want %08x", ErrStateCorrupt, got, crc)
	}
	crc = crc32.Update(crc, castagnoli, body[n:])
	if info.Version != stateVersion {
		return info, 0, fmt.Errorf("%w: format version %d, this build reads %d", ErrStateMismatch, info.Version, stateVersion)
	}
	cards := binary.LittleEndian.Uint64(body[0:])
	if cards > math.MaxUint32 {
		return info, 0, fmt.Errorf("%w: %d cards", ErrStateCorrupt, cards)
	}
	info.Cards = int(cards)
	info.Fingerprint = binary.LittleEndian.Uint64(body[8:])
	info.Saved = time.Unix(0, int64(binary.LittleEndian.Uint64(body[16:])))
	info.Speed = math.Float64frombits(binary.LittleEndian.Uint64(body[24:]))
	rest := body[32:n]
	names := func(max uint64) ([]string, error) {
		k, m := binary.Uvarint(rest)
		if m <= 0 || k > max {
			return nil, fmt.Errorf("%w: header name table", ErrStateCorrupt)
		}
		rest = rest[m:]
		out := make([]string, k)
		for i := range out {
			l, m := binary.Uvarint(rest)
			if m <= 0 || l > uint64(len(rest)-m) {
				return nil, fmt.Errorf("%w: header name table", ErrStateCorrupt)
			}
			out[i] = string(rest[m : m+int(l)])
			rest = rest[m+int(l):]
		}
		return out, nil
	}
	var err error
	if info.Plans, err = names(65535); err != nil {
		return info, 0, err
	}
	if info.Regions, err = names(uint64(NoRegion)); err != nil {
		return info, 0, err
	}
	if len(rest) != 0 {
		return info, 0, fmt.Errorf("%w: %d stray bytes in the header", ErrStateCorrupt, len(rest))
	}
	return info, crc, nil
}

func corrupt(where string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: truncated in the %s", ErrStateCorrupt, where)
	}
	return fmt.Errorf("sim: state: read %s: %w", where, err)
}

// stateMaps translate a snapshot's plan and region indexes into this
// carrier's; missing marks a name this carrier does not have.
type stateMaps struct {
	plans   []uint16
	regions []RegionID
	info    *StateInfo
}

const missingPlan = math.MaxUint16
const missingRegion = NoRegion

// ReadState loads a snapshot written by WriteState into the carrier's
// cards. It refuses, changing nothing, a snapshot that is torn, truncated
// or altered (ErrStateCorrupt), or that was taken of another population or
// refers to plans or regions this carrier lacks (ErrStateMismatch): the
// caller keeps its last good snapshot.
//
// To be able to refuse without having changed anything, ReadState holds
// the encoded cards in memory (about 10 bytes a card) until the checksum
// and every card have been checked, then applies them.
//
// Call it on a carrier that serves no sessions yet (right after New).
// Reservations already held on a card are kept. No events are published and
// watchers are not told: the cards are put back as they were, not changed.
// The virtual clock is left alone (see StateInfo.Saved).
func (c *Carrier) ReadState(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<20)
	info, crc, err := readStateHeader(br)
	if err != nil {
		return err
	}
	if info.Cards != len(c.recs) || info.Fingerprint != c.PopulationFingerprint() {
		return fmt.Errorf("%w: the snapshot is of another population (%d cards, fingerprint %016x); this carrier has %d cards, fingerprint %016x",
			ErrStateMismatch, info.Cards, info.Fingerprint, len(c.recs), c.PopulationFingerprint())
	}
	maps := stateMaps{plans: make([]uint16, len(info.Plans)), regions: make([]RegionID, len(info.Regions)), info: &info}
	for i, name := range info.Plans {
		maps.plans[i] = missingPlan
		if p, ok := c.planIdx[name]; ok {
			maps.plans[i] = p
		}
	}
	for i, name := range info.Regions {
		maps.regions[i] = missingRegion
		if id, err := c.regions.lookup(name); err == nil {
			maps.regions[i] = id
		}
	}

	// Read and check every frame before changing anything.
	type frame struct {
		first, n int
		payload  []byte
	}
	var frames []frame
	var b8 [8]byte
	next := 0
	for {
		if _, err := io.ReadFull(br, b8[:4]); err != nil {
			return corrupt("cards", err)
		}
		crc = crc32.Update(crc, castagnoli, b8[:4])
		n := int(binary.LittleEndian.Uint32(b8[:4]))
		if n == 0 {
			break
		}
		if _, err := io.ReadFull(br, b8[4:]); err != nil {
			return corrupt("cards", err)
		}
		crc = crc32.Update(crc, castagnoli, b8[4:])
		size := binary.LittleEndian.Uint32(b8[4:])
		if n > stateFrameCards || n > info.Cards-next || uint64(size) > uint64(n)*stateMaxCard {
			return fmt.Errorf("%w: frame of %d cards in %d bytes at card %d", ErrStateCorrupt, n, size, next)
		}
		payload := make([]byte, size)
		if _, err := io.ReadFull(br, payload); err != nil {
			return corrupt("cards", err)
		}
		crc = crc32.Update(crc, castagnoli, payload)
		frames = append(frames, frame{first: next, n: n, payload: payload})
		next += n
	}
	if _, err := io.ReadFull(br, b8[:4]); err != nil {
		return corrupt("trailer", err)
	}
	if got := binary.LittleEndian.Uint32(b8[:4]); got != crc {
		return fmt.Errorf("%w: checksum %08x, want %08x", ErrStateCorrupt, got, crc)
	}
	if next != info.Cards {
		return fmt.Errorf("%w: %d cards, the header says %d", ErrStateCorrupt, next, info.Cards)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return fmt.Errorf("%w: data after the trailer", ErrStateCorrupt)
	}
	// Check every card (plans and regions known, encoding sound), then apply,
	// each pass over the frames in parallel.
	each := func(apply bool) error {
		var mu sync.Mutex
		var first error
		w := min(runtime.GOMAXPROCS(0), len(frames))
		var wg sync.WaitGroup
		for k := 0; k < w; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := k; j < len(frames); j += w {
					f := &frames[j]
					if err := c.decodeFrame(f.payload, f.first, f.n, &maps, apply); err != nil {
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
						return
					}
				}
			}()
		}
		wg.Wait()
		return first
	}
	if err := each(false); err != nil {
		return err
	}
	return each(true)
}

// decodeFrame decodes the n cards from first in b; with apply it writes
// them into the records under each card's lock, keeping what the card has
// reserved.
func (c *Carrier) decodeFrame(b []byte, first, n int, maps *stateMaps, apply bool) error {
	bad := func(i int, what string) error {
		return fmt.Errorf("%w: card %d: %s", ErrStateCorrupt, i, what)
	}
	uvarint := func(i int, what string) (uint64, error) {
		v, m := binary.Uvarint(b)
		if m <= 0 {
			return 0, bad(i, what)
		}
		b = b[m:]
		return v, nil
	}
	var pb, pe, pc int64
	for i := first; i < first+n; i++ {
		if len(b) == 0 {
			return bad(i, "missing")
		}
		head := b[0]
		b = b[1:]
		var s record
		p, err := uvarint(i, "plan")
		if err != nil {
			return err
		}
		if p >= uint64(len(maps.plans)) {
			return bad(i, "plan index out of range")
		}
		if s.plan = maps.plans[p]; s.plan == missingPlan {
			return fmt.Errorf("%w: card %d is on plan %q, which is not configured", ErrStateMismatch, i, maps.info.Plans[p])
		}
		for _, d := range [...]*int64{&pb, &pe, &pc} {
			v, m := binary.Varint(b)
			if m <= 0 {
				return bad(i, "balance, expiry or cycle")
			}
			b = b[m:]
			*d += v
		}
		if pe < 0 || pe > math.MaxUint32 || pc < 0 || pc > math.MaxUint16 {
			return bad(i, "expiry or cycle out of range")
		}
		s.balance, s.expiry, s.cycle = Money(pb), uint32(pe), uint16(pc)
		if head&headUsed != 0 {
			if s.used, err = uvarint(i, "used"); err != nil {
				return err
			}
		}
		if head&headStops != 0 {
			v, err := uvarint(i, "stops")
			if err != nil {
				return err
			}
			if v&^uint64(1<<(ReasonCancelled+1)-2) != 0 {
				return bad(i, "unknown stop reason")
			}
			s.stops = StopSet(v)
		}
		if head&headFees != 0 {
			if len(b) == 0 {
				return bad(i, "fees")
			}
			s.fees, b = b[0], b[1:]
		}
		if head&headTAC != 0 {
			v, err := uvarint(i, "last TAC")
			if err != nil {
				return err
			}
			if v > math.MaxUint16 {
				return bad(i, "last TAC out of range")
			}
			s.lastTAC = uint16(v)
		}
		// The region: the home region unless the head says otherwise; an
		// index past the table (0xFF) is an unknown location, kept unknown.
		atHome, region := true, NoRegion
		if head&headRegion != 0 {
			if len(b) == 0 {
				return bad(i, "region")
			}
			k := b[0]
			b = b[1:]
			atHome = false
			if k != byte(NoRegion) {
				if int(k) >= len(maps.regions) {
					return bad(i, "region index out of range")
				}
				if region = maps.regions[k]; region == missingRegion {
					return fmt.Errorf("%w: card %d was last in region %q, which is not configured", ErrStateMismatch, i, maps.info.Regions[k])
				}
			}
		}
		switch head & (headIMEIOwn | headIMEIOther) {
		case headIMEIOwn:
			s.imei = c.deviceOf(uint32(i))
		case headIMEIOther:
			if s.imei, err = uvarint(i, "IMEI"); err != nil {
				return err
			}
		case headIMEIOwn | headIMEIOther:
			return bad(i, "IMEI kind")
		}
		if !apply {
			continue
		}
		mu := &c.locks[i&(lockStripes-1)]
		mu.Lock()
		r := &c.recs[i]
		r.used, r.balance, r.imei, r.expiry = s.used, s.balance, s.imei, s.expiry
		r.stops, r.plan, r.cycle, r.fees, r.lastTAC = s.stops, s.plan, s.cycle, s.fees, s.lastTAC
		r.region = region
		if atHome {
			r.region = r.home
		}
		r.flags &^= flagSeen
		if head&headSeen != 0 {
			r.flags |= flagSeen
		}
		mu.Unlock()
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: %d stray bytes after card %d", ErrStateCorrupt, len(b), first+n-1)
	}
	return nil
}

// SaveStateFile writes a snapshot to path atomically: into a temporary file
// in the same directory, synced to disk, then renamed over path, and the
// directory synced. A crash or a failed write leaves the previous file
// whole; a stray temporary file (".NAME.tmp…") may remain after a crash and
// can be removed. Safe to call while rating goes on (see WriteState).
func (c *Carrier) SaveStateFile(path string) error {
	return writeFileAtomic(path, c.WriteState)
}

// LoadStateFile loads a snapshot written by SaveStateFile (see ReadState).
// A missing file is reported with an error satisfying errors.Is(err,
// fs.ErrNotExist), so a first start can tell it from a bad file.
func (c *Carrier) LoadStateFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sim: state: %w", err)
	}
	defer f.Close()
	if err := c.ReadState(f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeFileAtomic writes path through write into a synced temporary file
// and renames it over path.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp")
	if err != nil {
		return fmt.Errorf("sim: state: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("sim: state: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("sim: state: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("sim: state: %w", err)
	}
	// The rename is durable once the directory is synced.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sim: state: %w", err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("sim: state: sync %s: %w", dir, err)
	}
	return nil
}
