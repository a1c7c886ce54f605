package wire

import (
	"encoding/hex"
	"strings"
	"testing"
)

// unhex turns an annotated hex dump into bytes: everything after '#' on a
// line is a comment, whitespace and '|' are ignored.
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := parseHex(s)
	if err != nil {
		tb.Fatalf("bad fixture: %v", err)
	}
	return b
}

// mustHex is unhex for package-level seeds; it panics on a bad fixture.
func mustHex(s string) []byte {
	b, err := parseHex(s)
	if err != nil {
		panic(err)
	}
	return b
}

func parseHex(s string) ([]byte, error) {
	var sb strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, r := range line {
			if r != ' ' && r != '\t' && r != '|' {
				sb.WriteRune(r)
			}
		}
	}
	return hex.DecodeString(sb.String())
}

// ccrUpdateHex is a CCR-UPDATE with one MSCC, laid out field by field
// (RFC 6733 §3 header, §4.1 AVP headers; RFC 4006 §3.1 CCR).
const ccrUpdateHex = `
01 000128            # version 1, Message Length 296
c0 000110            # flags R|P, Command-Code 272 (Credit-Control)
00000004             # Application-ID 4
11223344             # Hop-by-Hop
55667788             # End-to-End
00000107 40 00000e   # Session-Id (263), M, length 14
  67773b313b32 0000  #   "gw;1;2" + 2 bytes padding
00000108 40 00000a   # Origin-Host (264), M, length 10
  6777 0000          #   "gw"
00000128 40 00000b   # Origin-Realm (296), M, length 11
  6e6574 00          #   "net"
0000011b 40 00000b   # Destination-Realm (283), M, length 11
  6f6373 00          #   "ocs"
00000102 40 00000c   # Auth-Application-Id (258), M, length 12
  00000004           #   4
000001cd 40 000016   # Service-Context-Id (461), M, length 22
  3332323531403367 70702e6f7267 0000 #   "32251@3gpp.org"
000001a0 40 00000c   # CC-Request-Type (416), M, length 12
  00000002           #   UPDATE_REQUEST
0000019f 40 00000c   # CC-Request-Number (415), M, length 12
  00000001           #   1
000001bb 40 00002c   # Subscription-Id (443), M, length 44
  000001c2 40 00000c #   Subscription-Id-Type (450)
    00000001         #     END_USER_IMSI
  000001bc 40 000017 #   Subscription-Id-Data (444), length 23
    343630303131323334353637383930 00 # "460011234567890"
000001c8 40 000044   # Multiple-Services-Credit-Control (456), M, length 68
  000001b5 40 000008 #   Requested-Service-Unit (437), empty
  000001be 40 000028 #   Used-Service-Unit (446), length 40
    000001a5 40 000010 0000000000100000 # CC-Total-Octets (421): 1048576
    00000368 c0 000010 000028af         # Reporting-Reason (872), V|M, vendor 10415
      00000003                          #   QUOTA_EXHAUSTED
  000001b0 40 00000c #   Rating-Group (432)
    0000000a         #     10
00000369 c0 000034 000028af   # Service-Information (873), V|M, vendor 10415, length 52
  0000036a c0 000028 000028af #   PS-Information (874), V|M, length 40
    00000016 80 000019 000028af #   3GPP-User-Location-Info (22), V, length 25
      82                     #       type 130: TAI and ECGI
      64f010 1234            #       TAI: MCC 460 MNC 01, TAC 0x1234
      64f010 01a2b3c4        #       ECGI: MCC 460 MNC 01, ECI 0x1a2b3c4
      000000                 #       padding
`

// ccrUpdate is ccrUpdateHex decoded.
func ccrUpdate() *CCR {
	r := &CCR{
		Header: Header{Version: 1, Length: 296, Flags: FlagRequest | FlagProxiable,
			Code: 272, AppID: 4, HopByHop: 0x11223344, EndToEnd: 0x55667788},
		SessionID:          []byte("gw;1;2"),
		OriginHost:         []byte("gw"),
		OriginRealm:        []byte("net"),
		DestinationRealm:   []byte("ocs"),
		AuthApplicationID:  4,
		ServiceContextID:   []byte("32251@3gpp.org"),
		RequestType:        UpdateRequest,
		RequestNumber:      1,
		UserLocationInfo:   UserLocationInfo{0x82, 0x64, 0xf0, 0x10, 0x12, 0x34, 0x64, 0xf0, 0x10, 0x01, 0xa2, 0xb3, 0xc4},
		ULIInPSInformation: true,
		NumSubscriptionIDs: 1,
		NumMSCC:            1,
	}
	r.SubscriptionIDs[0] = SubscriptionID{Type: EndUserIMSI, Data: []byte("460011234567890")}
	m := &r.MSCC[0]
	m.HasRSU = true
	m.HasRatingGroup, m.RatingGroup = true, 10
	m.NumUsed = 1
	m.Used[0] = UsedUnit{ServiceUnit: Octets(1 << 20), HasReportingReason: true, ReportingReason: ReasonQuotaExhausted}
	return r
}

