package wire

// Capacities of the fixed-size arrays in decoded messages. A message with
// more instances than these is refused with 5012 (DIAMETER_UNABLE_TO_COMPLY)
// rather than silently truncated.
const (
	MaxMSCC            = 8 // Multiple-Services-Credit-Control per CCR or CCA
	MaxUsedUnits       = 4 // Used-Service-Unit per MSCC
	MaxSubscriptionIDs = 2 // Subscription-Id per CCR (E.164 and IMSI)
	MaxProxyInfo       = 4 // Proxy-Info per message
	MaxRouteRecord     = 4 // Route-Record per request
)

const (
	flagM  = AVPFlagMandatory
	flagVM = AVPFlagVendor | AVPFlagMandatory
)

// ServiceUnit is the content of a Requested-Service-Unit (RFC 4006 §8.18),
// Used-Service-Unit (§8.19) or Granted-Service-Unit (§8.17): an amount of
// time and/or octets. Each amount is present only when its Has flag is
// set; a ServiceUnit with no flags set is an empty group, which in a
// Requested-Service-Unit asks the server to pick the amount.
// CC-Money and CC-Service-Specific-Units are not supported.
type ServiceUnit struct {
	HasTime   bool
	HasTotal  bool
	HasInput  bool
	HasOutput bool
	Time      uint32 // CC-Time (420), seconds
	Total     uint64 // CC-Total-Octets (421)
	Input     uint64 // CC-Input-Octets (412), from the user
	Output    uint64 // CC-Output-Octets (414), to the user
}

// Octets returns a ServiceUnit of n total octets (CC-Total-Octets).
func Octets(n uint64) ServiceUnit { return ServiceUnit{HasTotal: true, Total: n} }

// Seconds returns a ServiceUnit of n seconds (CC-Time).
func Seconds(n uint32) ServiceUnit { return ServiceUnit{HasTime: true, Time: n} }

// UsedUnit is one Used-Service-Unit (RFC 4006 §8.19) with the 3GPP
// Reporting-Reason it may carry (TS 32.299 §7.2.175, §7.2.221).
type UsedUnit struct {
	ServiceUnit
	HasReportingReason bool
	ReportingReason    ReportingReason
}

// MSCCRequest is a Multiple-Services-Credit-Control AVP of a CCR (RFC 4006
// §8.16, TS 32.299 §7.1.9): the quota asked for and the usage reported for
// one rating group or service. Optional numbers are present only when
// their Has flag is set. Of several Service-Identifier or Reporting-Reason
// AVPs at MSCC level only the first is kept.
type MSCCRequest struct {
	HasRatingGroup     bool
	HasServiceID       bool
	HasRSU             bool
	HasReportingReason bool
	RatingGroup        uint32                 // Rating-Group (432)
	ServiceID          uint32                 // Service-Identifier (439)
	ReportingReason    ReportingReason        // Reporting-Reason (872, vendor 10415) at MSCC level
	RSU                ServiceUnit            // Requested-Service-Unit (437)
	NumUsed            int                    // number of valid entries in Used
	Used               [MaxUsedUnits]UsedUnit // Used-Service-Unit (446)
}

// UsedUnits returns the Used-Service-Units, m.Used[:m.NumUsed].
func (m *MSCCRequest) UsedUnits() []UsedUnit { return m.Used[:m.NumUsed] }

// MaxFilterRules is how many Restriction-Filter-Rules a FinalUnitIndication
// holds; a decoder keeps the first MaxFilterRules and counts the rest in
// ExtraFilterRules.
const MaxFilterRules = 4

