package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// sessionsFixture is two front ends' sessions: two Gy sessions (one with
// a Diameter Session-Id that needs escaping) and one GTP session.
func sessionsFixture(c *sim.Carrier) (gy, gtp *recordingSessions) {
	sc, _ := c.RegionID("Sichuan")
	loc := c.RegionLocation(sc, 9)
	gy = &recordingSessions{iface: "gy", list: []Session{
		{ID: "pgw.example;1700000000;1", Interface: "gy", Card: 7, IMSI: "460040000000007", Peer: "pgw.example",
			Started: t0.Add(time.Minute), APN: "iot.example"},
		{ID: "pgw.example;1700000000;2", Interface: "gy", Card: 8, IMSI: "460040000000008", Peer: "pgw.example",
			Started: t0.Add(2 * time.Minute)},
	}}
	gtp = &recordingSessions{iface: "gtp", list: []Session{
		{ID: "gtp-0x00000101", Interface: "gtp", Card: 7, IMSI: "460040000000007", Peer: "127.0.0.1:2123",
			Started: t0, APN: "iot.example", Location: loc},
	}}
	return gy, gtp
}

func TestSessions(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	gy, gtp := sessionsFixture(c)
	a := newTestAPI(t, func(cfg *Config) { cfg.Carrier = c; cfg.Sessions = Sessions(gy, nil, gtp) })

	var page SessionPage
	a.call("GET", "/v1/sessions", "", http.StatusOK, &page)
	var ids []string
	for _, s := range page.Sessions {
		ids = append(ids, s.ID)
	}
	if want := []string{"gtp-0x00000101", "pgw.example;1700000000;1", "pgw.example;1700000000;2"}; !slices.Equal(ids, want) || page.Truncated {
		t.Fatalf("sessions %v truncated %v, want %v oldest first", ids, page.Truncated, want)
	}
	s := page.Sessions[0]
	if s.Card != 7 || s.ICCID != c.Identity(7).ICCIDString() || s.Location.Region != "Sichuan" || s.Location.Cell == nil || s.APN != "iot.example" {
		t.Errorf("gtp session = %+v", s)
	}
	a.call("GET", "/v1/sessions?interface=gy&limit=1", "", http.StatusOK, &page)
	if len(page.Sessions) != 1 || !page.Truncated || page.Sessions[0].Interface != "gy" {
		t.Errorf("gy, limit 1: %+v", page)
	}
	a.call("GET", "/v1/sessions?card="+a.imsi(8), "", http.StatusOK, &page)
	if len(page.Sessions) != 1 || page.Sessions[0].Card != 8 {
		t.Errorf("card 8: %+v", page)
	}
	a.call("GET", "/v1/sessions?card=9&by=index", "", http.StatusOK, &page)
	if len(page.Sessions) != 0 || page.Sessions == nil {
		t.Errorf("card 9 has none: %+v", page)
	}
	a.problem("GET", "/v1/sessions?interface=s1", "", http.StatusBadRequest, CodeBadRequest)
	a.problem("GET", "/v1/sessions?card=460040000099999", "", http.StatusNotFound, CodeCardNotFound)

	// A card shows its sessions, and where the latest one with a cell says it is.
	card := a.card(a.imsi(7))
	if len(card.Sessions) != 2 || card.Location.Region != "Sichuan" || card.Location.Cell == nil {
		t.Errorf("card 7: sessions %d, location %+v", len(card.Sessions), card.Location)
	}

	// Actions go to the front end that holds the session.
	act := func(id, action string, status int, code string) {
		t.Helper()
		path := "/v1/sessions/" + url.PathEscape(id) + "/" + action
		if code != "" {
			a.problem("POST", path, "", status, code)
			return
		}
		var res SessionAction
		a.call("POST", path, "", status, &res)
		if res.ID != id || res.Action != action || res.Status != "sent" {
			t.Errorf("%s %s: %+v", action, id, res)
		}
	}
	act("pgw.example;1700000000;1", "reauth", http.StatusAccepted, "")
	act("pgw.example;1700000000;2", "abort", http.StatusAccepted, "")
	act("gtp-0x00000101", "delete-bearer", http.StatusAccepted, "")
	act("pgw.example;1700000000;1", "delete-bearer", http.StatusConflict, CodeNotSupported)
	act("gtp-0x00000101", "reauth", http.StatusConflict, CodeNotSupported)
	act("gone;1;1", "abort", http.StatusNotFound, CodeSessionNotFound)
	if got, want := gy.recorded(), []string{"reauth pgw.example;1700000000;1", "abort pgw.example;1700000000;2"}; !slices.Equal(got, want) {
		t.Errorf("gy got %q, want %q", got, want)
	}
	if got, want := gtp.recorded(), []string{"delete-bearer gtp-0x00000101"}; !slices.Equal(got, want) {
		t.Errorf("gtp got %q, want %q", got, want)
	}
}

func TestSessionsUnavailable(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	a.problem("GET", "/v1/sessions", "", http.StatusNotImplemented, CodeSessionsUnavailable)
	a.problem("POST", "/v1/sessions/x/abort", "", http.StatusNotImplemented, CodeSessionsUnavailable)
	if c := a.card("1?by=index"); c.Sessions != nil {
		t.Errorf("sessions %v without a session manager", c.Sessions)
	}
}

// TestJoinedSessions: the limit spans the joined managers; an action goes
// to the first that knows the session.
func TestJoinedSessions(t *testing.T) {
	t.Parallel()
	gy, gtp := sessionsFixture(newCarrier(t, nil))
	j := Sessions(gy, gtp)
	if n := len(j.Sessions(SessionFilter{})); n != 3 {
		t.Fatalf("all: %d", n)
	}
	if n := len(j.Sessions(SessionFilter{Limit: 2})); n != 2 {
		t.Fatalf("limit 2: %d", n)
	}
	seven := uint32(7)
	if l := j.Sessions(SessionFilter{Card: &seven, Interface: "gtp"}); len(l) != 1 || l[0].ID != "gtp-0x00000101" {
		t.Fatalf("card 7 on gtp: %+v", l)
	}
	if err := j.Abort("gtp-0x00000101"); err != nil {
		t.Fatal(err)
	}
	if err := j.DeleteBearer("pgw.example;1700000000;1"); !errors.Is(err, ErrNotSupported) {
		t.Fatalf("delete bearer on gy: %v", err)
	}
	if err := j.ReAuth("nope"); !errors.Is(err, ErrNoSuchSession) {
		t.Fatalf("unknown: %v", err)
	}
	if err := Sessions().Abort("x"); !errors.Is(err, ErrNoSuchSession) {
		t.Fatalf("none joined: %v", err)
	}
}
