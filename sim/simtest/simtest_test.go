package simtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carriersim/carriersim/sim"
	"github.com/carriersim/carriersim/sim/simtest"
)

// These tests use the fake as a user would: clients written only against
// go-diameter's and go-gtp's public APIs over real sockets, and the
// management API over real HTTP.

func TestGyClientSession(t *testing.T) {
	t.Parallel()
	fake := simtest.NewCarrier(t, simtest.WithCards(100))
	const card = 5
	imsi := fake.IMSI(card)
	gy := dialGy(t, fake.GyAddr)

	a := gy.ccr("pcef.test;1;a", initial, 0, imsi, 1<<20, 0)
	if rc := resultCode(t, a); rc != 2001 || granted(a) != 1<<20 {
		t.Fatalf("CCR-I: Result-Code %d, granted %d; want 2001 and 1 MiB", rc, granted(a))
	}
	if st := fake.Status(card); st.Reserved != 1<<20 {
		t.Fatalf("after CCR-I the card holds %d, want 1 MiB", st.Reserved)
	}
	a = gy.ccr("pcef.test;1;a", update, 1, "", 1<<20, 300_000)
	if rc := resultCode(t, a); rc != 2001 || granted(a) != 1<<20 {
		t.Fatalf("CCR-U: Result-Code %d, granted %d", rc, granted(a))
	}
	a = gy.ccr("pcef.test;1;a", termination, 2, "", 0, 200_000)
	if rc := resultCode(t, a); rc != 2001 {
		t.Fatalf("CCR-T: Result-Code %d", rc)
	}
	if st := fake.Status(card); st.Used != 500_000 || st.Reserved != 0 {
		t.Fatalf("after CCR-T: used %d reserved %d, want 500000 and 0", st.Used, st.Reserved)
	}
	if got := fake.Asked(card); !slices.Equal(got, []string{"CCR-I", "CCR-U", "CCR-T"}) {
		t.Errorf("Asked %v", got)
	}
	if got := fake.Answered(card); !slices.Equal(got, []uint32{2001, 2001, 2001}) {
		t.Errorf("Answered %v", got)
	}

	// Quota: a card over its allowance is refused with 4012.
	fake.SetUsage(card, fake.Status(card).Allowance)
	a = gy.ccr("pcef.test;1;b", initial, 0, imsi, 1<<20, 0)
	if rc := resultCode(t, a); rc != 4012 {
		t.Fatalf("over quota: Result-Code %d, want 4012", rc)
	}
	// A forced result code, then a forced delay.
	fake.ForceResult(card+1, 5030)
	if rc := resultCode(t, gy.ccr("pcef.test;1;c", initial, 0, fake.IMSI(card+1), 1000, 0)); rc != 5030 {
		t.Fatalf("forced: Result-Code %d, want 5030", rc)
	}
	fake.ForceDelay(card+1, 200*time.Millisecond)
	start := time.Now()
	if rc := resultCode(t, gy.ccr("pcef.test;1;d", initial, 0, fake.IMSI(card+1), 1000, 0)); rc != 2001 {
		t.Fatalf("delayed: Result-Code %d", rc)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("the delayed answer came after %s", d)
	}
	// The answers are counted in the metrics, by code and by time.
	res, err := http.Get(fake.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`carriersim_gy_answers_total{result_code="5030"} 1`, `carriersim_gy_answers_total{result_code="4012"} 1`,
		`carriersim_gy_requests_total{request="CCR-I"} 4`, `carriersim_gy_answer_seconds_count 6`,
		`carriersim_gy_cc_answers_total{request="CCR-I",result_code="2001"} 2`,
		`carriersim_gy_cc_answers_total{request="CCR-U",result_code="2001"} 1`,
		`carriersim_gy_cc_answers_total{request="CCR-I",result_code="5030"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestStopThroughAPIReachesGySessionAsRAR(t *testing.T) {
	t.Parallel()
	fake := simtest.NewCarrier(t, simtest.WithCards(100))
	const card = 9
	gy := dialGy(t, fake.GyAddr)
	if rc := resultCode(t, gy.ccr("pcef.test;2;a", initial, 0, fake.IMSI(card), 1000, 0)); rc != 2001 {
		t.Fatalf("CCR-I: %d", rc)
	}
	resp := apiDo(t, fake, "POST", "/v1/cards/"+fake.IMSI(card)+"/stop", http.StatusOK)
	if resp["state"] != "stopped" {
		t.Fatalf("stop answered %v", resp)
	}
	select {
	case rar := <-gy.rars:
		if sid := sessionID(t, rar); sid != "pcef.test;2;a" {
			t.Fatalf("RAR for %q", sid)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no RAR after the stop")
	}
	// The client re-authorises and is refused: the card is stopped.
	if rc := resultCode(t, gy.ccr("pcef.test;2;a", update, 1, "", 1000, 10)); rc != 4010 {
		t.Fatalf("CCR-U after the stop: %d, want 4010", rc)
	}
}

func TestSGWCreateDelete(t *testing.T) {
	t.Parallel()
	fake := simtest.NewCarrier(t, simtest.WithCards(100))
	const card = 3
	id := fake.Identity(card)
	sgw := dialSGW(t, fake.GTPCAddr)
	resp := sgw.create(fake.IMSI(card), itoa(id.MSISDN), itoa(sim.FullIMEI(id.DeviceIMEI)), 0x1001)
	if c := causeOf(t, resp.Cause); c != 16 {
		t.Fatalf("Create Session: cause %d", c)
	}
	teid, err := resp.SenderFTEIDC.TEID()
	if err != nil || teid == 0 {
		t.Fatalf("PGW TEID %d, %v", teid, err)
	}
	if ip, err := resp.PAA.IPAddress(); err != nil || ip == "" {
		t.Fatalf("PAA %q %v", ip, err)
	}
	// The session shows in the API.
	page := apiDo(t, fake, "GET", "/v1/sessions?interface=gtp&card="+fake.IMSI(card), http.StatusOK)
	if list, _ := page["sessions"].([]any); len(list) != 1 || list[0].(map[string]any)["apn"] != "cmiot" {
		t.Fatalf("sessions %v", page)
	}
	if c := causeOf(t, sgw.delete(teid).Cause); c != 16 {
		t.Fatalf("Delete Session: cause %d", c)
	}
	// The PGW charged over Gy at the OCS: CCR-I and CCR-T for the card.
	if got := fake.Asked(card); !slices.Equal(got, []string{"CreateSession", "CCR-I", "DeleteSession", "CCR-T"}) &&
		!slices.Equal(got, []string{"CCR-I", "CreateSession", "CCR-T", "DeleteSession"}) {
		t.Errorf("Asked %v", got)
	}
	fake.ForceCause(card, 73)
	if c := causeOf(t, sgw.create(fake.IMSI(card), itoa(id.MSISDN), itoa(sim.FullIMEI(id.DeviceIMEI)), 0x1002).Cause); c != 73 {
		t.Fatalf("forced cause %d, want 73", c)
	}
}

func TestAPIOverHTTP(t *testing.T) {
	t.Parallel()
	fake := simtest.NewCarrier(t, simtest.WithCards(100))
	imsi := fake.IMSI(7)
	card := apiDo(t, fake, "GET", "/v1/cards/"+imsi, http.StatusOK)
	if card["imsi"] != imsi || card["state"] != "active" {
		t.Fatalf("card %v", card)
	}
	apiDo(t, fake, "POST", "/v1/cards/"+imsi+"/stop", http.StatusOK)
	if st := fake.Status(7); !st.Stops.Has(sim.ReasonManualStop) {
		t.Fatalf("stopped through the API, the card is %v", st.Stops)
	}
	apiDo(t, fake, "POST", "/v1/cards/"+imsi+"/resume", http.StatusOK)
	if st := fake.Status(7); !st.Stops.Empty() {
		t.Fatalf("resumed through the API, the card is %v", st.Stops)
	}
	problem := apiDo(t, fake, "POST", "/v1/cards/"+imsi+"/resume", http.StatusConflict)
	if problem["code"] == nil {
		t.Fatalf("refusal without a code: %v", problem)
	}
	apiDo(t, fake, "GET", "/v1/cards/460049999999999", http.StatusNotFound)
	// Metrics are served beside the API.
	res, err := http.Get(fake.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "carriersim_cards 100") || !strings.Contains(string(body), "carriersim_gy_sessions_open 0") {
		t.Fatalf("metrics:\n%s", body)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.bin")
	first := simtest.NewCarrier(t, simtest.WithCards(100), simtest.WithStateFile(path, 0))
	imsi := first.IMSI(11)
	apiDo(t, first, "POST", "/v1/cards/"+imsi+"/stop", http.StatusOK)
	first.SetUsage(12, 12345)
	first.Close()

	second := simtest.NewCarrier(t, simtest.WithCards(100), simtest.WithStateFile(path, 0))
	if st := second.Status(11); !st.Stops.Has(sim.ReasonManualStop) {
		t.Fatalf("after the restart card 11 is %v, want manual_stop", st.Stops)
	}
	if st := second.Status(12); st.Used != 12345 {
		t.Fatalf("after the restart card 12 used %d, want 12345", st.Used)
	}
	if card := apiDo(t, second, "GET", "/v1/cards/"+imsi, http.StatusOK); card["state"] != "stopped" {
		t.Fatalf("the API shows %v", card["state"])
	}
}

// apiDo calls the management API and decodes its JSON answer, failing the
// test unless the status is want.
func apiDo(t testing.TB, fake *simtest.Carrier, method, path string, want int) map[string]any {
	t.Helper()
	u, err := url.Parse(fake.APIURL + path)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, body, want)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%s %s: %v in %s", method, path, err, body)
	}
	return out
}

func TestCardsGivenOneByOne(t *testing.T) {
	t.Parallel()
	fake := simtest.NewCarrier(t, simtest.WithCard(
		simtest.Card{IMSI: "460011234500001", Plan: "iot-30m", Home: "Beijing", Balance: "3"},
		simtest.Card{IMSI: "460011234500002", MSISDN: "8613800000002", Plan: "iot-payg", Unregistered: true},
	))
	card := fake.CardOf("460011234500002")
	if card != 1 || fake.IMSI(0) != "460011234500001" || fake.Sim().Len() != 2 {
		t.Fatalf("card %d, IMSI(0) %s, %d cards", card, fake.IMSI(0), fake.Sim().Len())
	}
	st := fake.Status(0)
	if st.Plan != "iot-30m" || st.Home != "Beijing" || st.Balance != 3*sim.Yuan || !st.RealName {
		t.Fatalf("card 0: %+v", st)
	}
	if fake.Status(1).RealName {
		t.Fatal("card 1 should miss its real-name registration")
	}
	fake.SetBalance(0, -sim.Yuan)
	if st := fake.Status(0); st.Balance != -sim.Yuan {
		t.Fatalf("balance %s", st.Balance)
	}
	// Unregistered: refused, with the blame in Error-Message.
	gy := dialGy(t, fake.GyAddr)
	if rc := resultCode(t, gy.ccr("pcef.test;3;a", initial, 0, "460011234500002", 1000, 0)); rc != 4010 {
		t.Fatalf("unregistered card answered %d, want 4010", rc)
	}
	if l := fake.Move(0, "Xinjiang"); !l.HasTAI {
		t.Fatalf("Move returned %+v", l)
	}
	if st := fake.Status(0); st.Region != "Xinjiang" {
		t.Fatalf("moved card is in %q", st.Region)
	}
}
