package gtp

import (
	"context"
	"errors"

	"github.com/carriersim/carriersim/sim"
)

// Charger charges a gateway's sessions: in process against the carrier core,
// or over Gy to an OCS.
//
// Charge decides req (KindInitial when a session opens, KindUpdate when
// usage is reported, KindTerminate when it closes) for the gateway session
// numbered session and fills d. A refusal is a Decision, not an error; an
// error means the charging system could not decide (a timeout, an outage,
// a broken connection), and the gateway then refuses a new session with a
// network-blamed cause (see MAPPING.md). Implementations must be safe for
// concurrent use.
//
// The package diameter provides a Charger that sends Credit-Control-Requests
// to any OCS; NewLocalCharger rates in process.
type Charger interface {
	Charge(ctx context.Context, session uint64, req *sim.Request, d *sim.Decision) error
}

// Errors of the local charger while the carrier's OCS node is out
// (sim.Faults outage of sim.NodeOCS), the in-process counterpart of a Gy
// peer that does not answer (silent), answers 3004 (busy) or 3002 (unable).
var (
	ErrChargingTimeout = errors.New("gtp: charging: no answer from the charging system")
	ErrChargingBusy    = errors.New("gtp: charging: the charging system is too busy")
	ErrChargingUnable  = errors.New("gtp: charging: the charging system is unable to deliver")
)

// localCharger rates against the carrier core in the calling goroutine.
type localCharger struct{ c *sim.Carrier }

// NewLocalCharger returns a Charger that rates in process with
// c.Rate: no allocation, no waiting. While the carrier's OCS node has an
// outage it fails with ErrChargingTimeout, ErrChargingBusy or
// ErrChargingUnable by the outage's mode, except for terminations, which
// are committed regardless so that no reservation leaks.
func NewLocalCharger(c *sim.Carrier) Charger { return &localCharger{c: c} }

// Charge implements Charger.
func (l *localCharger) Charge(_ context.Context, _ uint64, req *sim.Request, d *sim.Decision) error {
	if req.Kind != sim.KindTerminate {
		switch l.c.Faults().Outage(sim.NodeOCS, l.c.Clock().UnixNano()) {
		case sim.OutageSilent:
			return ErrChargingTimeout
		case sim.OutageBusy:
			return ErrChargingBusy
		case sim.OutageUnable:
			return ErrChargingUnable
		}
	}
	l.c.Rate(req, d)
	return nil
}
