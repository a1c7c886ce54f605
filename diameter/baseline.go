package diameter

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/sm"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim"
)

// BaselineServer is an OCS built the usual way on go-diameter v4.1.0: its
// state machine for CER/CEA and DWR/DWA, its reader that decodes every AVP
// through the dictionary, reflective Unmarshal of the CCR, an answer built
// AVP by AVP and one write per answer. It rates with the same carrier and
// the same rules (sim.Rate per MSCC, a session table of holds) and answers
// what our OCS answers for ordinary sessions, so that `carriersim bench gy`
// can measure both in one run. It exists for that comparison only: no
// duplicate detection, Tcc, RAR or outage handling.
//
// It is safe for concurrent use.
type BaselineServer struct {
	cfg ServerConfig
	c   *sim.Carrier
	ln  net.Listener

	mu       sync.Mutex
	sessions map[string]*baseSession
	conns    map[net.Conn]struct{}
	closed   bool
	done     chan struct{}
}

type baseSession struct {
	sim   uint32
	holds map[uint32]sim.Hold
}

// NewBaselineServer returns a go-diameter based OCS that is not yet
// listening; cfg is read as for NewServer.
func NewBaselineServer(cfg ServerConfig) (*BaselineServer, error) {
	cfg.fillDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &BaselineServer{cfg: cfg, c: cfg.Carrier, sessions: map[string]*baseSession{},
		conns: map[net.Conn]struct{}{}, done: make(chan struct{})}, nil
}

// Start listens and serves in the background.
func (b *BaselineServer) Start() error {
	ln, err := net.Listen("tcp", b.cfg.Addr)
	if err != nil {
		return fmt.Errorf("diameter: baseline listen %s: %w", b.cfg.Addr, err)
	}
	b.ln = &trackingListener{Listener: ln, b: b}
	mux := sm.New(&sm.Settings{
		OriginHost:       datatype.DiameterIdentity(b.cfg.OriginHost),
		OriginRealm:      datatype.DiameterIdentity(b.cfg.OriginRealm),
		VendorID:         0,
		ProductName:      datatype.UTF8String(b.cfg.ProductName + "-baseline"),
		OriginStateID:    datatype.Unsigned32(time.Now().Unix()),
		FirmwareRevision: 1,
		HostIPAddresses:  []datatype.Address{datatype.Address(net.ParseIP("127.0.0.1").To4())},
	})
	mux.HandleFunc("CCR", b.handleCCR)
	go func() {
		// Drain the error reports so the mux never holds them.
		for {
			select {
			case <-mux.ErrorReports():
			case <-b.done:
				return
			}
		}
	}()
	go func() { _ = diam.Serve(b.ln, mux) }()
	return nil
}

// Addr returns the listen address.
func (b *BaselineServer) Addr() string {
	if b.ln == nil {
		return ""
	}
	return b.ln.Addr().String()
}

// Close stops listening and closes every connection.
func (b *BaselineServer) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.done)
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	if b.ln != nil {
		return b.ln.Close()
	}
	return nil
}

type trackingListener struct {
	net.Listener
	b *BaselineServer
}

func (t *trackingListener) Accept() (net.Conn, error) {
	c, err := t.Listener.Accept()
	if err != nil {
		return nil, err
	}
	t.b.mu.Lock()
	defer t.b.mu.Unlock()
	if t.b.closed {
		c.Close()
		return nil, errors.New("closed")
	}
	t.b.conns[c] = struct{}{}
	return c, nil
}

// The CCR as go-diameter's reflective Unmarshal fills it.
type baseCCR struct {
	SessionID        datatype.UTF8String `avp:"Session-Id"`
	ServiceContextID datatype.UTF8String `avp:"Service-Context-Id"`
	RequestType      datatype.Enumerated `avp:"CC-Request-Type"`
	RequestNumber    datatype.Unsigned32 `avp:"CC-Request-Number"`
	SubscriptionIDs  []baseSubID         `avp:"Subscription-Id"`
	UEI              *baseUEI            `avp:"User-Equipment-Info"`
	MSCC             []baseMSCC          `avp:"Multiple-Services-Credit-Control"`
}

type baseSubID struct {
	Type datatype.Enumerated `avp:"Subscription-Id-Type"`
	Data datatype.UTF8String `avp:"Subscription-Id-Data"`
}

type baseUEI struct {
	Type  datatype.Enumerated  `avp:"User-Equipment-Info-Type"`
	Value datatype.OctetString `avp:"User-Equipment-Info-Value"`
}

type baseMSCC struct {
	RatingGroup datatype.Unsigned32 `avp:"Rating-Group"`
	RSU         *baseUnit           `avp:"Requested-Service-Unit"`
	USU         []baseUnit          `avp:"Used-Service-Unit"`
}

type baseUnit struct {
	Total  datatype.Unsigned64 `avp:"CC-Total-Octets"`
	Input  datatype.Unsigned64 `avp:"CC-Input-Octets"`
	Output datatype.Unsigned64 `avp:"CC-Output-Octets"`
}

func (u *baseUnit) octets() uint64 {
	if u.Total != 0 {
		return uint64(u.Total)
	}
	return uint64(u.Input + u.Output)
}

