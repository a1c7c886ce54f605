package wire

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"

	"github.com/fiorix/go-diameter/v4/diam"
	"github.com/fiorix/go-diameter/v4/diam/avp"
	"github.com/fiorix/go-diameter/v4/diam/datatype"
	"github.com/fiorix/go-diameter/v4/diam/dict"
)

// Differential tests against go-diameter v4.1.0: for the same message,
// both encoders produce the same bytes, and each decoder reads what the
// other encoder wrote to the same values.

func randBytes(rng *rand.Rand, max int) []byte {
	b := make([]byte, rng.IntN(max+1))
	for i := range b {
		b[i] = byte('a' + rng.IntN(26))
	}
	return b
}

func randUnit(rng *rand.Rand) ServiceUnit {
	return ServiceUnit{
		HasTime: rng.IntN(2) == 0, Time: rng.Uint32(),
		HasTotal: rng.IntN(2) == 0, Total: rng.Uint64(),
		HasInput: rng.IntN(2) == 0, Input: rng.Uint64(),
		HasOutput: rng.IntN(2) == 0, Output: rng.Uint64(),
	}
}

// clearAbsent zeroes the values whose Has flag is clear, as a decoder
// leaves them.
func (u *ServiceUnit) clearAbsent() {
	if !u.HasTime {
		u.Time = 0
	}
	if !u.HasTotal {
		u.Total = 0
	}
	if !u.HasInput {
		u.Input = 0
	}
	if !u.HasOutput {
		u.Output = 0
	}
}

func randProxyInfo(rng *rand.Rand) []byte {
	b, g := BeginGroupedAVP(nil, AVPProxyInfo, flagM, 0)
	b = AppendAVP(b, AVPProxyHost, flagM, 0, randBytes(rng, 20))
	b = AppendAVP(b, AVPProxyState, flagM, 0, randBytes(rng, 9))
	return EndGroupedAVP(b, g)
}

// randCCR returns a random valid CCR in the form Decode produces.
func randCCR(rng *rand.Rand) *CCR {
	r := &CCR{
		Header:            Header{HopByHop: rng.Uint32(), EndToEnd: rng.Uint32()},
		SessionID:         randBytes(rng, 60),
		OriginHost:        randBytes(rng, 30),
		OriginRealm:       randBytes(rng, 30),
		DestinationRealm:  randBytes(rng, 30),
		AuthApplicationID: rng.Uint32(),
		ServiceContextID:  randBytes(rng, 20),
		RequestType:       RequestType(1 + rng.IntN(4)),
		RequestNumber:     rng.Uint32(),
	}
	if rng.IntN(2) == 0 {
		r.DestinationHost = randBytes(rng, 30)
	}
	if rng.IntN(2) == 0 {
		r.HasEventTimestamp, r.EventTimestamp = true, rng.Uint32()
	}
	if rng.IntN(2) == 0 {
		r.HasTerminationCause, r.TerminationCause = true, TerminationCause(rng.Uint32())
	}
	if rng.IntN(2) == 0 {
		r.HasMultipleServicesIndicator, r.MultipleServicesIndicator = true, rng.Uint32N(2)
	}
	if rng.IntN(2) == 0 {
		r.HasUserEquipmentInfo = true
		r.UserEquipmentInfo = UserEquipmentInfo{Type: UserEquipmentInfoType(rng.Uint32N(4)), Value: randBytes(rng, 16)}
	}
	if rng.IntN(3) > 0 {
		r.UserLocationInfo = UserLocationInfo(randBytes(rng, 13))
		r.ULIInPSInformation = rng.IntN(2) == 0
	}
	for range rng.IntN(MaxSubscriptionIDs + 1) {
		r.AddSubscriptionID(SubscriptionIDType(rng.Uint32N(5)), randBytes(rng, 15))
	}
	for range rng.IntN(MaxMSCC + 1) {
		m := r.AddMSCC()
		m.HasRatingGroup, m.RatingGroup = rng.IntN(4) > 0, rng.Uint32()
		m.HasServiceID, m.ServiceID = rng.IntN(2) == 0, rng.Uint32()
		m.HasReportingReason, m.ReportingReason = rng.IntN(2) == 0, ReportingReason(rng.Uint32N(10))
		m.HasRSU, m.RSU = rng.IntN(2) == 0, randUnit(rng)
		for range rng.IntN(MaxUsedUnits + 1) {
			m.AddUsed(UsedUnit{ServiceUnit: randUnit(rng), HasReportingReason: rng.IntN(2) == 0,
				ReportingReason: ReportingReason(rng.Uint32N(10))})
		}
		// Leave the fields a decoder would not set at zero.
		if !m.HasRatingGroup {
			m.RatingGroup = 0
		}
		if !m.HasServiceID {
			m.ServiceID = 0
		}
		if !m.HasReportingReason {
			m.ReportingReason = 0
		}
		if !m.HasRSU {
			m.RSU = ServiceUnit{}
		}
		m.RSU.clearAbsent()
		for i := range m.NumUsed {
			m.Used[i].clearAbsent()
			if !m.Used[i].HasReportingReason {
				m.Used[i].ReportingReason = 0
			}
		}
	}
	for range rng.IntN(MaxProxyInfo + 1) {
		r.ProxyInfo[r.NumProxyInfo] = randProxyInfo(rng)
		r.NumProxyInfo++
	}
	for range rng.IntN(MaxRouteRecord + 1) {
		r.RouteRecord[r.NumRouteRecord] = randBytes(rng, 30)
		r.NumRouteRecord++
	}
	return r
}

