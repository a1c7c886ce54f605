package api

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/carriersim/carriersim/sim"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	c := a.c

	var f Fault
	resp := a.call("POST", "/v1/faults/maintenance", `{"regions":["Guangdong"]}`, http.StatusCreated, &f)
	if f.Kind != "maintenance" || !f.Active || f.To != nil || f.Target == nil || f.Target.Regions[0] != "Guangdong" {
		t.Fatalf("maintenance = %+v", f)
	}
	if loc := resp.Header.Get("Location"); loc != "/v1/faults/"+strconv.FormatUint(f.ID, 10) {
		t.Errorf("Location %q", loc)
	}
	var d sim.Decision
	c.Rate(&sim.Request{SIM: 1, Kind: sim.KindInitial, Loc: c.HomeLocation(1)}, &d)
	if d.Reason != sim.ReasonMaintenance || d.Blame != sim.BlameNetwork {
		t.Fatalf("a request in Guangdong under maintenance: %s/%s", d.Reason, d.Blame)
	}

	var o Fault
	a.call("POST", "/v1/faults/outage", `{"node":"ocs","instance":"ocs-b","mode":"busy","duration":"2h"}`, http.StatusCreated, &o)
	if o.Kind != "outage" || o.Node != "ocs" || o.Instance != "ocs-b" || o.Mode != "busy" || o.To == nil || o.To.Sub(o.From) != 2*time.Hour {
		t.Fatalf("outage = %+v", o)
	}
	now := c.Clock().UnixNano()
	if c.Faults().InstanceOutage(sim.NodeOCS, "ocs-b", now) != sim.OutageBusy || c.Faults().InstanceOutage(sim.NodeOCS, "ocs-a", now) != 0 {
		t.Fatal("the outage does not take out ocs-b alone")
	}
	var later Fault
	a.call("POST", "/v1/faults/maintenance", `{"cells":[1234],"tacs":[4096],"from":"2026-04-01","to":"2026-04-01T06:00:00+08:00"}`, http.StatusCreated, &later)
	if later.Active || !later.From.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, shanghai)) {
		t.Fatalf("scheduled maintenance = %+v", later)
	}

	var list FaultList
	a.call("GET", "/v1/faults", "", http.StatusOK, &list)
	if len(list.Faults) != 3 || list.Faults[0].ID != f.ID || list.Faults[1].ID != o.ID {
		t.Fatalf("faults = %+v", list)
	}
	for _, id := range []uint64{f.ID, o.ID} {
		if resp, b := a.do("DELETE", "/v1/faults/"+strconv.FormatUint(id, 10), ""); resp.StatusCode != http.StatusNoContent || len(b) != 0 {
			t.Fatalf("DELETE fault %d: %d %s", id, resp.StatusCode, b)
		}
	}
	c.Rate(&sim.Request{SIM: 1, Kind: sim.KindInitial, Loc: c.HomeLocation(1)}, &d)
	if d.Outcome != sim.OutcomeSuccess {
		t.Fatalf("after the maintenance ended: %s", d.Reason)
	}
	a.problem("DELETE", "/v1/faults/"+strconv.FormatUint(f.ID, 10), "", http.StatusNotFound, CodeFaultNotFound)
	a.problem("DELETE", "/v1/faults/x", "", http.StatusBadRequest, CodeBadRequest)

	tests := []struct {
		name, path, body string
		status           int
		code             string
		errors           int
	}{
		{"no target", "maintenance", `{}`, http.StatusUnprocessableEntity, CodeInvalidValue, 0},
		{"unknown region", "maintenance", `{"regions":["Atlantis"]}`, http.StatusUnprocessableEntity, CodeInvalidValue, 0},
		{"bad window", "maintenance", `{"regions":["Hubei"],"from":"later","to":"2026-01-01","duration":"1h"}`, http.StatusUnprocessableEntity, CodeInvalidValue, 2},
		{"ends before it starts", "maintenance", `{"regions":["Hubei"],"to":"2020-01-01"}`, http.StatusUnprocessableEntity, CodeInvalidValue, 0},
		{"unknown field", "maintenance", `{"region":"Hubei"}`, http.StatusBadRequest, CodeBadRequest, 0},
		{"bad node and mode", "outage", `{"node":"hss","mode":"loud","duration":"-1h"}`, http.StatusUnprocessableEntity, CodeInvalidValue, 3},
		{"no node", "outage", `{}`, http.StatusUnprocessableEntity, CodeInvalidValue, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := a.problem("POST", "/v1/faults/"+tt.path, tt.body, tt.status, tt.code)
			if len(p.Errors) != tt.errors {
				t.Errorf("errors = %q, want %d", p.Errors, tt.errors)
			}
		})
	}
}

func TestClock(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	var st ClockState
	a.call("GET", "/v1/clock", "", http.StatusOK, &st)
	if !st.Now.Equal(t0) || st.Speed != 0 || st.Zone != "Asia/Shanghai" || st.Settled != nil {
		t.Fatalf("clock = %+v", st)
	}
	// An over-quota card comes back by itself when the cycle rolls over;
	// the advance settles every card at once.
	i := planned(t, a.c, "iot-30m", 0)
	if err := a.c.SetUsage(i, uint64(30*sim.MB)); err != nil {
		t.Fatal(err)
	}
	a.call("POST", "/v1/clock/advance", `{"by":"20d"}`, http.StatusOK, &st)
	if !st.Now.Equal(t0.Add(20*24*time.Hour)) || st.Settled == nil || *st.Settled < 1 {
		t.Fatalf("after advance: %+v", st)
	}
	if c := a.card(a.imsi(i)); c.State != "active" || c.Usage.UsedBytes != 0 {
		t.Fatalf("after the rollover: %s used %d", c.State, c.Usage.UsedBytes)
	}
	st = ClockState{}
	a.call("POST", "/v1/clock/advance", `{"by":"90m","settle":false}`, http.StatusOK, &st)
	if !st.Now.Equal(t0.Add(20*24*time.Hour+90*time.Minute)) || st.Settled != nil {
		t.Fatalf("after advance without settling: %+v", st)
	}
	a.call("POST", "/v1/clock/speed", `{"speed":60}`, http.StatusOK, &st)
	if st.Speed != 60 || a.c.Clock().Speed() != 60 {
		t.Fatalf("speed = %v", st.Speed)
	}
	a.call("POST", "/v1/clock/speed", `{"speed":0}`, http.StatusOK, &st)
	for _, body := range []string{`{"by":"-1h"}`, `{"by":"soon"}`, `{}`} {
		a.problem("POST", "/v1/clock/advance", body, http.StatusUnprocessableEntity, CodeInvalidValue)
	}
	for _, body := range []string{`{"speed":-1}`, `{}`, `{"speed":1e9}`} {
		a.problem("POST", "/v1/clock/speed", body, http.StatusUnprocessableEntity, CodeInvalidValue)
	}
	a.problem("POST", "/v1/clock/speed", `{"speed":"fast"}`, http.StatusBadRequest, CodeBadRequest)
}
