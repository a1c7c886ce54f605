package diameter

import (
	"bytes"
	"net/netip"
	"strings"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/metrics"
	"github.com/carriersim/carriersim/sim"
)

// This file is the one place where sim's decisions meet Diameter result
// codes, in both directions: the server turns a Decision into Result-Code,
// Final-Unit-Indication and Error-Message; the load client and the Charger
// turn an answer back into a class, a blame and (for the Charger) a
// Decision. MAPPING.md tabulates it.

// ResultCodeOf returns the Result-Code that answers a decision with
// outcome o (RFC 4006 §9.1, RFC 6733 §7.1): 2001 for success, 4010 for a
// service denied (a stop reason, a barred region, another device, no
// real-name registration, a service outside the plan, maintenance at the
// location), 4012 when the allowance or balance is used up or the card is
// in arrears, 5030 for an unknown or cancelled subscription and 5031 when
// the request cannot be rated.
func ResultCodeOf(o sim.Outcome) wire.ResultCode {
	switch o {
	case sim.OutcomeSuccess:
		return wire.Success
	case sim.OutcomeCreditLimit:
		return wire.CreditLimitReached
	case sim.OutcomeUserUnknown:
		return wire.UserUnknown
	case sim.OutcomeRatingFailed:
		return wire.RatingFailed
	}
	// OutcomeDenied and OutcomeNetworkUnavailable: the device may not be
	// served; Error-Message says whether the card or the network is to blame.
	return wire.EndUserServiceDenied
}

// OutageResultCode returns the Result-Code an OCS in outage mode m answers
// with: 3004 DIAMETER_TOO_BUSY for OutageBusy, 3002
// DIAMETER_UNABLE_TO_DELIVER for OutageUnable, and 0 for OutageSilent (no
// answer at all) or no outage.
func OutageResultCode(m sim.OutageMode) wire.ResultCode {
	switch m {
	case sim.OutageBusy:
		return wire.TooBusy
	case sim.OutageUnable:
		return wire.UnableToDeliver
	}
	return 0
}

// finalUnitAction maps sim's final action to Final-Unit-Action (RFC 4006
// §8.35); ok is false for FinalNone.
func finalUnitAction(f sim.FinalAction) (wire.FinalUnitAction, bool) {
	switch f {
	case sim.FinalTerminate:
		return wire.ActionTerminate, true
	case sim.FinalRedirect:
		return wire.ActionRedirect, true
	case sim.FinalRestrict:
		return wire.ActionRestrictAccess, true
	}
	return 0, false
}

// refusalFinal is the Final-Unit-Indication a refusal carries: a card in
// arrears, or a pay-per-use card without money, is redirected to the top-up
// portal (RFC 4006 §5.6.2); other refusals carry none.
func refusalFinal(r sim.Reason) sim.FinalAction {
	if r == sim.ReasonArrears || r == sim.ReasonBalanceExhausted {
		return sim.FinalRedirect
	}
	return sim.FinalNone
}

// redirectAddressType guesses the Redirect-Address-Type (RFC 4006 §8.38) of
// a Redirect-Server address: an IPv4 or IPv6 literal, a SIP URI, else a URL.
func redirectAddressType(s string) wire.RedirectAddressType {
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Is4() {
			return wire.RedirectIPv4
		}
		return wire.RedirectIPv6
	}
	if strings.HasPrefix(s, "sip:") || strings.HasPrefix(s, "sips:") {
		return wire.RedirectSIPURI
	}
	return wire.RedirectURL
}

// errorMessages[reason][blame] is the Error-Message of a refusal,
// "reason=<sim reason> blame=<card|network|device>", built once so that
// answering does not allocate.
var errorMessages [32][4][]byte

func init() {
	for r := range errorMessages {
		for b := range errorMessages[r] {
			errorMessages[r][b] = []byte("reason=" + sim.Reason(r).String() + " blame=" + sim.Blame(b).String())
		}
	}
}

// errorMessage returns the Error-Message for a refusal with reason r and
// blame b.
func errorMessage(r sim.Reason, b sim.Blame) []byte {
	if int(r) < len(errorMessages) && int(b) < len(errorMessages[0]) {
		return errorMessages[r][b]
	}
	return nil
}

