package api

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/carriersim/carriersim/sim"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// t0 is the virtual start of every test carrier: mid-March 2026.
var t0 = time.Date(2026, 3, 15, 10, 0, 0, 0, shanghai)

// testAPI is a real carrier behind a real server on 127.0.0.1.
type testAPI struct {
	t     *testing.T
	c     *sim.Carrier
	srv   *Server
	hs    *httptest.Server
	token string // sent as the bearer token when not empty
}

// newCarrier builds 1000 cards on a frozen clock at t0: three in four on
// iot-30m, the rest pay-per-use, all at home in Guangdong.
func newCarrier(t testing.TB, mod func(*sim.Config)) *sim.Carrier {
	t.Helper()
	cfg := sim.Config{Clock: sim.NewClock(t0, 0), Population: sim.Spec{Count: 1000, Seed: 7,
		Plans: map[string]float64{"iot-30m": 3, "iot-payg": 1}, Regions: map[string]float64{"Guangdong": 1},
		Balance: 50 * sim.Yuan, ExpiresIn: 200 * 24 * time.Hour}}
	if mod != nil {
		mod(&cfg)
	}
	c, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newTestAPI(t *testing.T, mod func(*Config)) *testAPI {
	t.Helper()
	cfg := Config{Carrier: newCarrier(t, nil)}
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		hs.Close()
	})
	return &testAPI{t: t, c: cfg.Carrier, srv: s, hs: hs, token: cfg.Token}
}

// do sends a request with body (JSON text, "" for none).
func (a *testAPI) do(method, path, body string) (*http.Response, []byte) {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.hs.URL+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hs.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp, b
}

// call sends a request, wants status and decodes the JSON answer into out.
func (a *testAPI) call(method, path, body string, status int, out any) *http.Response {
	a.t.Helper()
	resp, b := a.do(method, path, body)
	if resp.StatusCode != status {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, status, b)
	}
	if out != nil {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			a.t.Fatalf("%s %s: Content-Type %q, want application/json", method, path, ct)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp
}

// card GETs a card.
func (a *testAPI) card(id string) Card {
	a.t.Helper()
	var c Card
	a.call("GET", "/v1/cards/"+id, "", http.StatusOK, &c)
	return c
}

// problem sends a request that must fail with status and code, checks the
// RFC 9457 shape, and returns the problem.
func (a *testAPI) problem(method, path, body string, status int, code string) Problem {
	a.t.Helper()
	resp, b := a.do(method, path, body)
	return checkProblem(a.t, method+" "+path, resp, b, status, code)
}

func checkProblem(t *testing.T, what string, resp *http.Response, b []byte, status int, code string) Problem {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %s", what, resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var p Problem
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("%s: %v in %s", what, err, b)
	}
	if p.Code != code || p.Status != status || p.Type != ProblemTypeBase+code || p.Title == "" || p.Detail == "" || p.Instance == "" {
		t.Fatalf("%s: problem %s, want code %s status %d with type, title, detail and instance", what, b, code, status)
	}
	return p
}

// imsi is card i's IMSI as the API takes it.
func (a *testAPI) imsi(i uint32) string {
	return itoa(a.c.Identity(i).IMSI)
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// recordingSessions is a SessionManager for the api unit tests only (the
// protocol front ends implement the real ones): it holds a fixed list of
// sessions of one interface and records the actions asked of it. Gy
// sessions take reauth and abort, GTP sessions abort and delete-bearer.
type recordingSessions struct {
	iface string
	mu    sync.Mutex
	list  []Session
	calls []string
}

func (m *recordingSessions) Sessions(f SessionFilter) []Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Session
	for i := range m.list {
		if f.Match(&m.list[i]) && (f.Limit <= 0 || len(out) < f.Limit) {
			out = append(out, m.list[i])
		}
	}
	return out
}

func (m *recordingSessions) act(action, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.list {
		if s.ID != id {
			continue
		}
		if (m.iface == "gy" && action == "delete-bearer") || (m.iface == "gtp" && action == "reauth") {
			return ErrNotSupported
		}
		m.calls = append(m.calls, action+" "+id)
		return nil
	}
	return ErrNoSuchSession
}

func (m *recordingSessions) ReAuth(id string) error       { return m.act("reauth", id) }
func (m *recordingSessions) Abort(id string) error        { return m.act("abort", id) }
func (m *recordingSessions) DeleteBearer(id string) error { return m.act("delete-bearer", id) }

func (m *recordingSessions) recorded() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.calls...)
}

// sse reads a Server-Sent Events stream.
type sse struct {
	resp *http.Response
	r    *bufio.Reader
}

// sseEvent is one event or comment of a stream.
type sseEvent struct {
	id, event, data, comment string
}

func (a *testAPI) stream(path string) *sse {
	a.t.Helper()
	req, err := http.NewRequest("GET", a.hs.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hs.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	a.t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		a.t.Fatalf("GET %s: %d %s: %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	s := &sse{resp: resp, r: bufio.NewReader(resp.Body)}
	if e, err := s.next(); err != nil || e.comment != "stream open" {
		a.t.Fatalf("stream starts with %+v, %v; want the comment \"stream open\"", e, err)
	}
	return s
}

// next reads the next event or comment.
func (s *sse) next() (sseEvent, error) {
	var e sseEvent
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return e, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if e != (sseEvent{}) {
				return e, nil
			}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			e.comment = value
		case "id":
			e.id = value
		case "event":
			e.event = value
		case "data":
			e.data = value
		}
	}
}
