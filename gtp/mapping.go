package gtp

import (
	"context"
	"encoding/binary"
	"errors"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// This file is the one place where sim's decisions meet GTPv2-C causes, in
// both directions: the gateway turns a Decision, a charging error or an
// outage into the Cause of its answer; the load client turns a Cause (and
// the private extension our gateway adds) back into a class and a blame.
// MAPPING.md tabulates it.

// CauseOf returns the TS 29.274 §8.4 cause with which the gateway answers a
// decision refused for reason r (CauseRequestAccepted for sim.ReasonNone):
//
//	unknown_sim, cancelled             93 APN access denied - no subscription
//	manual_stop, expired,
//	contract_violation, no_real_name,
//	service_not_allowed                89 Service denied
//	over_quota, balance_exhausted,
//	arrears                            125 UE not authorised by OCS or external AAA server
//	imei_mismatch                      96 IMSI/IMEI not known
//	barred_region                      117 Target access restricted for the subscriber
//	maintenance                        73 No resources available
//	node_outage                        73 No resources available
//	rating_failed                      94 Request rejected (reason not specified)
func CauseOf(r sim.Reason) wire.Cause {
	switch r {
	case sim.ReasonNone:
		return wire.CauseRequestAccepted
	case sim.ReasonUnknownSIM, sim.ReasonCancelled:
		return wire.CauseAPNAccessDeniedNoSubscription
	case sim.ReasonOverQuota, sim.ReasonBalanceExhausted, sim.ReasonArrears:
		return wire.CauseUENotAuthorisedByOCSOrAAA
	case sim.ReasonIMEIMismatch:
		return wire.CauseIMSIIMEINotKnown
	case sim.ReasonBarredRegion:
		return wire.CauseTargetAccessRestrictedForSubscriber
	case sim.ReasonMaintenance, sim.ReasonNodeOutage:
		return wire.CauseNoResourcesAvailable
	case sim.ReasonRatingFailed:
		return wire.CauseRequestRejected
	}
	return wire.CauseServiceDenied
}

// DecisionCause returns the cause that answers decision d: CauseOf its
// reason, except that an OCS answer with a refusal but no reason (an
// external OCS said no) maps by outcome.
func DecisionCause(d *sim.Decision) wire.Cause {
	if d.Outcome == sim.OutcomeSuccess {
		return wire.CauseRequestAccepted
	}
	if d.Reason != sim.ReasonNone {
		return CauseOf(d.Reason)
	}
	switch d.Outcome {
	case sim.OutcomeCreditLimit:
		return wire.CauseUENotAuthorisedByOCSOrAAA
	case sim.OutcomeUserUnknown:
		return wire.CauseAPNAccessDeniedNoSubscription
	case sim.OutcomeNetworkUnavailable:
		return wire.CauseNoResourcesAvailable
	case sim.OutcomeRatingFailed:
		return wire.CauseRequestRejected
	}
	return wire.CauseServiceDenied
}

// ChargingErrorCause returns the cause with which the gateway refuses a
// request whose charging failed with err: 100 Remote peer not responding
// for a timeout (the OCS did not answer: ErrChargingTimeout,
// context.DeadlineExceeded, or any error in the chain with a Timeout
// method reporting true, as net.Error has), 73 No resources available when
// the OCS was too busy (ErrChargingBusy), 72 System failure otherwise. All
// blame the network.
func ChargingErrorCause(err error) wire.Cause {
	var te interface{ Timeout() bool }
	switch {
	case errors.Is(err, ErrChargingTimeout), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &te) && te.Timeout():
		return wire.CauseRemotePeerNotResponding
	case errors.Is(err, ErrChargingBusy):
		return wire.CauseNoResourcesAvailable
	}
	return wire.CauseSystemFailure
}

// OutageCause returns the cause with which the gateway answers every
// request during an outage of sim.NodeGateway in mode m: 73 No resources
// available when busy, 72 System failure when unable, and 0 when silent (no
// answer at all) or when there is no outage.
func OutageCause(m sim.OutageMode) wire.Cause {
	switch m {
	case sim.OutageBusy:
		return wire.CauseNoResourcesAvailable
	case sim.OutageUnable:
		return wire.CauseSystemFailure
	}
	return 0
}

// Blame names, shared so that samples carry no per-request strings.
const (
	blameCard    = "card"
	blameNetwork = "network"
	blameDevice  = "device"
)

// ClassOf classifies a cause as the load client reports it: acceptance
// (16-63) is ok; causes that refuse this subscriber or device (78, 89, 92,
// 93, 94, 96, 117, 125) are refused; everything else (no resources, system
// failure, remote peer not responding, context not found, malformed
// messages...) is an error.
func ClassOf(c wire.Cause) metrics.Class {
	switch {
	case c.IsAccepted():
		return metrics.ClassOK
	case c == wire.CauseMissingOrUnknownAPN, c == wire.CauseServiceDenied, c == wire.CauseUserAuthenticationFailed,
		c == wire.CauseAPNAccessDeniedNoSubscription, c == wire.CauseRequestRejected, c == wire.CauseIMSIIMEINotKnown,
		c == wire.CauseTargetAccessRestrictedForSubscriber, c == wire.CauseUENotAuthorisedByOCSOrAAA,
		c == wire.CauseDeniedInRAT, c == wire.CauseRequestRejectedDueToUECapability:
		return metrics.ClassRefused
	}
	return metrics.ClassError
}

