package api

import (
	"errors"
	"net/http"
	"sort"
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

// SessionView is a session as the API shows it.
type SessionView struct {
	ID        string    `json:"id"`
	Interface string    `json:"interface"`
	Card      uint32    `json:"card"`
	ICCID     string    `json:"iccid,omitempty"`
	IMSI      string    `json:"imsi"`
	Peer      string    `json:"peer,omitempty"`
	Started   time.Time `json:"started"`
	APN       string    `json:"apn,omitempty"`
	Location  Location  `json:"location"`
}

// SessionPage is the answer of GET /v1/sessions.
type SessionPage struct {
	Sessions []SessionView `json:"sessions"`
	// Truncated says more sessions matched than the limit.
	Truncated bool `json:"truncated"`
}

// SessionAction is the answer to a session action: what was sent.
type SessionAction struct {
	ID string `json:"id"`
	// Action is reauth, abort or delete-bearer.
	Action string `json:"action"`
	// Status is "sent": the request is on its way; the peer's answer is
	// not awaited (watch /v1/sessions or the card).
	Status string `json:"status"`
}

func (s *Server) sessionView(x *Session) SessionView {
	v := SessionView{ID: x.ID, Interface: x.Interface, Card: x.Card, IMSI: x.IMSI, Peer: x.Peer,
		Started: x.Started.In(s.c.Location()), APN: x.APN}
	if int(x.Card) < s.c.Len() {
		v.ICCID = s.c.Identity(x.Card).ICCIDString()
	}
	l := &x.Location
	if reg := s.c.RegionOf(*l); reg != sim.NoRegion {
		v.Location.Region = s.c.RegionName(reg)
	}
	if l.HasTAI {
		tac := l.TAC
		v.Location.TAC = &tac
	}
	if l.HasECGI {
		eci := l.ECI
		v.Location.Cell = &eci
	}
	return v
}

func (s *Server) noSessions(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.Sessions != nil {
		return false
	}
	writeProblem(w, r, problem(http.StatusNotImplemented, CodeSessionsUnavailable,
		"this server was started without access to the protocol front ends' sessions"))
	return true
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	if s.noSessions(w, r) {
		return
	}
	if p := checkQuery(r, "card", "by", "interface", "limit"); p != nil {
		writeProblem(w, r, p)
		return
	}
	q := r.URL.Query()
	var f SessionFilter
	if id := q.Get("card"); id != "" {
		i, p := s.resolveCard(r, id, q.Get("by"))
		if p != nil {
			writeProblem(w, r, p)
			return
		}
		f.Card = &i
	}
	switch f.Interface = q.Get("interface"); f.Interface {
	case "", "gy", "gtp":
	default:
		writeProblem(w, r, problemf(http.StatusBadRequest, CodeBadRequest, "interface: want gy or gtp, got %q", f.Interface))
		return
	}
	limit, p := queryInt(r, "limit", s.cfg.PageSize, 1, s.cfg.MaxPageSize)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	f.Limit = limit + 1
	list := s.cfg.Sessions.Sessions(f)
	page := SessionPage{Sessions: []SessionView{}}
	if len(list) > limit {
		list, page.Truncated = list[:limit], true
	}
	sort.Slice(list, func(a, b int) bool {
		if !list[a].Started.Equal(list[b].Started) {
			return list[a].Started.Before(list[b].Started)
		}
		return list[a].ID < list[b].ID
	})
	for k := range list {
		page.Sessions = append(page.Sessions, s.sessionView(&list[k]))
	}
	writeJSON(w, http.StatusOK, page)
}

// sessionAction returns the handler of POST /v1/sessions/{id}/action.
func (s *Server) sessionAction(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.noSessions(w, r) {
			return
		}
		var req struct{}
		if p := checkQuery(r); p != nil {
			writeProblem(w, r, p)
			return
		}
		if p := decode(r, &req, true); p != nil {
			writeProblem(w, r, p)
			return
		}
		id := r.PathValue("id")
		var err error
		switch action {
		case "reauth":
			err = s.cfg.Sessions.ReAuth(id)
		case "abort":
			err = s.cfg.Sessions.Abort(id)
		default:
			err = s.cfg.Sessions.DeleteBearer(id)
		}
		switch {
		case err == nil:
			writeJSON(w, http.StatusAccepted, SessionAction{ID: id, Action: action, Status: "sent"})
		case errors.Is(err, ErrNoSuchSession):
			writeProblem(w, r, problemf(http.StatusNotFound, CodeSessionNotFound, "no open session %q", id))
		case errors.Is(err, ErrNotSupported):
			writeProblem(w, r, problemf(http.StatusConflict, CodeNotSupported, "%s does not apply to session %q: %v", action, id, err))
		default:
			s.cfg.Logf("api: %s session %q: %v", action, id, err)
			writeProblem(w, r, problemf(http.StatusInternalServerError, CodeInternal, "%s session %q: %v", action, id, err))
		}
	}
}
