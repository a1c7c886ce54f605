package wire

// Command codes (RFC 6733 §3.1, RFC 4006 §3).
const (
	CommandCapabilitiesExchange = 257 // CER/CEA, RFC 6733 §5.3
	CommandReAuth               = 258 // RAR/RAA, RFC 6733 §8.3, RFC 4006 §3.3
	CommandCreditControl        = 272 // CCR/CCA, RFC 4006 §3.1
	CommandAbortSession         = 274 // ASR/ASA, RFC 6733 §8.5
	CommandDeviceWatchdog       = 280 // DWR/DWA, RFC 6733 §5.5
	CommandDisconnectPeer       = 282 // DPR/DPA, RFC 6733 §5.4
)

// Application identifiers (RFC 6733 §2.4, §11.3).
const (
	AppCommon        = 0 // Diameter common messages (CER, DWR, DPR)
	AppCreditControl = 4 // Diameter Credit-Control Application, RFC 4006 §1.3
)

// Vendor3GPP is the IANA enterprise number of 3GPP, the Vendor-Id of the
// 3GPP AVPs (TS 29.230 §7).
const Vendor3GPP = 10415

// AVP codes used by this package. Base protocol AVPs are from RFC 6733 §4.5,
// credit-control AVPs from RFC 4006 §8 and §12, 3GPP AVPs (vendor 10415) from
// TS 32.299 §7.2 and TS 29.061 §16.4.7.
const (
	AVPUserName                    = 1   // UTF8String, RFC 6733 §8.14
	AVP3GPPUserLocationInfo        = 22  // OctetString, vendor 10415, TS 29.061 §16.4.7.2
	AVPCalledStationID             = 30  // UTF8String (the APN), RFC 7155 §4.2.5
	AVPProxyState                  = 33  // OctetString, RFC 6733 §6.7.4
	AVPAcctSessionID               = 44  // OctetString, RFC 6733 §9.8.4
	AVPAcctMultiSessionID          = 50  // UTF8String, RFC 6733 §9.8.5
	AVPEventTimestamp              = 55  // Time, RFC 6733 §8.21
	AVPHostIPAddress               = 257 // Address, RFC 6733 §5.3.5
	AVPAuthApplicationID           = 258 // Unsigned32, RFC 6733 §6.8
	AVPAcctApplicationID           = 259 // Unsigned32, RFC 6733 §6.9
	AVPVendorSpecificApplicationID = 260 // Grouped, RFC 6733 §6.11
	AVPRedirectHostUsage           = 261 // Enumerated, RFC 6733 §6.13
	AVPRedirectMaxCacheTime        = 262 // Unsigned32, RFC 6733 §6.14
	AVPSessionID                   = 263 // UTF8String, RFC 6733 §8.8
	AVPOriginHost                  = 264 // DiamIdent, RFC 6733 §6.3
	AVPSupportedVendorID           = 265 // Unsigned32, RFC 6733 §5.3.6
	AVPVendorID                    = 266 // Unsigned32, RFC 6733 §5.3.3
	AVPFirmwareRevision            = 267 // Unsigned32, RFC 6733 §5.3.4
	AVPResultCode                  = 268 // Unsigned32, RFC 6733 §7.1
	AVPProductName                 = 269 // UTF8String, RFC 6733 §5.3.7
	AVPDisconnectCause             = 273 // Enumerated, RFC 6733 §5.4.3
	AVPAuthRequestType             = 274 // Enumerated, RFC 6733 §8.7
	AVPAuthGracePeriod             = 276 // Unsigned32, RFC 6733 §8.10
	AVPAuthSessionState            = 277 // Enumerated, RFC 6733 §8.11
	AVPOriginStateID               = 278 // Unsigned32, RFC 6733 §8.16
	AVPFailedAVP                   = 279 // Grouped, RFC 6733 §7.5
	AVPProxyHost                   = 280 // DiamIdent, RFC 6733 §6.7.3
	AVPErrorMessage                = 281 // UTF8String, RFC 6733 §7.3
	AVPRouteRecord                 = 282 // DiamIdent, RFC 6733 §6.7.1
	AVPDestinationRealm            = 283 // DiamIdent, RFC 6733 §6.6
	AVPProxyInfo                   = 284 // Grouped, RFC 6733 §6.7.2
	AVPReAuthRequestType           = 285 // Enumerated, RFC 6733 §8.12
	AVPAuthorizationLifetime       = 291 // Unsigned32, RFC 6733 §8.9
	AVPRedirectHost                = 292 // DiamURI, RFC 6733 §6.12
	AVPDestinationHost             = 293 // DiamIdent, RFC 6733 §6.5
	AVPErrorReportingHost          = 294 // DiamIdent, RFC 6733 §7.4
	AVPTerminationCause            = 295 // Enumerated, RFC 6733 §8.15
	AVPOriginRealm                 = 296 // DiamIdent, RFC 6733 §6.4
	AVPExperimentalResult          = 297 // Grouped, RFC 6733 §7.6
	AVPExperimentalResultCode      = 298 // Unsigned32, RFC 6733 §7.7
	AVPInbandSecurityID            = 299 // Unsigned32, RFC 6733 §6.10

	AVPCCCorrelationID               = 411 // OctetString, RFC 4006 §8.1
	AVPCCInputOctets                 = 412 // Unsigned64, RFC 4006 §8.24
	AVPCCMoney                       = 413 // Grouped, RFC 4006 §8.22
	AVPCCOutputOctets                = 414 // Unsigned64, RFC 4006 §8.25
	AVPCCRequestNumber               = 415 // Unsigned32, RFC 4006 §8.2
	AVPCCRequestType                 = 416 // Enumerated, RFC 4006 §8.3
	AVPCCServiceSpecificUnits        = 417 // Unsigned64, RFC 4006 §8.26
	AVPCCSessionFailover             = 418 // Enumerated, RFC 4006 §8.4
	AVPCCSubSessionID                = 419 // Unsigned64, RFC 4006 §8.5
	AVPCCTime                        = 420 // Unsigned32, RFC 4006 §8.21
	AVPCCTotalOctets                 = 421 // Unsigned64, RFC 4006 §8.23
	AVPCheckBalanceResult            = 422 // Enumerated, RFC 4006 §8.6
	AVPCreditControlFailureHandling  = 427 // Enumerated, RFC 4006 §8.14
	AVPDirectDebitingFailureHandle   = 428 // Enumerated, RFC 4006 §8.15
	AVPGrantedServiceUnit            = 431 // Grouped, RFC 4006 §8.17
	AVPFinalUnitIndication           = 430 // Grouped, RFC 4006 §8.34
	AVPRatingGroup                   = 432 // Unsigned32, RFC 4006 §8.29
	AVPRedirectAddressType           = 433 // Enumerated, RFC 4006 §8.38
	AVPRedirectServer                = 434 // Grouped, RFC 4006 §8.37
	AVPRedirectServerAddress         = 435 // UTF8String, RFC 4006 §8.39
	AVPRequestedAction               = 436 // Enumerated, RFC 4006 §8.41
	AVPRequestedServiceUnit          = 437 // Grouped, RFC 4006 §8.18
	AVPRestrictionFilterRule         = 438 // IPFilterRule, RFC 4006 §8.36
	AVPServiceIdentifier             = 439 // Unsigned32, RFC 4006 §8.28
	AVPServiceParameterInfo          = 440 // Grouped, RFC 4006 §8.43
	AVPSubscriptionID                = 443 // Grouped, RFC 4006 §8.46
	AVPSubscriptionIDData            = 444 // UTF8String, RFC 4006 §8.48
	AVPUsedServiceUnit               = 446 // Grouped, RFC 4006 §8.19
	AVPValidityTime                  = 448 // Unsigned32, RFC 4006 §8.33
	AVPFinalUnitAction               = 449 // Enumerated, RFC 4006 §8.35
	AVPSubscriptionIDType            = 450 // Enumerated, RFC 4006 §8.47
	AVPTariffTimeChange              = 451 // Time, RFC 4006 §8.20
	AVPTariffChangeUsage             = 452 // Enumerated, RFC 4006 §8.27
	AVPGSUPoolReference              = 457 // Grouped, RFC 4006 §8.30
	AVPMultipleServicesIndicator     = 455 // Enumerated, RFC 4006 §8.40
	AVPMultipleServicesCreditControl = 456 // Grouped, RFC 4006 §8.16
	AVPUserEquipmentInfo             = 458 // Grouped, RFC 4006 §8.49
	AVPUserEquipmentInfoType         = 459 // Enumerated, RFC 4006 §8.50
	AVPUserEquipmentInfoValue        = 460 // OctetString, RFC 4006 §8.51
	AVPServiceContextID              = 461 // UTF8String, RFC 4006 §8.42

	// 3GPP AVPs, vendor 10415 (TS 32.299 §7.2).
	AVPPSFurnishChargingInformation = 865  // Grouped, TS 32.299 §7.2.153
	AVPTimeQuotaThreshold           = 868  // Unsigned32, TS 32.299 §7.2.208
	AVPVolumeQuotaThreshold         = 869  // Unsigned32, TS 32.299 §7.2.231
	AVPQuotaHoldingTime             = 871  // Unsigned32, TS 32.299 §7.2.160
	AVPReportingReason              = 872  // Enumerated, TS 32.299 §7.2.175
	AVPServiceInformation           = 873  // Grouped, TS 32.299 §7.2.192
	AVPPSInformation                = 874  // Grouped, TS 32.299 §7.2.158
	AVPQuotaConsumptionTime         = 881  // Unsigned32, TS 32.299 §7.2.159
	AVPQoSInformation               = 1016 // Grouped, TS 29.212 §5.3.16
	AVPUnitQuotaThreshold           = 1226 // Unsigned32, TS 32.299 §7.2.226
	AVPServiceSpecificInfo          = 1249 // Grouped, TS 32.299 §7.2.196
	AVPEventChargingTimeStamp       = 1258 // Time, TS 32.299 §7.2.52
	AVPTrigger                      = 1264 // Grouped, TS 32.299 §7.2.218
	AVPEnvelope                     = 1266 // Grouped, TS 32.299 §7.2.48
	AVPEnvelopeReporting            = 1268 // Enumerated, TS 32.299 §7.2.50
	AVPTimeQuotaMechanism           = 1270 // Grouped, TS 32.299 §7.2.209
	AVPAFCorrelationInformation     = 1276 // Grouped, TS 32.299 §7.2.3
	AVPAoCRequestType               = 2055 // Enumerated, TS 32.299 §7.2.17
	AVPRefundInformation            = 2022 // OctetString, TS 32.299 §7.2.170
)