// randCCA returns a random valid CCA in the form Decode produces.
func randCCA(rng *rand.Rand) *CCA {
	a := &CCA{
		Header:            Header{HopByHop: rng.Uint32(), EndToEnd: rng.Uint32()},
		SessionID:         randBytes(rng, 60),
		ResultCode:        []ResultCode{Success, CreditLimitReached, EndUserServiceDenied, UserUnknown, RatingFailed}[rng.IntN(5)],
		OriginHost:        randBytes(rng, 30),
		OriginRealm:       randBytes(rng, 30),
		AuthApplicationID: rng.Uint32(),
		RequestType:       RequestType(rng.Uint32()),
		RequestNumber:     rng.Uint32(),
	}
	if rng.IntN(3) == 0 {
		a.ErrorMessage = randBytes(rng, 40)
	}
	if rng.IntN(3) == 0 {
		// An Unsigned32 AVP: go-diameter decodes Failed-AVP content with
		// its dictionary and panics on a code it thinks is Grouped.
		code := []uint32{AVPCCRequestNumber, AVPRatingGroup, AVPCCTime, 99999}[rng.IntN(4)]
		a.FailedAVP = AppendUint32AVP(nil, code, flagM, 0, rng.Uint32())
	}
	for range rng.IntN(MaxMSCC + 1) {
		m := a.AddMSCC()
		m.HasRatingGroup, m.RatingGroup = true, rng.Uint32()
		if rng.IntN(2) == 0 {
			m.HasServiceID, m.ServiceID = true, rng.Uint32()
		}
		if rng.IntN(4) > 0 {
			m.HasGSU, m.GSU = true, randUnit(rng)
			m.GSU.clearAbsent()
		}
		if rng.IntN(2) == 0 {
			m.HasValidityTime, m.ValidityTime = true, rng.Uint32()
		}
		if rng.IntN(2) == 0 {
			m.ResultCode = ResultCode(2001 + rng.Uint32N(4000))
		}
		if rng.IntN(2) == 0 {
			m.HasVolumeQuotaThreshold, m.VolumeQuotaThreshold = true, rng.Uint32()
		}
		if rng.IntN(3) == 0 {
			m.HasFUI, m.FUI.Action = true, FinalUnitAction(rng.Uint32N(3))
			if m.FUI.Action == ActionRedirect {
				m.FUI.HasRedirectServer = true
				m.FUI.RedirectAddressType = RedirectURL
				m.FUI.RedirectServerAddress = []byte("http://topup.carriersim.test/" + string(randBytes(rng, 8)))
			}
			if m.FUI.Action == ActionRestrictAccess {
				for range 1 + rng.IntN(MaxFilterRules) {
					m.FUI.FilterRules[m.FUI.NumFilterRules] = []byte("permit out ip from 198.51.100." +
						strconv.Itoa(rng.IntN(255)) + " to assigned")
					m.FUI.NumFilterRules++
				}
			}
		}
	}
	for range rng.IntN(MaxProxyInfo + 1) {
		a.ProxyInfo[a.NumProxyInfo] = randProxyInfo(rng)
		a.NumProxyInfo++
	}
	return a
}

