package wire

// A mirror of the CCR and CCA codecs written with go-diameter v4.1.0, the
// independent implementation the differential tests compare against.

import (
	"bytes"
	"fmt"
	"time"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
)

func gdAVP(code uint32, flags uint8, vendor uint32, d datatype.Type) *diam.AVP {
	return diam.NewAVP(code, flags, vendor, d)
}

func gdGroup(code uint32, flags uint8, vendor uint32, members ...*diam.AVP) *diam.AVP {
	return diam.NewAVP(code, flags, vendor, &diam.GroupedAVP{AVP: members})
}

// gdRaw re-decodes an encoded AVP (such as Proxy-Info) with go-diameter.
func gdRaw(raw []byte) *diam.AVP {
	a, err := diam.DecodeAVP(raw, AppCreditControl, dict.Default)
	if err != nil {
		panic(err)
	}
	return a
}

func gdUnit(code uint32, u *ServiceUnit, used *UsedUnit) *diam.AVP {
	var m []*diam.AVP
	if u.HasTime {
		m = append(m, gdAVP(avp.CCTime, avp.Mbit, 0, datatype.Unsigned32(u.Time)))
	}
	if u.HasTotal {
		m = append(m, gdAVP(avp.CCTotalOctets, avp.Mbit, 0, datatype.Unsigned64(u.Total)))
	}
	if u.HasInput {
		m = append(m, gdAVP(avp.CCInputOctets, avp.Mbit, 0, datatype.Unsigned64(u.Input)))
	}
	if u.HasOutput {
		m = append(m, gdAVP(avp.CCOutputOctets, avp.Mbit, 0, datatype.Unsigned64(u.Output)))
	}
	if used != nil && used.HasReportingReason {
		m = append(m, gdAVP(avp.ReportingReason, avp.Mbit|avp.Vbit, Vendor3GPP, datatype.Enumerated(used.ReportingReason)))
	}
	return gdGroup(code, avp.Mbit, 0, m...)
}

