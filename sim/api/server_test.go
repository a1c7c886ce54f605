package api

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestToken(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, func(cfg *Config) { cfg.Token = "s3cret-token"; cfg.Listen = "0.0.0.0:8080" })
	a.token = ""
	resp, b := a.do("GET", "/v1/clock", "")
	checkProblem(t, "no token", resp, b, http.StatusUnauthorized, CodeUnauthorized)
	if h := resp.Header.Get("WWW-Authenticate"); h != `Bearer realm="carriersim"` {
		t.Errorf("WWW-Authenticate %q", h)
	}
	a.token = "wrong"
	resp, b = a.do("GET", "/v1/cards/1?by=index", "")
	checkProblem(t, "wrong token", resp, b, http.StatusUnauthorized, CodeUnauthorized)
	if h := resp.Header.Get("WWW-Authenticate"); !strings.Contains(h, `error="invalid_token"`) {
		t.Errorf("WWW-Authenticate %q", h)
	}
	a.token = "s3cret-token"
	a.call("GET", "/v1/clock", "", http.StatusOK, nil)
	a.stream("/v1/events")
}

// TestTokenRequiredOffLoopback: a server without a token refuses requests
// that arrive on a non-loopback address. No traffic leaves loopback: the
// local address is set on the request as net/http would.
func TestTokenRequiredOffLoopback(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Carrier: newCarrier(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		local  string
		status int
	}{{"10.1.2.3:8080", http.StatusForbidden}, {"127.0.0.1:8080", http.StatusOK}, {"[::1]:8080", http.StatusOK}} {
		addr, _ := net.ResolveTCPAddr("tcp", tt.local)
		req := httptest.NewRequest("GET", "/v1/clock", nil)
		req = req.WithContext(contextWithLocalAddr(req, addr))
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != tt.status {
			t.Errorf("request to %s: %d, want %d: %s", tt.local, rec.Code, tt.status, rec.Body)
		}
		if tt.status == http.StatusForbidden {
			checkProblem(t, "off loopback", rec.Result(), rec.Body.Bytes(), http.StatusForbidden, CodeTokenRequired)
		}
	}
}

func TestRequireToken(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": false, "127.0.0.2:0": false, "[::1]:8080": false, "localhost:8080": false, "::1": false,
		":8080": true, "0.0.0.0:8080": true, "[::]:8080": true, "10.0.0.1:80": true, "api.example.com:443": true, "": true,
	} {
		if got := RequireToken(addr); got != want {
			t.Errorf("RequireToken(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	err := (&Config{Listen: ":8080", RateLimit: -1, Burst: -2, Token: "a b", PageSize: 5000, Heartbeat: time.Microsecond}).Validate()
	if err == nil {
		t.Fatal("a bad configuration validated")
	}
	for _, want := range []string{"carrier:", "token: want a bearer token without white space", "rate_limit:", "burst:", "page_size:", "heartbeat:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not report %q", err, want)
		}
	}
	if err := (&Config{Listen: "0.0.0.0:8080", Carrier: newCarrier(t, nil)}).Validate(); err == nil || !strings.Contains(err.Error(), "token: want a bearer token, since 0.0.0.0:8080 is not a loopback address") {
		t.Errorf("no token off loopback: %v", err)
	}
	if _, err := New(Config{Carrier: newCarrier(t, nil), Listen: "127.0.0.1:0"}); err != nil {
		t.Errorf("defaults on loopback: %v", err)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, func(cfg *Config) { cfg.RateLimit = 0.5; cfg.Burst = 3 })
	for i := 0; i < 3; i++ {
		resp := a.call("GET", "/v1/clock", "", http.StatusOK, nil)
		if resp.Header.Get("X-RateLimit-Limit") != "3" || resp.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Fatalf("request %d: limit %q remaining %q", i, resp.Header.Get("X-RateLimit-Limit"), resp.Header.Get("X-RateLimit-Remaining"))
		}
	}
	resp, b := a.do("GET", "/v1/clock", "")
	checkProblem(t, "past the limit", resp, b, http.StatusTooManyRequests, CodeRateLimited)
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 2 {
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
}

// TestLimiter: tokens come back at the rate, up to the burst; clients are
// independent; full buckets are forgotten.
func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	l := newLimiter(2, 2, func() time.Time { return now })
	for i := 0; i < 2; i++ {
		if ok, _, _ := l.allow("a"); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, _, retry := l.allow("a")
	if ok || retry != 500*time.Millisecond {
		t.Fatalf("third request: ok %v retry %s, want refused, retry in 500ms", ok, retry)
	}
	if ok, _, _ := l.allow("b"); !ok {
		t.Fatal("another client was refused")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _, _ := l.allow("a"); !ok {
		t.Fatal("refused after a token came back")
	}
	for i := 0; i < 2000; i++ {
		l.allow("c" + strconv.Itoa(i))
	}
	now = now.Add(2 * time.Minute)
	l.allow("a")
	if n := len(l.clients); n != 1 {
		t.Fatalf("%d clients remembered after they all refilled, want 1", n)
	}
}

func TestProblemsForRoutes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, nil)
	a.problem("GET", "/v1/nothing", "", http.StatusNotFound, CodeNotFound)
	a.problem("GET", "/", "", http.StatusNotFound, CodeNotFound)
	resp, b := a.do("DELETE", "/v1/clock", "")
	checkProblem(t, "DELETE /v1/clock", resp, b, http.StatusMethodNotAllowed, CodeMethodNotAllowed)
	if allow := resp.Header.Get("Allow"); allow != "GET" {
		t.Errorf("Allow %q", allow)
	}
	resp, b = a.do("GET", "/v1/cards/1/stop", "")
	checkProblem(t, "GET stop", resp, b, http.StatusMethodNotAllowed, CodeMethodNotAllowed)
	if allow := resp.Header.Get("Allow"); allow != "POST" {
		t.Errorf("Allow %q", allow)
	}
	req, _ := http.NewRequest("POST", a.hs.URL+"/v1/clock/speed", strings.NewReader(`{"speed":1}`))
	req.Header.Set("Content-Type", "text/plain")
	r, err := a.hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if r.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain body: %d", r.StatusCode)
	}
	req, _ = http.NewRequest("POST", a.hs.URL+"/v1/clock/speed", strings.NewReader(`{"speed":0}`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // curl -d
	if r, err := a.hs.Client().Do(req); err != nil || r.StatusCode != http.StatusOK {
		t.Errorf("curl -d: %v %v", r, err)
	} else {
		r.Body.Close()
	}
	a.problem("POST", "/v1/clock/speed", `{"speed":1, "extra":true}`, http.StatusBadRequest, CodeBadRequest)
	a.problem("POST", "/v1/clock/speed", strings.Repeat(" ", maxBody+1)+"{}", http.StatusBadRequest, CodeBadRequest)
}

// contextWithLocalAddr is the request's context as net/http gives it to a
// handler of a connection accepted on addr.
func contextWithLocalAddr(r *http.Request, addr net.Addr) context.Context {
	return context.WithValue(r.Context(), http.LocalAddrContextKey, addr)
}
