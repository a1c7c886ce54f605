package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// Card is a card as GET /v1/cards/{id} shows it.
type Card struct {
	// Index is the card's dense number in the carrier (?by=index finds it).
	Index uint32 `json:"index"`
	// ICCID has 20 digits (with its Luhn check digit), IMSI up to 15,
	// MSISDN up to 15 with the country code.
	ICCID  string `json:"iccid,omitempty"`
	IMSI   string `json:"imsi"`
	MSISDN string `json:"msisdn,omitempty"`
	// DeviceIMEI is the 15-digit IMEI of the device the card sits in, when
	// the population says.
	DeviceIMEI string `json:"device_imei,omitempty"`
	// State is "active" (serves data) or "stopped" (StopReasons says why).
	State string `json:"state"`
	// StopReasons are sim.Reason names, most severe first ([] when active);
	// Blame says who is responsible for the first: card or device.
	StopReasons []string `json:"stop_reasons"`
	Blame       string   `json:"blame,omitempty"`
	Plan        CardPlan `json:"plan"`
	Usage       Usage    `json:"usage"`
	// Balance is the prepaid balance in yuan, as a decimal string ("20",
	// "-3.5") so no precision is lost.
	Balance sim.Money `json:"balance"`
	// Expiry is when the plan expires (null: never); RetentionFees counts
	// the monthly number-retention fees charged since it expired.
	Expiry        *time.Time `json:"expiry"`
	RetentionFees int        `json:"retention_fees"`
	// BoundIMEI is the 15-digit IMEI of the device the card is locked to
	// (null: not bound yet; it binds on first use).
	BoundIMEI *string `json:"bound_imei"`
	// RealName says whether real-name registration is present; Seen
	// whether the card has ever made a request.
	RealName   bool   `json:"real_name"`
	Seen       bool   `json:"seen"`
	HomeRegion string `json:"home_region,omitempty"`
	// Location is where the network last saw the card.
	Location Location `json:"location"`
	// Sessions are the card's open sessions (GET of one card only, when
	// the server has a SessionManager).
	Sessions []SessionView `json:"sessions,omitempty"`
}

// CardPlan is the plan a card is on.
type CardPlan struct {
	Name           string    `json:"name"`
	AllowanceBytes uint64    `json:"allowance_bytes"`
	Cycle          string    `json:"cycle"`   // month, quarter or year
	Price          sim.Money `json:"price"`   // charged at each cycle start
	Overage        string    `json:"overage"` // stop or pay_per_use
}

// Usage is a card's usage this cycle.
type Usage struct {
	CycleStart     time.Time `json:"cycle_start"`
	CycleEnd       time.Time `json:"cycle_end"`
	UsedBytes      uint64    `json:"used_bytes"`
	ReservedBytes  uint64    `json:"reserved_bytes"` // held by open sessions
	AllowanceBytes uint64    `json:"allowance_bytes"`
	RemainingBytes uint64    `json:"remaining_bytes"`
}

// Location is where the network last saw a card or a session: the region
// (province), the tracking-area code and the E-UTRAN cell id. The carrier
// keeps the region and TAC of every card; a cell is known only while a
// session reports one.
type Location struct {
	Region string  `json:"region,omitempty"`
	TAC    *uint16 `json:"tac,omitempty"`
	Cell   *uint32 `json:"cell,omitempty"`
}

// CardPage is one page of GET /v1/cards.
type CardPage struct {
	Cards []Card `json:"cards"`
	// NextCursor continues the listing (absent at the end). A page may
	// hold fewer cards than the limit and still have a next cursor: each
	// request examines at most a bounded number of cards.
	NextCursor string `json:"next_cursor,omitempty"`
	// Scanned is how many cards this page examined; TotalCards the size
	// of the population.
	Scanned    int `json:"scanned"`
	TotalCards int `json:"total_cards"`
}

