package gtp

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/wmnsk/go-gtp/gtpv2"
	"github.com/wmnsk/go-gtp/gtpv2/ie"
	"github.com/wmnsk/go-gtp/gtpv2/message"

	"github.com/carriersim/carriersim/sim"
)

// BaselinePGW is a PGW written the way go-gtp's own examples write one: a
// gtpv2.Conn serving the socket (a goroutine per received datagram, one
// write per answer), go-gtp's message parsing and IE constructors, and its
// session maps. It admits and charges with the same Charger and rules as
// PGW, answers Create Session, Modify Bearer, Delete Session and Echo, and
// nothing more (no Delete Bearer, no GTP-U, no duplicate detection, no
// path management). It exists so that `carriersim bench gtp` measures the
// PGW against it under the same load in the same run.
//
// Its methods are safe for concurrent use.
type BaselinePGW struct {
	conn   *gtpv2.Conn
	c      *sim.Carrier
	charge Charger
	ip     string
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	sessions map[uint32]*baseSession // by our TEID
	nextTEID atomic.Uint32
	answers  atomic.Uint64
}

type baseSession struct {
	sess *gtpv2.Session
	card uint32
	hold sim.Hold
	sgw  uint32
}

// NewBaselinePGW starts a baseline gateway on cfg.ControlAddr with
// cfg.Carrier and cfg.Charging (other fields are ignored).
func NewBaselinePGW(cfg PGWConfig) (*BaselinePGW, error) {
	if cfg.Carrier == nil {
		return nil, fmt.Errorf("gtp: baseline: carrier: want a *sim.Carrier, got nil")
	}
	if cfg.ControlAddr == "" {
		cfg.ControlAddr = "127.0.0.1:2123"
	}
	if cfg.Charging == nil {
		cfg.Charging = NewLocalCharger(cfg.Carrier)
	}
	laddr, err := net.ResolveUDPAddr("udp", cfg.ControlAddr)
	if err != nil {
		return nil, fmt.Errorf("gtp: baseline: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &BaselinePGW{c: cfg.Carrier, charge: cfg.Charging, cancel: cancel, done: make(chan struct{}),
		sessions: map[uint32]*baseSession{}, ip: laddr.IP.String()}
	b.conn = gtpv2.NewConn(laddr, gtpv2.IFTypeS5S8PGWGTPC, cfg.Recovery)
	if err := b.conn.Listen(ctx); err != nil {
		cancel()
		return nil, fmt.Errorf("gtp: baseline: %w", err)
	}
	b.conn.AddHandlers(map[uint8]gtpv2.HandlerFunc{
		message.MsgTypeCreateSessionRequest: b.handleCreate,
		message.MsgTypeModifyBearerRequest:  b.handleModify,
		message.MsgTypeDeleteSessionRequest: b.handleDelete,
	})
	go func() {
		defer close(b.done)
		_ = b.conn.Serve(ctx)
	}()
	return b, nil
}

// quietGoGTP silences go-gtp's logger, which otherwise prints a line for
// every message it cannot handle.
var quietGoGTP sync.Once

func init() {
	quietGoGTP.Do(func() { gtpv2.SetLogger(log.New(io.Discard, "", 0)) })
}

// ControlAddr returns the address the baseline listens on.
func (b *BaselinePGW) ControlAddr() string { return b.conn.LocalAddr().String() }

// Close stops the baseline and releases its sessions to charging.
func (b *BaselinePGW) Close() error {
	b.cancel()
	err := b.conn.Close()
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	for teid, s := range b.sessions {
		var d sim.Decision
		_ = b.charge.Charge(context.Background(), uint64(teid), &sim.Request{SIM: s.card, Kind: sim.KindTerminate, Held: s.hold}, &d)
		delete(b.sessions, teid)
	}
	return err
}

// Sessions returns the number of sessions held.
func (b *BaselinePGW) Sessions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.sessions)
}

func (b *BaselinePGW) reject(c *gtpv2.Conn, sgwAddr net.Addr, req message.Message, sgwTEID uint32, cause uint8) error {
	rsp := message.NewCreateSessionResponse(sgwTEID, 0, ie.NewCause(cause, 0, 0, 0, nil))
	return c.RespondTo(sgwAddr, req, rsp)
}

