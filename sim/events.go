package sim

import (
	"sync"
	"sync/atomic"
	"time"
)

// EventKind says what an Event records.
type EventKind uint8

// Event kinds.
const (
	EventRefused     EventKind = iota + 1 // a request was refused; Reason, Blame, Outcome say why
	EventStopped                          // a stop reason was added to the card
	EventResumed                          // a stop reason was removed from the card
	EventBound                            // the card was bound to a device (Value is the IMEI)
	EventUnbound                          // the card's binding was removed
	EventFee                              // money was charged (Value: micro-units); Reason says for what
	EventRecharged                        // money was added (Value: micro-units)
	EventPlanChanged                      // the card moved to another plan (Value: plan index)
	EventRenewed                          // the plan was renewed (Value: new expiry, unix seconds)
	EventRollover                         // a new cycle started for the card (allowance restored)
)

var eventNames = [...]string{"", "refused", "stopped", "resumed", "bound", "unbound", "fee",
	"recharged", "plan_changed", "renewed", "rollover"}

// String returns the kind's stable name.
func (k EventKind) String() string {
	if int(k) < len(eventNames) && k != 0 {
		return eventNames[k]
	}
	return "event(" + itoa(uint64(k)) + ")"
}

// Event is a card state change or a refusal, with the evidence a QA team
// needs to tell who is responsible: when, which card, which rule, where.
// It holds no pointers, so it is copied through channels without allocating.
type Event struct {
	Time    int64 // virtual unix nanoseconds
	SIM     uint32
	Kind    EventKind
	Reason  Reason
	Blame   Blame
	Outcome Outcome
	Region  RegionID
	Loc     Location
	Value   int64
}

// When returns the event's virtual time.
func (e *Event) When() time.Time { return time.Unix(0, e.Time) }

// Subscription receives events on C. A slow reader loses events rather than
// slowing the carrier; Dropped counts what it lost.
type Subscription struct {
	// C delivers the events. It is closed by Close.
	C       <-chan Event
	c       chan Event
	bus     *eventBus
	dropped atomic.Uint64
	once    sync.Once
}

// Dropped returns how many events this subscriber lost to a full buffer.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close stops delivery and closes C.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.bus.remove(s)
		close(s.c)
	})
}

// eventBus fans events out to subscribers without blocking the publisher.
// Publishing with no subscriber costs one atomic load.
type eventBus struct {
	mu   sync.Mutex // serialises changes of subs and sends against close
	subs atomic.Pointer[[]*Subscription]
	// sendMu is held for reading while sending so Close cannot close a
	// channel under a sender.
	sendMu sync.RWMutex
}

func (b *eventBus) subscribe(buf int) *Subscription {
	if buf <= 0 {
		buf = 4096
	}
	c := make(chan Event, buf)
	s := &Subscription{C: c, c: c, bus: b}
	b.mu.Lock()
	var list []*Subscription
	if p := b.subs.Load(); p != nil {
		list = append(list, *p...)
	}
	list = append(list, s)
	b.subs.Store(&list)
	b.mu.Unlock()
	return s
}

func (b *eventBus) remove(s *Subscription) {
	b.mu.Lock()
	var list []*Subscription
	if p := b.subs.Load(); p != nil {
		for _, x := range *p {
			if x != s {
				list = append(list, x)
			}
		}
	}
	b.subs.Store(&list)
	b.mu.Unlock()
	// Wait for in-flight sends to the old list to finish before close.
	b.sendMu.Lock()
	b.sendMu.Unlock() //nolint:staticcheck // empty critical section is the barrier
}

func (b *eventBus) active() bool {
	p := b.subs.Load()
	return p != nil && len(*p) > 0
}

func (b *eventBus) publish(e *Event) {
	p := b.subs.Load()
	if p == nil || len(*p) == 0 {
		return
	}
	b.sendMu.RLock()
	for _, s := range *b.subs.Load() {
		select {
		case s.c <- *e:
		default:
			s.dropped.Add(1)
		}
	}
	b.sendMu.RUnlock()
}
