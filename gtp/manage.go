package gtp

import (
	"errors"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

// Managing open sessions from outside the protocol: listing them, and
// tearing one down with a Delete Bearer Request on demand (the management
// API does, and tests). The gateway sends the same request by itself when
// a card stops (network.go).

// ErrNoSuchSession is returned for a TEID that names no open session.
var ErrNoSuchSession = errors.New("gtp: no such open session")

// SessionInfo describes one PDN connection held by the gateway.
type SessionInfo struct {
	// TEID is the gateway's tunnel endpoint: the same number on the
	// control and the user plane, and the charging ID.
	TEID uint32
	// Card is the card index.
	Card uint32
	// Peer is the GTP-C address of the SGW that created it, and
	// SGWControlTEID, SGWUserTEID the SGW's tunnel endpoints.
	Peer                        netip.AddrPort
	SGWControlTEID, SGWUserTEID uint32
	// EBI is the default bearer's EPS Bearer ID.
	EBI uint8
	// APN is the access point name of the Create Session Request.
	APN string
	// UE is the device address the gateway gave it.
	UE netip.Addr
	// Started is when it was created, on the carrier's clock.
	Started time.Time
	// Location is the device's last reported location.
	Location sim.Location
	// Closing is set while a Delete Bearer Request for it awaits the
	// SGW's answer.
	Closing bool
}

// Sessions lists the sessions the gateway holds, up to max of them (max
// <= 0: all), in slot order. It locks each slot's stripe in turn: about
// 50 ns a session, fine for a management call. Safe for concurrent use.
func (p *PGW) Sessions(max int) []SessionInfo {
	var out []SessionInfo
	p.table.forEach(func(r *pgwSession) {
		if max <= 0 || len(out) < max {
			out = append(out, p.info(r))
		}
	})
	return out
}

// CardSession returns the session of card, if it has one. Cheap. Safe for
// concurrent use.
func (p *PGW) CardSession(card uint32) (SessionInfo, bool) {
	teid := p.table.sessionOfSIM(card)
	if teid == 0 {
		return SessionInfo{}, false
	}
	return p.Session(teid)
}

// Session returns the session with this TEID, if the gateway holds it.
// Safe for concurrent use.
func (p *PGW) Session(teid uint32) (SessionInfo, bool) {
	r, mu := p.table.find(teid)
	if r == nil {
		return SessionInfo{}, false
	}
	si := p.info(r)
	mu.Unlock()
	return si, true
}

// info describes session r, whose slot the caller has locked.
func (p *PGW) info(r *pgwSession) SessionInfo {
	s := slotOf(r.teid)
	m := p.table.metaOf(s)
	return SessionInfo{TEID: r.teid, Card: r.sim, Peer: p.peers.at(r.peer).addr, SGWControlTEID: r.sgwC,
		SGWUserTEID: r.sgwU, EBI: r.ebi, APN: p.apnIDs.name(m.apn), UE: p.ueAddr(r.teid),
		Started: time.Unix(0, m.started), Location: r.loc, Closing: r.state == stateClosing}
}

// SortSessions orders sessions by start, then TEID.
func SortSessions(s []SessionInfo) {
	sort.Slice(s, func(a, b int) bool {
		if !s[a].Started.Equal(s[b].Started) {
			return s[a].Started.Before(s[b].Started)
		}
		return s[a].TEID < s[b].TEID
	})
}

// DeleteBearer asks the SGW to tear down session teid with a Delete Bearer
// Request (TS 29.274 §7.2.9.2), as the gateway does itself when a card
// stops, and returns once the request is queued. The cause is 8
// Reactivation requested, or 9 PDN reconnection to this APN disallowed
// when why is a stop reason (a card that may not reconnect); the private
// extension carries why and its blame. The session is released when the
// SGW answers, or after N3 retransmissions; it counts in
// PGWStats.NetworkDeleted under why. Errors: ErrNoSuchSession when the
// gateway holds no such session or is already tearing it down, ErrClosed.
func (p *PGW) DeleteBearer(teid uint32, why sim.Reason) error {
	if p.closed.Load() {
		return ErrClosed
	}
	r, mu := p.table.find(teid)
	if r == nil {
		return ErrNoSuchSession
	}
	open := r.state == stateOpen
	mu.Unlock()
	if !open {
		return ErrNoSuchSession
	}
	c := wire.CauseReactivationRequested
	if why.IsStop() {
		c = wire.CausePDNReconnectionToThisAPNDisallowed
	}
	p.net.push(netEvent{kind: evDelete, a: teid, why: why, cause: c})
	return nil
}

// apnTable numbers the APNs sessions were created with, so that a session
// keeps a 2-octet number instead of the name. The list only grows (up to
// 65535 names; more are numbered 0, shown as ""); the request path scans
// it without a lock, and a new name is added copy-on-write.
type apnTable struct {
	list atomic.Pointer[[]wire.APN]
	mu   sync.Mutex
}

// id returns the number of apn, adding it when new.
func (t *apnTable) id(apn *wire.APN) uint16 {
	b := apn.Bytes()
	if l := t.list.Load(); l != nil {
		for i := range *l {
			if equalFold((*l)[i].Bytes(), b) {
				return uint16(i + 1)
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var cur []wire.APN
	if l := t.list.Load(); l != nil {
		cur = *l
	}
	for i := range cur {
		if equalFold(cur[i].Bytes(), b) {
			return uint16(i + 1)
		}
	}
	if len(cur) >= 1<<16-1 {
		return 0
	}
	next := append(append(make([]wire.APN, 0, len(cur)+1), cur...), *apn)
	t.list.Store(&next)
	return uint16(len(next))
}

// name returns the APN numbered id ("" for 0).
func (t *apnTable) name(id uint16) string {
	l := t.list.Load()
	if id == 0 || l == nil || int(id) > len(*l) {
		return ""
	}
	return (*l)[id-1].String()
}