// FinalUnitIndication is the Final-Unit-Indication AVP (RFC 4006 §8.34):
// what the client does when the granted quota is used up. Redirect-Server
// (§8.37) is present when HasRedirectServer is set; Restriction-Filter-Rule
// (§8.36, IPFilterRule of RFC 6733 §4.3, e.g. "permit out ip from
// 198.51.100.10 to assigned") restricts a RESTRICT_ACCESS. Filter-Id is not
// supported.
//
//	Final-Unit-Indication ::= < AVP Header: 430 >
//	                          { Final-Unit-Action }
//	                         *[ Restriction-Filter-Rule ]
//	                         *[ Filter-Id ]
//	                          [ Redirect-Server ]
type FinalUnitIndication struct {
	Action FinalUnitAction // Final-Unit-Action (449)
	// FilterRules[:NumFilterRules] are the Restriction-Filter-Rules (438);
	// decoded ones alias the input.
	NumFilterRules        int
	FilterRules           [MaxFilterRules][]byte
	ExtraFilterRules      int // decoded beyond MaxFilterRules and not kept
	HasRedirectServer     bool
	RedirectAddressType   RedirectAddressType // Redirect-Address-Type (433)
	RedirectServerAddress []byte              // Redirect-Server-Address (435); aliases the input when decoded
}

// MSCCAnswer is a Multiple-Services-Credit-Control AVP of a CCA (RFC 4006
// §8.16, TS 32.299 §7.1.9): the quota granted for one rating group or
// service. Optional numbers are present only when their Has flag is set;
// ResultCode 0 means absent.
type MSCCAnswer struct {
	HasRatingGroup          bool
	HasServiceID            bool
	HasGSU                  bool
	HasValidityTime         bool
	HasVolumeQuotaThreshold bool
	HasFUI                  bool
	RatingGroup             uint32              // Rating-Group (432)
	ServiceID               uint32              // Service-Identifier (439)
	GSU                     ServiceUnit         // Granted-Service-Unit (431)
	ResultCode              ResultCode          // Result-Code (268) of this service
	ValidityTime            uint32              // Validity-Time (448), seconds
	VolumeQuotaThreshold    uint32              // Volume-Quota-Threshold (869, vendor 10415), octets
	FUI                     FinalUnitIndication // Final-Unit-Indication (430)
}

// Bits of the "seen" masks used to detect AVPs that occur more often than
// their ABNF allows (5009, RFC 6733 §7.1.5).
const (
	seenTime = 1 << iota
	seenTotal
	seenInput
	seenOutput
	seenRR
)

// decodeUnit fills u from the members of the *-Service-Unit g. used is
// non-nil for a Used-Service-Unit, which may carry Reporting-Reason. strict
// makes unknown AVPs with the M bit an error (5001), as it must be for
// requests (RFC 6733 §4.1); answers are read leniently.
func decodeUnit(u *ServiceUnit, used *UsedUnit, g *AVP, strict bool) *Error {
	var seen uint32
	it := Iter{b: g.Data}
	for it.Next() {
		a := &it.cur
		var bit uint32
		var e *Error
		if a.Vendor == 0 {
			switch a.Code {
			case AVPCCTime:
				bit = seenTime
				u.HasTime = true
				u.Time, e = readU32(a)
			case AVPCCTotalOctets:
				bit = seenTotal
				u.HasTotal = true
				u.Total, e = readU64(a)
			case AVPCCInputOctets:
				bit = seenInput
				u.HasInput = true
				u.Input, e = readU64(a)
			case AVPCCOutputOctets:
				bit = seenOutput
				u.HasOutput = true
				u.Output, e = readU64(a)
			case AVPCCServiceSpecificUnits, AVPCCMoney, AVPTariffChangeUsage, AVPTariffTimeChange:
				continue
			default:
				if strict && a.Mandatory() {
					e = unsupportedError(a)
				}
			}
		} else if a.Vendor == Vendor3GPP {
			switch a.Code {
			case AVPReportingReason:
				if used == nil {
					if strict && a.Mandatory() {
						e = unsupportedError(a)
					}
					break
				}
				bit = seenRR
				used.HasReportingReason = true
				var v uint32
				v, e = readU32(a)
				used.ReportingReason = ReportingReason(v)
			case AVPEventChargingTimeStamp:
				continue
			default:
				if strict && a.Mandatory() {
					e = unsupportedError(a)
				}
			}
		} else if strict && a.Mandatory() {
			e = unsupportedError(a)
		}
		if e == nil && seen&bit != 0 {
			e = duplicateError(a)
		}
		if e != nil {
			return e.within(g)
		}
		seen |= bit
	}
	if it.err != nil {
		return it.err.within(g)
	}
	return nil
}

