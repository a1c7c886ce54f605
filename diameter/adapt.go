package diameter

import (
	"strings"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim"
)

// Turning a decoded CCR into the plain values sim rates: card, service,
// units, location and device.

var (
	errUnknownContext = &wire.Error{ResultCode: wire.RatingFailed, Msg: "unknown Service-Context-Id"}
	errSessionExists  = &wire.Error{ResultCode: wire.UnableToComply, Msg: "a session with this Session-Id exists"}
	errSessionBusy    = &wire.Error{ResultCode: wire.UnableToComply, Msg: "a request of this session is still being answered"}
	// errNoSubscription is 5005 with an example Subscription-Id as
	// Failed-AVP (RFC 6733 §7.1.5).
	errNoSubscription = func() *wire.Error {
		b, g := wire.BeginGroupedAVP(nil, wire.AVPSubscriptionID, wire.AVPFlagMandatory, 0)
		b = wire.AppendUint32AVP(b, wire.AVPSubscriptionIDType, wire.AVPFlagMandatory, 0, uint32(wire.EndUserIMSI))
		b = wire.AppendAVP(b, wire.AVPSubscriptionIDData, wire.AVPFlagMandatory, 0, nil)
		b = wire.EndGroupedAVP(b, g)
		return &wire.Error{ResultCode: wire.MissingAVP, Msg: "missing Subscription-Id (443): an IMSI or MSISDN is needed to open a session",
			AVPCode: wire.AVPSubscriptionID, AVP: b}
	}()
)

// Service-Context-Id values (TS 32.299 §7.1.12), matched by suffix so that
// the "<ext>.<MNC>.<MCC>.<release>." prefix may be present.
const (
	contextPS    = "32251@3gpp.org" // PS charging: data
	contextIMS   = "32260@3gpp.org" // IMS: voice
	contextMMTel = "32275@3gpp.org" // MMTel: voice
	contextSMS   = "32274@3gpp.org" // SMS
)

// serviceOf maps a Service-Context-Id to the service it charges.
func serviceOf(ctx []byte) (sim.Service, bool) {
	switch {
	case hasSuffix(ctx, contextPS):
		return sim.ServiceData, true
	case hasSuffix(ctx, contextSMS):
		return sim.ServiceSMS, true
	case hasSuffix(ctx, contextIMS), hasSuffix(ctx, contextMMTel):
		return sim.ServiceVoice, true
	}
	return 0, false
}

func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}

// cardOf finds the card of a CCR by its Subscription-Id, IMSI first then
// MSISDN (RFC 4006 §8.46). A CCR without one gets 5005; digits that do
// not parse get 5004. An unknown subscriber maps to a card index past the
// end, which sim rates as unknown (5030) with an event as evidence.
func (c *serverConn) cardOf(r *wire.CCR) (uint32, error) {
	cr := c.s.c
	if v := r.IMSI(); v != nil {
		n, ok := digits(v, 15)
		if !ok {
			return 0, subscriptionError(r, wire.EndUserIMSI)
		}
		if card, ok := cr.Lookup(n); ok {
			return card, nil
		}
		return unknownCard, nil
	}
	if v := r.MSISDN(); v != nil {
		n, ok := digits(v, 15)
		if !ok {
			return 0, subscriptionError(r, wire.EndUserE164)
		}
		if card, ok := cr.LookupMSISDN(n); ok {
			return card, nil
		}
		return unknownCard, nil
	}
	if r.NumSubscriptionIDs > 0 {
		// Only SIP URI, NAI or private identities: none we can map.
		return unknownCard, nil
	}
	return 0, errNoSubscription
}

// unknownCard is a card index no carrier has.
const unknownCard = ^uint32(0)

func subscriptionError(r *wire.CCR, t wire.SubscriptionIDType) *wire.Error {
	data := r.SubscriptionIDOf(t)
	b, g := wire.BeginGroupedAVP(nil, wire.AVPSubscriptionID, wire.AVPFlagMandatory, 0)
	b = wire.AppendUint32AVP(b, wire.AVPSubscriptionIDType, wire.AVPFlagMandatory, 0, uint32(t))
	b = wire.AppendAVP(b, wire.AVPSubscriptionIDData, wire.AVPFlagMandatory, 0, data)
	b = wire.EndGroupedAVP(b, g)
	return &wire.Error{ResultCode: wire.InvalidAVPValue, AVPCode: wire.AVPSubscriptionID, AVP: b,
		Msg: "Subscription-Id-Data (444): want 1 to 15 decimal digits, got " + strings.ToValidUTF8(string(data), "?")}
}

