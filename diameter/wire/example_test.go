package wire_test

import (
	"errors"
	"fmt"

	"github.com/carriersim/carriersim/diameter/wire"
)

// A client builds a CCR-UPDATE reporting usage for one rating group.
func ExampleCCR_Append() {
	var r wire.CCR
	r.Header.HopByHop, r.Header.EndToEnd = 1, 1
	r.SessionID = []byte("pgw01;1700000000;1")
	r.OriginHost, r.OriginRealm = []byte("pgw01.epc.test"), []byte("epc.test")
	r.DestinationRealm = []byte("ocs.test")
	r.AuthApplicationID = wire.AppCreditControl
	r.ServiceContextID = []byte("32251@3gpp.org")
	r.RequestType, r.RequestNumber = wire.UpdateRequest, 1
	r.AddSubscriptionID(wire.EndUserIMSI, []byte("460011234567890"))
	plmn, _ := wire.NewPLMN("460", "01")
	r.UserLocationInfo = wire.AppendUserLocationInfo(nil, &wire.TAI{PLMN: plmn, TAC: 0x1234}, &wire.ECGI{PLMN: plmn, ECI: 0x1a2b3c4})
	r.ULIInPSInformation = true
	m := r.AddMSCC()
	m.HasRatingGroup, m.RatingGroup = true, 10
	m.HasRSU = true
	m.AddUsed(wire.UsedUnit{ServiceUnit: wire.Octets(1 << 20), HasReportingReason: true, ReportingReason: wire.ReasonQuotaExhausted})

	msg, err := r.Append(nil)
	fmt.Println(len(msg), err)
	// Output: 328 <nil>
}

// A server decodes a CCR and answers it.
func ExampleCCR_Decode() {
	msg := sampleCCR()

	var req wire.CCR
	var ans wire.CCA
	err := req.Decode(msg)
	ans.ReplyTo(&req)
	ans.OriginHost, ans.OriginRealm = []byte("ocs.test"), []byte("test")
	if err != nil {
		ans.SetError(err)
	} else {
		for _, svc := range req.Services() {
			m := ans.AddMSCC()
			m.HasRatingGroup, m.RatingGroup = true, svc.RatingGroup
			m.HasGSU, m.GSU = true, wire.Octets(1<<20)
			m.ResultCode = wire.Success
		}
	}
	out, _ := ans.Append(nil)

	tai, _ := req.UserLocationInfo.TAI()
	fmt.Printf("IMSI %s used %d octets in rating group %d at %v TAC %#x\n", req.IMSI(),
		req.MSCC[0].Used[0].Total, req.MSCC[0].RatingGroup, tai.PLMN, tai.TAC)
	fmt.Println("answer of", len(out), "bytes:", ans.ResultCode)
	// Output:
	// IMSI 460011234567890 used 1048576 octets in rating group 10 at 460-01 TAC 0x1234
	// answer of 180 bytes: DIAMETER_SUCCESS
}

// A CCR that lacks CC-Request-Number is answered with 5005 and an example
// of the missing AVP in Failed-AVP.
func ExampleError() {
	var r wire.CCR
	err := r.Decode(ccrWithout(wire.AVPCCRequestNumber))
	var e *wire.Error
	if errors.As(err, &e) {
		fmt.Println(e.ResultCode, e.Msg)
		fmt.Printf("Failed-AVP: %x\n", e.AVP)
	}
	// Output:
	// DIAMETER_MISSING_AVP missing CC-Request-Number (415)
	// Failed-AVP: 0000019f4000000c00000000
}

// Frame splits a byte stream into messages.
func ExampleFrame() {
	stream := append(sampleCCR(), sampleCCR()[:10]...)
	for {
		n, err := wire.Frame(stream, 0)
		if err == wire.ErrIncomplete {
			fmt.Println("need more bytes; have", len(stream))
			return
		}
		if err != nil {
			fmt.Println("close the connection:", err)
			return
		}
		h, _ := wire.ParseHeader(stream[:n])
		fmt.Println("message", h.Code, "of", n, "bytes")
		stream = stream[n:]
	}
	// Output:
	// message 272 of 328 bytes
	// need more bytes; have 10
}

func sampleCCR() []byte {
	var r wire.CCR
	r.SessionID = []byte("pgw01;1700000000;1")
	r.OriginHost, r.OriginRealm = []byte("pgw01.epc.test"), []byte("epc.test")
	r.DestinationRealm = []byte("ocs.test")
	r.AuthApplicationID = wire.AppCreditControl
	r.ServiceContextID = []byte("32251@3gpp.org")
	r.RequestType, r.RequestNumber = wire.UpdateRequest, 1
	r.AddSubscriptionID(wire.EndUserIMSI, []byte("460011234567890"))
	plmn, _ := wire.NewPLMN("460", "01")
	r.UserLocationInfo = wire.AppendUserLocationInfo(nil, &wire.TAI{PLMN: plmn, TAC: 0x1234}, &wire.ECGI{PLMN: plmn, ECI: 0x1a2b3c4})
	r.ULIInPSInformation = true
	m := r.AddMSCC()
	m.HasRatingGroup, m.RatingGroup = true, 10
	m.HasRSU = true
	m.AddUsed(wire.UsedUnit{ServiceUnit: wire.Octets(1 << 20), HasReportingReason: true, ReportingReason: wire.ReasonQuotaExhausted})
	b, _ := r.Append(nil)
	return b
}

// ccrWithout returns a CCR with every required AVP but the one given.
func ccrWithout(code uint32) []byte {
	b, start := wire.BeginMessage(nil, wire.FlagRequest|wire.FlagProxiable, wire.CommandCreditControl, wire.AppCreditControl, 1, 1)
	b = wire.AppendAVP(b, wire.AVPSessionID, wire.AVPFlagMandatory, 0, []byte("s;1"))
	b = wire.AppendAVP(b, wire.AVPOriginHost, wire.AVPFlagMandatory, 0, []byte("gw"))
	b = wire.AppendAVP(b, wire.AVPOriginRealm, wire.AVPFlagMandatory, 0, []byte("net"))
	b = wire.AppendAVP(b, wire.AVPDestinationRealm, wire.AVPFlagMandatory, 0, []byte("ocs"))
	b = wire.AppendUint32AVP(b, wire.AVPAuthApplicationID, wire.AVPFlagMandatory, 0, 4)
	b = wire.AppendAVP(b, wire.AVPServiceContextID, wire.AVPFlagMandatory, 0, []byte("32251@3gpp.org"))
	b = wire.AppendUint32AVP(b, wire.AVPCCRequestType, wire.AVPFlagMandatory, 0, uint32(wire.InitialRequest))
	if code != wire.AVPCCRequestNumber {
		b = wire.AppendUint32AVP(b, wire.AVPCCRequestNumber, wire.AVPFlagMandatory, 0, 0)
	}
	b, _ = wire.EndMessage(b, start)
	return b
}