func (b *BaselineServer) handleCCR(c diam.Conn, m *diam.Message) {
	var q baseCCR
	if err := m.Unmarshal(&q); err != nil {
		a := m.Answer(uint32(wire.UnableToComply))
		_, _ = a.WriteTo(c)
		return
	}
	svc, ok := serviceOf([]byte(q.ServiceContextID))
	if !ok {
		svc = sim.ServiceData
	}
	var loc sim.Location
	for _, a := range m.AVP {
		if a.Code == wire.AVP3GPPUserLocationInfo && a.VendorID == wire.Vendor3GPP {
			if v, ok := a.Data.(datatype.OctetString); ok {
				loc = locationOf(wire.UserLocationInfo(v))
			}
		}
	}
	var imei uint64
	if q.UEI != nil && q.UEI.Type == 0 {
		imei = imeiOf([]byte(q.UEI.Value))
	}
	sid := string(q.SessionID)
	kind := sim.Kind(q.RequestType)
	type answer struct {
		rg   uint32
		d    sim.Decision
		term bool
	}
	var answers []answer
	var top wire.ResultCode = wire.Success
	var refused *sim.Decision

	b.mu.Lock()
	s := b.sessions[sid]
	switch {
	case kind == sim.KindInitial || kind == sim.KindEvent:
		card := unknownCard
		for _, id := range q.SubscriptionIDs {
			if v, ok := digits([]byte(id.Data), 15); ok {
				if id.Type == datatype.Enumerated(wire.EndUserIMSI) {
					if n, ok := b.c.Lookup(v); ok {
						card = n
					}
				} else if n, ok := b.c.LookupMSISDN(v); ok {
					card = n
				}
			}
		}
		s = &baseSession{sim: card, holds: map[uint32]sim.Hold{}}
		if kind == sim.KindInitial {
			b.sessions[sid] = s
		}
	case s == nil:
		b.mu.Unlock()
		a := m.Answer(uint32(wire.UnknownSessionID))
		a.NewAVP(avp.SessionID, avp.Mbit, 0, q.SessionID)
		_, _ = a.WriteTo(c)
		return
	}
	for _, ms := range q.MSCC {
		req := sim.Request{SIM: s.sim, Kind: kind, Service: svc, Loc: loc, IMEI: imei, Held: s.holds[uint32(ms.RatingGroup)]}
		if ms.RSU != nil {
			req.Requested = ms.RSU.octets()
		} else if kind == sim.KindUpdate {
			req.Kind = sim.KindTerminate
		}
		for i := range ms.USU {
			req.Used += ms.USU[i].octets()
		}
		var d sim.Decision
		b.c.Rate(&req, &d)
		if req.Kind == sim.KindTerminate || kind == sim.KindEvent {
			delete(s.holds, uint32(ms.RatingGroup))
		} else {
			s.holds[uint32(ms.RatingGroup)] = d.Hold
		}
		answers = append(answers, answer{rg: uint32(ms.RatingGroup), d: d, term: req.Kind == sim.KindTerminate})
		if d.Outcome != sim.OutcomeSuccess && refused == nil {
			refused = &answers[len(answers)-1].d
		}
	}
	if kind == sim.KindTerminate {
		for rg, h := range s.holds {
			b.c.Release(s.sim, h, 0)
			delete(s.holds, rg)
		}
		delete(b.sessions, sid)
	} else if refused != nil && len(answers) == 1 {
		top = ResultCodeOf(refused.Outcome)
		delete(b.sessions, sid)
	}
	b.mu.Unlock()

	a := m.Answer(uint32(top))
	a.NewAVP(avp.SessionID, avp.Mbit, 0, q.SessionID)
	a.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(b.cfg.OriginHost))
	a.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(b.cfg.OriginRealm))
	a.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(wire.AppCreditControl))
	a.NewAVP(avp.CCRequestType, avp.Mbit, 0, q.RequestType)
	a.NewAVP(avp.CCRequestNumber, avp.Mbit, 0, q.RequestNumber)
	for _, an := range answers {
		members := []*diam.AVP{}
		rc := ResultCodeOf(an.d.Outcome)
		if an.term {
			rc = wire.Success
		} else if an.d.Outcome == sim.OutcomeSuccess {
			members = append(members, diam.NewAVP(avp.GrantedServiceUnit, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
				diam.NewAVP(avp.CCTotalOctets, avp.Mbit, 0, datatype.Unsigned64(an.d.Granted))}}))
		}
		members = append(members, diam.NewAVP(avp.RatingGroup, avp.Mbit, 0, datatype.Unsigned32(an.rg)))
		if an.d.Outcome == sim.OutcomeSuccess && !an.term {
			members = append(members, diam.NewAVP(avp.ValidityTime, avp.Mbit, 0, datatype.Unsigned32(an.d.ValiditySeconds)))
		}
		members = append(members, diam.NewAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(rc)))
		if act, ok := finalUnitAction(an.d.Final); ok && !an.term {
			members = append(members, diam.NewAVP(avp.FinalUnitIndication, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
				diam.NewAVP(avp.FinalUnitAction, avp.Mbit, 0, datatype.Enumerated(act))}}))
		}
		if an.d.Threshold > 0 && !an.term {
			members = append(members, diam.NewAVP(avp.VolumeQuotaThreshold, avp.Mbit|avp.Vbit, wire.Vendor3GPP,
				datatype.Unsigned32(min(an.d.Threshold, 1<<32-1))))
		}
		a.NewAVP(avp.MultipleServicesCreditControl, avp.Mbit, 0, &diam.GroupedAVP{AVP: members})
	}
	if refused != nil {
		a.NewAVP(avp.ErrorMessage, 0, 0, datatype.UTF8String(errorMessage(refused.Reason, refused.Blame)))
	}
	_, _ = a.WriteTo(c)
}
