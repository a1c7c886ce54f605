package api

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// EventView is a card event as GET /v1/events streams it (the data of one
// Server-Sent Event whose event name is Type).
type EventView struct {
	// Time is when it happened, on the carrier's clock.
	Time time.Time `json:"time"`
	// Type is a sim.EventKind name: refused, stopped, resumed, bound,
	// unbound, fee, recharged, plan_changed, renewed, rollover.
	Type  string `json:"type"`
	Card  uint32 `json:"card"`
	ICCID string `json:"iccid,omitempty"`
	IMSI  string `json:"imsi,omitempty"`
	// Reason, Blame and Outcome say why a request was refused or a card
	// stopped or resumed, and who is responsible.
	Reason  string `json:"reason,omitempty"`
	Blame   string `json:"blame,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	// Location is where it happened, when known.
	Location Location `json:"location"`
	// Amount is the money charged (fee) or added (recharged); IMEI the
	// device bound; Plan the new plan; Expiry the renewed expiry.
	Amount *sim.Money `json:"amount,omitempty"`
	IMEI   string     `json:"imei,omitempty"`
	Plan   string     `json:"plan,omitempty"`
	Expiry *time.Time `json:"expiry,omitempty"`
}

// Dropped is the data of a "dropped" event: the stream fell behind and the
// carrier dropped events rather than slow down.
type Dropped struct {
	// Dropped is how many events this stream has lost in all.
	Dropped uint64 `json:"dropped"`
}

func (s *Server) eventView(e *sim.Event) EventView {
	v := EventView{Time: time.Unix(0, e.Time).In(s.c.Location()), Type: e.Kind.String(), Card: e.SIM}
	if int(e.SIM) < s.c.Len() {
		id := s.c.Identity(e.SIM)
		v.ICCID, v.IMSI = id.ICCIDString(), strconv.FormatUint(id.IMSI, 10)
	}
	if e.Reason != sim.ReasonNone {
		v.Reason = e.Reason.String()
	}
	if e.Blame != sim.BlameNone {
		v.Blame = e.Blame.String()
	}
	if e.Kind == sim.EventRefused {
		v.Outcome = e.Outcome.String()
	}
	if e.Region != sim.NoRegion {
		v.Location.Region = s.c.RegionName(e.Region)
	}
	if e.Loc.HasTAI {
		tac := e.Loc.TAC
		v.Location.TAC = &tac
	}
	if e.Loc.HasECGI {
		eci := e.Loc.ECI
		v.Location.Cell = &eci
	}
	switch e.Kind {
	case sim.EventFee, sim.EventRecharged:
		m := sim.Money(e.Value)
		v.Amount = &m
	case sim.EventBound:
		v.IMEI = imeiString(uint64(e.Value))
	case sim.EventPlanChanged:
		if p := s.c.Plans(); e.Value >= 0 && int(e.Value) < len(p) {
			v.Plan = p[e.Value].Name
		}
	case sim.EventRenewed:
		t := time.Unix(e.Value, 0).In(s.c.Location())
		v.Expiry = &t
	}
	return v
}

// eventKinds maps names to kinds for the ?type= filter.
var eventKinds = func() map[string]sim.EventKind {
	m := map[string]sim.EventKind{}
	for k := sim.EventRefused; k <= sim.EventRollover; k++ {
		m[k.String()] = k
	}
	return m
}()

// events streams card events as Server-Sent Events (WHATWG HTML §9.2):
//
//	: stream open
//
//	id: 1
//	event: stopped
//	data: {"time":"…","type":"stopped","card":42,"reason":"manual_stop","blame":"card",…}
//
//	: heartbeat
//
//	event: dropped
//	data: {"dropped":17}
//
// Filters: ?card= (an ICCID, IMSI or MSISDN, with ?by=), ?type= and
// ?blame= (comma lists). The stream ends when the client goes or the
// server is closed.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if p := checkQuery(r, "card", "by", "type", "blame"); p != nil {
		writeProblem(w, r, p)
		return
	}
	q := r.URL.Query()
	var card uint32
	hasCard := false
	if id := q.Get("card"); id != "" {
		i, p := s.resolveCard(r, id, q.Get("by"))
		if p != nil {
			writeProblem(w, r, p)
			return
		}
		card, hasCard = i, true
	}
	var kinds uint32 // bit k: EventKind k; 0 means every kind
	var errs []string
	if v := q.Get("type"); v != "" {
		for _, name := range strings.Split(v, ",") {
			k, ok := eventKinds[strings.TrimSpace(name)]
			if !ok {
				errs = append(errs, "type: want event types such as stopped, resumed or refused, got "+strconv.Quote(name))
				continue
			}
			kinds |= 1 << k
		}
	}
	var blames uint32
	if v := q.Get("blame"); v != "" {
		for _, name := range strings.Split(v, ",") {
			b, ok := sim.ParseBlame(strings.TrimSpace(name))
			if !ok || b == sim.BlameNone {
				errs = append(errs, "blame: want card, network or device, got "+strconv.Quote(name))
				continue
			}
			blames |= 1 << b
		}
	}
	if len(errs) > 0 {
		p := problem(http.StatusBadRequest, CodeBadRequest, strings.Join(errs, "; "))
		p.Errors = errs
		writeProblem(w, r, p)
		return
	}
	select {
	case <-s.done:
		writeProblem(w, r, problem(http.StatusServiceUnavailable, CodeUnavailable, "the server is closing: no new event streams"))
		return
	default:
	}

	// Subscribe before answering, so that a client that has the headers
	// sees every event that follows.
	sub := s.c.Subscribe(s.cfg.EventBuffer)
	defer sub.Close()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives any server write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 16<<10)
	flush := func() bool {
		return bw.Flush() == nil && rc.Flush() == nil
	}
	bw.WriteString(": stream open\n\n")
	if !flush() {
		return
	}
	tick := time.NewTicker(s.cfg.Heartbeat)
	defer tick.Stop()
	var seq uint64
	var reported uint64
	enc := json.NewEncoder(bw)
	write := func(e *sim.Event) {
		if hasCard && e.SIM != card || kinds != 0 && kinds&(1<<e.Kind) == 0 || blames != 0 && blames&(1<<e.Blame) == 0 {
			return
		}
		seq++
		bw.WriteString("id: ")
		bw.WriteString(strconv.FormatUint(seq, 10))
		bw.WriteString("\nevent: ")
		bw.WriteString(e.Kind.String())
		bw.WriteString("\ndata: ")
		_ = enc.Encode(s.eventView(e)) // one line: JSON escapes newlines
		bw.WriteString("\n")
	}
	dropped := func() {
		if d := sub.Dropped(); d > reported {
			reported = d
			bw.WriteString("event: dropped\ndata: ")
			_ = enc.Encode(Dropped{Dropped: d})
			bw.WriteString("\n")
		}
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case e, ok := <-sub.C:
			if !ok {
				return
			}
			write(&e)
			// Take what else is waiting, then flush once.
		more:
			for k := 0; k < 256; k++ {
				select {
				case e, ok := <-sub.C:
					if !ok {
						break more
					}
					write(&e)
				default:
					break more
				}
			}
			dropped()
			if !flush() {
				return
			}
		case <-tick.C:
			dropped()
			bw.WriteString(": heartbeat\n\n")
			if !flush() {
				return
			}
		}
	}
}
