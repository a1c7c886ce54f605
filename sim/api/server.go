package api

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// Server is the management API. It implements http.Handler: serve it with
// net/http on the address given as Config.Listen.
//
// A Server is safe for concurrent use. Close ends its event streams, which
// http.Server.Shutdown would otherwise wait for.
type Server struct {
	cfg    Config
	c      *sim.Carrier
	mux    *http.ServeMux
	routes []route
	lim    *limiter

	done      chan struct{}
	closeOnce sync.Once
}

// route is one endpoint: the routes table is what the server serves and
// what the OpenAPI document must describe (openapi_test.go checks both ways).
type route struct {
	method, path string
	h            http.HandlerFunc
}

// New returns a server for cfg, or every problem of cfg.
func New(cfg Config) (*Server, error) {
	cfg.fillDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, c: cfg.Carrier, mux: http.NewServeMux(), done: make(chan struct{})}
	if cfg.RateLimit > 0 {
		s.lim = newLimiter(cfg.RateLimit, cfg.Burst, time.Now)
	}
	s.routes = []route{
		{"GET", "/v1/openapi.yaml", s.openAPI},
		{"GET", "/v1/cards", s.listCards},
		{"GET", "/v1/cards/{id}", s.getCard},
		{"POST", "/v1/cards/{id}/stop", s.stopCard},
		{"POST", "/v1/cards/{id}/resume", s.resumeCard},
		{"POST", "/v1/cards/{id}/recharge", s.rechargeCard},
		{"POST", "/v1/cards/{id}/renew", s.renewCard},
		{"POST", "/v1/cards/{id}/plan", s.changePlan},
		{"POST", "/v1/cards/{id}/imei/bind", s.bindIMEI},
		{"POST", "/v1/cards/{id}/imei/unbind", s.unbindIMEI},
		{"POST", "/v1/cards/{id}/move", s.moveCard},
		{"GET", "/v1/sessions", s.listSessions},
		{"POST", "/v1/sessions/{id}/reauth", s.sessionAction("reauth")},
		{"POST", "/v1/sessions/{id}/abort", s.sessionAction("abort")},
		{"POST", "/v1/sessions/{id}/delete-bearer", s.sessionAction("delete-bearer")},
		{"GET", "/v1/faults", s.listFaults},
		{"POST", "/v1/faults/maintenance", s.startMaintenance},
		{"POST", "/v1/faults/outage", s.startOutage},
		{"DELETE", "/v1/faults/{id}", s.endFault},
		{"GET", "/v1/clock", s.getClock},
		{"POST", "/v1/clock/advance", s.advanceClock},
		{"POST", "/v1/clock/speed", s.setSpeed},
		{"GET", "/v1/events", s.events},
	}
	for _, rt := range s.routes {
		s.mux.HandleFunc(rt.method+" "+rt.path, rt.h)
	}
	return s, nil
}

// Close ends the server's event streams and refuses new ones. The rest of
// the API keeps answering; stop the http.Server to stop it.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}

// ServeHTTP answers one request: rate limit, authentication, then the
// endpoint. Every error is a problem document.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.cfg.Logf("api: %s %s: panic: %v", r.Method, r.URL.Path, v)
			if !rec.wrote {
				writeProblem(rec, r, problem(http.StatusInternalServerError, CodeInternal, "internal error"))
			}
		}
		s.cfg.Logf("api: %s %s %d %s %s", r.Method, r.URL.RequestURI(), rec.status, clientIP(r), time.Since(start).Round(time.Microsecond))
	}()
	if s.lim != nil {
		ok, remaining, retry := s.lim.allow(clientIP(r))
		h := rec.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(s.cfg.Burst))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		if !ok {
			secs := int((retry + time.Second - 1) / time.Second)
			h.Set("Retry-After", strconv.Itoa(secs))
			writeProblem(rec, r, problemf(http.StatusTooManyRequests, CodeRateLimited,
				"more than %g requests a second (bursts of %d) from %s; retry after %d s", s.cfg.RateLimit, s.cfg.Burst, clientIP(r), secs))
			return
		}
	}
	if p := s.authenticate(r); p != nil {
		if p.Status == http.StatusUnauthorized {
			v := `Bearer realm="carriersim"`
			if r.Header.Get("Authorization") != "" {
				v += `, error="invalid_token"`
			}
			rec.Header().Set("WWW-Authenticate", v)
		}
		writeProblem(rec, r, p)
		return
	}
	if _, pattern := s.mux.Handler(r); pattern == "" {
		s.noRoute(rec, r)
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// authenticate checks the bearer token, or, with none configured, that the
// request came over loopback.
func (s *Server) authenticate(r *http.Request) *Problem {
	if s.cfg.Token == "" {
		if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			if ta, ok := la.(*net.TCPAddr); ok && !ta.IP.IsLoopback() {
				return problemf(http.StatusForbidden, CodeTokenRequired,
					"this server has no bearer token configured, so it answers only on loopback; the request came to %s", la)
			}
		}
		return nil
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return problem(http.StatusUnauthorized, CodeUnauthorized, `want an "Authorization: Bearer TOKEN" header`)
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.cfg.Token)) != 1 {
		return problem(http.StatusUnauthorized, CodeUnauthorized, "the bearer token is not valid")
	}
	return nil
}

