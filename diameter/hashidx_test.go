package diameter

import (
	"math/rand/v2"
	"testing"
)

// TestHashIdxAgainstMap runs random puts and deletes, with many colliding
// home slots, against a Go map.
func TestHashIdxAgainstMap(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var idx hashIdx
	ref := map[uint64]uint32{}
	var keys []uint64
	for op := range 60_000 {
		switch r := rng.IntN(10); {
		case r < 6 || len(keys) == 0:
			// Keys cluster on few home slots: long probe runs.
			k := (rng.Uint64()&0xff)<<32 | rng.Uint64()&0x3ff<<1 | 1
			if _, ok := ref[k]; !ok {
				keys = append(keys, k)
			}
			ref[k] = uint32(op)
			idx.put(k, uint32(op))
		default:
			i := rng.IntN(len(keys))
			k := keys[i]
			keys[i] = keys[len(keys)-1]
			keys = keys[:len(keys)-1]
			delete(ref, k)
			idx.del(k)
		}
		if op%5000 == 0 {
			if idx.len() != len(ref) {
				t.Fatalf("op %d: %d entries, want %d", op, idx.len(), len(ref))
			}
			for k, v := range ref {
				if got, ok := idx.get(k); !ok || got != v {
					t.Fatalf("op %d: get(%x) = %d, %v; want %d", op, k, got, ok, v)
				}
			}
			for range 100 {
				k := rng.Uint64() | 1
				if _, in := ref[k]; !in {
					if _, ok := idx.get(k); ok {
						t.Fatalf("op %d: found absent key %x", op, k)
					}
				}
			}
		}
	}
}