// gdCCR builds r with go-diameter, AVPs in the order CCR.Append uses.
func gdCCR(r *CCR) *diam.Message {
	m := diam.NewMessage(CommandCreditControl, diam.RequestFlag|diam.ProxiableFlag, AppCreditControl,
		r.Header.HopByHop, r.Header.EndToEnd, dict.Default)
	m.AddAVP(gdAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String(r.SessionID)))
	m.AddAVP(gdAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(r.OriginHost)))
	m.AddAVP(gdAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(r.OriginRealm)))
	m.AddAVP(gdAVP(avp.DestinationRealm, avp.Mbit, 0, datatype.DiameterIdentity(r.DestinationRealm)))
	m.AddAVP(gdAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(r.AuthApplicationID)))
	m.AddAVP(gdAVP(avp.ServiceContextID, avp.Mbit, 0, datatype.UTF8String(r.ServiceContextID)))
	m.AddAVP(gdAVP(avp.CCRequestType, avp.Mbit, 0, datatype.Enumerated(r.RequestType)))
	m.AddAVP(gdAVP(avp.CCRequestNumber, avp.Mbit, 0, datatype.Unsigned32(r.RequestNumber)))
	if r.DestinationHost != nil {
		m.AddAVP(gdAVP(avp.DestinationHost, avp.Mbit, 0, datatype.DiameterIdentity(r.DestinationHost)))
	}
	if r.UserName != nil {
		m.AddAVP(gdAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String(r.UserName)))
	}
	if r.HasEventTimestamp {
		m.AddAVP(gdAVP(avp.EventTimestamp, avp.Mbit, 0, datatype.Time(TimeFromNTP(r.EventTimestamp))))
	}
	for _, s := range r.SubscriptionIDs[:r.NumSubscriptionIDs] {
		m.AddAVP(gdGroup(avp.SubscriptionID, avp.Mbit, 0,
			gdAVP(avp.SubscriptionIDType, avp.Mbit, 0, datatype.Enumerated(s.Type)),
			gdAVP(avp.SubscriptionIDData, avp.Mbit, 0, datatype.UTF8String(s.Data))))
	}
	if r.HasTerminationCause {
		m.AddAVP(gdAVP(avp.TerminationCause, avp.Mbit, 0, datatype.Enumerated(r.TerminationCause)))
	}
	if r.HasMultipleServicesIndicator {
		m.AddAVP(gdAVP(avp.MultipleServicesIndicator, avp.Mbit, 0, datatype.Enumerated(r.MultipleServicesIndicator)))
	}
	for i := range r.NumMSCC {
		q := &r.MSCC[i]
		var g []*diam.AVP
		if q.HasRSU {
			g = append(g, gdUnit(avp.RequestedServiceUnit, &q.RSU, nil))
		}
		for j := range q.NumUsed {
			g = append(g, gdUnit(avp.UsedServiceUnit, &q.Used[j].ServiceUnit, &q.Used[j]))
		}
		if q.HasServiceID {
			g = append(g, gdAVP(avp.ServiceIdentifier, avp.Mbit, 0, datatype.Unsigned32(q.ServiceID)))
		}
		if q.HasRatingGroup {
			g = append(g, gdAVP(avp.RatingGroup, avp.Mbit, 0, datatype.Unsigned32(q.RatingGroup)))
		}
		if q.HasReportingReason {
			g = append(g, gdAVP(avp.ReportingReason, avp.Mbit|avp.Vbit, Vendor3GPP, datatype.Enumerated(q.ReportingReason)))
		}
		m.AddAVP(gdGroup(avp.MultipleServicesCreditControl, avp.Mbit, 0, g...))
	}
	if r.HasUserEquipmentInfo {
		m.AddAVP(gdGroup(avp.UserEquipmentInfo, 0, 0,
			gdAVP(avp.UserEquipmentInfoType, 0, 0, datatype.Enumerated(r.UserEquipmentInfo.Type)),
			gdAVP(avp.UserEquipmentInfoValue, 0, 0, datatype.OctetString(r.UserEquipmentInfo.Value))))
	}
	if r.UserLocationInfo != nil {
		uli := gdAVP(avp.TGPPUserLocationInfo, avp.Vbit, Vendor3GPP, datatype.OctetString(r.UserLocationInfo))
		if r.ULIInPSInformation {
			uli = gdGroup(avp.ServiceInformation, avp.Mbit|avp.Vbit, Vendor3GPP,
				gdGroup(avp.PSInformation, avp.Mbit|avp.Vbit, Vendor3GPP, uli))
		}
		m.AddAVP(uli)
	}
	for _, p := range r.ProxyInfo[:r.NumProxyInfo] {
		m.AddAVP(gdRaw(p))
	}
	for _, rr := range r.RouteRecord[:r.NumRouteRecord] {
		m.AddAVP(gdAVP(avp.RouteRecord, avp.Mbit, 0, datatype.DiameterIdentity(rr)))
	}
	return m
}