// RequestType is the value of CC-Request-Type (RFC 4006 §8.3).
type RequestType uint32

// CC-Request-Type values (RFC 4006 §8.3).
const (
	InitialRequest     RequestType = 1
	UpdateRequest      RequestType = 2
	TerminationRequest RequestType = 3
	EventRequest       RequestType = 4
)

// Valid reports whether t is one of the four values RFC 4006 §8.3 defines.
func (t RequestType) Valid() bool { return t >= InitialRequest && t <= EventRequest }

// String returns the RFC 4006 name of t, such as "UPDATE_REQUEST".
func (t RequestType) String() string {
	switch t {
	case InitialRequest:
		return "INITIAL_REQUEST"
	case UpdateRequest:
		return "UPDATE_REQUEST"
	case TerminationRequest:
		return "TERMINATION_REQUEST"
	case EventRequest:
		return "EVENT_REQUEST"
	}
	return "CC-Request-Type(" + utoa(uint32(t)) + ")"
}

// SubscriptionIDType is the value of Subscription-Id-Type (RFC 4006 §8.47).
type SubscriptionIDType uint32

// Subscription-Id-Type values (RFC 4006 §8.47).
const (
	EndUserE164    SubscriptionIDType = 0 // MSISDN, ITU-T E.164
	EndUserIMSI    SubscriptionIDType = 1 // IMSI, ITU-T E.212
	EndUserSIPURI  SubscriptionIDType = 2
	EndUserNAI     SubscriptionIDType = 3
	EndUserPrivate SubscriptionIDType = 4
)