const (
	seenRG = 1 << iota
	seenRSU
	seenGSU
	seenVT
	seenRC
	seenVQT
	seenFUI
)

// decode fills m from the Multiple-Services-Credit-Control g of a CCR.
func (m *MSCCRequest) decode(g *AVP) *Error {
	var seen uint32
	it := Iter{b: g.Data}
	for it.Next() {
		a := &it.cur
		var bit uint32
		var e *Error
		if a.Vendor == 0 {
			switch a.Code {
			case AVPRatingGroup:
				bit = seenRG
				m.HasRatingGroup = true
				m.RatingGroup, e = readU32(a)
			case AVPServiceIdentifier:
				if !m.HasServiceID {
					m.HasServiceID = true
					m.ServiceID, e = readU32(a)
				} else if len(a.Data) != 4 {
					e = lengthError(a, 4)
				}
			case AVPRequestedServiceUnit:
				bit = seenRSU
				m.HasRSU = true
				e = decodeUnit(&m.RSU, nil, a, true)
			case AVPUsedServiceUnit:
				if m.NumUsed == MaxUsedUnits {
					e = capacityError(a, MaxUsedUnits)
					break
				}
				u := &m.Used[m.NumUsed]
				m.NumUsed++
				e = decodeUnit(&u.ServiceUnit, u, a, true)
			case AVPGrantedServiceUnit, AVPTariffChangeUsage, AVPGSUPoolReference,
				AVPValidityTime, AVPResultCode, AVPFinalUnitIndication:
				continue
			default:
				if a.Mandatory() {
					e = unsupportedError(a)
				}
			}
		} else if a.Vendor == Vendor3GPP {
			switch a.Code {
			case AVPReportingReason:
				if !m.HasReportingReason {
					m.HasReportingReason = true
					var v uint32
					v, e = readU32(a)
					m.ReportingReason = ReportingReason(v)
				} else if len(a.Data) != 4 {
					e = lengthError(a, 4)
				}
			case AVPTimeQuotaThreshold, AVPVolumeQuotaThreshold, AVPUnitQuotaThreshold,
				AVPQuotaHoldingTime, AVPQuotaConsumptionTime, AVPTrigger,
				AVPPSFurnishChargingInformation, AVPRefundInformation,
				AVPAFCorrelationInformation, AVPEnvelope, AVPEnvelopeReporting,
				AVPTimeQuotaMechanism, AVPServiceSpecificInfo, AVPQoSInformation:
				continue
			default:
				if a.Mandatory() {
					e = unsupportedError(a)
				}
			}
		} else if a.Mandatory() {
			e = unsupportedError(a)
		}
		if e == nil && seen&bit != 0 {
			e = duplicateError(a)
		}
		if e != nil {
			return e.within(g)
		}
		seen |= bit
	}
	if it.err != nil {
		return it.err.within(g)
	}
	return nil
}

// decode fills m from the Multiple-Services-Credit-Control g of a CCA.
// Unknown AVPs are skipped whatever their M bit: an answer cannot be
// refused, only reported.
func (m *MSCCAnswer) decode(g *AVP) *Error {
	var seen uint32
	it := Iter{b: g.Data}
	for it.Next() {
		a := &it.cur
		var bit uint32
		var e *Error
		if a.Vendor == 0 {
			switch a.Code {
			case AVPRatingGroup:
				bit = seenRG
				m.HasRatingGroup = true
				m.RatingGroup, e = readU32(a)
			case AVPServiceIdentifier:
				if !m.HasServiceID {
					m.HasServiceID = true
					m.ServiceID, e = readU32(a)
				} else if len(a.Data) != 4 {
					e = lengthError(a, 4)
				}
			case AVPGrantedServiceUnit:
				bit = seenGSU
				m.HasGSU = true
				e = decodeUnit(&m.GSU, nil, a, false)
			case AVPValidityTime:
				bit = seenVT
				m.HasValidityTime = true
				m.ValidityTime, e = readU32(a)
			case AVPResultCode:
				bit = seenRC
				var v uint32
				v, e = readU32(a)
				m.ResultCode = ResultCode(v)
			case AVPFinalUnitIndication:
				bit = seenFUI
				m.HasFUI = true
				e = m.FUI.decode(a)
			}
		} else if a.Vendor == Vendor3GPP && a.Code == AVPVolumeQuotaThreshold {
			bit = seenVQT
			m.HasVolumeQuotaThreshold = true
			m.VolumeQuotaThreshold, e = readU32(a)
		}
		if e == nil && seen&bit != 0 {
			e = duplicateError(a)
		}
		if e != nil {
			return e.within(g)
		}
		seen |= bit
	}
	if it.err != nil {
		return it.err.within(g)
	}
	return nil
}