// resolveCard finds the card {id} names: an ICCID (19 or 20 digits), an
// IMSI or an MSISDN (with or without "+"), or with ?by= iccid, imsi,
// msisdn or index.
func (s *Server) resolveCard(r *http.Request, id, by string) (uint32, *Problem) {
	digits := strings.TrimPrefix(id, "+")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, problemf(http.StatusBadRequest, CodeInvalidID, "want an ICCID, IMSI or MSISDN of digits, got %q", id)
	}
	notFound := func(kind string) *Problem {
		return problemf(http.StatusNotFound, CodeCardNotFound, "no card with %s %s", kind, digits)
	}
	num := func(maxDigits int, kind string) (uint64, *Problem) {
		if len(digits) > maxDigits {
			return 0, problemf(http.StatusBadRequest, CodeInvalidID, "want an %s of at most %d digits, got %d", kind, maxDigits, len(digits))
		}
		v, _ := strconv.ParseUint(digits, 10, 64)
		return v, nil
	}
	iccid := func() (uint32, *Problem) {
		if len(digits) != 19 && len(digits) != 20 {
			return 0, problemf(http.StatusBadRequest, CodeInvalidID, "want an ICCID of 19 or 20 digits, got %d", len(digits))
		}
		body, _ := strconv.ParseUint(digits[:19], 10, 64)
		if len(digits) == 20 && sim.Luhn(body) != uint64(digits[19]-'0') {
			return 0, problemf(http.StatusBadRequest, CodeInvalidID, "ICCID %s: the check digit should be %d", digits, sim.Luhn(body))
		}
		if i, ok := s.c.LookupICCID(body); ok {
			return i, nil
		}
		return 0, notFound("ICCID")
	}
	switch by {
	case "iccid":
		return iccid()
	case "imsi":
		v, p := num(15, "IMSI")
		if p != nil {
			return 0, p
		}
		if i, ok := s.c.Lookup(v); ok {
			return i, nil
		}
		return 0, notFound("IMSI")
	case "msisdn":
		v, p := num(15, "MSISDN")
		if p != nil {
			return 0, p
		}
		if i, ok := s.c.LookupMSISDN(v); ok {
			return i, nil
		}
		return 0, notFound("MSISDN")
	case "index":
		v, err := strconv.ParseUint(digits, 10, 32)
		if err != nil || v >= uint64(s.c.Len()) {
			return 0, problemf(http.StatusNotFound, CodeCardNotFound, "no card with index %s (the carrier has %d cards)", digits, s.c.Len())
		}
		return uint32(v), nil
	case "":
	default:
		return 0, problemf(http.StatusBadRequest, CodeBadRequest, "by: want iccid, imsi, msisdn or index, got %q", by)
	}
	if len(digits) >= 19 {
		return iccid()
	}
	v, p := num(15, "IMSI or MSISDN")
	if p != nil {
		return 0, p
	}
	i, isIMSI := s.c.Lookup(v)
	j, isMSISDN := s.c.LookupMSISDN(v)
	switch {
	case isIMSI && isMSISDN && i != j:
		return 0, problemf(http.StatusBadRequest, CodeInvalidID,
			"%s is the IMSI of card %d and the MSISDN of card %d: say which with ?by=imsi or ?by=msisdn", digits, i, j)
	case isIMSI:
		return i, nil
	case isMSISDN:
		return j, nil
	}
	return 0, notFound("IMSI or MSISDN")
}

// cardFromPath resolves the {id} of the request's path.
func (s *Server) cardFromPath(r *http.Request) (uint32, *Problem) {
	return s.resolveCard(r, r.PathValue("id"), r.URL.Query().Get("by"))
}

// view turns a card's status into its JSON form.
func (s *Server) view(st *sim.CardStatus) Card {
	c := Card{Index: st.Index, ICCID: st.ICCIDString(), IMSI: strconv.FormatUint(st.IMSI, 10),
		State: "active", StopReasons: reasonNames(st.Stops), Balance: st.Balance, RetentionFees: st.RetentionFees,
		RealName: st.RealName, Seen: st.Seen, HomeRegion: st.Home, Location: Location{Region: st.Region}}
	if st.MSISDN != 0 {
		c.MSISDN = strconv.FormatUint(st.MSISDN, 10)
	}
	if st.DeviceIMEI != 0 {
		c.DeviceIMEI = imeiString(st.DeviceIMEI)
	}
	if !st.Stops.Empty() {
		c.State = "stopped"
		c.Blame = sim.BlameOf(st.Stops.First()).String()
	}
	if pi, ok := s.c.PlanIndex(st.Plan); ok {
		p := &s.c.Plans()[pi]
		c.Plan = CardPlan{Name: p.Name, AllowanceBytes: uint64(p.Allowance), Cycle: p.Cycle.String(), Price: p.Price,
			Overage: p.Overage.String()}
		months := map[sim.Cycle]int{sim.CycleMonth: 1, sim.CycleQuarter: 3, sim.CycleYear: 12}[p.Cycle]
		c.Usage.CycleEnd = st.CycleStart.AddDate(0, months, 0)
	}
	c.Usage.CycleStart = st.CycleStart
	c.Usage.UsedBytes, c.Usage.ReservedBytes, c.Usage.AllowanceBytes = st.Used, st.Reserved, st.Allowance
	if st.Used+st.Reserved < st.Allowance {
		c.Usage.RemainingBytes = st.Allowance - st.Used - st.Reserved
	}
	if !st.Expiry.IsZero() {
		e := st.Expiry
		c.Expiry = &e
	}
	if st.BoundIMEI != 0 {
		b := imeiString(st.BoundIMEI)
		c.BoundIMEI = &b
	}
	if st.LastTAC != 0 {
		tac := st.LastTAC
		c.Location.TAC = &tac
	}
	return c
}

