package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/carriersim/carriersim/sim"
)

// Problem is an error answer: RFC 9457 problem details, served as
// application/problem+json, with a stable Code extension to branch on
// (the title and detail are for people and may change).
type Problem struct {
	// Type identifies the kind of problem: ProblemTypeBase + Code.
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Instance is the path of the request that failed.
	Instance string `json:"instance,omitempty"`
	// Code is the stable problem code (the Code… constants).
	Code string `json:"code"`
	// StopReasons and Blame accompany a refused card operation: the
	// card's stop reasons (sim.Reason names, most severe first) and who is
	// responsible for the first.
	StopReasons []string `json:"stop_reasons,omitempty"`
	Blame       string   `json:"blame,omitempty"`
	// Errors lists every problem of an invalid request body or query.
	Errors []string `json:"errors,omitempty"`
}

// Error returns the code and the detail.
func (p *Problem) Error() string { return "api: " + p.Code + ": " + p.Detail }

// ProblemTypeBase prefixes Code to make a problem's Type URI; the page
// documents every code.
const ProblemTypeBase = "https://github.com/carriersim/carriersim/blob/main/sim/api/problems.md#"

// Problem codes. They are stable: clients branch on them.
const (
	CodeBadRequest          = "bad_request"          // 400 malformed JSON, unknown field, bad query parameter
	CodeInvalidID           = "invalid_id"           // 400 not a card id, a bad check digit, or ambiguous
	CodeUnauthorized        = "unauthorized"         // 401 missing or wrong bearer token
	CodeTokenRequired       = "token_required"       // 403 no token configured and the request came over a non-loopback address
	CodeNotFound            = "not_found"            // 404 no such endpoint
	CodeCardNotFound        = "card_not_found"       // 404
	CodeSessionNotFound     = "session_not_found"    // 404
	CodeFaultNotFound       = "fault_not_found"      // 404
	CodeMethodNotAllowed    = "method_not_allowed"   // 405
	CodeResumeNotAllowed    = "resume_not_allowed"   // 409 only a manual stop, or arrears after a recharge, is the customer's to resume
	CodeStopNotAllowed      = "stop_not_allowed"     // 409 only a card within its plan period and not in arrears can be suspended
	CodePlanExpired         = "plan_expired"         // 409 renew the plan first
	CodeInArrears           = "in_arrears"           // 409 recharge first
	CodeCardCancelled       = "card_cancelled"       // 409 the number is cancelled for good
	CodeNotSupported        = "not_supported"        // 409 the action does not apply to this session
	CodeUnsupportedMedia    = "unsupported_media"    // 415 the body is not JSON
	CodeInvalidValue        = "invalid_value"        // 422 a value sim refuses (amount, IMEI, location, fault target)
	CodeUnknownPlan         = "unknown_plan"         // 422
	CodeRenewInPast         = "renew_in_past"        // 422 a renewal must end later than now
	CodeRateLimited         = "rate_limited"         // 429 see Retry-After
	CodeInternal            = "internal"             // 500
	CodeSessionsUnavailable = "sessions_unavailable" // 501 no SessionManager configured
	CodeUnavailable         = "unavailable"          // 503 the server is closing
)

// problemTitles are the short human titles per code.
var problemTitles = map[string]string{
	CodeBadRequest:          "Bad request",
	CodeInvalidID:           "Invalid card id",
	CodeUnauthorized:        "Unauthorized",
	CodeTokenRequired:       "A bearer token is required",
	CodeNotFound:            "Not found",
	CodeCardNotFound:        "Card not found",
	CodeSessionNotFound:     "Session not found",
	CodeFaultNotFound:       "Fault not found",
	CodeMethodNotAllowed:    "Method not allowed",
	CodeResumeNotAllowed:    "Resume not allowed",
	CodeStopNotAllowed:      "Stop not allowed",
	CodePlanExpired:         "Plan expired",
	CodeInArrears:           "Card in arrears",
	CodeCardCancelled:       "Card cancelled",
	CodeNotSupported:        "Not supported",
	CodeUnsupportedMedia:    "Unsupported media type",
	CodeInvalidValue:        "Invalid value",
	CodeUnknownPlan:         "Unknown plan",
	CodeRenewInPast:         "Renewal in the past",
	CodeRateLimited:         "Too many requests",
	CodeInternal:            "Internal error",
	CodeSessionsUnavailable: "Sessions unavailable",
	CodeUnavailable:         "Service unavailable",
}

