package gtp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

func TestCauseOfEveryReason(t *testing.T) {
	t.Parallel()
	want := map[sim.Reason]wire.Cause{
		sim.ReasonNone: 16, sim.ReasonUnknownSIM: 93, sim.ReasonCancelled: 93, sim.ReasonManualStop: 89,
		sim.ReasonExpired: 89, sim.ReasonArrears: 125, sim.ReasonContractViolation: 89, sim.ReasonNoRealName: 89,
		sim.ReasonServiceNotAllowed: 89, sim.ReasonOverQuota: 125, sim.ReasonBalanceExhausted: 125,
		sim.ReasonIMEIMismatch: 96, sim.ReasonBarredRegion: 117, sim.ReasonMaintenance: 73, sim.ReasonNodeOutage: 73,
		sim.ReasonRatingFailed: 94,
	}
	for r := sim.Reason(0); r <= sim.ReasonRatingFailed; r++ {
		c, ok := want[r]
		if !ok {
			t.Errorf("reason %v missing from the table", r)
			continue
		}
		if got := CauseOf(r); got != c {
			t.Errorf("CauseOf(%v) = %d, want %d", r, got, c)
		}
		// Every refusal cause is judged a refusal or an error, never ok,
		// and the blame the client falls back on matches sim's.
		if r == sim.ReasonNone {
			continue
		}
		if ClassOf(c) == metrics.ClassOK {
			t.Errorf("ClassOf(%d) = ok for reason %v", c, r)
		}
		if r != sim.ReasonMaintenance && r != sim.ReasonNodeOutage && BlameOfCause(c) != blameString(sim.BlameOf(r)) {
			t.Errorf("BlameOfCause(%d) = %q, sim blames %v for %v", c, BlameOfCause(c), sim.BlameOf(r), r)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string { return "slow" }
func (timeoutErr) Timeout() bool { return true }

func TestChargingErrorCause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want wire.Cause
	}{
		{"local timeout", ErrChargingTimeout, wire.CauseRemotePeerNotResponding},
		{"deadline", fmt.Errorf("ccr: %w", context.DeadlineExceeded), wire.CauseRemotePeerNotResponding},
		{"net-style timeout", fmt.Errorf("ccr: %w", timeoutErr{}), wire.CauseRemotePeerNotResponding},
		{"os deadline", os.ErrDeadlineExceeded, wire.CauseRemotePeerNotResponding},
		{"busy", ErrChargingBusy, wire.CauseNoResourcesAvailable},
		{"unable", ErrChargingUnable, wire.CauseSystemFailure},
		{"anything else", errors.New("broken pipe"), wire.CauseSystemFailure},
	}
	for _, tc := range tests {
		if got := ChargingErrorCause(tc.err); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestJudgeWithoutExplanation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cause wire.Cause
		class metrics.Class
		blame string
	}{
		{16, metrics.ClassOK, ""},
		{89, metrics.ClassRefused, "card"},
		{96, metrics.ClassRefused, "device"},
		{73, metrics.ClassError, "network"},
		{100, metrics.ClassError, "network"},
		{64, metrics.ClassError, ""},
		{70, metrics.ClassError, ""},
	}
	for _, tc := range tests {
		msg := mustB(wire.AppendRejection(nil, wire.MsgCreateSessionRequest, 1, 1, wire.CauseIE{Value: max(tc.cause, 64)}))
		class, blame := judge(tc.cause, msg)
		if class != tc.class || blame != tc.blame {
			t.Errorf("cause %d: %v %q, want %v %q", tc.cause, class, blame, tc.class, tc.blame)
		}
	}
	// Our gateway's explanation wins over the cause's defaults.
	msg := appendExplanation(mustB(wire.AppendRejection(nil, wire.MsgCreateSessionRequest, 1, 1, wire.CauseIE{Value: 73})), 0,
		sim.ReasonMaintenance, sim.BlameNetwork)
	if class, blame := judge(73, msg); class != metrics.ClassRefused || blame != "network" {
		t.Errorf("maintenance: %v %q", class, blame)
	}
}
