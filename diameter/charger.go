package diameter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// ChargerConfig configures a Charger. The zero value of every field but
// Addrs and Carrier means its default.
type ChargerConfig struct {
	// Addrs are the OCS addresses in failover order.
	Addrs []string
	// Network is NetworkTCP (default) or NetworkSCTP.
	Network string
	// OriginHost and OriginRealm identify the gateway (defaults
	// "pgw.carriersim.test", "pgw.carriersim.test"); DestinationRealm is the
	// OCS's realm (default "carriersim.test").
	OriginHost, OriginRealm, DestinationRealm string
	// Connections is the number of connections (default 1).
	Connections int
	// Timeout bounds each Charge without a deadline of its own (default 2s).
	Timeout time.Duration
	// Carrier gives the cards' identities (required).
	Carrier *sim.Carrier
	// RatingGroup is the Rating-Group of every MSCC (default 1).
	RatingGroup uint32
	// WatchdogInterval is RFC 3539's Tw (default 6s).
	WatchdogInterval time.Duration
}

// Errors of Charge. A refusal (4010, 4012, 5030, 5031) is not an error:
// it is a Decision.
var (
	// ErrTimeout: no answer within the timeout (the OCS is silent or
	// unreachable).
	// It reports Timeout() true, as net.Error does, so that a gateway
	// maps it to its "peer not responding" cause without importing us.
	ErrTimeout error = timeoutError{}
	// ErrUnavailable: the OCS answered 3002 or 3004 (an outage), or no
	// connection to it is up.
	ErrUnavailable = errors.New("diameter: the OCS is unavailable")
)

// timeoutError is ErrTimeout's type.
type timeoutError struct{}

func (timeoutError) Error() string { return "diameter: no answer from the OCS in time" }

// Timeout reports true: the OCS did not answer in time.
func (timeoutError) Timeout() bool { return true }

// ResultError is an answer that is neither a grant nor a refusal: a
// protocol or permanent error such as 5002 DIAMETER_UNKNOWN_SESSION_ID.
type ResultError struct {
	Code    wire.ResultCode
	Message string // Error-Message, if any
}