func differentialCCRs(n int) []*CCR {
	out := []*CCR{ccrUpdate(), benchCCR()}
	rng := rand.New(rand.NewPCG(1, 2))
	for range n {
		out = append(out, randCCR(rng))
	}
	return out
}

func differentialCCAs(n int) []*CCA {
	out := []*CCA{ccaUpdate(), benchCCA(benchCCR())}
	rng := rand.New(rand.NewPCG(3, 4))
	for range n {
		out = append(out, randCCA(rng))
	}
	return out
}

func TestDifferentialCCR(t *testing.T) {
	t.Parallel()
	for i, want := range differentialCCRs(500) {
		ours, err := want.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		normalizeHeader(&want.Header, Header{Version: 1, Length: uint32(len(ours)),
			Flags: FlagRequest | FlagProxiable, Code: CommandCreditControl, AppID: AppCreditControl})

		// Byte-identical to go-diameter's encoding of the same AVPs.
		theirs := gdSerialize(gdCCR(want))
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("#%d: encodings differ\n ours   %x\n theirs %x", i, ours, theirs)
		}
		// go-diameter reads what we wrote.
		m, err := gdRead(ours)
		if err != nil {
			t.Fatalf("#%d: go-diameter cannot read our CCR: %v\n%x", i, err, ours)
		}
		if got := fromGDCCR(m); !reflect.DeepEqual(got, want) {
			t.Fatalf("#%d: go-diameter read our CCR as: %s", i, diff(got, want))
		}
		// We read what go-diameter wrote.
		var got CCR
		if err := got.Decode(theirs); err != nil {
			t.Fatalf("#%d: Decode go-diameter's CCR: %v", i, err)
		}
		if !reflect.DeepEqual(&got, want) {
			t.Fatalf("#%d: we read go-diameter's CCR as: %s", i, diff(&got, want))
		}
	}
}

func TestDifferentialCCA(t *testing.T) {
	t.Parallel()
	for i, want := range differentialCCAs(500) {
		ours, err := want.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		normalizeHeader(&want.Header, Header{Version: 1, Length: uint32(len(ours)),
			Flags: answerFlags(want.ResultCode, true), Code: CommandCreditControl, AppID: AppCreditControl})
		theirs := gdSerialize(gdCCA(want))
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("#%d: encodings differ\n ours   %x\n theirs %x", i, ours, theirs)
		}
		m, err := gdRead(ours)
		if err != nil {
			t.Fatalf("#%d: go-diameter cannot read our CCA: %v\n%x", i, err, ours)
		}
		if got := fromGDCCA(m); !reflect.DeepEqual(got, want) {
			t.Fatalf("#%d: go-diameter read our CCA as: %s", i, diff(got, want))
		}
		var got CCA
		if err := got.Decode(theirs); err != nil {
			t.Fatalf("#%d: Decode go-diameter's CCA: %v", i, err)
		}
		if !reflect.DeepEqual(&got, want) {
			t.Fatalf("#%d: we read go-diameter's CCA as: %s", i, diff(&got, want))
		}
	}
}

