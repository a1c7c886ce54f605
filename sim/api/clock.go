package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
)

// ClockState is the carrier's virtual clock.
type ClockState struct {
	// Now is the virtual time in the carrier's zone.
	Now time.Time `json:"now"`
	// Speed is virtual seconds per wall second (0: frozen, 1: real time).
	Speed float64 `json:"speed"`
	// Zone is the time zone cycles follow.
	Zone string `json:"zone"`
	// Settled is how many cards changed state when an advance was settled.
	Settled *int `json:"settled,omitempty"`
}

func (s *Server) clockState() ClockState {
	ck := s.c.Clock()
	return ClockState{Now: ck.Now().In(s.c.Location()), Speed: ck.Speed(), Zone: s.c.Location().String()}
}

func (s *Server) getClock(w http.ResponseWriter, r *http.Request) {
	if p := checkQuery(r); p != nil {
		writeProblem(w, r, p)
		return
	}
	writeJSON(w, http.StatusOK, s.clockState())
}

// advanceClock steps the clock forward and, unless told not to, settles
// every card (sim.Carrier.SettleAll) so that the rollovers, expiries and
// cancellations the step crossed happen now, with their events and the
// protocol front ends told, rather than at each card's next request.
func (s *Server) advanceClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		By     string `json:"by"`
		Settle *bool  `json:"settle"`
	}
	if p := checkQuery(r); p != nil {
		writeProblem(w, r, p)
		return
	}
	if p := decode(r, &req, false); p != nil {
		writeProblem(w, r, p)
		return
	}
	d, err := parseDuration(req.By)
	if err != nil || d <= 0 {
		writeProblem(w, r, invalid("by: want a duration > 0 such as 720h, 90m or 31d, got %q", req.By))
		return
	}
	s.c.Clock().Advance(d)
	st := s.clockState()
	if req.Settle == nil || *req.Settle {
		n := s.c.SettleAll()
		st.Settled = &n
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) setSpeed(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Speed *json.Number `json:"speed"`
	}
	if p := checkQuery(r); p != nil {
		writeProblem(w, r, p)
		return
	}
	if p := decode(r, &req, false); p != nil {
		writeProblem(w, r, p)
		return
	}
	if req.Speed == nil {
		writeProblem(w, r, invalid("speed: want virtual seconds per wall second >= 0 (0 freezes, 1 is real time), got none"))
		return
	}
	v, err := strconv.ParseFloat(req.Speed.String(), 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || v > 1e6 {
		writeProblem(w, r, invalid("speed: want virtual seconds per wall second from 0 to 1000000, got %s", req.Speed))
		return
	}
	s.c.Clock().SetSpeed(v)
	writeJSON(w, http.StatusOK, s.clockState())
}
