package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// events reads a stream in the background: its events and comments, in
// order, until it ends (the channel is then closed).
func (s *sse) events() <-chan sseEvent {
	ch := make(chan sseEvent, 1024)
	go func() {
		defer close(ch)
		for {
			e, err := s.next()
			if err != nil {
				return
			}
			ch <- e
		}
	}()
	return ch
}

// waitEvent returns the first event (not comment) from ch, failing after a
// while.
func waitEvent(t *testing.T, ch <-chan sseEvent) (sseEvent, EventView) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatal("the stream ended")
			}
			if e.event == "" {
				continue
			}
			var v EventView
			if e.event != "dropped" {
				dec := json.NewDecoder(strings.NewReader(e.data))
				dec.DisallowUnknownFields()
				if err := dec.Decode(&v); err != nil {
					t.Fatalf("event %q: %v", e.data, err)
				}
			}
			return e, v
		case <-timeout:
			t.Fatal("no event within 10s")
		}
	}
}

func TestEventsStream(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	ev := a.stream("/v1/events?type=stopped,resumed&card=" + a.imsi(5)).events()
	a.call("POST", "/v1/cards/"+a.imsi(6)+"/stop", "", http.StatusOK, nil) // another card: filtered out
	a.call("POST", "/v1/cards/"+a.imsi(5)+"/stop", "", http.StatusOK, nil)
	e, v := waitEvent(t, ev)
	if e.event != "stopped" || e.id != "1" || v.Type != "stopped" || v.Card != 5 || v.Reason != "manual_stop" || v.Blame != "card" ||
		v.IMSI != a.imsi(5) || v.ICCID != a.c.Identity(5).ICCIDString() || !v.Time.Equal(t0) || v.Location.Region != "Guangdong" {
		t.Fatalf("first event %+v: %+v", e, v)
	}
	a.call("POST", "/v1/cards/"+a.imsi(5)+"/recharge", `{"amount":1}`, http.StatusOK, nil) // another type: filtered out
	a.call("POST", "/v1/cards/"+a.imsi(5)+"/resume", "", http.StatusOK, nil)
	if e, v := waitEvent(t, ev); e.event != "resumed" || e.id != "2" || v.Reason != "manual_stop" {
		t.Fatalf("second event %+v: %+v", e, v)
	}
}

// TestEventsRefusalsWithBlame: a refused request arrives with its reason,
// outcome, blame and place.
func TestEventsRefusalsWithBlame(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	ev := a.stream("/v1/events?type=refused&blame=network").events()
	var d sim.Decision
	a.c.Rate(&sim.Request{SIM: 1, Kind: sim.KindInitial, Loc: a.c.HomeLocation(1), IMEI: 35_000_000_000_001}, &d) // blame device
	a.call("POST", "/v1/faults/maintenance", `{"regions":["Guangdong"]}`, http.StatusCreated, nil)
	loc := a.c.HomeLocation(2)
	a.c.Rate(&sim.Request{SIM: 2, Kind: sim.KindInitial, Loc: loc}, &d)
	e, v := waitEvent(t, ev)
	if e.event != "refused" || v.Card != 2 || v.Reason != "maintenance" || v.Blame != "network" || v.Outcome != "network_unavailable" ||
		v.Location.Region != "Guangdong" || v.Location.TAC == nil || *v.Location.TAC != loc.TAC || v.Location.Cell == nil || *v.Location.Cell != loc.ECI {
		t.Fatalf("refusal %+v: %+v", e, v)
	}
}

// TestEventsValues: the values events carry are shown in their own units.
func TestEventsValues(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	ev := a.stream("/v1/events?card=3&by=index").events()
	path := "/v1/cards/3/"
	a.call("POST", path+"recharge?by=index", `{"amount":"2.5"}`, http.StatusOK, nil)
	a.call("POST", path+"plan?by=index", `{"plan":"iot-100m"}`, http.StatusOK, nil)
	a.call("POST", path+"renew?by=index", `{"until":"2027-06-30"}`, http.StatusOK, nil)
	a.call("POST", path+"imei/bind?by=index", `{"imei":"35000000000001"}`, http.StatusOK, nil)
	if _, v := waitEvent(t, ev); v.Type != "recharged" || v.Amount == nil || *v.Amount != 2_500_000 {
		t.Fatalf("recharge: %+v", v)
	}
	if _, v := waitEvent(t, ev); v.Type != "plan_changed" || v.Plan != "iot-100m" {
		t.Fatalf("plan: %+v", v)
	}
	if _, v := waitEvent(t, ev); v.Type != "renewed" || v.Expiry == nil || v.Expiry.Format(time.DateOnly) != "2027-06-30" {
		t.Fatalf("renew: %+v", v)
	}
	if _, v := waitEvent(t, ev); v.Type != "bound" || v.IMEI != itoa(sim.FullIMEI(35_000_000_000_001)) {
		t.Fatalf("bind: %+v", v)
	}
}

// TestEventsDroppedAndHeartbeat: a stream that falls behind says how many
// events it lost; an idle one sends heartbeats.
func TestEventsDroppedAndHeartbeat(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, func(cfg *Config) { cfg.EventBuffer = 1; cfg.Heartbeat = 20 * time.Millisecond })
	ev := a.stream("/v1/events").events()
	deadline := time.After(10 * time.Second)
	var heartbeat, dropped bool
	for !heartbeat || !dropped {
		if !dropped {
			for i := uint32(0); i < 200; i++ {
				_ = a.c.Stop(i)
				_ = a.c.Resume(i)
			}
		}
		select {
		case e, ok := <-ev:
			if !ok {
				t.Fatal("the stream ended")
			}
			heartbeat = heartbeat || e.comment == "heartbeat"
			if e.event == "dropped" {
				var d Dropped
				if err := json.Unmarshal([]byte(e.data), &d); err != nil || d.Dropped == 0 {
					t.Fatalf("dropped event %q: %v", e.data, err)
				}
				dropped = true
			}
		case <-deadline:
			t.Fatalf("heartbeat %v, dropped %v after 10s", heartbeat, dropped)
		}
	}
}

// TestEventsEnd: a stream ends when its client goes and when the server
// closes.
func TestEventsEnd(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	ended := make(chan string, 10)
	a := newTestAPI(t, func(cfg *Config) {
		cfg.Logf = func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			if len(args) > 1 {
				if line, ok := args[1].(string); ok && strings.HasPrefix(line, "/v1/events") {
					ended <- line
				}
			}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", a.hs.URL+"/v1/events?type=stopped", nil)
	resp, err := a.hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	cancel()
	select {
	case line := <-ended:
		if !strings.Contains(line, "type=stopped") {
			t.Fatalf("logged %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not end when its client went")
	}

	ev := a.stream("/v1/events").events()
	a.srv.Close()
	select {
	case <-time.After(10 * time.Second):
		t.Fatal("the stream did not end when the server closed")
	case <-func() chan struct{} {
		done := make(chan struct{})
		go func() {
			for range ev {
			}
			close(done)
		}()
		return done
	}():
	}
	a.problem("GET", "/v1/events", "", http.StatusServiceUnavailable, CodeUnavailable)
}

func TestEventsBadFilters(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	p := a.problem("GET", "/v1/events?type=stopped,napping&blame=gremlins", "", http.StatusBadRequest, CodeBadRequest)
	if len(p.Errors) != 2 {
		t.Errorf("errors = %q", p.Errors)
	}
	a.problem("GET", "/v1/events?card=460040000099999", "", http.StatusNotFound, CodeCardNotFound)
}
