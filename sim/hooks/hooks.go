// Package hooks holds the state behind the protocol servers' test hooks:
// a queue per card of injections (forced answers, delays) and a journal
// ring of the last exchanges. diameter.Server and gtp.PGW share it; each
// decides what an injection does and what an exchange holds.
package hooks

import (
	"sync"
	"sync/atomic"
)

// AllCards, given to Set.Journal, selects every card.
const AllCards = ^uint32(0)

// Set is the injection queues and the journal of one server, for
// injections of type I and exchanges of type E. The zero value is ready:
// no injection, journal off. Safe for concurrent use.
type Set[I, E any] struct {
	// on is set while an injection is pending or the journal is on, so that
	// the request path costs one atomic load while both are off.
	on atomic.Bool

	mu      sync.Mutex
	inject  map[uint32][]queued[I] // by card
	ring    []entry[E]             // the journal; nil when off
	next    int                    // where the next exchange goes in ring
	wrapped bool                   // ring has been filled at least once
}

type queued[I any] struct {
	in   I
	left int // requests it still applies to
}

type entry[E any] struct {
	card uint32
	ex   E
}

// On reports whether an injection is pending or the journal is on.
func (s *Set[I, E]) On() bool { return s.on.Load() }

// refresh sets on from the state. The caller holds mu.
func (s *Set[I, E]) refresh() { s.on.Store(len(s.inject) > 0 || s.ring != nil) }

// Inject queues in for the next count requests of card (count < 1 means 1),
// after the injections already queued for it.
func (s *Set[I, E]) Inject(card uint32, in I, count int) {
	s.mu.Lock()
	if s.inject == nil {
		s.inject = map[uint32][]queued[I]{}
	}
	s.inject[card] = append(s.inject[card], queued[I]{in: in, left: max(count, 1)})
	s.refresh()
	s.mu.Unlock()
}

// Clear drops every pending injection.
func (s *Set[I, E]) Clear() {
	s.mu.Lock()
	s.inject = nil
	s.refresh()
	s.mu.Unlock()
}

// Has reports whether card has an injection pending.
func (s *Set[I, E]) Has(card uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inject[card]) > 0
}

// Take consumes one request's worth of card's first injection.
func (s *Set[I, E]) Take(card uint32) (I, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.inject[card]
	if len(q) == 0 {
		var zero I
		return zero, false
	}
	in := q[0].in
	if q[0].left--; q[0].left == 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(s.inject, card)
		s.refresh()
	} else {
		s.inject[card] = q
	}
	return in, true
}

// SetJournal keeps the last n exchanges of every card (n <= 0 turns the
// journal off and forgets it).
func (s *Set[I, E]) SetJournal(n int) {
	s.mu.Lock()
	s.ring, s.next, s.wrapped = nil, 0, false
	if n > 0 {
		s.ring = make([]entry[E], n)
	}
	s.refresh()
	s.mu.Unlock()
}

// Record adds an exchange of card to the journal, if it is on.
func (s *Set[I, E]) Record(card uint32, ex E) {
	s.mu.Lock()
	if s.ring != nil {
		s.ring[s.next] = entry[E]{card: card, ex: ex}
		if s.next++; s.next == len(s.ring) {
			s.next, s.wrapped = 0, true
		}
	}
	s.mu.Unlock()
}

// Journal returns the exchanges of card (AllCards: of every card) still in
// the journal, oldest first; empty while the journal is off.
func (s *Set[I, E]) Journal(card uint32) []E {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []E
	add := func(part []entry[E]) {
		for i := range part {
			if card == AllCards || part[i].card == card {
				out = append(out, part[i].ex)
			}
		}
	}
	if s.wrapped {
		add(s.ring[s.next:])
	}
	add(s.ring[:s.next])
	return out
}
