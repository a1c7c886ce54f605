package sim

import "strconv"

// Reason says why a request was refused or why a card's state changed. The
// first eight values double as stop reasons: bit r of a StopSet is Reason r.
type Reason uint8

// Reasons. Values below 8 are the stop reasons a card can carry
// (DOMAIN.md "Why a card stops"); the rest only describe refusals.
const (
	ReasonNone              Reason = iota // no reason: served
	ReasonManualStop                      // the customer suspended the card
	ReasonOverQuota                       // the cycle's allowance is used up (stop policy)
	ReasonArrears                         // the balance cannot pay the plan
	ReasonExpired                         // the plan expired and was not renewed
	ReasonIMEIMismatch                    // used in a device other than the bound one
	ReasonBarredRegion                    // used in a region where IoT cards are barred
	ReasonContractViolation               // use outside the contract, detected by monitoring
	ReasonCancelled                       // the number was cancelled for good (terminal)
	ReasonUnknownSIM                      // no such subscription
	ReasonNoRealName                      // real-name registration missing
	ReasonServiceNotAllowed               // voice or SMS on a data-only card (function minimisation)
	ReasonBalanceExhausted                // pay-per-use overage with no money left
	ReasonMaintenance                     // the cell, tracking area or region is under maintenance
	ReasonNodeOutage                      // a core node (OCS, gateway) is out
	ReasonRatingFailed                    // the request could not be rated (bad plan, bad units)
	numReasons
)

var reasonNames = [numReasons]string{
	"none", "manual_stop", "over_quota", "arrears", "expired", "imei_mismatch",
	"barred_region", "contract_violation", "cancelled", "unknown_sim", "no_real_name",
	"service_not_allowed", "balance_exhausted", "maintenance", "node_outage", "rating_failed",
}

// String returns the reason's stable snake_case name, used in results files.
func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return "reason(" + itoa(uint64(r)) + ")"
}

// ParseReason is the inverse of Reason.String.
func ParseReason(s string) (Reason, bool) {
	for i, n := range reasonNames {
		if n == s {
			return Reason(i), true
		}
	}
	return 0, false
}

// IsStop reports whether r is a stop reason a card can carry.
func (r Reason) IsStop() bool { return r >= ReasonManualStop && r <= ReasonCancelled }

// StopSet is the set of stop reasons a card carries; a card serves data only
// when its set is empty. Bit r is set when the card carries Reason r.
type StopSet uint16

// Has reports whether the set contains r.
func (s StopSet) Has(r Reason) bool { return s&(1<<r) != 0 }

// With returns the set with r added.
func (s StopSet) With(r Reason) StopSet { return s | 1<<r }

// Without returns the set with r removed.
func (s StopSet) Without(r Reason) StopSet { return s &^ (1 << r) }

// Empty reports whether the card carries no stop reason.
func (s StopSet) Empty() bool { return s == 0 }

// stopPriority orders stop reasons for reporting a refusal when a card carries
// several: the terminal and the least curable first.
var stopPriority = [...]Reason{
	ReasonCancelled, ReasonContractViolation, ReasonExpired, ReasonArrears,
	ReasonIMEIMismatch, ReasonBarredRegion, ReasonManualStop, ReasonOverQuota,
}

// First returns the reason a refusal reports for this set: the most severe.
func (s StopSet) First() Reason {
	for _, r := range stopPriority {
		if s.Has(r) {
			return r
		}
	}
	return ReasonNone
}

// Reasons lists the set's reasons in priority order.
func (s StopSet) Reasons() []Reason {
	var out []Reason
	for _, r := range stopPriority {
		if s.Has(r) {
			out = append(out, r)
		}
	}
	return out
}

// String joins the reasons with "+", or "active" for the empty set.
func (s StopSet) String() string {
	if s == 0 {
		return "active"
	}
	out := ""
	for _, r := range s.Reasons() {
		if out != "" {
			out += "+"
		}
		out += r.String()
	}
	return out
}