// gdCCA builds a with go-diameter, AVPs in the order CCA.Append uses.
func gdCCA(a *CCA) *diam.Message {
	flags := uint8(diam.ProxiableFlag)
	if a.ResultCode.IsProtocolError() {
		flags |= diam.ErrorFlag
	}
	m := diam.NewMessage(CommandCreditControl, flags, AppCreditControl, a.Header.HopByHop, a.Header.EndToEnd, dict.Default)
	if a.SessionID != nil {
		m.AddAVP(gdAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String(a.SessionID)))
	}
	m.AddAVP(gdAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(a.ResultCode)))
	m.AddAVP(gdAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity(a.OriginHost)))
	m.AddAVP(gdAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity(a.OriginRealm)))
	m.AddAVP(gdAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(a.AuthApplicationID)))
	m.AddAVP(gdAVP(avp.CCRequestType, avp.Mbit, 0, datatype.Enumerated(a.RequestType)))
	m.AddAVP(gdAVP(avp.CCRequestNumber, avp.Mbit, 0, datatype.Unsigned32(a.RequestNumber)))
	for i := range a.NumMSCC {
		q := &a.MSCC[i]
		var g []*diam.AVP
		if q.HasGSU {
			g = append(g, gdUnit(avp.GrantedServiceUnit, &q.GSU, nil))
		}
		if q.HasServiceID {
			g = append(g, gdAVP(avp.ServiceIdentifier, avp.Mbit, 0, datatype.Unsigned32(q.ServiceID)))
		}
		if q.HasRatingGroup {
			g = append(g, gdAVP(avp.RatingGroup, avp.Mbit, 0, datatype.Unsigned32(q.RatingGroup)))
		}
		if q.HasValidityTime {
			g = append(g, gdAVP(avp.ValidityTime, avp.Mbit, 0, datatype.Unsigned32(q.ValidityTime)))
		}
		if q.ResultCode != 0 {
			g = append(g, gdAVP(avp.ResultCode, avp.Mbit, 0, datatype.Unsigned32(q.ResultCode)))
		}
		if q.HasFUI {
			f := []*diam.AVP{gdAVP(avp.FinalUnitAction, avp.Mbit, 0, datatype.Enumerated(q.FUI.Action))}
			for _, r := range q.FUI.FilterRules[:q.FUI.NumFilterRules] {
				f = append(f, gdAVP(avp.RestrictionFilterRule, avp.Mbit, 0, datatype.IPFilterRule(r)))
			}
			if q.FUI.HasRedirectServer {
				f = append(f, gdGroup(avp.RedirectServer, avp.Mbit, 0,
					gdAVP(avp.RedirectAddressType, avp.Mbit, 0, datatype.Enumerated(q.FUI.RedirectAddressType)),
					gdAVP(avp.RedirectServerAddress, avp.Mbit, 0, datatype.UTF8String(q.FUI.RedirectServerAddress))))
			}
			g = append(g, gdGroup(avp.FinalUnitIndication, avp.Mbit, 0, f...))
		}
		if q.HasVolumeQuotaThreshold {
			g = append(g, gdAVP(avp.VolumeQuotaThreshold, avp.Mbit|avp.Vbit, Vendor3GPP, datatype.Unsigned32(q.VolumeQuotaThreshold)))
		}
		m.AddAVP(gdGroup(avp.MultipleServicesCreditControl, avp.Mbit, 0, g...))
	}
	if a.ErrorMessage != nil {
		m.AddAVP(gdAVP(avp.ErrorMessage, 0, 0, datatype.UTF8String(a.ErrorMessage)))
	}
	for _, p := range a.ProxyInfo[:a.NumProxyInfo] {
		m.AddAVP(gdRaw(p))
	}
	if a.FailedAVP != nil {
		m.AddAVP(gdAVP(avp.FailedAVP, avp.Mbit, 0, datatype.Grouped(a.FailedAVP)))
	}
	return m
}

func gdSerialize(m *diam.Message) []byte {
	b, err := m.Serialize()
	if err != nil {
		panic(err)
	}
	return b
}

// gdRead decodes b with go-diameter's own reader and dictionary.
func gdRead(b []byte) (*diam.Message, error) {
	return diam.ReadMessage(bytes.NewReader(b), dict.Default)
}

// Conversions from go-diameter's decoded values.

func gdBytes(d datatype.Type) []byte {
	switch v := d.(type) {
	case datatype.UTF8String:
		return []byte(v)
	case datatype.DiameterIdentity:
		return []byte(v)
	case datatype.OctetString:
		return []byte(v)
	case datatype.Unknown:
		return []byte(v)
	case datatype.IPFilterRule:
		return []byte(v)
	}
	panic(fmt.Sprintf("not a byte type: %T", d))
}

func gdU32(d datatype.Type) uint32 {
	switch v := d.(type) {
	case datatype.Unsigned32:
		return uint32(v)
	case datatype.Enumerated:
		return uint32(v)
	case datatype.Integer32:
		return uint32(v)
	case datatype.Time:
		return NTPFromTime(time.Time(v))
	}
	panic(fmt.Sprintf("not a 32-bit type: %T", d))
}

func gdU64(d datatype.Type) uint64 {
	if v, ok := d.(datatype.Unsigned64); ok {
		return uint64(v)
	}
	panic(fmt.Sprintf("not Unsigned64: %T", d))
}

func gdMembers(a *diam.AVP) []*diam.AVP { return a.Data.(*diam.GroupedAVP).AVP }

func gdReadUnit(a *diam.AVP, u *ServiceUnit, used *UsedUnit) {
	for _, c := range gdMembers(a) {
		switch {
		case c.Code == avp.CCTime:
			u.HasTime, u.Time = true, gdU32(c.Data)
		case c.Code == avp.CCTotalOctets:
			u.HasTotal, u.Total = true, gdU64(c.Data)
		case c.Code == avp.CCInputOctets:
			u.HasInput, u.Input = true, gdU64(c.Data)
		case c.Code == avp.CCOutputOctets:
			u.HasOutput, u.Output = true, gdU64(c.Data)
		case c.Code == avp.ReportingReason && used != nil:
			used.HasReportingReason, used.ReportingReason = true, ReportingReason(gdU32(c.Data))
		}
	}
}

