package hooks

import (
	"slices"
	"testing"
)

func TestInjectionsQueuePerCard(t *testing.T) {
	var s Set[string, int]
	if s.On() {
		t.Fatal("zero Set is on")
	}
	s.Inject(1, "a", 2)
	s.Inject(1, "b", 0) // 0 means 1
	if !s.On() || !s.Has(1) || s.Has(2) {
		t.Fatal("On/Has after Inject")
	}
	var got []string
	for {
		in, ok := s.Take(1)
		if !ok {
			break
		}
		got = append(got, in)
	}
	if !slices.Equal(got, []string{"a", "a", "b"}) || s.On() {
		t.Fatalf("took %q, on %v; want [a a b], off", got, s.On())
	}
	s.Inject(3, "c", 5)
	s.Clear()
	if s.Has(3) || s.On() {
		t.Fatal("Clear left an injection")
	}
}

func TestJournalRingKeepsTheLastOldestFirst(t *testing.T) {
	var s Set[string, int]
	s.Record(1, 99) // journal off: dropped
	s.SetJournal(3)
	for i := range 5 {
		s.Record(uint32(i%2), i)
	}
	if got := s.Journal(AllCards); !slices.Equal(got, []int{2, 3, 4}) {
		t.Fatalf("journal %v, want [2 3 4]", got)
	}
	if got := s.Journal(0); !slices.Equal(got, []int{2, 4}) {
		t.Fatalf("card 0: %v, want [2 4]", got)
	}
	s.SetJournal(0)
	if s.On() || len(s.Journal(AllCards)) != 0 {
		t.Fatal("journal off still on or holding exchanges")
	}
}
