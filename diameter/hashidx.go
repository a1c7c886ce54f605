package diameter

// hashIdx maps a session key's 64-bit hash to its slab slot: open
// addressing with linear probing in two flat arrays, half full at most,
// deletion by backward shift (no tombstones). A lookup is one or two cache
// lines, where a Go map of a million entries cost a fifth of the server's
// CPU in group scans. Stored hashes have bit 0 set so that 0 means empty;
// two keys whose hashes differ only in bit 0 are told apart by the caller,
// which compares the keys themselves. The zero value is an empty table.
// It is not safe for concurrent use (the shard's lock guards it).
type hashIdx struct {
	keys []uint64
	vals []uint32
	n    int
}

func (t *hashIdx) mask() uint64 { return uint64(len(t.keys) - 1) }

// get returns the value stored for h.
func (t *hashIdx) get(h uint64) (uint32, bool) {
	if t.n == 0 {
		return 0, false
	}
	h |= 1
	m := t.mask()
	for i := h & m; ; i = (i + 1) & m {
		switch t.keys[i] {
		case h:
			return t.vals[i], true
		case 0:
			return 0, false
		}
	}
}

// put stores v for h, replacing any value h had.
func (t *hashIdx) put(h uint64, v uint32) {
	if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	h |= 1
	m := t.mask()
	for i := h & m; ; i = (i + 1) & m {
		switch t.keys[i] {
		case h:
			t.vals[i] = v
			return
		case 0:
			t.keys[i], t.vals[i] = h, v
			t.n++
			return
		}
	}
}

// del removes h, shifting back the entries of its probe run.
func (t *hashIdx) del(h uint64) {
	if t.n == 0 {
		return
	}
	h |= 1
	m := t.mask()
	i := h & m
	for t.keys[i] != h {
		if t.keys[i] == 0 {
			return
		}
		i = (i + 1) & m
	}
	j := i
	for {
		j = (j + 1) & m
		k := t.keys[j]
		if k == 0 {
			break
		}
		// Leave k where it is if its home lies cyclically in (i, j].
		home := k & m
		if i <= j {
			if i < home && home <= j {
				continue
			}
		} else if i < home || home <= j {
			continue
		}
		t.keys[i], t.vals[i] = k, t.vals[j]
		i = j
	}
	t.keys[i], t.vals[i] = 0, 0
	t.n--
}

func (t *hashIdx) grow() {
	size := max(2*len(t.keys), 256)
	old, oldV := t.keys, t.vals
	t.keys, t.vals, t.n = make([]uint64, size), make([]uint32, size), 0
	for i, k := range old {
		if k != 0 {
			t.put(k, oldV[i])
		}
	}
}

// len returns the number of entries.
func (t *hashIdx) len() int { return t.n }
