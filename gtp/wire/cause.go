package wire

import "strconv"

// Cause is a GTPv2-C cause value (TS 29.274 §8.4, table 8.4-1).
//
// Values 2–15 appear in requests, 16–63 mean acceptance and 64–255 mean
// rejection; see IsAccepted and IsRejection.
type Cause uint8

// Cause values from TS 29.274 table 8.4-1. 0 is reserved and is never sent,
// so a zero Cause in a decoded message means the IE was absent.
const (
	// Causes used in requests.
	CauseLocalDetach                         Cause = 2
	CauseCompleteDetach                      Cause = 3
	CauseRATChangedFrom3GPPToNon3GPP         Cause = 4
	CauseISRDeactivation                     Cause = 5
	CauseErrorIndicationReceived             Cause = 6 // from RNC/eNodeB/S4-SGSN/MME
	CauseIMSIDetachOnly                      Cause = 7
	CauseReactivationRequested               Cause = 8
	CausePDNReconnectionToThisAPNDisallowed  Cause = 9
	CauseAccessChangedFromNon3GPPTo3GPP      Cause = 10
	CausePDNConnectionInactivityTimerExpires Cause = 11
	CausePGWNotResponding                    Cause = 12
	CauseNetworkFailure                      Cause = 13
	CauseQoSParameterMismatch                Cause = 14
	CauseEPSTo5GSMobility                    Cause = 15

	// Acceptance in responses.
	CauseRequestAccepted                    Cause = 16
	CauseRequestAcceptedPartially           Cause = 17
	CauseNewPDNTypeDueToNetworkPreference   Cause = 18
	CauseNewPDNTypeDueToSingleAddressBearer Cause = 19

	// Rejection in responses.
	CauseContextNotFound                      Cause = 64
	CauseInvalidMessageFormat                 Cause = 65
	CauseVersionNotSupportedByNextPeer        Cause = 66
	CauseInvalidLength                        Cause = 67
	CauseServiceNotSupported                  Cause = 68
	CauseMandatoryIEIncorrect                 Cause = 69
	CauseMandatoryIEMissing                   Cause = 70
	CauseSystemFailure                        Cause = 72
	CauseNoResourcesAvailable                 Cause = 73
	CauseSemanticErrorInTFTOperation          Cause = 74
	CauseSyntacticErrorInTFTOperation         Cause = 75
	CauseSemanticErrorsInPacketFilters        Cause = 76
	CauseSyntacticErrorsInPacketFilters       Cause = 77
	CauseMissingOrUnknownAPN                  Cause = 78
	CauseGREKeyNotFound                       Cause = 80
	CauseRelocationFailure                    Cause = 81
	CauseDeniedInRAT                          Cause = 82
	CausePreferredPDNTypeNotSupported         Cause = 83
	CauseAllDynamicAddressesOccupied          Cause = 84
	CauseUEContextWithoutTFTAlreadyActivated  Cause = 85
	CauseProtocolTypeNotSupported             Cause = 86
	CauseUENotResponding                      Cause = 87
	CauseUERefuses                            Cause = 88
	CauseServiceDenied                        Cause = 89
	CauseUnableToPageUE                       Cause = 90
	CauseNoMemoryAvailable                    Cause = 91
	CauseUserAuthenticationFailed             Cause = 92
	CauseAPNAccessDeniedNoSubscription        Cause = 93
	CauseRequestRejected                      Cause = 94 // reason not specified
	CausePTMSISignatureMismatch               Cause = 95
	CauseIMSIIMEINotKnown                     Cause = 96
	CauseSemanticErrorInTADOperation          Cause = 97
	CauseSyntacticErrorInTADOperation         Cause = 98
	CauseRemotePeerNotResponding              Cause = 100
	CauseCollisionWithNetworkInitiatedRequest Cause = 101
	CauseUnableToPageUEDueToSuspension        Cause = 102
	CauseConditionalIEMissing                 Cause = 103
	CauseAPNRestrictionTypeIncompatible       Cause = 104
	CauseInvalidOverallLengthPiggybacked      Cause = 105
	CauseDataForwardingNotSupported           Cause = 106
	CauseInvalidReplyFromRemotePeer           Cause = 107
	CauseFallbackToGTPv1                      Cause = 108
	CauseInvalidPeer                          Cause = 109
	CauseTemporarilyRejectedDueToHandover     Cause = 110 // handover/TAU/RAU procedure in progress
	CauseModificationsNotLimitedToS1UBearers  Cause = 111
	CauseRequestRejectedForPMIPv6Reason       Cause = 112
	CauseAPNCongestion                        Cause = 113
	CauseBearerHandlingNotSupported           Cause = 114
	CauseUEAlreadyReattached                  Cause = 115
	CauseMultiplePDNConnectionsNotAllowed     Cause = 116 // for a given APN
	CauseTargetAccessRestrictedForSubscriber  Cause = 117
	CauseMMESGSNRefusesDueToVPLMNPolicy       Cause = 119
	CauseGTPCEntityCongestion                 Cause = 120
	CauseLateOverlappingRequest               Cause = 121
	CauseTimedOutRequest                      Cause = 122
	CauseUETemporarilyNotReachable            Cause = 123 // due to power saving
	CauseRelocationFailureDueToNASRedirection Cause = 124
	CauseUENotAuthorisedByOCSOrAAA            Cause = 125
	CauseMultipleAccessesToPDNNotAllowed      Cause = 126
	CauseRequestRejectedDueToUECapability     Cause = 127
	CauseS1UPathFailure                       Cause = 128
	Cause5GCNotAllowed                        Cause = 129
)