// imeiString is the 15-digit IMEI of a 14-digit body.
func imeiString(body uint64) string {
	s := strconv.FormatUint(sim.FullIMEI(body), 10)
	if len(s) < 15 {
		s = strings.Repeat("0", 15-len(s)) + s
	}
	return s
}

// card answers with card i as it is now, with its sessions when withSessions.
func (s *Server) card(w http.ResponseWriter, r *http.Request, i uint32, status int, withSessions bool) {
	st, err := s.c.Card(i)
	if err != nil {
		writeProblem(w, r, cardProblem(err))
		return
	}
	c := s.view(&st)
	if withSessions && s.cfg.Sessions != nil {
		list := s.cfg.Sessions.Sessions(SessionFilter{Card: &i, Limit: s.cfg.MaxPageSize})
		sort.Slice(list, func(a, b int) bool { return list[a].Started.Before(list[b].Started) })
		c.Sessions = []SessionView{}
		for k := range list {
			c.Sessions = append(c.Sessions, s.sessionView(&list[k]))
			// The latest session that reports a cell says where the card is.
			if l := &list[k].Location; l.HasECGI {
				cell := l.ECI
				c.Location.Cell = &cell
				if l.HasTAI {
					tac := l.TAC
					c.Location.TAC = &tac
				}
				if reg := s.c.RegionOf(*l); reg != sim.NoRegion {
					c.Location.Region = s.c.RegionName(reg)
				}
			}
		}
	}
	writeJSON(w, status, c)
}

func (s *Server) getCard(w http.ResponseWriter, r *http.Request) {
	if p := checkQuery(r, "by"); p != nil {
		writeProblem(w, r, p)
		return
	}
	i, p := s.cardFromPath(r)
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	s.card(w, r, i, http.StatusOK, true)
}