// decode fills f from the Final-Unit-Indication g (RFC 4006 §8.34).
func (f *FinalUnitIndication) decode(g *AVP) *Error {
	var hasAction bool
	it := Iter{b: g.Data}
	for it.Next() {
		a := &it.cur
		if a.Vendor != 0 {
			continue
		}
		var e *Error
		switch a.Code {
		case AVPFinalUnitAction:
			if hasAction {
				e = duplicateError(a)
				break
			}
			hasAction = true
			var v uint32
			v, e = readU32(a)
			f.Action = FinalUnitAction(v)
		case AVPRestrictionFilterRule:
			if f.NumFilterRules == MaxFilterRules {
				f.ExtraFilterRules++
				break
			}
			f.FilterRules[f.NumFilterRules] = a.Data
			f.NumFilterRules++
		case AVPRedirectServer:
			if f.HasRedirectServer {
				e = duplicateError(a)
				break
			}
			f.HasRedirectServer = true
			e = f.decodeRedirect(a)
		}
		if e != nil {
			return e.within(g)
		}
	}
	if it.err != nil {
		return it.err.within(g)
	}
	if !hasAction {
		return missingError(AVPFinalUnitAction, 0, 4).within(g)
	}
	return nil
}

// decodeRedirect reads the Redirect-Server g (RFC 4006 §8.37).
func (f *FinalUnitIndication) decodeRedirect(g *AVP) *Error {
	var hasType bool
	it := Iter{b: g.Data}
	for it.Next() {
		a := &it.cur
		if a.Vendor != 0 {
			continue
		}
		var e *Error
		switch a.Code {
		case AVPRedirectAddressType:
			if hasType {
				e = duplicateError(a)
				break
			}
			hasType = true
			var v uint32
			v, e = readU32(a)
			f.RedirectAddressType = RedirectAddressType(v)
		case AVPRedirectServerAddress:
			if f.RedirectServerAddress != nil {
				e = duplicateError(a)
				break
			}
			f.RedirectServerAddress = a.Data
		}
		if e != nil {
			return e.within(g)
		}
	}
	if it.err != nil {
		return it.err.within(g)
	}
	if !hasType {
		return missingError(AVPRedirectAddressType, 0, 4).within(g)
	}
	if f.RedirectServerAddress == nil {
		return missingError(AVPRedirectServerAddress, 0, 0).within(g)
	}
	return nil
}

// appendUnit appends the *-Service-Unit AVP code holding u, its members in
// the order of RFC 4006 §8.17-§8.19.
func appendUnit(dst []byte, code uint32, u *ServiceUnit, used *UsedUnit) []byte {
	dst, g := beginGroup(dst, code, flagM, 0)
	if u.HasTime {
		dst = appendU32AVP(dst, AVPCCTime, flagM, 0, u.Time)
	}
	if u.HasTotal {
		dst = appendU64AVP(dst, AVPCCTotalOctets, flagM, 0, u.Total)
	}
	if u.HasInput {
		dst = appendU64AVP(dst, AVPCCInputOctets, flagM, 0, u.Input)
	}
	if u.HasOutput {
		dst = appendU64AVP(dst, AVPCCOutputOctets, flagM, 0, u.Output)
	}
	if used != nil && used.HasReportingReason {
		dst = appendU32AVP(dst, AVPReportingReason, flagVM, Vendor3GPP, uint32(used.ReportingReason))
	}
	return endGroup(dst, g)
}