// TestDifferentialGoDiameterOrder builds a CCR the way a go-diameter client
// would, in its own AVP order and with AVPs we skip, and checks that we
// decode the values go-diameter decodes.
func TestDifferentialGoDiameterOrder(t *testing.T) {
	t.Parallel()
	m := diam.NewRequest(CommandCreditControl, AppCreditControl, dict.Default)
	m.Header.CommandFlags |= diam.ProxiableFlag
	m.NewAVP(avp.SessionID, avp.Mbit, 0, datatype.UTF8String("gw.example;99;1"))
	m.NewAVP(avp.OriginHost, avp.Mbit, 0, datatype.DiameterIdentity("gw.example"))
	m.NewAVP(avp.OriginRealm, avp.Mbit, 0, datatype.DiameterIdentity("example"))
	m.NewAVP(avp.DestinationRealm, avp.Mbit, 0, datatype.DiameterIdentity("ocs.example"))
	m.NewAVP(avp.AuthApplicationID, avp.Mbit, 0, datatype.Unsigned32(4))
	m.NewAVP(avp.ServiceContextID, avp.Mbit, 0, datatype.UTF8String("32251@3gpp.org"))
	m.NewAVP(avp.CCRequestType, avp.Mbit, 0, datatype.Enumerated(3))
	m.NewAVP(avp.CCRequestNumber, avp.Mbit, 0, datatype.Unsigned32(9))
	m.NewAVP(avp.OriginStateID, avp.Mbit, 0, datatype.Unsigned32(77)) // skipped by us
	m.NewAVP(avp.UserName, avp.Mbit, 0, datatype.UTF8String("someone"))
	m.NewAVP(avp.TerminationCause, avp.Mbit, 0, datatype.Enumerated(1)) // LOGOUT
	m.NewAVP(avp.EventTimestamp, avp.Mbit, 0, datatype.Time(TimeFromNTP(0xe9000000)))
	m.NewAVP(avp.MultipleServicesCreditControl, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
		diam.NewAVP(avp.RatingGroup, avp.Mbit, 0, datatype.Unsigned32(30)),
		diam.NewAVP(avp.UsedServiceUnit, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
			diam.NewAVP(avp.ReportingReason, avp.Mbit|avp.Vbit, Vendor3GPP, datatype.Enumerated(ReasonFinal)),
			diam.NewAVP(avp.CCInputOctets, avp.Mbit, 0, datatype.Unsigned64(11)),
			diam.NewAVP(avp.CCOutputOctets, avp.Mbit, 0, datatype.Unsigned64(22)),
			diam.NewAVP(avp.CCTotalOctets, avp.Mbit, 0, datatype.Unsigned64(33)),
			diam.NewAVP(avp.CCTime, avp.Mbit, 0, datatype.Unsigned32(44)),
		}}),
		diam.NewAVP(avp.ReportingReason, avp.Mbit|avp.Vbit, Vendor3GPP, datatype.Enumerated(ReasonFinal)),
	}})
	m.NewAVP(avp.SubscriptionID, avp.Mbit, 0, &diam.GroupedAVP{AVP: []*diam.AVP{
		diam.NewAVP(avp.SubscriptionIDData, avp.Mbit, 0, datatype.UTF8String("460019876543210")),
		diam.NewAVP(avp.SubscriptionIDType, avp.Mbit, 0, datatype.Enumerated(EndUserIMSI)),
	}})
	b := gdSerialize(m)
	var r CCR
	if err := r.Decode(b); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	back, err := gdRead(b)
	if err != nil {
		t.Fatal(err)
	}
	want := fromGDCCR(back)
	if !reflect.DeepEqual(&r, want) {
		t.Errorf("decoded differently from go-diameter: %s", diff(&r, want))
	}
	u := r.MSCC[0].Used[0]
	if r.RequestType != TerminationRequest || !r.HasTerminationCause || u.Total != 33 || u.Time != 44 ||
		u.ReportingReason != ReasonFinal || string(r.IMSI()) != "460019876543210" {
		t.Errorf("decoded %s", dump(&r))
	}
}