// gdRaw serialises a decoded AVP back to its wire form without padding.
func gdWire(a *diam.AVP) []byte {
	b, err := a.Serialize()
	if err != nil {
		panic(err)
	}
	return b[:a.Length]
}

// fromGDCCR fills a CCR from go-diameter's decoding of a message.
func fromGDCCR(m *diam.Message) *CCR {
	r := &CCR{Header: Header{Version: m.Header.Version, Length: m.Header.MessageLength,
		Flags: CommandFlags(m.Header.CommandFlags), Code: m.Header.CommandCode, AppID: m.Header.ApplicationID,
		HopByHop: m.Header.HopByHopID, EndToEnd: m.Header.EndToEndID}}
	for _, a := range m.AVP {
		switch {
		case a.Code == avp.SessionID:
			r.SessionID = gdBytes(a.Data)
		case a.Code == avp.OriginHost:
			r.OriginHost = gdBytes(a.Data)
		case a.Code == avp.OriginRealm:
			r.OriginRealm = gdBytes(a.Data)
		case a.Code == avp.DestinationRealm:
			r.DestinationRealm = gdBytes(a.Data)
		case a.Code == avp.DestinationHost:
			r.DestinationHost = gdBytes(a.Data)
		case a.Code == avp.UserName:
			r.UserName = gdBytes(a.Data)
		case a.Code == avp.AuthApplicationID:
			r.AuthApplicationID = gdU32(a.Data)
		case a.Code == avp.ServiceContextID:
			r.ServiceContextID = gdBytes(a.Data)
		case a.Code == avp.CCRequestType:
			r.RequestType = RequestType(gdU32(a.Data))
		case a.Code == avp.CCRequestNumber:
			r.RequestNumber = gdU32(a.Data)
		case a.Code == avp.EventTimestamp:
			r.HasEventTimestamp, r.EventTimestamp = true, gdU32(a.Data)
		case a.Code == avp.TerminationCause:
			r.HasTerminationCause, r.TerminationCause = true, TerminationCause(gdU32(a.Data))
		case a.Code == avp.MultipleServicesIndicator:
			r.HasMultipleServicesIndicator, r.MultipleServicesIndicator = true, gdU32(a.Data)
		case a.Code == avp.SubscriptionID:
			var s SubscriptionID
			for _, c := range gdMembers(a) {
				switch c.Code {
				case avp.SubscriptionIDType:
					s.Type = SubscriptionIDType(gdU32(c.Data))
				case avp.SubscriptionIDData:
					s.Data = gdBytes(c.Data)
				}
			}
			r.AddSubscriptionID(s.Type, s.Data)
		case a.Code == avp.UserEquipmentInfo:
			r.HasUserEquipmentInfo = true
			for _, c := range gdMembers(a) {
				switch c.Code {
				case avp.UserEquipmentInfoType:
					r.UserEquipmentInfo.Type = UserEquipmentInfoType(gdU32(c.Data))
				case avp.UserEquipmentInfoValue:
					r.UserEquipmentInfo.Value = gdBytes(c.Data)
				}
			}
		case a.Code == avp.TGPPUserLocationInfo && a.VendorID == Vendor3GPP:
			if !r.ULIInPSInformation {
				r.UserLocationInfo = gdBytes(a.Data)
			}
		case a.Code == avp.ServiceInformation && a.VendorID == Vendor3GPP:
			for _, ps := range gdMembers(a) {
				if ps.Code != avp.PSInformation {
					continue
				}
				for _, c := range gdMembers(ps) {
					if c.Code == avp.TGPPUserLocationInfo && c.VendorID == Vendor3GPP {
						r.UserLocationInfo, r.ULIInPSInformation = gdBytes(c.Data), true
					}
				}
			}
		case a.Code == avp.MultipleServicesCreditControl:
			q := r.AddMSCC()
			for _, c := range gdMembers(a) {
				switch c.Code {
				case avp.RatingGroup:
					q.HasRatingGroup, q.RatingGroup = true, gdU32(c.Data)
				case avp.ServiceIdentifier:
					if !q.HasServiceID {
						q.HasServiceID, q.ServiceID = true, gdU32(c.Data)
					}
				case avp.RequestedServiceUnit:
					q.HasRSU = true
					gdReadUnit(c, &q.RSU, nil)
				case avp.UsedServiceUnit:
					var u UsedUnit
					gdReadUnit(c, &u.ServiceUnit, &u)
					q.AddUsed(u)
				case avp.ReportingReason:
					if !q.HasReportingReason {
						q.HasReportingReason, q.ReportingReason = true, ReportingReason(gdU32(c.Data))
					}
				}
			}
		case a.Code == avp.ProxyInfo:
			r.ProxyInfo[r.NumProxyInfo] = gdWire(a)
			r.NumProxyInfo++
		case a.Code == avp.RouteRecord:
			r.RouteRecord[r.NumRouteRecord] = gdBytes(a.Data)
			r.NumRouteRecord++
		}
	}
	return r
}