// IsAccepted reports whether c is an acceptance cause (16–63): the request
// was carried out, fully or partially.
func (c Cause) IsAccepted() bool { return c >= 16 && c <= 63 }

// IsRejection reports whether c is a rejection cause (64–255).
func (c Cause) IsRejection() bool { return c >= 64 }

var causeNames = [...]string{
	CauseLocalDetach:                          "Local Detach",
	CauseCompleteDetach:                       "Complete Detach",
	CauseRATChangedFrom3GPPToNon3GPP:          "RAT changed from 3GPP to Non-3GPP",
	CauseISRDeactivation:                      "ISR deactivation",
	CauseErrorIndicationReceived:              "Error Indication received",
	CauseIMSIDetachOnly:                       "IMSI Detach Only",
	CauseReactivationRequested:                "Reactivation Requested",
	CausePDNReconnectionToThisAPNDisallowed:   "PDN reconnection to this APN disallowed",
	CauseAccessChangedFromNon3GPPTo3GPP:       "Access changed from Non-3GPP to 3GPP",
	CausePDNConnectionInactivityTimerExpires:  "PDN connection inactivity timer expires",
	CausePGWNotResponding:                     "PGW not responding",
	CauseNetworkFailure:                       "Network Failure",
	CauseQoSParameterMismatch:                 "QoS parameter mismatch",
	CauseEPSTo5GSMobility:                     "EPS to 5GS Mobility",
	CauseRequestAccepted:                      "Request accepted",
	CauseRequestAcceptedPartially:             "Request accepted partially",
	CauseNewPDNTypeDueToNetworkPreference:     "New PDN type due to network preference",
	CauseNewPDNTypeDueToSingleAddressBearer:   "New PDN type due to single address bearer only",
	CauseContextNotFound:                      "Context Not Found",
	CauseInvalidMessageFormat:                 "Invalid Message Format",
	CauseVersionNotSupportedByNextPeer:        "Version not supported by next peer",
	CauseInvalidLength:                        "Invalid length",
	CauseServiceNotSupported:                  "Service not supported",
	CauseMandatoryIEIncorrect:                 "Mandatory IE incorrect",
	CauseMandatoryIEMissing:                   "Mandatory IE missing",
	CauseSystemFailure:                        "System failure",
	CauseNoResourcesAvailable:                 "No resources available",
	CauseSemanticErrorInTFTOperation:          "Semantic error in the TFT operation",
	CauseSyntacticErrorInTFTOperation:         "Syntactic error in the TFT operation",
	CauseSemanticErrorsInPacketFilters:        "Semantic errors in packet filter(s)",
	CauseSyntacticErrorsInPacketFilters:       "Syntactic errors in packet filter(s)",
	CauseMissingOrUnknownAPN:                  "Missing or unknown APN",
	CauseGREKeyNotFound:                       "GRE key not found",
	CauseRelocationFailure:                    "Relocation failure",
	CauseDeniedInRAT:                          "Denied in RAT",
	CausePreferredPDNTypeNotSupported:         "Preferred PDN type not supported",
	CauseAllDynamicAddressesOccupied:          "All dynamic addresses are occupied",
	CauseUEContextWithoutTFTAlreadyActivated:  "UE context without TFT already activated",
	CauseProtocolTypeNotSupported:             "Protocol type not supported",
	CauseUENotResponding:                      "UE not responding",
	CauseUERefuses:                            "UE refuses",
	CauseServiceDenied:                        "Service denied",
	CauseUnableToPageUE:                       "Unable to page UE",
	CauseNoMemoryAvailable:                    "No memory available",
	CauseUserAuthenticationFailed:             "User authentication failed",
	CauseAPNAccessDeniedNoSubscription:        "APN access denied - no subscription",
	CauseRequestRejected:                      "Request rejected (reason not specified)",
	CausePTMSISignatureMismatch:               "P-TMSI Signature mismatch",
	CauseIMSIIMEINotKnown:                     "IMSI/IMEI not known",
	CauseSemanticErrorInTADOperation:          "Semantic error in the TAD operation",
	CauseSyntacticErrorInTADOperation:         "Syntactic error in the TAD operation",
	CauseRemotePeerNotResponding:              "Remote peer not responding",
	CauseCollisionWithNetworkInitiatedRequest: "Collision with network initiated request",
	CauseUnableToPageUEDueToSuspension:        "Unable to page UE due to Suspension",
	CauseConditionalIEMissing:                 "Conditional IE missing",
	CauseAPNRestrictionTypeIncompatible:       "APN Restriction type Incompatible with currently active PDN connection",
	CauseInvalidOverallLengthPiggybacked:      "Invalid overall length of the triggered response message and a piggybacked initial message",
	CauseDataForwardingNotSupported:           "Data forwarding not supported",
	CauseInvalidReplyFromRemotePeer:           "Invalid reply from remote peer",
	CauseFallbackToGTPv1:                      "Fallback to GTPv1",
	CauseInvalidPeer:                          "Invalid peer",
	CauseTemporarilyRejectedDueToHandover:     "Temporarily rejected due to handover/TAU/RAU procedure in progress",
	CauseModificationsNotLimitedToS1UBearers:  "Modifications not limited to S1-U bearers",
	CauseRequestRejectedForPMIPv6Reason:       "Request rejected for a PMIPv6 reason",
	CauseAPNCongestion:                        "APN Congestion",
	CauseBearerHandlingNotSupported:           "Bearer handling not supported",
	CauseUEAlreadyReattached:                  "UE already re-attached",
	CauseMultiplePDNConnectionsNotAllowed:     "Multiple PDN connections for a given APN not allowed",
	CauseTargetAccessRestrictedForSubscriber:  "Target access restricted for the subscriber",
	CauseMMESGSNRefusesDueToVPLMNPolicy:       "MME/SGSN refuses due to VPLMN Policy",
	CauseGTPCEntityCongestion:                 "GTP-C Entity Congestion",
	CauseLateOverlappingRequest:               "Late Overlapping Request",
	CauseTimedOutRequest:                      "Timed out Request",
	CauseUETemporarilyNotReachable:            "UE is temporarily not reachable due to power saving",
	CauseRelocationFailureDueToNASRedirection: "Relocation failure due to NAS message redirection",
	CauseUENotAuthorisedByOCSOrAAA:            "UE not authorised by OCS or external AAA Server",
	CauseMultipleAccessesToPDNNotAllowed:      "Multiple accesses to a PDN connection not allowed",
	CauseRequestRejectedDueToUECapability:     "Request rejected due to UE capability",
	CauseS1UPathFailure:                       "S1-U Path Failure",
	Cause5GCNotAllowed:                        "5GC not allowed",
}