// UserEquipmentInfoType is the value of User-Equipment-Info-Type
// (RFC 4006 §8.50).
type UserEquipmentInfoType uint32

// User-Equipment-Info-Type values (RFC 4006 §8.50).
const (
	UEInfoIMEISV        UserEquipmentInfoType = 0
	UEInfoMAC           UserEquipmentInfoType = 1
	UEInfoEUI64         UserEquipmentInfoType = 2
	UEInfoModifiedEUI64 UserEquipmentInfoType = 3
)

// FinalUnitAction is the value of Final-Unit-Action (RFC 4006 §8.35).
type FinalUnitAction uint32

// Final-Unit-Action values (RFC 4006 §8.35).
const (
	ActionTerminate      FinalUnitAction = 0
	ActionRedirect       FinalUnitAction = 1
	ActionRestrictAccess FinalUnitAction = 2
)

// RedirectAddressType is the value of Redirect-Address-Type (RFC 4006 §8.38).
type RedirectAddressType uint32

// Redirect-Address-Type values (RFC 4006 §8.38).
const (
	RedirectIPv4   RedirectAddressType = 0
	RedirectIPv6   RedirectAddressType = 1
	RedirectURL    RedirectAddressType = 2
	RedirectSIPURI RedirectAddressType = 3
)

