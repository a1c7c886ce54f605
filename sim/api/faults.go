package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// Fault is a maintenance window or a node outage.
type Fault struct {
	ID uint64 `json:"id"`
	// Kind is "maintenance" or "outage".
	Kind string `json:"kind"`
	// Target is what a maintenance window takes offline.
	Target *sim.Target `json:"target,omitempty"`
	// Node (ocs or gateway), Instance ("" for every instance) and Mode
	// (silent, busy or unable) describe an outage.
	Node     string `json:"node,omitempty"`
	Instance string `json:"instance,omitempty"`
	Mode     string `json:"mode,omitempty"`
	// From and To bound the fault on the carrier's clock (To null: until
	// ended); Active says whether it is in force now.
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to"`
	Active bool       `json:"active"`
}

// FaultList is the answer of GET /v1/faults.
type FaultList struct {
	Faults []Fault `json:"faults"`
}

func (s *Server) faultView(f *sim.ActiveFault) Fault {
	v := Fault{ID: uint64(f.ID), Kind: f.Kind, From: f.From.In(s.c.Location()), Active: f.Active}
	if !f.To.IsZero() {
		to := f.To.In(s.c.Location())
		v.To = &to
	}
	if f.Kind == "outage" {
		v.Node, v.Instance, v.Mode = f.Node.String(), f.Instance, f.Mode.String()
	} else {
		t := f.Target
		v.Target = &t
	}
	return v
}

func (s *Server) listFaults(w http.ResponseWriter, r *http.Request) {
	if p := checkQuery(r); p != nil {
		writeProblem(w, r, p)
		return
	}
	list := FaultList{Faults: []Fault{}}
	for _, f := range s.c.Faults().List() {
		list.Faults = append(list.Faults, s.faultView(&f))
	}
	writeJSON(w, http.StatusOK, list)
}

// window reads the from, to and duration of a fault request: from
// defaults to now, to to open-ended; duration is to's alternative.
type window struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Duration string `json:"duration"`
}

func (s *Server) window(wd *window) (from, to time.Time, errs []string) {
	from = s.c.Clock().Now()
	if wd.From != "" {
		t, err := parseTime(wd.From, s.c.Location())
		if err != nil {
			errs = append(errs, "from: "+err.Error())
		}
		from = t
	}
	switch {
	case wd.To != "" && wd.Duration != "":
		errs = append(errs, "to, duration: want one of them, got both")
	case wd.To != "":
		t, err := parseTime(wd.To, s.c.Location())
		if err != nil {
			errs = append(errs, "to: "+err.Error())
		}
		to = t
	case wd.Duration != "":
		d, err := parseDuration(wd.Duration)
		if err != nil || d <= 0 {
			errs = append(errs, "duration: want a duration > 0 such as 2h or 3d, got "+strconv.Quote(wd.Duration))
		}
		to = from.Add(d)
	}
	return from, to, errs
}

// created answers 201 with fault id.
func (s *Server) created(w http.ResponseWriter, r *http.Request, id sim.FaultID) {
	for _, f := range s.c.Faults().List() {
		if f.ID == id {
			w.Header().Set("Location", "/v1/faults/"+strconv.FormatUint(uint64(id), 10))
			writeJSON(w, http.StatusCreated, s.faultView(&f))
			return
		}
	}
	writeProblem(w, r, problemf(http.StatusInternalServerError, CodeInternal, "fault %d vanished", id))
}

func invalidAll(errs []string) *Problem {
	p := invalid("%s", strings.Join(errs, "; "))
	p.Errors = errs
	return p
}

func (s *Server) startMaintenance(w http.ResponseWriter, r *http.Request) {
	var req struct {
		sim.Target
		window
	}
	if p := checkQuery(r); p != nil {
		writeProblem(w, r, p)
		return
	}
	if p := decode(r, &req, false); p != nil {
		writeProblem(w, r, p)
		return
	}
	from, to, errs := s.window(&req.window)
	if len(errs) > 0 {
		writeProblem(w, r, invalidAll(errs))
		return
	}
	id, err := s.c.Faults().ScheduleMaintenance(req.Target, from, to)
	if err != nil {
		writeProblem(w, r, invalid("%s", strings.TrimPrefix(err.Error(), "sim: ")))
		return
	}
	s.created(w, r, id)
}

func (s *Server) startOutage(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Node     string `json:"node"`
		Instance string `json:"instance"`
		Mode     string `json:"mode"`
		window
	}
	if p := checkQuery(r); p != nil {
		writeProblem(w, r, p)
		return
	}
	if p := decode(r, &req, false); p != nil {
		writeProblem(w, r, p)
		return
	}
	from, to, errs := s.window(&req.window)
	var node sim.Node
	var err error
	if req.Node != "ocs" && req.Node != "gateway" {
		errs = append(errs, "node: want ocs or gateway, got "+strconv.Quote(req.Node))
	} else {
		node, _ = sim.ParseNode(req.Node)
	}
	mode := sim.OutageSilent
	if req.Mode != "" {
		if mode, err = sim.ParseOutageMode(req.Mode); err != nil {
			errs = append(errs, "mode: "+err.Error())
		}
	}
	if len(errs) > 0 {
		writeProblem(w, r, invalidAll(errs))
		return
	}
	id, err := s.c.Faults().ScheduleInstanceOutage(node, req.Instance, mode, from, to)
	if err != nil {
		writeProblem(w, r, invalid("%s", strings.TrimPrefix(err.Error(), "sim: ")))
		return
	}
	s.created(w, r, id)
}

func (s *Server) endFault(w http.ResponseWriter, r *http.Request) {
	if p := checkQuery(r); p != nil {
		writeProblem(w, r, p)
		return
	}
	v := r.PathValue("id")
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		writeProblem(w, r, problemf(http.StatusBadRequest, CodeBadRequest, "want a fault id from GET /v1/faults, got %q", v))
		return
	}
	err = sim.ErrNoSuchFault
	for _, f := range s.c.Faults().List() {
		if uint64(f.ID) != id {
			continue
		}
		if f.Kind == "outage" {
			err = s.c.Faults().EndOutage(f.ID)
		} else {
			err = s.c.Faults().EndMaintenance(f.ID)
		}
	}
	switch {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, sim.ErrNoSuchFault):
		writeProblem(w, r, problemf(http.StatusNotFound, CodeFaultNotFound, "no fault %d (ended already, or never started)", id))
	default:
		writeProblem(w, r, problemf(http.StatusInternalServerError, CodeInternal, "%v", err))
	}
}

// parseDuration reads a Go duration ("90m", "2h30m") or whole days ("3d").
func parseDuration(v string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.ParseUint(d, 10, 16)
		if err != nil {
			return 0, err
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}