// String returns the cause's name from TS 29.274 table 8.4-1, or
// "Cause(n)" for reserved and spare values.
func (c Cause) String() string {
	if int(c) < len(causeNames) && causeNames[c] != "" {
		return causeNames[c]
	}
	return "Cause(" + strconv.Itoa(int(c)) + ")"
}

// CauseIE is the value of a Cause IE (TS 29.274 §8.4):
//
//	octet 5     Cause value
//	octet 6     spare (bits 8-4) | PCE | BCE | CS
//	octets 7-10 optional: type, length (0) and spare|instance of the offending IE
//
// PCE (PDN Connection IE Error) and BCE (Bearer Context IE Error) tell the
// peer that a rejection concerns an IE inside a PDN Connection or Bearer
// Context IE; CS (Cause Source) is set when the cause originates in a remote
// node rather than the sender. The zero value (Value 0, reserved) stands for
// an absent IE.
type CauseIE struct {
	Value Cause
	PCE   bool
	BCE   bool
	CS    bool
	// OffendingIE and OffendingInstance name the IE a rejection is about.
	// OffendingIE 0 (reserved) means none; the 4 extra octets are then left
	// out.
	OffendingIE       IEType
	OffendingInstance uint8
}

func (c *CauseIE) decode(v []byte) bool {
	if len(v) < 2 {
		return false
	}
	c.Value = Cause(v[0])
	c.PCE = v[1]&0x04 != 0
	c.BCE = v[1]&0x02 != 0
	c.CS = v[1]&0x01 != 0
	if len(v) >= 6 && v[2] != 0 {
		c.OffendingIE = IEType(v[2])
		c.OffendingInstance = v[5] & 0x0f
	}
	return true
}

func (c *CauseIE) appendIE(b []byte, inst uint8) []byte {
	var fl byte
	if c.PCE {
		fl |= 0x04
	}
	if c.BCE {
		fl |= 0x02
	}
	if c.CS {
		fl |= 0x01
	}
	if c.OffendingIE == 0 {
		return append(b, byte(IECause), 0, 2, inst, byte(c.Value), fl)
	}
	return append(b, byte(IECause), 0, 6, inst, byte(c.Value), fl,
		byte(c.OffendingIE), 0, 0, c.OffendingInstance&0x0f)
}

// check returns the reason c cannot be encoded, or "".
func (c *CauseIE) check() string {
	switch {
	case c.Value == 0:
		return "cause value 0 is reserved"
	case c.OffendingInstance > 15:
		return "offending IE instance exceeds 4 bits"
	case c.OffendingIE == 0 && c.OffendingInstance != 0:
		return "offending IE instance without an offending IE type"
	}
	return ""
}