// digits parses 1..maxDigits decimal digits.
func digits(b []byte, maxDigits int) (uint64, bool) {
	if len(b) == 0 || len(b) > maxDigits {
		return 0, false
	}
	var v uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	return v, true
}

// locationOf maps 3GPP-User-Location-Info (TAI, ECGI or both; TS 29.061
// §16.4.7.2) to a sim.Location. Other location types, or none, give the
// zero Location (unknown).
func locationOf(u wire.UserLocationInfo) sim.Location {
	var l sim.Location
	if tai, ok := u.TAI(); ok {
		l.TAC, l.HasTAI = tai.TAC, true
		l.PLMN = plmnDigits(tai.PLMN)
	}
	if e, ok := u.ECGI(); ok {
		l.ECI, l.HasECGI = e.ECI, true
		if l.PLMN == 0 {
			l.PLMN = plmnDigits(e.PLMN)
		}
	}
	return l
}

// plmnDigits returns MCC and MNC as one number, e.g. 46004 or 310410.
func plmnDigits(p wire.PLMN) uint32 {
	if p.MNCDigits() == 3 {
		return uint32(p.MCC())*1000 + uint32(p.MNC())
	}
	return uint32(p.MCC())*100 + uint32(p.MNC())
}

// plmnOf is the inverse of plmnDigits for 5- or 6-digit values (TS 24.008
// §10.5.1.13 BCD); other values, such as 0 (not given), give 460-04, the
// carrier's own network.
func plmnOf(v uint32) wire.PLMN {
	switch {
	case v >= 10000 && v < 100000:
		mcc, mnc := v/100, v%100
		return wire.PLMN{byte(mcc/10%10)<<4 | byte(mcc/100), 0xf0 | byte(mcc%10), byte(mnc%10)<<4 | byte(mnc/10)}
	case v >= 100000 && v < 1000000:
		mcc, mnc := v/1000, v%1000
		return wire.PLMN{byte(mcc/10%10)<<4 | byte(mcc/100), byte(mnc%10)<<4 | byte(mcc%10), byte(mnc/10%10)<<4 | byte(mnc/100)}
	}
	return plmnOf(46004)
}

// uliOf appends to dst the 3GPP-User-Location-Info value of l: TAI and
// ECGI, or whichever l has (TS 29.061 §16.4.7.2); nothing when l is the
// zero Location.
func uliOf(l sim.Location, dst []byte) []byte {
	p := plmnOf(l.PLMN)
	var tai *wire.TAI
	var ecgi *wire.ECGI
	var tv wire.TAI
	var ev wire.ECGI
	if l.HasTAI {
		tv = wire.TAI{PLMN: p, TAC: l.TAC}
		tai = &tv
	}
	if l.HasECGI {
		ev = wire.ECGI{PLMN: p, ECI: l.ECI}
		ecgi = &ev
	}
	return wire.AppendUserLocationInfo(dst, tai, ecgi)
}

// imeiOf reduces an IMEISV (16 digits), IMEI (15) or IMEI body (14) to the
// 14-digit body the binding rule compares; anything else is 0 (not given).
func imeiOf(b []byte) uint64 {
	v, ok := digits(b, 16)
	if !ok || len(b) < 14 {
		return 0
	}
	return sim.IMEIBody(v, len(b))
}

// octetsOf returns the octets of a service unit: CC-Total-Octets, else
// input plus output.
func octetsOf(u *wire.ServiceUnit) uint64 {
	if u.HasTotal {
		return u.Total
	}
	return u.Input + u.Output
}

// requested returns the volume an MSCC asks for (0: the default grant).
func requested(m *wire.MSCCRequest) uint64 {
	if !m.HasRSU {
		return 0
	}
	return octetsOf(&m.RSU)
}

// used returns the volume an MSCC reports, summed over its
// Used-Service-Units.
func used(m *wire.MSCCRequest) uint64 {
	var n uint64
	for i := range m.NumUsed {
		n += octetsOf(&m.Used[i].ServiceUnit)
	}
	return n
}

func requestNumberError(got, want uint32) *wire.Error {
	return &wire.Error{ResultCode: wire.InvalidAVPValue, AVPCode: wire.AVPCCRequestNumber,
		AVP: wire.AppendUint32AVP(nil, wire.AVPCCRequestNumber, wire.AVPFlagMandatory, 0, got),
		Msg: "CC-Request-Number (415): want " + itoa(uint64(want)) + ", got " + itoa(uint64(got))}
}
