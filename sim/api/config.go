package api

import (
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// Config configures a Server. The zero value of every field but Carrier
// means its default; New fills the defaults in one place and Validate
// reports every problem at once.
type Config struct {
	// Carrier is the carrier the API manages (required).
	Carrier *sim.Carrier
	// Sessions gives the open sessions of the protocol front ends (nil:
	// the session endpoints answer 501 sessions_unavailable and cards show
	// no sessions). Join several with Sessions.
	Sessions SessionManager
	// Token is the bearer token every request must carry
	// ("Authorization: Bearer TOKEN"). Empty means no authentication, which
	// is allowed only on loopback: Validate refuses an empty Token when
	// Listen is not a loopback address (see RequireToken), and a server
	// without a token refuses requests that arrive on a non-loopback
	// address whatever Listen says (403 token_required).
	Token string
	// Listen is the address the server will be served on, as given to
	// net.Listen; only used to decide whether Token is required ("": the
	// caller serves it on loopback, as httptest does).
	Listen string
	// RateLimit is how many requests a second each client (by IP address)
	// may make, with bursts of Burst (default: RateLimit rounded up, at
	// least 1). 0 turns the limit off. Past it a request gets 429
	// rate_limited with Retry-After, as real platforms answer.
	RateLimit float64
	Burst     int
	// Logf logs one line per request and any internal error (nil: silent).
	Logf func(format string, args ...any)
	// Heartbeat is how often an idle event stream sends a comment, so
	// proxies keep it open and the server notices a client gone (default
	// 15s).
	Heartbeat time.Duration
	// EventBuffer is how many events a stream may fall behind before it
	// loses some (counted and reported in the stream; default 4096).
	EventBuffer int
	// PageSize is the default page of a listing (default 100) and
	// MaxPageSize the largest a client may ask for (default 1000).
	PageSize, MaxPageSize int
	// ScanLimit is how many cards one listing request examines at most
	// (default 1<<20): a filter that matches few of 10 million cards
	// answers a short page with a next cursor instead of scanning them all.
	ScanLimit int
}

const defaultMaxPageSize = 1000

func (c *Config) fillDefaults() {
	if c.Burst == 0 && c.RateLimit > 0 {
		c.Burst = int(math.Max(1, math.Ceil(c.RateLimit)))
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = 15 * time.Second
	}
	if c.EventBuffer == 0 {
		c.EventBuffer = 4096
	}
	if c.MaxPageSize == 0 {
		c.MaxPageSize = defaultMaxPageSize
	}
	if c.PageSize == 0 {
		c.PageSize = min(100, c.MaxPageSize)
	}
	if c.ScanLimit == 0 {
		c.ScanLimit = 1 << 20
	}
}

// Validate reports every problem of the configuration at once. Zero values
// are valid (they mean the defaults) except for Carrier.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, want string, got any) {
		errs = append(errs, fmt.Errorf("%s: want %s, got %v", field, want, got))
	}
	if c.Carrier == nil {
		bad("carrier", "a *sim.Carrier", "nil")
	}
	if strings.ContainsAny(c.Token, " \t\r\n") {
		bad("token", "a bearer token without white space", fmt.Sprintf("%d characters with white space", len(c.Token)))
	}
	if c.Token == "" && c.Listen != "" && RequireToken(c.Listen) {
		bad("token", fmt.Sprintf("a bearer token, since %s is not a loopback address", c.Listen), "none")
	}
	if !(c.RateLimit >= 0) || math.IsInf(c.RateLimit, 0) {
		bad("rate_limit", "requests a second >= 0 (0: off)", c.RateLimit)
	}
	if c.Burst < 0 {
		bad("burst", "a burst >= 0", c.Burst)
	}
	if c.Heartbeat < 0 || (c.Heartbeat > 0 && c.Heartbeat < 10*time.Millisecond) {
		bad("heartbeat", "at least 10ms", c.Heartbeat)
	}
	if c.EventBuffer < 0 {
		bad("event_buffer", "a number of events >= 0", c.EventBuffer)
	}
	if c.MaxPageSize < 0 {
		bad("max_page_size", "a page size >= 0", c.MaxPageSize)
	}
	maxPage := c.MaxPageSize
	if maxPage == 0 {
		maxPage = defaultMaxPageSize
	}
	if c.PageSize < 0 || c.PageSize > maxPage {
		bad("page_size", "a page size from 0 to max_page_size", c.PageSize)
	}
	if c.ScanLimit < 0 {
		bad("scan_limit", "a number of cards >= 0", c.ScanLimit)
	}
	if len(errs) > 0 {
		return fmt.Errorf("api: invalid configuration:\n%w", errors.Join(errs...))
	}
	return nil
}

// RequireToken reports whether a server listening on addr (as given to
// net.Listen: "127.0.0.1:8080", "[::1]:0", ":8080", "localhost:8080")
// must require a bearer token: true unless addr names a loopback address
// or "localhost". An empty host (every interface) and other host names
// require one.
func RequireToken(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}
