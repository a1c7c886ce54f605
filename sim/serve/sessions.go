package serve

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/carriersim/carriersim/diameter"
	"github.com/carriersim/carriersim/gtp"
	"github.com/carriersim/carriersim/sim"
	"github.com/carriersim/carriersim/sim/api"
)

// The management API's view of the protocol front ends' sessions. Package
// api declares SessionManager and knows no protocol; diameter and gtp must
// not import api (their dependencies point at sim only), so the adapters
// live here, where the parts are wired.

// GySessions adapts an OCS to api.SessionManager: IDs are Session-Ids;
// DeleteBearer does not apply.
func GySessions(s *diameter.Server, c *sim.Carrier) api.SessionManager { return gySessions{s: s, c: c} }

type gySessions struct {
	s *diameter.Server
	c *sim.Carrier
}

func (g gySessions) Sessions(f api.SessionFilter) []api.Session {
	if f.Interface != "" && f.Interface != "gy" {
		return nil
	}
	var list []diameter.SessionInfo
	if f.Card != nil {
		list = g.s.CardSessions(*f.Card)
	} else {
		list = g.s.Sessions(f.Limit)
	}
	out := make([]api.Session, 0, len(list))
	for _, s := range list {
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
		out = append(out, api.Session{ID: s.ID, Interface: "gy", Card: s.Card, IMSI: imsiOf(g.c, s.Card),
			Peer: s.Peer, Started: s.Started})
	}
	return out
}

func (g gySessions) ReAuth(id string) error { return gyErr(g.s.ReAuth(id)) }
func (g gySessions) Abort(id string) error  { return gyErr(g.s.Abort(id)) }

func (g gySessions) DeleteBearer(id string) error {
	if _, ok := g.s.Session(id); !ok {
		return api.ErrNoSuchSession
	}
	return fmt.Errorf("%w: a Gy session has no bearer (use abort)", api.ErrNotSupported)
}

func gyErr(err error) error {
	if errors.Is(err, diameter.ErrNoSuchSession) {
		return fmt.Errorf("%w: %w", api.ErrNoSuchSession, err)
	}
	return err
}

// GTPSessions adapts a PGW to api.SessionManager: IDs are "gtp-" and the
// gateway's TEID in 8 hex digits; Abort and DeleteBearer send a Delete
// Bearer Request, ReAuth does not apply.
func GTPSessions(p *gtp.PGW, c *sim.Carrier) api.SessionManager { return gtpSessions{p: p, c: c} }

type gtpSessions struct {
	p *gtp.PGW
	c *sim.Carrier
}

// GTPSessionID is the management API's id of the gateway's session teid.
func GTPSessionID(teid uint32) string { return fmt.Sprintf("gtp-%08x", teid) }

// parseGTPID reads an id made by GTPSessionID.
func parseGTPID(id string) (uint32, bool) {
	hex, ok := strings.CutPrefix(id, "gtp-")
	if !ok || len(hex) != 8 {
		return 0, false
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	return uint32(v), err == nil
}

func (g gtpSessions) Sessions(f api.SessionFilter) []api.Session {
	if f.Interface != "" && f.Interface != "gtp" {
		return nil
	}
	var list []gtp.SessionInfo
	if f.Card != nil {
		if s, ok := g.p.CardSession(*f.Card); ok {
			list = append(list, s)
		}
	} else {
		list = g.p.Sessions(f.Limit)
		gtp.SortSessions(list)
	}
	out := make([]api.Session, 0, len(list))
	for _, s := range list {
		out = append(out, api.Session{ID: GTPSessionID(s.TEID), Interface: "gtp", Card: s.Card,
			IMSI: imsiOf(g.c, s.Card), Peer: s.Peer.String(), Started: s.Started, APN: s.APN, Location: s.Location})
	}
	return out
}

func (g gtpSessions) ReAuth(id string) error {
	if _, ok := g.session(id); !ok {
		return api.ErrNoSuchSession
	}
	return fmt.Errorf("%w: the gateway has no re-authorisation to send (use delete-bearer)", api.ErrNotSupported)
}

func (g gtpSessions) Abort(id string) error { return g.DeleteBearer(id) }

func (g gtpSessions) DeleteBearer(id string) error {
	teid, ok := parseGTPID(id)
	if !ok {
		return api.ErrNoSuchSession
	}
	if err := g.p.DeleteBearer(teid, sim.ReasonNone); errors.Is(err, gtp.ErrNoSuchSession) {
		return fmt.Errorf("%w: %w", api.ErrNoSuchSession, err)
	} else if err != nil {
		return err
	}
	return nil
}

func (g gtpSessions) session(id string) (gtp.SessionInfo, bool) {
	teid, ok := parseGTPID(id)
	if !ok {
		return gtp.SessionInfo{}, false
	}
	return g.p.Session(teid)
}

func imsiOf(c *sim.Carrier, card uint32) string {
	if int(card) >= c.Len() {
		return ""
	}
	return strconv.FormatUint(c.Identity(card).IMSI, 10)
}