// BlameOfCause returns who is to blame for a cause when the answer does not
// say (a gateway other than ours): the card for subscription refusals (78,
// 89, 92, 93, 94, 117, 125), the device for 96 IMSI/IMEI not known and 127
// UE capability, the network for 72, 73, 100, 110, 113, 120 and any cause
// sent during congestion or failure, and nobody ("") for acceptance and for
// protocol errors the client itself caused (64-70).
func BlameOfCause(c wire.Cause) string {
	switch c {
	case wire.CauseMissingOrUnknownAPN, wire.CauseServiceDenied, wire.CauseUserAuthenticationFailed,
		wire.CauseAPNAccessDeniedNoSubscription, wire.CauseRequestRejected,
		wire.CauseTargetAccessRestrictedForSubscriber, wire.CauseUENotAuthorisedByOCSOrAAA:
		return blameCard
	case wire.CauseIMSIIMEINotKnown, wire.CauseRequestRejectedDueToUECapability, wire.CauseDeniedInRAT:
		return blameDevice
	case wire.CauseSystemFailure, wire.CauseNoResourcesAvailable, wire.CauseRemotePeerNotResponding,
		wire.CauseTemporarilyRejectedDueToHandover, wire.CauseAPNCongestion, wire.CauseGTPCEntityCongestion,
		wire.CauseNoMemoryAvailable, wire.CauseAllDynamicAddressesOccupied, wire.CauseTimedOutRequest:
		return blameNetwork
	}
	return ""
}

// blameString turns sim's blame into the metrics label.
func blameString(b sim.Blame) string {
	switch b {
	case sim.BlameCard:
		return blameCard
	case sim.BlameNetwork:
		return blameNetwork
	case sim.BlameDevice:
		return blameDevice
	}
	return ""
}

// classOfReason classifies a refusal our gateway explained with sim reason
// r: every rule the carrier applies is a refusal, maintenance included; a
// node outage is an error.
func classOfReason(r sim.Reason) metrics.Class {
	if r == sim.ReasonNodeOutage {
		return metrics.ClassError
	}
	return metrics.ClassRefused
}

// The private extension (TS 29.274 §8.67, IE type 255) with which our
// gateway explains a refusal or a network-initiated deletion:
//
//	octets 5-6  Enterprise ID 32473 (RFC 5612, for documentation use)
//	octet 7     version, 1
//	octet 8     sim.Reason
//	octet 9     sim.Blame
//
// Other gateways do not send it; the load client then falls back on
// BlameOfCause and ClassOf.
const (
	privateEnterprise = 32473
	privateVersion    = 1
	privateLen        = 5
)

// appendExplanation appends the private extension to the message that
// starts at start in b and fixes the message's Length (octets 3-4).
func appendExplanation(b []byte, start int, r sim.Reason, bl sim.Blame) []byte {
	var v [privateLen]byte
	binary.BigEndian.PutUint16(v[0:2], privateEnterprise)
	v[2], v[3], v[4] = privateVersion, byte(r), byte(bl)
	out, err := wire.AppendIE(b, wire.IEPrivateExtension, 0, v[:])
	if err != nil {
		return b
	}
	binary.BigEndian.PutUint16(out[start+2:start+4], uint16(len(out)-start-4))
	return out
}

// explanation finds our private extension in a GTPv2-C message; ok is
// false when the message carries none.
func explanation(msg []byte) (r sim.Reason, bl sim.Blame, ok bool) {
	var h wire.Header
	ies, _, err := wire.ParseHeader(msg, &h)
	if err != nil {
		return 0, 0, false
	}
	rd := wire.NewIEReader(ies)
	for rd.Next() {
		ie := rd.IE()
		if ie.Type != wire.IEPrivateExtension || len(ie.Value) < privateLen {
			continue
		}
		if binary.BigEndian.Uint16(ie.Value) != privateEnterprise || ie.Value[2] != privateVersion {
			continue
		}
		return sim.Reason(ie.Value[3]), sim.Blame(ie.Value[4]), true
	}
	return 0, 0, false
}

// judge returns the class and blame of an answer with cause c in message
// msg, preferring our gateway's explanation when it is there.
func judge(c wire.Cause, msg []byte) (metrics.Class, string) {
	if c.IsAccepted() {
		return metrics.ClassOK, ""
	}
	if r, bl, ok := explanation(msg); ok {
		return classOfReason(r), blameString(bl)
	}
	return ClassOf(c), BlameOfCause(c)
}