// ReportingReason is the value of the 3GPP Reporting-Reason AVP
// (TS 32.299 §7.2.175).
type ReportingReason uint32

// Reporting-Reason values (TS 32.299 §7.2.175).
const (
	ReasonThreshold             ReportingReason = 0
	ReasonQHT                   ReportingReason = 1
	ReasonFinal                 ReportingReason = 2
	ReasonQuotaExhausted        ReportingReason = 3
	ReasonValidityTime          ReportingReason = 4
	ReasonOtherQuotaType        ReportingReason = 5
	ReasonRatingConditionChange ReportingReason = 6
	ReasonForcedReauthorisation ReportingReason = 7
	ReasonPoolExhausted         ReportingReason = 8
	ReasonUnusedQuotaTimer      ReportingReason = 9
)

// TerminationCause is the value of Termination-Cause (RFC 6733 §8.15).
type TerminationCause uint32

// Termination-Cause values (RFC 6733 §8.15).
const (
	CauseLogout             TerminationCause = 1
	CauseServiceNotProvided TerminationCause = 2
	CauseBadAnswer          TerminationCause = 3
	CauseAdministrative     TerminationCause = 4
	CauseLinkBroken         TerminationCause = 5
	CauseAuthExpired        TerminationCause = 6
	CauseUserMoved          TerminationCause = 7
	CauseSessionTimeout     TerminationCause = 8
)

// ReAuthRequestType is the value of Re-Auth-Request-Type (RFC 6733 §8.12).
type ReAuthRequestType uint32

// Re-Auth-Request-Type values (RFC 6733 §8.12).
const (
	AuthorizeOnly         ReAuthRequestType = 0
	AuthorizeAuthenticate ReAuthRequestType = 1
)

// DisconnectCause is the value of Disconnect-Cause (RFC 6733 §5.4.3).
type DisconnectCause uint32

// Disconnect-Cause values (RFC 6733 §5.4.3).
const (
	DisconnectRebooting            DisconnectCause = 0
	DisconnectBusy                 DisconnectCause = 1
	DisconnectDoNotWantToTalkToYou DisconnectCause = 2
)
