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
//	curl -X POST 127.0.0.1:8080/v1/cards/89860400000000000425/stop
//	curl -N 127.0.0.1:8080/v1/events?type=stopped,refused
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