// listCards pages through the cards that match the filters, streaming
// through the card store a chunk of briefs at a time: no list of the
// population is ever built, and one request examines at most ScanLimit
// cards.
func (s *Server) listCards(w http.ResponseWriter, r *http.Request) {
	if p := checkQuery(r, "state", "reason", "plan", "region", "limit", "cursor"); p != nil {
		writeProblem(w, r, p)
		return
	}
	q := r.URL.Query()
	var errs []string
	var wantActive, wantStopped bool
	switch v := q.Get("state"); v {
	case "":
	case "active":
		wantActive = true
	case "stopped":
		wantStopped = true
	default:
		errs = append(errs, "state: want active or stopped, got "+strconv.Quote(v))
	}
	var reasons sim.StopSet
	if v := q.Get("reason"); v != "" {
		for _, name := range strings.Split(v, ",") {
			rs, ok := sim.ParseReason(strings.TrimSpace(name))
			if !ok || !rs.IsStop() {
				errs = append(errs, "reason: want stop reasons such as over_quota or manual_stop, got "+strconv.Quote(name))
				continue
			}
			reasons = reasons.With(rs)
		}
	}
	plan, hasPlan := uint16(0), false
	if v := q.Get("plan"); v != "" {
		if plan, hasPlan = s.c.PlanIndex(v); !hasPlan {
			errs = append(errs, "plan: want a configured plan, got "+strconv.Quote(v))
		}
	}
	region, hasRegion := sim.NoRegion, false
	if v := q.Get("region"); v != "" {
		id, err := s.c.RegionID(v)
		if err != nil {
			errs = append(errs, "region: "+err.Error())
		}
		region, hasRegion = id, true
	}
	limit, p := queryInt(r, "limit", s.cfg.PageSize, 1, s.cfg.MaxPageSize)
	if p != nil {
		errs = append(errs, p.Detail)
	}
	from := uint64(0)
	if v := q.Get("cursor"); v != "" {
		c, err := strconv.ParseUint(v, 10, 32)
		if err != nil || c > uint64(s.c.Len()) {
			errs = append(errs, "cursor: want a next_cursor from a previous page, got "+strconv.Quote(v))
		}
		from = c
	}
	if len(errs) > 0 {
		p := problem(http.StatusBadRequest, CodeBadRequest, strings.Join(errs, "; "))
		p.Errors = errs
		writeProblem(w, r, p)
		return
	}

	page := CardPage{Cards: []Card{}, TotalCards: s.c.Len()}
	buf := make([]sim.CardBrief, 4096)
	n := uint64(s.c.Len())
	next := from
scan:
	for next < n && page.Scanned < s.cfg.ScanLimit {
		got := s.c.Briefs(uint32(next), buf[:min(len(buf), s.cfg.ScanLimit-page.Scanned)])
		if got == 0 {
			break
		}
		for _, b := range buf[:got] {
			page.Scanned++
			next = uint64(b.Index) + 1
			switch {
			case wantActive && !b.Stops.Empty(), wantStopped && b.Stops.Empty(),
				reasons != 0 && b.Stops&reasons == 0,
				hasPlan && b.Plan != plan, hasRegion && b.Region != region:
				continue
			}
			st, err := s.c.Card(b.Index)
			if err != nil {
				writeProblem(w, r, cardProblem(err))
				return
			}
			page.Cards = append(page.Cards, s.view(&st))
			if len(page.Cards) == limit {
				break scan
			}
		}
	}
	if next < n {
		page.NextCursor = strconv.FormatUint(next, 10)
	}
	writeJSON(w, http.StatusOK, page)
}

// stopRequest is the optional body of stop and resume: without a reason
// the customer acts (manual stop, resume); with one the carrier sets or
// clears that stop reason (sim.Carrier.SetStop).
type stopRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) stopOrResume(w http.ResponseWriter, r *http.Request, on bool) {
	i, p := s.cardFromPath(r)
	if p == nil {
		p = checkQuery(r, "by")
	}
	var req stopRequest
	if p == nil {
		p = decode(r, &req, true)
	}
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	var err error
	switch {
	case req.Reason != "":
		why, ok := sim.ParseReason(req.Reason)
		if !ok || !why.IsStop() {
			writeProblem(w, r, problemf(http.StatusUnprocessableEntity, CodeInvalidValue,
				"reason: want manual_stop, arrears, imei_mismatch, barred_region or contract_violation, got %q", req.Reason))
			return
		}
		err = s.c.SetStop(i, why, on)
	case on:
		err = s.c.Stop(i)
	default:
		err = s.c.Resume(i)
	}
	if err != nil {
		writeProblem(w, r, cardProblem(err))
		return
	}
	s.card(w, r, i, http.StatusOK, false)
}

func (s *Server) stopCard(w http.ResponseWriter, r *http.Request)   { s.stopOrResume(w, r, true) }
func (s *Server) resumeCard(w http.ResponseWriter, r *http.Request) { s.stopOrResume(w, r, false) }

// operate runs one card operation whose body decodes into req and answers
// with the card after it. op returns a *Problem for a request it refuses
// itself, or sim's error.
func (s *Server) operate(w http.ResponseWriter, r *http.Request, req any, optional bool, op func(i uint32) error) {
	i, p := s.cardFromPath(r)
	if p == nil {
		p = checkQuery(r, "by")
	}
	if p == nil && req != nil {
		p = decode(r, req, optional)
	}
	if p != nil {
		writeProblem(w, r, p)
		return
	}
	if err := op(i); err != nil {
		var p *Problem
		if !errors.As(err, &p) {
			p = cardProblem(err)
		}
		writeProblem(w, r, p)
		return
	}
	s.card(w, r, i, http.StatusOK, false)
}

func invalid(format string, args ...any) *Problem {
	return problemf(http.StatusUnprocessableEntity, CodeInvalidValue, format, args...)
}

func (s *Server) rechargeCard(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Amount json.RawMessage `json:"amount"`
	}
	s.operate(w, r, &req, false, func(i uint32) error {
		m, ok := parseMoney(req.Amount)
		if !ok {
			return invalid("amount: want an amount > 0 in yuan such as \"10.50\" or 10.5, got %s", orNone(req.Amount))
		}
		return s.c.Recharge(i, m)
	})
}