// noRoute answers a request no endpoint takes: 405 with Allow when the path
// exists for other methods, else 404.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "DELETE"} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, p := s.mux.Handler(r2); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, r, problemf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "%s is not allowed on %s; allowed: %s",
			r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	writeProblem(w, r, problemf(http.StatusNotFound, CodeNotFound, "no endpoint %s; see /v1/openapi.yaml", r.URL.Path))
}

// recorder keeps the status for the log line. Unwrap lets
// http.ResponseController reach the connection (flushes, deadlines).
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// clientIP is the address the request came from, without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxBody caps a request body: every request body of this API is small.
const maxBody = 64 << 10

// decode reads the request body strictly into v: JSON only, no unknown
// field, nothing after the value. An empty body leaves v as it is when
// optional.
func decode(r *http.Request, v any, optional bool) *Problem {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return problemf(http.StatusBadRequest, CodeBadRequest, "reading the body: %v", err)
	}
	if len(body) > maxBody {
		return problemf(http.StatusBadRequest, CodeBadRequest, "the body is larger than %d bytes", maxBody)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return problem(http.StatusBadRequest, CodeBadRequest, "want a JSON object in the body, got none")
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		// curl -d sends form-urlencoded whatever the body; take it as JSON.
		if mt, _, err := mime.ParseMediaType(ct); err != nil ||
			(mt != "application/json" && !strings.HasSuffix(mt, "+json") && mt != "application/x-www-form-urlencoded") {
			return problemf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "want Content-Type application/json, got %q", ct)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problemf(http.StatusBadRequest, CodeBadRequest, "the body: %s", jsonError(err))
	}
	if dec.More() {
		return problem(http.StatusBadRequest, CodeBadRequest, "the body: want one JSON object, got more after it")
	}
	return nil
}

// jsonError rephrases a decoding error as want/got.
func jsonError(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("%s: want a %s, got a JSON %s", te.Field, te.Type, te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON at byte %d: %v", se.Offset, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return err.Error()
}

// queryInt reads an optional integer query parameter in [lo, hi].
func queryInt(r *http.Request, name string, def, lo, hi int) (int, *Problem) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, problemf(http.StatusBadRequest, CodeBadRequest, "%s: want an integer from %d to %d, got %q", name, lo, hi, v)
	}
	return n, nil
}

// checkQuery refuses query parameters the endpoint does not take, so a
// typo does not silently widen a filter.
func checkQuery(r *http.Request, known ...string) *Problem {
	var bad []string
	for k := range r.URL.Query() {
		found := false
		for _, n := range known {
			found = found || k == n
		}
		if !found {
			bad = append(bad, k)
		}
	}
	if len(bad) > 0 {
		takes := "none"
		if len(known) > 0 {
			takes = strings.Join(known, ", ")
		}
		sort.Strings(bad)
		return problemf(http.StatusBadRequest, CodeBadRequest, "unknown query parameter %s; this endpoint takes %s",
			strings.Join(bad, ", "), takes)
	}
	return nil
}