// fromGDCCA fills a CCA from go-diameter's decoding of a message.
func fromGDCCA(m *diam.Message) *CCA {
	a := &CCA{Header: Header{Version: m.Header.Version, Length: m.Header.MessageLength,
		Flags: CommandFlags(m.Header.CommandFlags), Code: m.Header.CommandCode, AppID: m.Header.ApplicationID,
		HopByHop: m.Header.HopByHopID, EndToEnd: m.Header.EndToEndID}}
	for _, p := range m.AVP {
		switch p.Code {
		case avp.SessionID:
			a.SessionID = gdBytes(p.Data)
		case avp.ResultCode:
			a.ResultCode = ResultCode(gdU32(p.Data))
		case avp.OriginHost:
			a.OriginHost = gdBytes(p.Data)
		case avp.OriginRealm:
			a.OriginRealm = gdBytes(p.Data)
		case avp.AuthApplicationID:
			a.AuthApplicationID = gdU32(p.Data)
		case avp.CCRequestType:
			a.RequestType = RequestType(gdU32(p.Data))
		case avp.CCRequestNumber:
			a.RequestNumber = gdU32(p.Data)
		case avp.ErrorMessage:
			a.ErrorMessage = gdBytes(p.Data)
		case avp.FailedAVP:
			b := gdWire(p)
			a.FailedAVP = b[8:]
		case avp.ProxyInfo:
			a.ProxyInfo[a.NumProxyInfo] = gdWire(p)
			a.NumProxyInfo++
		case avp.MultipleServicesCreditControl:
			q := a.AddMSCC()
			for _, c := range gdMembers(p) {
				switch c.Code {
				case avp.RatingGroup:
					q.HasRatingGroup, q.RatingGroup = true, gdU32(c.Data)
				case avp.ServiceIdentifier:
					q.HasServiceID, q.ServiceID = true, gdU32(c.Data)
				case avp.GrantedServiceUnit:
					q.HasGSU = true
					gdReadUnit(c, &q.GSU, nil)
				case avp.ValidityTime:
					q.HasValidityTime, q.ValidityTime = true, gdU32(c.Data)
				case avp.ResultCode:
					q.ResultCode = ResultCode(gdU32(c.Data))
				case avp.VolumeQuotaThreshold:
					q.HasVolumeQuotaThreshold, q.VolumeQuotaThreshold = true, gdU32(c.Data)
				case avp.FinalUnitIndication:
					q.HasFUI = true
					for _, f := range gdMembers(c) {
						switch f.Code {
						case avp.FinalUnitAction:
							q.FUI.Action = FinalUnitAction(gdU32(f.Data))
						case avp.RestrictionFilterRule:
							q.FUI.FilterRules[q.FUI.NumFilterRules] = gdBytes(f.Data)
							q.FUI.NumFilterRules++
						case avp.RedirectServer:
							q.FUI.HasRedirectServer = true
							for _, s := range gdMembers(f) {
								switch s.Code {
								case avp.RedirectAddressType:
									q.FUI.RedirectAddressType = RedirectAddressType(gdU32(s.Data))
								case avp.RedirectServerAddress:
									q.FUI.RedirectServerAddress = gdBytes(s.Data)
								}
							}
						}
					}
				}
			}
		}
	}
	return a
}
