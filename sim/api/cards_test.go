package api

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carriersim/carriersim/sim"
)

func TestGetCard(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	id := a.c.Identity(42)
	iccid := id.ICCIDString()
	for _, ref := range []string{
		a.imsi(42), iccid, iccid[:19], itoa(id.MSISDN), "+" + itoa(id.MSISDN),
		"42?by=index", a.imsi(42) + "?by=imsi", iccid + "?by=iccid", itoa(id.MSISDN) + "?by=msisdn",
	} {
		c := a.card(ref)
		if c.Index != 42 {
			t.Fatalf("GET %s: card %d, want 42", ref, c.Index)
		}
	}
	c := a.card(a.imsi(42))
	st, _ := a.c.Card(42)
	want := Card{Index: 42, ICCID: iccid, IMSI: a.imsi(42), MSISDN: itoa(id.MSISDN),
		DeviceIMEI: itoa(sim.FullIMEI(id.DeviceIMEI)), State: "active", StopReasons: []string{},
		Plan: c.Plan, Balance: 50 * sim.Yuan, RealName: true, HomeRegion: "Guangdong",
		Location: Location{Region: "Guangdong"}}
	exp := st.Expiry
	want.Expiry = &exp
	bound := itoa(sim.FullIMEI(id.DeviceIMEI))
	want.BoundIMEI = &bound
	want.Usage = Usage{CycleStart: time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai), CycleEnd: time.Date(2026, 4, 1, 0, 0, 0, 0, shanghai),
		AllowanceBytes: st.Allowance, RemainingBytes: st.Allowance}
	if c.Plan.Name != st.Plan || c.Plan.AllowanceBytes != st.Allowance || c.Plan.Cycle != "month" {
		t.Errorf("plan = %+v, card is on %s", c.Plan, st.Plan)
	}
	if !c.Expiry.Equal(*want.Expiry) || !c.Usage.CycleStart.Equal(want.Usage.CycleStart) || !c.Usage.CycleEnd.Equal(want.Usage.CycleEnd) {
		t.Errorf("times: expiry %s cycle %s..%s", c.Expiry, c.Usage.CycleStart, c.Usage.CycleEnd)
	}
	if c.BoundIMEI == nil || *c.BoundIMEI != bound {
		t.Errorf("bound_imei = %v, want %s", c.BoundIMEI, bound)
	}
	c.Expiry, want.Expiry, c.BoundIMEI, want.BoundIMEI = nil, nil, nil, nil
	c.Usage.CycleStart, c.Usage.CycleEnd = want.Usage.CycleStart, want.Usage.CycleEnd
	if fmt.Sprintf("%+v", c) != fmt.Sprintf("%+v", want) {
		t.Errorf("card =\n %+v\nwant\n %+v", c, want)
	}

	tests := []struct {
		name, ref string
		status    int
		code      string
	}{
		{"unknown IMSI", "460040000099999", http.StatusNotFound, CodeCardNotFound},
		{"unknown ICCID", "8986040000000099999", http.StatusNotFound, CodeCardNotFound},
		{"not digits", "abc", http.StatusBadRequest, CodeInvalidID},
		{"bad ICCID check digit", iccid[:19] + strconv.Itoa(int(iccid[19]-'0'+1)%10), http.StatusBadRequest, CodeInvalidID},
		{"too long", strings.Repeat("1", 21), http.StatusBadRequest, CodeInvalidID},
		{"index past the end", "1000?by=index", http.StatusNotFound, CodeCardNotFound},
		{"unknown kind", "42?by=eid", http.StatusBadRequest, CodeBadRequest},
		{"ICCID of the wrong length", "123?by=iccid", http.StatusBadRequest, CodeInvalidID},
		{"unknown query parameter", "42?by=index&verbose=1", http.StatusBadRequest, CodeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a.problem("GET", "/v1/cards/"+tt.ref, "", tt.status, tt.code)
		})
	}
}