func (b *BaselinePGW) handleCreate(c *gtpv2.Conn, sgwAddr net.Addr, msg message.Message) error {
	req, ok := msg.(*message.CreateSessionRequest)
	if !ok {
		return &gtpv2.UnexpectedTypeError{Msg: msg}
	}
	if req.SenderFTEIDC == nil || req.IMSI == nil || len(req.BearerContextsToBeCreated) == 0 {
		return b.reject(c, sgwAddr, req, 0, uint8(70))
	}
	sgwTEID, err := req.SenderFTEIDC.TEID()
	if err != nil {
		return b.reject(c, sgwAddr, req, 0, uint8(69))
	}
	imsiStr, err := req.IMSI.IMSI()
	if err != nil {
		return b.reject(c, sgwAddr, req, sgwTEID, uint8(69))
	}
	imsi, _ := strconv.ParseUint(imsiStr, 10, 64)
	var loc sim.Location
	if req.ULI != nil {
		if f, err := req.ULI.UserLocationInformation(); err == nil {
			if f.TAI != nil {
				loc.TAC, loc.HasTAI = f.TAI.TAC, true
			}
			if f.ECGI != nil {
				loc.ECI, loc.HasECGI = f.ECGI.ECI, true
			}
		}
	}
	var imei uint64
	if req.MEI != nil {
		if s, err := req.MEI.MobileEquipmentIdentity(); err == nil {
			v, _ := strconv.ParseUint(s, 10, 64)
			imei = sim.IMEIBody(v, len(s))
		}
	}
	var ebi uint8 = 5
	for _, child := range req.BearerContextsToBeCreated[0].ChildIEs {
		if child.Type == ie.EPSBearerID {
			ebi, _ = child.EPSBearerID()
		}
	}
	card, known := b.c.Lookup(imsi)
	if !known {
		return b.reject(c, sgwAddr, req, sgwTEID, uint8(CauseOf(sim.ReasonUnknownSIM)))
	}
	teid := b.nextTEID.Add(1)
	var d sim.Decision
	if err := b.charge.Charge(context.Background(), uint64(teid), &sim.Request{SIM: card, Kind: sim.KindInitial, Loc: loc, IMEI: imei}, &d); err != nil {
		return b.reject(c, sgwAddr, req, sgwTEID, uint8(ChargingErrorCause(err)))
	}
	if d.Outcome != sim.OutcomeSuccess {
		return b.reject(c, sgwAddr, req, sgwTEID, uint8(DecisionCause(&d)))
	}
	session := gtpv2.NewSession(sgwAddr, &gtpv2.Subscriber{IMSI: imsiStr, Location: &gtpv2.Location{}})
	session.AddTEID(gtpv2.IFTypeS5S8SGWGTPC, sgwTEID)
	b.mu.Lock()
	b.sessions[teid] = &baseSession{sess: session, card: card, hold: d.Hold, sgw: sgwTEID}
	b.mu.Unlock()
	c.RegisterSession(teid, session)
	rsp := message.NewCreateSessionResponse(sgwTEID, 0,
		ie.NewCause(16, 0, 0, 0, nil),
		ie.NewFullyQualifiedTEID(gtpv2.IFTypeS5S8PGWGTPC, teid, b.ip, "").WithInstance(0),
		ie.NewPDNAddressAllocation("10.128.0.1"),
		ie.NewAggregateMaximumBitRate(1024, 1024),
		ie.NewBearerContext(
			ie.NewCause(16, 0, 0, 0, nil),
			ie.NewEPSBearerID(ebi),
			ie.NewFullyQualifiedTEID(gtpv2.IFTypeS5S8PGWGTPU, teid, b.ip, "").WithInstance(2),
			ie.NewChargingID(teid),
		),
		ie.NewRecovery(c.RestartCounter),
	)
	b.answers.Add(1)
	return c.RespondTo(sgwAddr, req, rsp)
}

func (b *BaselinePGW) handleModify(c *gtpv2.Conn, sgwAddr net.Addr, msg message.Message) error {
	req, ok := msg.(*message.ModifyBearerRequest)
	if !ok {
		return &gtpv2.UnexpectedTypeError{Msg: msg}
	}
	teid := req.TEID()
	b.mu.Lock()
	s := b.sessions[teid]
	b.mu.Unlock()
	if s == nil {
		return c.RespondTo(sgwAddr, req, message.NewModifyBearerResponse(0, 0, ie.NewCause(64, 0, 0, 0, nil)))
	}
	var d sim.Decision
	_ = b.charge.Charge(context.Background(), uint64(teid), &sim.Request{SIM: s.card, Kind: sim.KindUpdate, Held: s.hold}, &d)
	b.mu.Lock()
	s.hold = d.Hold
	b.mu.Unlock()
	return c.RespondTo(sgwAddr, req, message.NewModifyBearerResponse(s.sgw, 0, ie.NewCause(16, 0, 0, 0, nil),
		ie.NewBearerContext(ie.NewCause(16, 0, 0, 0, nil), ie.NewEPSBearerID(5))))
}

func (b *BaselinePGW) handleDelete(c *gtpv2.Conn, sgwAddr net.Addr, msg message.Message) error {
	req, ok := msg.(*message.DeleteSessionRequest)
	if !ok {
		return &gtpv2.UnexpectedTypeError{Msg: msg}
	}
	teid := req.TEID()
	b.mu.Lock()
	s := b.sessions[teid]
	delete(b.sessions, teid)
	b.mu.Unlock()
	if s == nil {
		return c.RespondTo(sgwAddr, req, message.NewDeleteSessionResponse(0, 0, ie.NewCause(64, 0, 0, 0, nil)))
	}
	var d sim.Decision
	_ = b.charge.Charge(context.Background(), uint64(teid), &sim.Request{SIM: s.card, Kind: sim.KindTerminate, Held: s.hold}, &d)
	c.RemoveSession(s.sess)
	return c.RespondTo(sgwAddr, req, message.NewDeleteSessionResponse(s.sgw, 0, ie.NewCause(16, 0, 0, 0, nil)))
}