// ClassOf classifies a Result-Code as the load client reports it: 2xxx ok;
// 4010, 4011, 4012, 5030 and 5031 refused (the network said no to this
// card); anything else an error.
func ClassOf(rc wire.ResultCode) metrics.Class {
	switch {
	case rc.IsSuccess():
		return metrics.ClassOK
	case rc == wire.EndUserServiceDenied, rc == wire.CreditControlNotApplicable, rc == wire.CreditLimitReached,
		rc == wire.UserUnknown, rc == wire.RatingFailed:
		return metrics.ClassRefused
	}
	return metrics.ClassError
}

// Blame names, shared so that samples carry no per-request strings.
const (
	blameCard    = "card"
	blameNetwork = "network"
	blameDevice  = "device"
)

// blameOfCode is who is to blame for an answer that does not say: the card
// for 5030, 4010, 4011 and 4012; the network for 3002 and 3004; nobody
// named otherwise.
func blameOfCode(rc wire.ResultCode) string {
	switch rc {
	case wire.UserUnknown, wire.EndUserServiceDenied, wire.CreditControlNotApplicable, wire.CreditLimitReached:
		return blameCard
	case wire.UnableToDeliver, wire.TooBusy:
		return blameNetwork
	}
	return ""
}

// BlameOf returns who is responsible for an answer with result code rc
// and Error-Message msg: the blame=… token our OCS writes when present,
// else the mapping by code (5030, 4010, 4011, 4012: card; 3002, 3004:
// network). It returns "" for success. It does not allocate.
func BlameOf(rc wire.ResultCode, msg []byte) string {
	if rc.IsSuccess() {
		return ""
	}
	if v := token(msg, "blame="); v != nil {
		switch string(v) {
		case blameCard:
			return blameCard
		case blameNetwork:
			return blameNetwork
		case blameDevice:
			return blameDevice
		}
	}
	return blameOfCode(rc)
}

// token returns the value of key (such as "blame=") in a space-separated
// Error-Message, or nil.
func token(msg []byte, key string) []byte {
	for len(msg) > 0 {
		var f []byte
		f, msg, _ = bytes.Cut(msg, []byte{' '})
		if len(f) > len(key) && string(f[:len(key)]) == key {
			return f[len(key):]
		}
	}
	return nil
}

// decisionOf fills the outcome, reason and blame of d from an answer's
// result code and Error-Message, for the Charger: the reason=/blame= tokens
// when the OCS wrote them, else the mapping by code.
func decisionOf(rc wire.ResultCode, msg []byte, d *sim.Decision) {
	switch {
	case rc.IsSuccess(), rc == wire.CreditControlNotApplicable:
		d.Outcome = sim.OutcomeSuccess
	case rc == wire.CreditLimitReached:
		d.Outcome, d.Reason = sim.OutcomeCreditLimit, sim.ReasonOverQuota
	case rc == wire.UserUnknown:
		d.Outcome, d.Reason = sim.OutcomeUserUnknown, sim.ReasonUnknownSIM
	case rc == wire.RatingFailed:
		d.Outcome, d.Reason = sim.OutcomeRatingFailed, sim.ReasonRatingFailed
	case rc == wire.UnableToDeliver, rc == wire.TooBusy:
		d.Outcome, d.Reason = sim.OutcomeNetworkUnavailable, sim.ReasonNodeOutage
	default:
		d.Outcome = sim.OutcomeDenied
	}
	if d.Outcome == sim.OutcomeSuccess {
		d.Reason, d.Blame = sim.ReasonNone, sim.BlameNone
		return
	}
	if v := token(msg, "reason="); v != nil {
		if r, ok := sim.ParseReason(string(v)); ok {
			d.Reason = r
			if d.Outcome == sim.OutcomeDenied && r == sim.ReasonMaintenance {
				d.Outcome = sim.OutcomeNetworkUnavailable
			}
		}
	}
	if b, ok := sim.ParseBlame(BlameOf(rc, msg)); ok {
		d.Blame = b
	} else {
		d.Blame = sim.BlameOf(d.Reason)
	}
}