func problem(status int, code, detail string) *Problem {
	return &Problem{Type: ProblemTypeBase + code, Title: problemTitles[code], Status: status, Code: code, Detail: detail}
}

func problemf(status int, code, format string, args ...any) *Problem {
	return problem(status, code, fmt.Sprintf(format, args...))
}

// writeProblem answers with p.
func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	if p.Instance == "" {
		p.Instance = r.URL.Path
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// cardProblem maps a refused card operation from sim to a problem, saying
// why and what would help.
func cardProblem(err error) *Problem {
	var p *Problem
	var op *sim.OpError
	var stops sim.StopSet
	if errors.As(err, &op) {
		stops = op.Stops
	}
	switch {
	case errors.Is(err, sim.ErrUnknownSIM):
		p = problem(http.StatusNotFound, CodeCardNotFound, "no such card")
	case errors.Is(err, sim.ErrCancelled):
		p = problem(http.StatusConflict, CodeCardCancelled,
			"the card's number was cancelled for good (three months after its plan expired) and cannot come back")
	case errors.Is(err, sim.ErrExpired):
		p = problem(http.StatusConflict, CodePlanExpired,
			"the card's plan has expired: an expired plan cannot be resumed; renew it (POST .../renew) within the retention period")
	case errors.Is(err, sim.ErrArrears):
		p = problem(http.StatusConflict, CodeInArrears,
			"the card is in arrears: recharge it (POST .../recharge) until the balance is not negative, then resume it")
	case errors.Is(err, sim.ErrNotResumable):
		p = problem(http.StatusConflict, CodeResumeNotAllowed, resumeDetail(stops))
	case errors.Is(err, sim.ErrNotStoppable):
		p = problem(http.StatusConflict, CodeStopNotAllowed,
			"only a card within its plan period and not in arrears can be suspended by the customer")
	case errors.Is(err, sim.ErrUnknownPlan):
		p = problem(http.StatusUnprocessableEntity, CodeUnknownPlan, unwrapDetail(err))
	case errors.Is(err, sim.ErrNotExpiredYet):
		p = problem(http.StatusUnprocessableEntity, CodeRenewInPast, "the new expiry must be later than now")
	case errors.Is(err, sim.ErrBadValue):
		p = problem(http.StatusUnprocessableEntity, CodeInvalidValue, unwrapDetail(err))
	default:
		p = problem(http.StatusInternalServerError, CodeInternal, err.Error())
	}
	if op != nil && p.Status != http.StatusNotFound {
		p.StopReasons = reasonNames(stops)
		if r := stops.First(); r != sim.ReasonNone {
			p.Blame = sim.BlameOf(r).String()
		}
	}
	return p
}

// resumeDetail says why a resume was refused, from what stops the card.
func resumeDetail(stops sim.StopSet) string {
	if stops.Empty() {
		return "the card is not stopped"
	}
	var why []string
	for _, r := range stops.Reasons() {
		switch r {
		case sim.ReasonOverQuota:
			why = append(why, "over_quota: the card resumes by itself at the start of the next cycle (or change to a larger plan)")
		case sim.ReasonIMEIMismatch:
			why = append(why, "imei_mismatch: bind the card to its new device (POST .../imei/bind) or put it back in the bound one")
		case sim.ReasonBarredRegion:
			why = append(why, "barred_region: used in a province where IoT cards are barred; only the carrier can lift it")
		case sim.ReasonContractViolation:
			why = append(why, "contract_violation: use outside the contract; only the carrier can lift it")
		}
	}
	return "only a manually stopped card, or one in arrears after a recharge, can be resumed by the customer; this card is stopped for " +
		strings.Join(why, "; ")
}

// unwrapDetail is the message of a sim error without its "sim: op card N
// (stops):" prefix.
func unwrapDetail(err error) string {
	var op *sim.OpError
	if errors.As(err, &op) {
		return op.Err.Error()
	}
	return err.Error()
}

func reasonNames(s sim.StopSet) []string {
	out := []string{}
	for _, r := range s.Reasons() {
		out = append(out, r.String())
	}
	return out
}
