package diameter

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/carriersim/carriersim/sim"
)

// gatewayCharger is the interface package gtp declares.
type gatewayCharger interface {
	Charge(ctx context.Context, session uint64, req *sim.Request, d *sim.Decision) error
}

var _ gatewayCharger = (*Charger)(nil)

func newCharger(t *testing.T, c *sim.Carrier, addrs ...string) *Charger {
	t.Helper()
	ch, err := NewCharger(context.Background(), ChargerConfig{Addrs: addrs, Carrier: c, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("NewCharger: %v", err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch
}

func TestChargerSession(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, nil)
	ch := newCharger(t, c, s.Addr())
	ctx := context.Background()
	const card = 21
	loc, imei := c.HomeLocation(card), c.Identity(card).DeviceIMEI
	var d sim.Decision
	if err := ch.Charge(ctx, 7, &sim.Request{SIM: card, Kind: sim.KindInitial, Requested: 1 << 20, Loc: loc, IMEI: imei}, &d); err != nil {
		t.Fatal(err)
	}
	if d.Outcome != sim.OutcomeSuccess || d.Granted != 1<<20 || d.ValiditySeconds != 1800 || d.Threshold == 0 {
		t.Fatalf("CCR-I decision %+v", d)
	}
	if err := ch.Charge(ctx, 7, &sim.Request{SIM: card, Kind: sim.KindUpdate, Requested: 1 << 20, Used: 5000, Loc: loc, IMEI: imei}, &d); err != nil {
		t.Fatal(err)
	}
	if err := ch.Charge(ctx, 7, &sim.Request{SIM: card, Kind: sim.KindTerminate, Used: 7000}, &d); err != nil {
		t.Fatal(err)
	}
	if st, _ := c.Card(card); st.Used != 12000 || st.Reserved != 0 {
		t.Fatalf("card used %d reserved %d", st.Used, st.Reserved)
	}
	// A refusal is a decision, with the OCS's reason and blame.
	if err := c.Stop(card); err != nil {
		t.Fatal(err)
	}
	if err := ch.Charge(ctx, 8, &sim.Request{SIM: card, Kind: sim.KindInitial, Loc: loc, IMEI: imei}, &d); err != nil {
		t.Fatal(err)
	}
	if d.Outcome != sim.OutcomeDenied || d.Reason != sim.ReasonManualStop || d.Blame != sim.BlameCard || d.Granted != 0 {
		t.Fatalf("refusal decision %+v", d)
	}
	// Another device: blamed on the device.
	if err := ch.Charge(ctx, 9, &sim.Request{SIM: card + 1, Kind: sim.KindInitial, Loc: loc, IMEI: imei}, &d); err != nil {
		t.Fatal(err)
	}
	if d.Reason != sim.ReasonIMEIMismatch || d.Blame != sim.BlameDevice {
		t.Fatalf("IMEI mismatch decision %+v", d)
	}
}

func TestChargerOutages(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, nil)
	ch := newCharger(t, c, s.Addr())
	ctx := context.Background()
	req := &sim.Request{SIM: 3, Kind: sim.KindInitial, Loc: c.HomeLocation(3)}
	var d sim.Decision
	id, _ := c.Faults().StartOutage(sim.NodeOCS, sim.OutageBusy)
	if err := ch.Charge(ctx, 1, req, &d); !errors.Is(err, ErrUnavailable) || d.Blame != sim.BlameNetwork || d.Reason != sim.ReasonNodeOutage {
		t.Fatalf("busy OCS: %v, %+v", err, d)
	}
	_ = c.Faults().EndOutage(id)
	id, _ = c.Faults().StartOutage(sim.NodeOCS, sim.OutageSilent)
	if err := ch.Charge(ctx, 2, req, &d); !errors.Is(err, ErrTimeout) || d.Blame != sim.BlameNetwork {
		t.Fatalf("silent OCS: %v, %+v", err, d)
	}
	_ = c.Faults().EndOutage(id)
	if err := ch.Charge(ctx, 3, req, &d); err != nil || d.Outcome != sim.OutcomeSuccess {
		t.Fatalf("after the outage: %v, %+v", err, d)
	}
	// An update for a session the OCS does not know: a *ResultError.
	var re *ResultError
	if err := ch.Charge(ctx, 99, &sim.Request{SIM: 3, Kind: sim.KindUpdate}, &d); !errors.As(err, &re) || re.Code != 5002 {
		t.Fatalf("unknown session: %v", err)
	}
}