// Blame names who is responsible for a refused or failed request
// (DOMAIN.md "Who is to blame").
type Blame uint8

// Blame values.
const (
	BlameNone    Blame = iota // nothing failed
	BlameCard                 // the card or the subscription: stopped, arrears, expired, barred region
	BlameNetwork              // the carrier's network: outage, maintenance, a node not answering
	BlameDevice               // the device: not the bound device, incompatible
	numBlames
)

var blameNames = [numBlames]string{"none", "card", "network", "device"}

// String returns the blame's stable name.
func (b Blame) String() string {
	if b < numBlames {
		return blameNames[b]
	}
	return "blame(" + itoa(uint64(b)) + ")"
}

// ParseBlame is the inverse of Blame.String.
func ParseBlame(s string) (Blame, bool) {
	for i, n := range blameNames {
		if n == s {
			return Blame(i), true
		}
	}
	return 0, false
}

// blameOf gives the party responsible for a refusal for reason r.
func blameOf(r Reason) Blame {
	switch r {
	case ReasonNone:
		return BlameNone
	case ReasonIMEIMismatch:
		return BlameDevice
	case ReasonMaintenance, ReasonNodeOutage:
		return BlameNetwork
	default:
		return BlameCard
	}
}

// BlameOf returns who is responsible for a refusal for reason r.
func BlameOf(r Reason) Blame { return blameOf(r) }

// Outcome is the class of a rating decision; protocol adapters map it (with
// the Reason) to a result code or cause.
type Outcome uint8

// Outcomes.
const (
	OutcomeSuccess            Outcome = iota // units granted (possibly zero on termination)
	OutcomeDenied                            // service denied; Reason says why
	OutcomeCreditLimit                       // allowance or balance exhausted
	OutcomeUserUnknown                       // no such subscription, or cancelled
	OutcomeRatingFailed                      // the request cannot be rated
	OutcomeNetworkUnavailable                // the location is under maintenance
	numOutcomes
)

var outcomeNames = [numOutcomes]string{
	"success", "denied", "credit_limit", "user_unknown", "rating_failed", "network_unavailable",
}

// String returns the outcome's stable name.
func (o Outcome) String() string {
	if o < numOutcomes {
		return outcomeNames[o]
	}
	return "outcome(" + itoa(uint64(o)) + ")"
}

// FinalAction is what the network does when the final units granted are used
// (RFC 4006 §8.35 Final-Unit-Action).
type FinalAction uint8

// Final actions. FinalNone means the grant is not the last.
const (
	FinalNone      FinalAction = iota
	FinalTerminate             // end the session when the units are used
	FinalRedirect              // redirect traffic (to a top-up portal)
	FinalRestrict              // restrict access to allowed destinations
)

var finalNames = [...]string{"none", "terminate", "redirect", "restrict"}

// String returns the action's stable name.
func (f FinalAction) String() string {
	if int(f) < len(finalNames) {
		return finalNames[f]
	}
	return "final(" + itoa(uint64(f)) + ")"
}

// ParseFinalAction is the inverse of FinalAction.String.
func ParseFinalAction(s string) (FinalAction, bool) {
	for i, n := range finalNames {
		if n == s {
			return FinalAction(i), true
		}
	}
	return 0, false
}

// Service is the kind of service a request is for.
type Service uint8

// Services. IoT cards are data only by default (function minimisation).
const (
	ServiceData Service = iota
	ServiceSMS
	ServiceVoice
)

// ServiceSet is a set of services a plan allows.
type ServiceSet uint8

// Has reports whether the set allows s.
func (s ServiceSet) Has(sv Service) bool { return s&(1<<sv) != 0 }

// Services builds a set.
func Services(list ...Service) ServiceSet {
	var s ServiceSet
	for _, sv := range list {
		s |= 1 << sv
	}
	return s
}

// itoa formats a number for the String methods of out-of-range values.
func itoa(v uint64) string { return strconv.FormatUint(v, 10) }