// append appends m as a Multiple-Services-Credit-Control AVP of a CCR, its
// members in the order of RFC 4006 §8.16 and TS 32.299 §7.1.9.
func (m *MSCCRequest) append(dst []byte) []byte {
	dst, g := beginGroup(dst, AVPMultipleServicesCreditControl, flagM, 0)
	if m.HasRSU {
		dst = appendUnit(dst, AVPRequestedServiceUnit, &m.RSU, nil)
	}
	for i := range m.NumUsed {
		u := &m.Used[i]
		dst = appendUnit(dst, AVPUsedServiceUnit, &u.ServiceUnit, u)
	}
	if m.HasServiceID {
		dst = appendU32AVP(dst, AVPServiceIdentifier, flagM, 0, m.ServiceID)
	}
	if m.HasRatingGroup {
		dst = appendU32AVP(dst, AVPRatingGroup, flagM, 0, m.RatingGroup)
	}
	if m.HasReportingReason {
		dst = appendU32AVP(dst, AVPReportingReason, flagVM, Vendor3GPP, uint32(m.ReportingReason))
	}
	return endGroup(dst, g)
}

// append appends m as a Multiple-Services-Credit-Control AVP of a CCA, its
// members in the order of RFC 4006 §8.16 and TS 32.299 §7.1.9.
func (m *MSCCAnswer) append(dst []byte) []byte {
	dst, g := beginGroup(dst, AVPMultipleServicesCreditControl, flagM, 0)
	if m.HasGSU {
		dst = appendUnit(dst, AVPGrantedServiceUnit, &m.GSU, nil)
	}
	if m.HasServiceID {
		dst = appendU32AVP(dst, AVPServiceIdentifier, flagM, 0, m.ServiceID)
	}
	if m.HasRatingGroup {
		dst = appendU32AVP(dst, AVPRatingGroup, flagM, 0, m.RatingGroup)
	}
	if m.HasValidityTime {
		dst = appendU32AVP(dst, AVPValidityTime, flagM, 0, m.ValidityTime)
	}
	if m.ResultCode != 0 {
		dst = appendU32AVP(dst, AVPResultCode, flagM, 0, uint32(m.ResultCode))
	}
	if m.HasFUI {
		f := &m.FUI
		var fg int
		dst, fg = beginGroup(dst, AVPFinalUnitIndication, flagM, 0)
		dst = appendU32AVP(dst, AVPFinalUnitAction, flagM, 0, uint32(f.Action))
		for _, r := range f.FilterRules[:min(f.NumFilterRules, MaxFilterRules)] {
			dst = appendBytesAVP(dst, AVPRestrictionFilterRule, flagM, 0, r)
		}
		if f.HasRedirectServer {
			var rg int
			dst, rg = beginGroup(dst, AVPRedirectServer, flagM, 0)
			dst = appendU32AVP(dst, AVPRedirectAddressType, flagM, 0, uint32(f.RedirectAddressType))
			dst = appendBytesAVP(dst, AVPRedirectServerAddress, flagM, 0, f.RedirectServerAddress)
			dst = endGroup(dst, rg)
		}
		dst = endGroup(dst, fg)
	}
	if m.HasVolumeQuotaThreshold {
		dst = appendU32AVP(dst, AVPVolumeQuotaThreshold, flagVM, Vendor3GPP, m.VolumeQuotaThreshold)
	}
	return endGroup(dst, g)
}

// AddUsed appends a Used-Service-Unit and reports whether there was room
// for it (at most [MaxUsedUnits]).
func (m *MSCCRequest) AddUsed(u UsedUnit) bool {
	if m.NumUsed == MaxUsedUnits {
		return false
	}
	m.Used[m.NumUsed] = u
	m.NumUsed++
	return true
}
