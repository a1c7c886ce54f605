package api

import (
	"errors"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// SessionManager gives the management API the open sessions of a protocol
// front end (the Gy charging server, the GTP gateway) and lets it act on
// them. Package api knows no protocol: diameter and gtp implement it, and
// Sessions joins several.
//
// Implementations must be safe for concurrent use. The actions return once
// the request is sent or queued, without waiting for the peer's answer, and
// report errors that satisfy errors.Is with ErrNoSuchSession (no open
// session with this id) or ErrNotSupported (the action does not apply to
// this kind of session).
type SessionManager interface {
	// Sessions lists the open sessions that match f, at most f.Limit of
	// them when it is > 0.
	Sessions(f SessionFilter) []Session
	// ReAuth asks the client to re-authorise the session: a Diameter
	// Re-Auth-Request (RFC 4006 §5.5, RFC 6733 §8.3) on Gy, so that it
	// reports usage and asks for quota again. A GTP gateway may answer
	// ErrNotSupported.
	ReAuth(id string) error
	// Abort ends the session from the network side: an
	// Abort-Session-Request (RFC 6733 §8.5) on Gy, a Delete Bearer Request
	// (TS 29.274 §7.2.9.2) for the default bearer on GTP.
	Abort(id string) error
	// DeleteBearer sends a Delete Bearer Request (TS 29.274 §7.2.9.2). On a
	// Gy session it is ErrNotSupported.
	DeleteBearer(id string) error
}

// Session is one open session as the management API shows it.
type Session struct {
	// ID names the session in the API: the Diameter Session-Id on Gy; on
	// GTP an id the gateway chooses (its TEID, say). IDs are unique across
	// the managers joined by Sessions.
	ID string
	// Interface is "gy" or "gtp".
	Interface string
	// Card is the card index; IMSI its IMSI as digits.
	Card uint32
	IMSI string
	// Peer is who holds the other end: the Diameter Origin-Host of the
	// client, or the SGW's GTP-C address.
	Peer string
	// Started is when the session opened, on the carrier's clock.
	Started time.Time
	// APN is the access point name ("" when unknown).
	APN string
	// Location is the device's last reported location (zero when unknown).
	Location sim.Location
}

// SessionFilter selects sessions. The zero value selects every session.
type SessionFilter struct {
	// Card selects the sessions of one card (nil: every card).
	Card *uint32
	// Interface selects "gy" or "gtp" sessions ("": both).
	Interface string
	// Limit caps how many sessions are returned (0: no cap), so that a
	// listing stays cheap with a million sessions open.
	Limit int
}

// Match reports whether s passes the filter's Card and Interface (not its
// Limit): a helper for implementations.
func (f *SessionFilter) Match(s *Session) bool {
	return (f.Card == nil || *f.Card == s.Card) && (f.Interface == "" || f.Interface == s.Interface)
}

// Errors of SessionManager actions.
var (
	// ErrNoSuchSession: no open session has this id.
	ErrNoSuchSession = errors.New("api: no such session")
	// ErrNotSupported: the action does not apply to this kind of session
	// (DeleteBearer on a Gy session, say).
	ErrNotSupported = errors.New("api: not supported for this session")
)

// Sessions joins several session managers (Gy and GTP) into one: listings
// are concatenated in argument order (up to the filter's Limit overall),
// and an action goes to each manager in turn until one knows the session.
// Nil managers are skipped.
func Sessions(ms ...SessionManager) SessionManager {
	var list joined
	for _, m := range ms {
		if m != nil {
			list = append(list, m)
		}
	}
	return list
}

type joined []SessionManager

func (j joined) Sessions(f SessionFilter) []Session {
	var out []Session
	for _, m := range j {
		g := f
		if f.Limit > 0 {
			if len(out) >= f.Limit {
				break
			}
			g.Limit = f.Limit - len(out)
		}
		out = append(out, m.Sessions(g)...)
	}
	return out
}

func (j joined) act(id string, fn func(SessionManager) error) error {
	for _, m := range j {
		if err := fn(m); !errors.Is(err, ErrNoSuchSession) {
			return err
		}
	}
	return ErrNoSuchSession
}

func (j joined) ReAuth(id string) error {
	return j.act(id, func(m SessionManager) error { return m.ReAuth(id) })
}

func (j joined) Abort(id string) error {
	return j.act(id, func(m SessionManager) error { return m.Abort(id) })
}

func (j joined) DeleteBearer(id string) error {
	return j.act(id, func(m SessionManager) error { return m.DeleteBearer(id) })
}