// ccaUpdateHex is the CCA answering ccrUpdateHex: 1 MiB granted for rating
// group 10 (RFC 4006 §3.2 CCA, TS 32.299 §7.1.9 MSCC).
const ccaUpdateHex = `
01 0000d4            # version 1, Message Length 212
40 000110            # flags P, Command-Code 272
00000004             # Application-ID 4
11223344 55667788    # Hop-by-Hop, End-to-End
00000107 40 00000e 67773b313b32 0000 # Session-Id "gw;1;2"
0000010c 40 00000c 000007d1          # Result-Code (268): 2001
00000108 40 00000b 6f6373 00         # Origin-Host "ocs"
00000128 40 00000b 6e6574 00         # Origin-Realm "net"
00000102 40 00000c 00000004          # Auth-Application-Id 4
000001a0 40 00000c 00000002          # CC-Request-Type UPDATE_REQUEST
0000019f 40 00000c 00000001          # CC-Request-Number 1
000001c8 40 000068   # Multiple-Services-Credit-Control (456), length 104
  000001af 40 000018 #   Granted-Service-Unit (431), length 24
    000001a5 40 000010 0000000000100000 # CC-Total-Octets 1048576
  000001b0 40 00000c 0000000a  #   Rating-Group 10
  000001c0 40 00000c 00000e10  #   Validity-Time (448): 3600
  0000010c 40 00000c 000007d1  #   Result-Code 2001
  000001ae 40 000014           #   Final-Unit-Indication (430), length 20
    000001c1 40 00000c 00000000 #     Final-Unit-Action (449): TERMINATE
  00000365 c0 000010 000028af  #   Volume-Quota-Threshold (869), V|M, vendor 10415
    00019000                   #     102400
`

// ccaUpdate is ccaUpdateHex decoded.
func ccaUpdate() *CCA {
	a := &CCA{
		Header: Header{Version: 1, Length: 212, Flags: FlagProxiable,
			Code: 272, AppID: 4, HopByHop: 0x11223344, EndToEnd: 0x55667788},
		SessionID:         []byte("gw;1;2"),
		ResultCode:        Success,
		OriginHost:        []byte("ocs"),
		OriginRealm:       []byte("net"),
		AuthApplicationID: 4,
		RequestType:       UpdateRequest,
		RequestNumber:     1,
		NumMSCC:           1,
	}
	a.MSCC[0] = MSCCAnswer{
		HasGSU: true, GSU: Octets(1 << 20),
		HasRatingGroup: true, RatingGroup: 10,
		HasValidityTime: true, ValidityTime: 3600,
		ResultCode: Success,
		HasFUI:     true, FUI: FinalUnitIndication{Action: ActionTerminate},
		HasVolumeQuotaThreshold: true, VolumeQuotaThreshold: 102400,
	}
	return a
}

// benchCCR is a realistic CCR-UPDATE as a PGW sends it: two rating groups
// each reporting usage and asking for more, the subscriber's IMSI and
// MSISDN, its IMEISV and its location nested in PS-Information.
func benchCCR() *CCR {
	r := &CCR{
		Header:                       Header{HopByHop: 0x0a0b0c0d, EndToEnd: 0x01020304},
		SessionID:                    []byte("pgw01.epc.mnc001.mcc460.3gppnetwork.org;1700000000;42;0"),
		OriginHost:                   []byte("pgw01.epc.mnc001.mcc460.3gppnetwork.org"),
		OriginRealm:                  []byte("epc.mnc001.mcc460.3gppnetwork.org"),
		DestinationRealm:             []byte("ocs.carriersim.test"),
		AuthApplicationID:            4,
		ServiceContextID:             []byte("32251@3gpp.org"),
		RequestType:                  UpdateRequest,
		RequestNumber:                7,
		HasEventTimestamp:            true,
		EventTimestamp:               0xe8d0a000,
		HasMultipleServicesIndicator: true,
		MultipleServicesIndicator:    1,
		HasUserEquipmentInfo:         true,
		UserEquipmentInfo:            UserEquipmentInfo{Type: UEInfoIMEISV, Value: []byte("3534900698733019")},
		ULIInPSInformation:           true,
	}
	tai := TAI{PLMN: PLMN{0x64, 0xf0, 0x10}, TAC: 0x2a01}
	ecgi := ECGI{PLMN: tai.PLMN, ECI: 0x00b1c2d3}
	r.UserLocationInfo = AppendUserLocationInfo(nil, &tai, &ecgi)
	r.AddSubscriptionID(EndUserE164, []byte("8613800000001"))
	r.AddSubscriptionID(EndUserIMSI, []byte("460011234567890"))
	for i, rg := range []uint32{10, 20} {
		m := r.AddMSCC()
		m.HasRatingGroup, m.RatingGroup = true, rg
		m.HasServiceID, m.ServiceID = true, 1000+rg
		m.HasRSU = true
		m.AddUsed(UsedUnit{
			ServiceUnit: ServiceUnit{
				HasTime: true, Time: 60 + uint32(i),
				HasTotal: true, Total: 500_000 + uint64(i),
				HasInput: true, Input: 100_000,
				HasOutput: true, Output: 400_000 + uint64(i),
			},
			HasReportingReason: true, ReportingReason: ReasonQuotaExhausted,
		})
	}
	return r
}

// benchCCA is the answer a rating engine gives to benchCCR.
func benchCCA(r *CCR) *CCA {
	a := &CCA{}
	a.ReplyTo(r)
	a.OriginHost = []byte("ocs01.carriersim.test")
	a.OriginRealm = []byte("carriersim.test")
	for i := range r.NumMSCC {
		q := &r.MSCC[i]
		m := a.AddMSCC()
		m.HasRatingGroup, m.RatingGroup = true, q.RatingGroup
		m.HasServiceID, m.ServiceID = q.HasServiceID, q.ServiceID
		m.HasGSU, m.GSU = true, Octets(1<<20)
		m.HasValidityTime, m.ValidityTime = true, 3600
		m.ResultCode = Success
		m.HasVolumeQuotaThreshold, m.VolumeQuotaThreshold = true, 1<<17
	}
	return a
}
