package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/carriersim/carriersim/sim"
	"github.com/carriersim/carriersim/sim/api"
)

// A test stops a card through the API and reads why a resume is refused.
func ExampleNew() {
	carrier, err := sim.New(sim.Config{
		Clock:      sim.NewClock(time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC), 0),
		Population: sim.Spec{Count: 1000, Plans: map[string]float64{"iot-30m": 1}},
	})
	if err != nil {
		panic(err)
	}
	srv, err := api.New(api.Config{Carrier: carrier})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv) // on 127.0.0.1: no token needed
	defer ts.Close()

	resp, err := http.Post(ts.URL+"/v1/cards/460040000000042/stop", "application/json", nil)
	if err != nil {
		panic(err)
	}
	var card api.Card
	json.NewDecoder(resp.Body).Decode(&card)
	resp.Body.Close()
	fmt.Println(card.ICCID, card.State, card.StopReasons, card.Plan.Name)

	// Only the customer's own stop is the customer's to lift.
	carrier.SetUsage(42, 30<<20)
	http.Post(ts.URL+"/v1/cards/460040000000042/resume", "application/json", nil)
	resp, err = http.Post(ts.URL+"/v1/cards/460040000000042/resume", "application/json", nil)
	if err != nil {
		panic(err)
	}
	var p api.Problem
	json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"), p.Code, p.StopReasons)
	// Output:
	// 89860400000000000429 stopped [manual_stop] iot-30m
	// 409 application/problem+json resume_not_allowed [over_quota]
}