// TestAmbiguousID: a number that is the IMSI of one card and the MSISDN of
// another must be qualified.
func TestAmbiguousID(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *sim.Config) { cfg.Population.FirstMSISDN = 460_040_000_000_500 })
	a := newTestAPI(t, func(cfg *Config) { cfg.Carrier = c })
	p := a.problem("GET", "/v1/cards/460040000000600", "", http.StatusBadRequest, CodeInvalidID)
	if !strings.Contains(p.Detail, "by=imsi") {
		t.Errorf("detail %q does not say how to qualify the id", p.Detail)
	}
	if got := a.card("460040000000600?by=imsi").Index; got != 600 {
		t.Errorf("by=imsi: card %d", got)
	}
	if got := a.card("460040000000600?by=msisdn").Index; got != 100 {
		t.Errorf("by=msisdn: card %d", got)
	}
}

// TestCardOperations runs the customer's and the carrier's operations and
// their refusals, in sequence on a few cards, as DOMAIN.md has them.
func TestCardOperations(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	path := func(i uint32, op string) string { return "/v1/cards/" + a.imsi(i) + op }
	post := func(i uint32, op, body string) Card {
		t.Helper()
		var c Card
		a.call("POST", path(i, op), body, http.StatusOK, &c)
		return c
	}
	refused := func(i uint32, op, body string, status int, code string, stops ...string) Problem {
		t.Helper()
		p := a.problem("POST", path(i, op), body, status, code)
		if status == http.StatusConflict && !slices.Equal(p.StopReasons, stops) && !(len(stops) == 0 && len(p.StopReasons) == 0) {
			t.Fatalf("%s %s: stop_reasons %v, want %v", op, body, p.StopReasons, stops)
		}
		return p
	}

	// Manual stop and resume.
	if c := post(1, "/stop", ""); c.State != "stopped" || !slices.Equal(c.StopReasons, []string{"manual_stop"}) || c.Blame != "card" {
		t.Fatalf("after stop: %s %v %s", c.State, c.StopReasons, c.Blame)
	}
	if c := post(1, "/resume", ""); c.State != "active" || len(c.StopReasons) != 0 {
		t.Fatalf("after resume: %s %v", c.State, c.StopReasons)
	}
	p := refused(1, "/resume", "", http.StatusConflict, CodeResumeNotAllowed)
	if !strings.Contains(p.Detail, "not stopped") {
		t.Errorf("resume of an active card: %q", p.Detail)
	}

	// Over quota: not the customer's to resume; the detail says it comes back by itself.
	i := planned(t, a.c, "iot-30m", 0)
	if err := a.c.SetUsage(i, uint64(30*sim.MB)); err != nil {
		t.Fatal(err)
	}
	p = refused(i, "/resume", "", http.StatusConflict, CodeResumeNotAllowed, "over_quota")
	if !strings.Contains(p.Detail, "next cycle") || p.Blame != "card" {
		t.Errorf("over-quota resume: %q blame %q", p.Detail, p.Blame)
	}
	if c := a.card(a.imsi(i)); c.Usage.UsedBytes != uint64(30*sim.MB) || c.Usage.RemainingBytes != 0 {
		t.Errorf("usage %+v", c.Usage)
	}
	// A larger plan has room: the over-quota stop clears.
	if c := post(i, "/plan", `{"plan":"iot-100m"}`); c.Plan.Name != "iot-100m" || c.State != "active" {
		t.Fatalf("after plan change: %s %s %v", c.Plan.Name, c.State, c.StopReasons)
	}
	refused(i, "/plan", `{"plan":"gold"}`, http.StatusUnprocessableEntity, CodeUnknownPlan)
	refused(i, "/plan", `{}`, http.StatusUnprocessableEntity, CodeUnknownPlan)

	// Arrears: recharge first, then resume.
	if err := a.c.SetBalance(2, -3*sim.Yuan); err != nil {
		t.Fatal(err)
	}
	post(2, "/stop", `{"reason":"arrears"}`)
	refused(2, "/stop", "", http.StatusConflict, CodeStopNotAllowed, "arrears")
	refused(2, "/resume", "", http.StatusConflict, CodeInArrears, "arrears")
	if c := post(2, "/recharge", `{"amount":"10.50"}`); c.Balance != 7_500_000 || c.State != "stopped" {
		t.Fatalf("after recharge: balance %s %s", c.Balance, c.State)
	}
	if c := post(2, "/recharge", `{"amount":2}`); c.Balance != 9_500_000 {
		t.Fatalf("after a numeric recharge: balance %s", c.Balance)
	}
	if c := post(2, "/resume", ""); c.State != "active" {
		t.Fatalf("after recharge and resume: %s %v", c.State, c.StopReasons)
	}
	refused(2, "/recharge", `{"amount":"-1"}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	refused(2, "/recharge", `{"amount":"ten"}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	refused(2, "/recharge", `{"amount":0}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	refused(2, "/recharge", ``, http.StatusBadRequest, CodeBadRequest)
	refused(2, "/recharge", `{"amount":1,"currency":"EUR"}`, http.StatusBadRequest, CodeBadRequest)
	refused(2, "/recharge", `{"amount":1}{}`, http.StatusBadRequest, CodeBadRequest)
	refused(2, "/recharge", `{"amount":`, http.StatusBadRequest, CodeBadRequest)

	// The device lock: another device stops the card (blame device);
	// binding the new device clears it; unbinding leaves it to bind on use.
	var d sim.Decision
	a.c.Rate(&sim.Request{SIM: 3, Kind: sim.KindInitial, Loc: a.c.HomeLocation(3), IMEI: 35_000_000_000_001}, &d)
	if c := a.card(a.imsi(3)); !slices.Equal(c.StopReasons, []string{"imei_mismatch"}) || c.Blame != "device" {
		t.Fatalf("after another device: %v blame %s", c.StopReasons, c.Blame)
	}
	p = refused(3, "/resume", "", http.StatusConflict, CodeResumeNotAllowed, "imei_mismatch")
	if !strings.Contains(p.Detail, "imei/bind") || p.Blame != "device" {
		t.Errorf("mismatch resume: %q blame %s", p.Detail, p.Blame)
	}
	newIMEI := itoa(sim.FullIMEI(35_000_000_000_001))
	if c := post(3, "/imei/bind", `{"imei":"`+newIMEI+`"}`); c.State != "active" || c.BoundIMEI == nil || *c.BoundIMEI != newIMEI {
		t.Fatalf("after bind: %s bound %v", c.State, c.BoundIMEI)
	}
	refused(3, "/imei/bind", `{"imei":"`+newIMEI[:14]+strconv.Itoa(int(newIMEI[14]-'0'+1)%10)+`"}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	refused(3, "/imei/bind", `{"imei":"1234"}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	if c := post(3, "/imei/unbind", ""); c.BoundIMEI != nil {
		t.Fatalf("after unbind: bound %v", *c.BoundIMEI)
	}

	// Move: by region, by TAC, by cell.
	sc, _ := a.c.RegionID("Sichuan")
	l := a.c.RegionLocation(sc, 5)
	if c := post(4, "/move", `{"region":"Sichuan"}`); c.Location.Region != "Sichuan" || c.Location.TAC == nil {
		t.Fatalf("after move to Sichuan: %+v", c.Location)
	}
	hb, _ := a.c.RegionID("Hubei")
	if c := post(4, "/move", fmt.Sprintf(`{"tac":%d}`, a.c.RegionLocation(hb, 0).TAC)); c.Location.Region != "Hubei" {
		t.Fatalf("after move by TAC: %+v", c.Location)
	}
	if c := post(4, "/move", fmt.Sprintf(`{"tac":%d,"eci":%d}`, l.TAC, l.ECI)); c.Location.Region != "Sichuan" || *c.Location.TAC != l.TAC {
		t.Fatalf("after move by cell: %+v", c.Location)
	}
	refused(4, "/move", `{}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	refused(4, "/move", `{"region":"Atlantis"}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	refused(4, "/move", `{"tac":1}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	refused(4, "/move", `{"region":"Sichuan","tac":1}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	refused(4, "/move", `{"eci":268435456}`, http.StatusUnprocessableEntity, CodeInvalidValue)

	// The carrier's own stops: monitoring finds a contract violation; the
	// customer cannot lift it, the carrier can.
	post(5, "/stop", `{"reason":"contract_violation"}`)
	refused(5, "/resume", "", http.StatusConflict, CodeResumeNotAllowed, "contract_violation")
	if c := post(5, "/resume", `{"reason":"contract_violation"}`); c.State != "active" {
		t.Fatalf("after the carrier lifted it: %v", c.StopReasons)
	}
	refused(5, "/stop", `{"reason":"expired"}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	refused(5, "/stop", `{"reason":"sleepy"}`, http.StatusUnprocessableEntity, CodeInvalidValue)

	// Expiry: an expired plan cannot be resumed, nor suspended; renewing
	// within the retention period brings the card back.
	if c := post(6, "/renew", `{"until":"`+t0.Add(time.Hour).Format(time.RFC3339)+`"}`); !c.Expiry.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after renew: expiry %s", c.Expiry)
	}
	a.c.Clock().Advance(2 * time.Hour)
	refused(6, "/resume", "", http.StatusConflict, CodePlanExpired, "expired")
	refused(6, "/stop", "", http.StatusConflict, CodeStopNotAllowed, "expired")
	refused(6, "/renew", `{"until":"2020-01-01"}`, http.StatusUnprocessableEntity, CodeRenewInPast)
	refused(6, "/renew", `{"until":"soon"}`, http.StatusUnprocessableEntity, CodeInvalidValue)
	if c := post(6, "/renew", `{"until":"2027-06-30"}`); c.State != "active" || c.Expiry.Format(time.DateOnly) != "2027-06-30" {
		t.Fatalf("after renewal: %s %v expiry %s", c.State, c.StopReasons, c.Expiry)
	}

	// Cancelled: past the retention period the number is gone for good.
	post(7, "/renew", `{"until":"`+a.c.Clock().Now().Add(time.Hour).Format(time.RFC3339)+`"}`)
	a.c.Clock().Advance(4 * 31 * 24 * time.Hour)
	for _, op := range []string{"/resume", "/stop", "/renew", "/recharge"} {
		body := map[string]string{"/renew": `{"until":"2030-01-01"}`, "/recharge": `{"amount":5}`}[op]
		refused(7, op, body, http.StatusConflict, CodeCardCancelled, "cancelled", "expired")
	}
	a.problem("POST", "/v1/cards/460040000099999/stop", "", http.StatusNotFound, CodeCardNotFound)
}

// planned returns the skip-th card on plan.
func planned(t *testing.T, c *sim.Carrier, plan string, skip int) uint32 {
	t.Helper()
	for i := uint32(0); i < uint32(c.Len()); i++ {
		if st, _ := c.Card(i); st.Plan == plan {
			if skip == 0 {
				return i
			}
			skip--
		}
	}
	t.Fatalf("no card on %s", plan)
	return 0
}

// TestListCards pages through filtered listings and checks they return
// exactly the matching cards, each once, in order.
func TestListCards(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, func(cfg *Config) { cfg.ScanLimit = 300 })
	c := a.c
	for i := uint32(10); i < 1000; i += 37 {
		_ = c.Stop(i)
	}
	for i := uint32(11); i < 1000; i += 101 {
		st, _ := c.Card(i)
		_ = c.SetUsage(i, st.Allowance)
	}
	sc, _ := c.RegionID("Sichuan")
	for i := uint32(500); i < 520; i++ {
		_ = c.Move(i, c.RegionLocation(sc, i))
	}
	want := func(f func(st sim.CardStatus) bool) []uint32 {
		var out []uint32
		for i := uint32(0); i < uint32(c.Len()); i++ {
			if st, _ := c.Card(i); f(st) {
				out = append(out, i)
			}
		}
		return out
	}
	tests := []struct {
		query string
		limit int
		want  []uint32
	}{
		{"state=stopped", 7, want(func(st sim.CardStatus) bool { return !st.Stops.Empty() })},
		{"state=active", 1000, want(func(st sim.CardStatus) bool { return st.Stops.Empty() })},
		{"reason=over_quota", 3, want(func(st sim.CardStatus) bool { return st.Stops.Has(sim.ReasonOverQuota) })},
		{"reason=over_quota,manual_stop", 50, want(func(st sim.CardStatus) bool { return !st.Stops.Empty() })},
		{"plan=iot-payg&state=stopped", 5, want(func(st sim.CardStatus) bool { return st.Plan == "iot-payg" && !st.Stops.Empty() })},
		{"region=sichuan", 100, want(func(st sim.CardStatus) bool { return st.Region == "Sichuan" })},
		{"", 0, want(func(st sim.CardStatus) bool { return true })},
		{"reason=barred_region", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var got []uint32
			cursor, pages := "", 0
			for {
				q := tt.query
				if tt.limit > 0 {
					q += "&limit=" + strconv.Itoa(tt.limit)
				}
				if cursor != "" {
					q += "&cursor=" + cursor
				}
				var page CardPage
				a.call("GET", "/v1/cards?"+strings.TrimPrefix(q, "&"), "", http.StatusOK, &page)
				if page.TotalCards != 1000 || page.Scanned > 300 || (tt.limit > 0 && len(page.Cards) > tt.limit) ||
					(tt.limit == 0 && len(page.Cards) > 100) {
					t.Fatalf("page: %d cards, scanned %d of %d", len(page.Cards), page.Scanned, page.TotalCards)
				}
				for _, card := range page.Cards {
					got = append(got, card.Index)
				}
				if pages++; page.NextCursor == "" || pages > 100 {
					break
				}
				cursor = page.NextCursor
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %d cards %v,\nwant %d %v", len(got), got, len(tt.want), tt.want)
			}
		})
	}

	p := a.problem("GET", "/v1/cards?state=asleep&reason=tired&plan=gold&region=Atlantis&limit=0&cursor=x", "", http.StatusBadRequest, CodeBadRequest)
	if len(p.Errors) != 6 {
		t.Errorf("errors = %q, want one for each of six parameters", p.Errors)
	}
	a.problem("GET", "/v1/cards?status=active", "", http.StatusBadRequest, CodeBadRequest)
}

// BenchmarkListSparse lists with a filter no card matches on a million
// cards: each request streams through ScanLimit (1M) cards and answers an
// empty page; cards/s is the scan rate.
func BenchmarkListSparse(b *testing.B) {
	c := newCarrier(b, func(cfg *sim.Config) { cfg.Population.Count = 1_000_000 })
	s, err := New(Config{Carrier: c})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hs.Client().Get(hs.URL + "/v1/cards?reason=barred_region")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.Status)
		}
	}
	b.ReportMetric(float64(c.Len())*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mcards/s")
}

// BenchmarkListPage answers a full page of 100 cards.
func BenchmarkListPage(b *testing.B) {
	c := newCarrier(b, func(cfg *sim.Config) { cfg.Population.Count = 1_000_000 })
	s, err := New(Config{Carrier: c})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := hs.Client().Get(hs.URL + "/v1/cards?state=active&cursor=500000&limit=100")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