// parseMoney reads an amount given as a JSON string or number.
func parseMoney(raw json.RawMessage) (sim.Money, bool) {
	var str string
	if err := json.Unmarshal(raw, &str); err != nil {
		var num json.Number
		if err := json.Unmarshal(raw, &num); err != nil {
			return 0, false
		}
		str = num.String()
	}
	m, err := sim.ParseMoney(str)
	return m, err == nil && m > 0
}

func orNone(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "none"
	}
	return string(raw)
}

func (s *Server) renewCard(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Until string `json:"until"`
	}
	s.operate(w, r, &req, false, func(i uint32) error {
		t, err := parseTime(req.Until, s.c.Location())
		if err != nil {
			return invalid("until: %v", err)
		}
		return s.c.Renew(i, t)
	})
}

// parseTime reads an RFC 3339 time or a date (its midnight in loc).
func parseTime(v string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return t, nil
	}
	return time.Time{}, &timeError{v}
}

type timeError struct{ got string }

func (e *timeError) Error() string {
	return "want an RFC 3339 time such as 2027-06-30T00:00:00+08:00 or a date such as 2027-06-30, got " + strconv.Quote(e.got)
}

func (s *Server) changePlan(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Plan string `json:"plan"`
	}
	s.operate(w, r, &req, false, func(i uint32) error {
		if req.Plan == "" {
			return problem(http.StatusUnprocessableEntity, CodeUnknownPlan, "plan: want the name of a configured plan, got none")
		}
		return s.c.ChangePlan(i, req.Plan)
	})
}

func (s *Server) bindIMEI(w http.ResponseWriter, r *http.Request) {
	var req struct {
		IMEI string `json:"imei"`
	}
	s.operate(w, r, &req, false, func(i uint32) error {
		body, err := parseIMEI(req.IMEI)
		if err != "" {
			return invalid("imei: %s", err)
		}
		return s.c.BindIMEI(i, body)
	})
}

// parseIMEI reads a 14-digit IMEI body, a 15-digit IMEI (its Luhn check
// digit verified) or a 16-digit IMEISV, and returns the body.
func parseIMEI(v string) (uint64, string) {
	if len(v) < 14 || len(v) > 16 || strings.Trim(v, "0123456789") != "" {
		return 0, "want 14 to 16 digits (IMEI without or with its check digit, or IMEISV), got " + strconv.Quote(v)
	}
	n, _ := strconv.ParseUint(v, 10, 64)
	body := sim.IMEIBody(n, len(v))
	if len(v) == 15 && sim.Luhn(body) != n%10 {
		return 0, "IMEI " + v + ": the check digit should be " + strconv.FormatUint(sim.Luhn(body), 10)
	}
	return body, ""
}

func (s *Server) unbindIMEI(w http.ResponseWriter, r *http.Request) {
	var req struct{}
	s.operate(w, r, &req, true, func(i uint32) error { return s.c.UnbindIMEI(i) })
}

// moveRequest places a card: in a region (at a tracking area and cell of
// it), or at a TAC and/or cell.
type moveRequest struct {
	Region string  `json:"region"`
	TAC    *uint16 `json:"tac"`
	ECI    *uint32 `json:"eci"`
}

func (s *Server) moveCard(w http.ResponseWriter, r *http.Request) {
	var req moveRequest
	s.operate(w, r, &req, false, func(i uint32) error {
		var l sim.Location
		switch {
		case req.Region != "" && (req.TAC != nil || req.ECI != nil):
			return invalid("want a region, or a tac and/or an eci, not both")
		case req.Region != "":
			id, err := s.c.RegionID(req.Region)
			if err != nil {
				return invalid("region: %v", err)
			}
			l = s.c.RegionLocation(id, i)
		case req.TAC == nil && req.ECI == nil:
			return invalid("want a region, a tac or an eci, got none")
		default:
			if req.TAC != nil {
				l.TAC, l.HasTAI = *req.TAC, true
			}
			if req.ECI != nil {
				if *req.ECI >= 1<<28 {
					return invalid("eci: want a 28-bit E-UTRAN cell id, got %d", *req.ECI)
				}
				l.ECI, l.HasECGI = *req.ECI, true
			}
		}
		return s.c.Move(i, l)
	})
}
