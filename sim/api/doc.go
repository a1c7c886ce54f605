// Package api is carriersim's management API: JSON over HTTP, modelled on
// what IoT connectivity platforms (Cisco Control Center, 1NCE, Hologram)
// offer their customers — card status and usage, stop and resume, plan
// change, IMEI lock — plus what a fake carrier offers the tests that use
// it: faults, the virtual clock, and a live stream of events with blame.
//
// It imports only sim and the standard library. Open sessions live in the
// protocol front ends, which implement SessionManager (package diameter for
// Gy, package gtp for GTP); Sessions joins them.
//
// Serve it on loopback:
//
//	srv, err := api.New(api.Config{Carrier: carrier, Sessions: api.Sessions(ocsSessions, pgwSessions)})
//	if err != nil { ... }
//	defer srv.Close()
//	ln, _ := net.Listen("tcp", "127.0.0.1:8080")
//	go http.Serve(ln, srv)
//
// then
//
//	curl 127.0.0.1:8080/v1/cards/460040000000042
//	curl -X POST 127.0.0.1:8080/v1/cards/89860400000000000429/stop
//	curl -X POST 127.0.0.1:8080/v1/cards/460040000000042/recharge -d '{"amount":"10"}'
//	curl '127.0.0.1:8080/v1/cards?state=stopped&reason=over_quota&limit=50'
//	curl -N '127.0.0.1:8080/v1/events?type=stopped,refused'
//
// # Endpoints
//
// Cards are named by ICCID, IMSI or MSISDN (told apart by length, or
// ?by=iccid|imsi|msisdn|index):
//
//	GET  /v1/cards                       listing: ?state= ?reason= ?plan= ?region= ?limit= ?cursor=
//	GET  /v1/cards/{id}                  status, stop reasons, plan, usage, balance, expiry, IMEI lock, location, sessions
//	POST /v1/cards/{id}/stop             manual stop (or, with {"reason"}, a carrier-side stop)
//	POST /v1/cards/{id}/resume           the customer's resume (or, with {"reason"}, the carrier lifting a stop)
//	POST /v1/cards/{id}/recharge         {"amount": "10.50"}
//	POST /v1/cards/{id}/renew            {"until": "2027-06-30"}
//	POST /v1/cards/{id}/plan             {"plan": "iot-100m"}
//	POST /v1/cards/{id}/imei/bind        {"imei": "867531000000428"}
//	POST /v1/cards/{id}/imei/unbind
//	POST /v1/cards/{id}/move             {"region": "Sichuan"} or {"tac": 8704, "eci": 19922945}
//	GET  /v1/sessions                    ?card= ?interface=gy|gtp ?limit=
//	POST /v1/sessions/{id}/reauth        RAR (Gy)
//	POST /v1/sessions/{id}/abort         ASR (Gy), Delete Bearer (GTP)
//	POST /v1/sessions/{id}/delete-bearer Delete Bearer (GTP)
//	GET  /v1/faults
//	POST /v1/faults/maintenance          {"cells": [], "tacs": [], "regions": [], "from", "to" or "duration"}
//	POST /v1/faults/outage               {"node": "ocs", "instance": "", "mode": "busy", "from", "to" or "duration"}
//	DELETE /v1/faults/{id}
//	GET  /v1/clock
//	POST /v1/clock/advance               {"by": "31d"}: steps the clock, then settles every card
//	POST /v1/clock/speed                 {"speed": 60}
//	GET  /v1/events                      Server-Sent Events: ?card= ?type= ?blame=
//	GET  /v1/openapi.yaml
//
// A refused operation says why with a stable code and, for a card, its
// stop reasons and who is to blame: only a manually stopped card (or one
// in arrears, after a recharge) is the customer's to resume
// (resume_not_allowed otherwise, with what would help), an expired plan
// must be renewed (plan_expired), a cancelled card never comes back
// (card_cancelled).
//
// Bodies are JSON, decoded strictly (an unknown field is an error); curl's
// default form content type is accepted too, as long as the body is JSON.
//
// A listing streams through the card store a chunk at a time and examines
// at most Config.ScanLimit cards a request (about 25 ns a card), so it
// stays fast on 10 million cards: a page may be short and still carry a
// next_cursor.
//
// Bound to anything but loopback the API requires a bearer token
// (Config.Token; see RequireToken). The endpoints and their JSON are
// described by the OpenAPI 3.1 document openapi.yaml, also served at
// GET /v1/openapi.yaml; errors are RFC 9457 problem details with a stable
// code, listed in problems.md.
//
// # SessionManager
//
// The interface is the one agreed for issue #6 with two additions, both
// optional for callers: SessionFilter.Limit, so that a listing with a
// million open sessions stays cheap, and Session.APN and Session.Location,
// which both front ends know. The filter selects a card by index
// (SessionFilter.Card), not by IMSI: the API resolves ICCIDs, IMSIs and
// MSISDNs to the index first.
package api