// Error returns "diameter: OCS answered <code> <name>: <message>".
func (e *ResultError) Error() string {
	s := "diameter: OCS answered " + strconv.Itoa(int(e.Code)) + " " + e.Code.String()
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Charger is the credit-control client of a packet gateway: one CCR per
// call of Charge, the answer mapped back into a sim.Decision. It has the
// method set of package gtp's Charger interface.
//
// A Charger is safe for concurrent use; each gateway session must be
// charged by one goroutine at a time (requests of one session are
// numbered in order).
type Charger struct {
	cfg   ChargerConfig
	id    clientIdentity
	conns []*clientConn
	sidPf string

	mu       sync.Mutex
	pending  map[uint32]chan chargeAnswer
	sessions map[uint64]uint32 // next CC-Request-Number

	hbh atomic.Uint32
	e2e atomic.Uint32
	rr  atomic.Uint32
}

type chargeAnswer struct {
	rc        wire.ResultCode
	msg       string
	mscc      wire.ResultCode
	hasGSU    bool
	granted   uint64
	validity  uint32
	threshold uint32
	hasFUI    bool
	action    wire.FinalUnitAction
}

// NewCharger connects to the OCS (CER/CEA on every connection).
func NewCharger(ctx context.Context, cfg ChargerConfig) (*Charger, error) {
	if cfg.OriginHost == "" {
		cfg.OriginHost = "pgw.carriersim.test"
	}
	if cfg.OriginRealm == "" {
		cfg.OriginRealm = "pgw.carriersim.test"
	}
	if cfg.DestinationRealm == "" {
		cfg.DestinationRealm = "carriersim.test"
	}
	if cfg.Connections == 0 {
		cfg.Connections = 1
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.RatingGroup == 0 {
		cfg.RatingGroup = 1
	}
	if cfg.WatchdogInterval == 0 {
		cfg.WatchdogInterval = 6 * time.Second
	}
	var errs []error
	if len(cfg.Addrs) == 0 {
		errs = append(errs, errors.New("addrs: want at least one OCS address, got none"))
	}
	if cfg.Carrier == nil {
		errs = append(errs, errors.New("carrier: want a *sim.Carrier, got nil"))
	}
	if cfg.Connections < 1 || cfg.Connections > 256 {
		errs = append(errs, fmt.Errorf("connections: want 1..256, got %d", cfg.Connections))
	}
	if cfg.Timeout < time.Millisecond {
		errs = append(errs, fmt.Errorf("timeout: want at least 1ms, got %s", cfg.Timeout))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("diameter: invalid charger configuration:\n%w", errors.Join(errs...))
	}
	c := &Charger{cfg: cfg, pending: map[uint32]chan chargeAnswer{}, sessions: map[uint64]uint32{},
		id: clientIdentity{originHost: []byte(cfg.OriginHost), originRealm: []byte(cfg.OriginRealm),
			destRealm: []byte(cfg.DestinationRealm), productName: []byte("carriersim-gateway")},
		sidPf: cfg.OriginHost + ";" + strconv.FormatInt(time.Now().Unix(), 10) + ";"}
	c.hbh.Store(uint32(time.Now().UnixNano()) &^ 0xff000000)
	c.e2e.Store(uint32(time.Now().Unix()) << 20)
	for i := range cfg.Connections {
		cc := newClientConn(i, cfg.Addrs, &c.id, c, cfg.WatchdogInterval, 128<<10, nil)
		cc.network = cfg.Network
		if err := cc.start(min(cfg.Timeout, 5*time.Second)); err != nil {
			c.Close()
			return nil, err
		}
		c.conns = append(c.conns, cc)
	}
	if err := ctx.Err(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Charge sends one CCR for gateway session `session`: INITIAL, UPDATE,
// TERMINATION or EVENT as req.Kind says, reporting req.Used and asking
// req.Requested for the card req.SIM at req.Loc in device req.IMEI. The
// answer fills d: Outcome, Reason and Blame (from the OCS's Error-Message
// when it gives them, else from the result code), Granted, Final,
// ValiditySeconds and Threshold; Hold records the grant. A refusal is not
// an error. It returns ErrTimeout when no answer comes in time (ctx's
// deadline or the configured Timeout), ErrUnavailable for 3002/3004 or no
// connection up (d then says NodeOutage, blamed on the network), and a
// *ResultError for other error answers.
func (c *Charger) Charge(ctx context.Context, session uint64, req *sim.Request, d *sim.Decision) error {
	*d = sim.Decision{}
	var r wire.CCR
	switch req.Kind {
	case sim.KindInitial:
		r.RequestType = wire.InitialRequest
	case sim.KindUpdate:
		r.RequestType = wire.UpdateRequest
	case sim.KindTerminate:
		r.RequestType = wire.TerminationRequest
	case sim.KindEvent:
		r.RequestType = wire.EventRequest
	default:
		return fmt.Errorf("diameter: charge: unknown request kind %d", req.Kind)
	}
	c.mu.Lock()
	num := c.sessions[session]
	if req.Kind == sim.KindInitial || req.Kind == sim.KindEvent {
		num = 0
	}
	if req.Kind == sim.KindTerminate || req.Kind == sim.KindEvent {
		delete(c.sessions, session)
	} else {
		c.sessions[session] = num + 1
	}
	c.mu.Unlock()

	r.Header.HopByHop = c.hbh.Add(1) &^ 0xff000000
	r.Header.EndToEnd = c.e2e.Add(1)
	r.SessionID = []byte(c.sidPf + strconv.FormatUint(session, 10))
	r.OriginHost, r.OriginRealm, r.DestinationRealm = c.id.originHost, c.id.originRealm, c.id.destRealm
	r.AuthApplicationID = wire.AppCreditControl
	r.ServiceContextID = serviceContext(req.Service)
	r.RequestNumber = num
	if uint64(req.SIM) < uint64(c.cfg.Carrier.Len()) {
		id := c.cfg.Carrier.Identity(req.SIM)
		r.AddSubscriptionID(wire.EndUserIMSI, strconv.AppendUint(nil, id.IMSI, 10))
	}
	if req.Kind != sim.KindTerminate {
		if req.Loc.HasTAI || req.Loc.HasECGI {
			r.UserLocationInfo = uliOf(req.Loc, nil)
		}
		if req.IMEI != 0 {
			r.HasUserEquipmentInfo = true
			r.UserEquipmentInfo = wire.UserEquipmentInfo{Type: wire.UEInfoIMEISV, Value: appendIMEISV(nil, req.IMEI)}
		}
	}
	m := r.AddMSCC()
	m.HasRatingGroup, m.RatingGroup = true, c.cfg.RatingGroup
	if req.Kind != sim.KindTerminate {
		m.HasRSU = true
		if req.Requested > 0 {
			m.RSU = wire.Octets(req.Requested)
		}
	}
	if req.Kind == sim.KindUpdate || req.Kind == sim.KindTerminate {
		u := wire.UsedUnit{ServiceUnit: wire.Octets(req.Used), HasReportingReason: true, ReportingReason: wire.ReasonValidityTime}
		if req.Kind == sim.KindTerminate {
			u.ReportingReason = wire.ReasonFinal
			r.HasTerminationCause, r.TerminationCause = true, wire.CauseLogout
		}
		m.AddUsed(u)
	}

	ch := make(chan chargeAnswer, 1)
	hbh := r.Header.HopByHop
	c.mu.Lock()
	c.pending[hbh] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, hbh)
		c.mu.Unlock()
	}()
	cc := c.pick()
	if cc == nil || !cc.send(r.Append) {
		unavailable(d)
		return ErrUnavailable
	}
	timer := time.NewTimer(c.cfg.Timeout)
	defer timer.Stop()
	var a chargeAnswer
	select {
	case a = <-ch:
	case <-timer.C:
		unavailable(d)
		return ErrTimeout
	case <-ctx.Done():
		unavailable(d)
		return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
	}
	rc := a.rc
	if rc.IsSuccess() && a.mscc != 0 && !a.mscc.IsSuccess() {
		rc = a.mscc
	}
	switch {
	case rc == wire.UnableToDeliver || rc == wire.TooBusy:
		unavailable(d)
		return fmt.Errorf("%w: Result-Code %d", ErrUnavailable, rc)
	case !rc.IsSuccess() && ClassOf(rc) != metrics.ClassRefused:
		d.Outcome, d.Blame = sim.OutcomeRatingFailed, sim.BlameNetwork
		return &ResultError{Code: rc, Message: a.msg}
	}
	decisionOf(rc, []byte(a.msg), d)
	if d.Outcome == sim.OutcomeSuccess && a.hasGSU {
		d.Granted = a.granted
		d.Hold = sim.Hold{Bytes: a.granted}
		d.ValiditySeconds = a.validity
		d.Threshold = uint64(a.threshold)
	}
	if a.hasFUI {
		switch a.action {
		case wire.ActionTerminate:
			d.Final = sim.FinalTerminate
		case wire.ActionRedirect:
			d.Final = sim.FinalRedirect
		case wire.ActionRestrictAccess:
			d.Final = sim.FinalRestrict
		}
	}
	return nil
}

// unavailable fills d for an OCS that did not answer or is out.
func unavailable(d *sim.Decision) {
	d.Outcome, d.Reason, d.Blame = sim.OutcomeNetworkUnavailable, sim.ReasonNodeOutage, sim.BlameNetwork
}

// serviceContext returns the Service-Context-Id of a service.
func serviceContext(s sim.Service) []byte {
	switch s {
	case sim.ServiceSMS:
		return []byte(contextSMS)
	case sim.ServiceVoice:
		return []byte(contextIMS)
	}
	return []byte(contextPS)
}

// pick returns the next connection that is up, round robin, or nil.
func (c *Charger) pick() *clientConn {
	n := len(c.conns)
	for range n {
		cc := c.conns[int(c.rr.Add(1))%n]
		if cc.up.Load() {
			return cc
		}
	}
	return nil
}

// answers implements clientHandler.
func (c *Charger) answers(_ *clientConn, msgs [][]byte) {
	var a wire.CCA
	for _, msg := range msgs {
		h, _ := wire.ParseHeader(msg)
		c.mu.Lock()
		ch := c.pending[h.HopByHop]
		delete(c.pending, h.HopByHop)
		c.mu.Unlock()
		if ch == nil {
			continue
		}
		var out chargeAnswer
		if err := a.Decode(msg); err != nil {
			// A malformed answer is an error whatever it managed to say.
			out.rc = wire.UnableToComply
			out.msg = "malformed answer: " + err.Error()
		} else {
			out.rc, out.msg = a.ResultCode, string(a.ErrorMessage)
			for i := range a.NumMSCC {
				m := &a.MSCC[i]
				if m.HasRatingGroup && m.RatingGroup != c.cfg.RatingGroup {
					continue
				}
				out.mscc = m.ResultCode
				out.hasGSU = m.HasGSU
				out.granted = m.GSU.Total
				if !m.GSU.HasTotal {
					out.granted = m.GSU.Input + m.GSU.Output
				}
				out.validity, out.threshold = m.ValidityTime, m.VolumeQuotaThreshold
				out.hasFUI, out.action = m.HasFUI, m.FUI.Action
				break
			}
		}
		ch <- out
	}
}

// request implements clientHandler: a gateway acknowledges RAR and ASR
// (the next Charge of the session reports and meets the new rules).
func (c *Charger) request(cc *clientConn, h wire.Header, msg []byte) {
	var e wire.ErrorAnswer
	e.ReplyTo(msg)
	var a wire.SessionAnswer
	a.Header = wire.Header{HopByHop: h.HopByHop, EndToEnd: h.EndToEnd}
	a.SessionID = e.SessionID
	a.ResultCode = wire.Success
	a.OriginHost, a.OriginRealm = c.id.originHost, c.id.originRealm
	a.NumProxyInfo, a.ProxyInfo = e.NumProxyInfo, e.ProxyInfo
	if h.Code == wire.CommandAbortSession {
		asa := wire.ASA{SessionAnswer: a}
		cc.send(asa.Append)
		return
	}
	raa := wire.RAA{SessionAnswer: a}
	cc.send(raa.Append)
}

// Close closes the connections (DPR first).
func (c *Charger) Close() error {
	for _, cc := range c.conns {
		cc.close()
	}
	return nil
}
