package wire

import (
	"bytes"
	"reflect"
	"testing"
)

// message is what every GTPv2-C message type of this package implements.
type codec interface {
	Decode([]byte) error
	Append([]byte) ([]byte, error)
}

type fixture struct {
	name  string
	raw   []byte
	want  codec        // the decoded value
	fresh func() codec // an empty value of the same type
}

func fixtures() []fixture {
	csr, csresp, dsreq, dsresp := csrValue(), csrespValue(), dsreqValue(), dsrespValue()

	mbreq := ModifyBearerRequest{
		Header:      Header{Type: MsgModifyBearerRequest, HasTEID: true, TEID: 0xc001, Seq: 0x459, Length: 70},
		ULI:         ULI{Flags: ULITAI | ULIECGI, TAI: TAI{PLMN: plmn, TAC: 0x1a2c}, ECGI: ECGI{PLMN: plmn, ECI: 0x1e24002}},
		HasRATType:  true,
		RATType:     RATEUTRAN,
		SenderFTEID: FTEID{Interface: IfS5S8SGWGTPC, TEID: 0xa002, IPv4: mustAddr("10.10.0.3")},
		HasRecovery: true,
		Recovery:    2,
	}
	mbreq.AddBearer(BearerToModify{EBI: 5, S5S8USGW: FTEID{Interface: IfS5S8SGWGTPU, TEID: 0xb002, IPv4: mustAddr("10.10.0.4")}})

	mbresp := ModifyBearerResponse{
		Header:    Header{Type: MsgModifyBearerResponse, HasTEID: true, TEID: 0xa002, Seq: 0x459, Length: 53},
		Cause:     CauseIE{Value: CauseRequestAccepted},
		MSISDN:    MustDigits("8613800138000"),
		LinkedEBI: 5,
	}
	mbresp.AddBearer(BearerModified{EBI: 5, Cause: CauseIE{Value: CauseRequestAccepted}, HasChargingID: true, ChargingID: 12345})

	dbresp2 := DeleteBearerResponse{
		Header:     Header{Type: MsgDeleteBearerResponse, HasTEID: true, TEID: 0xc001, Seq: 0x1001, Length: 44},
		Cause:      CauseIE{Value: CauseRequestAccepted},
		NumBearers: 2,
	}
	dbresp2.Bearers[0] = BearerDeleted{EBI: 6, Cause: CauseIE{Value: CauseRequestAccepted}}
	dbresp2.Bearers[1] = BearerDeleted{EBI: 7, Cause: CauseIE{Value: CauseContextNotFound}}

	return []fixture{
		{name: "CreateSessionRequest/S5S8", raw: csrBytes, want: &csr, fresh: func() codec { return new(CreateSessionRequest) }},
		{name: "CreateSessionResponse/accepted", raw: csrespBytes, want: &csresp, fresh: func() codec { return new(CreateSessionResponse) }},
		{
			name: "CreateSessionResponse/rejected",
			raw: []byte{
				// Header: T=1, type 33, length 18, TEID 0xa001, seq 0x000457
				0x48, 0x21, 0x00, 0x12, 0x00, 0x00, 0xa0, 0x01, 0x00, 0x04, 0x57, 0x00,
				// Cause: Mandatory IE missing (70), offending IE APN (71), length 0, instance 0
				0x02, 0x00, 0x06, 0x00, 0x46, 0x00, 0x47, 0x00, 0x00, 0x00,
			},
			want: &CreateSessionResponse{
				Header: Header{Type: MsgCreateSessionResponse, HasTEID: true, TEID: 0xa001, Seq: 0x457, Length: 18},
				Cause:  CauseIE{Value: CauseMandatoryIEMissing, OffendingIE: IEAPN},
			},
			fresh: func() codec { return new(CreateSessionResponse) },
		},
		{
			name: "CreateSessionResponse/bearer error with flags",
			raw: []byte{
				// Header: T=1, type 33, length 33, TEID 0xa001, seq 0x000457
				0x48, 0x21, 0x00, 0x21, 0x00, 0x00, 0xa0, 0x01, 0x00, 0x04, 0x57, 0x00,
				// Cause: Mandatory IE incorrect (69), BCE|CS, offending Bearer QoS (80) instance 0
				0x02, 0x00, 0x06, 0x00, 0x45, 0x03, 0x50, 0x00, 0x00, 0x00,
				// Bearer Context: EBI 5, Cause No resources available (73)
				0x5d, 0x00, 0x0b, 0x00,
				0x49, 0x00, 0x01, 0x00, 0x05,
				0x02, 0x00, 0x02, 0x00, 0x49, 0x00,
			},
			want: func() codec {
				m := &CreateSessionResponse{
					Header: Header{Type: MsgCreateSessionResponse, HasTEID: true, TEID: 0xa001, Seq: 0x457, Length: 33},
					Cause:  CauseIE{Value: CauseMandatoryIEIncorrect, BCE: true, CS: true, OffendingIE: IEBearerQoS},
				}
				m.AddBearer(BearerCreated{EBI: 5, Cause: CauseIE{Value: CauseNoResourcesAvailable}})
				return m
			}(),
			fresh: func() codec { return new(CreateSessionResponse) },
		},
		{
			name: "ModifyBearerRequest/new cell",
			raw: []byte{
				// Header: T=1, type 34, length 70, TEID 0xc001, seq 0x000459
				0x48, 0x22, 0x00, 0x46, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x04, 0x59, 0x00,
				// ULI: TAI 460-00 TAC 0x1a2c, ECGI 460-00 ECI 0x1e24002
				0x56, 0x00, 0x0d, 0x00, 0x18, 0x64, 0xf0, 0x00, 0x1a, 0x2c, 0x64, 0xf0, 0x00, 0x01, 0xe2, 0x40, 0x02,
				// RAT Type EUTRAN
				0x52, 0x00, 0x01, 0x00, 0x06,
				// Sender F-TEID: S5/S8 SGW GTP-C, TEID 0xa002, 10.10.0.3
				0x57, 0x00, 0x09, 0x00, 0x86, 0x00, 0x00, 0xa0, 0x02, 0x0a, 0x0a, 0x00, 0x03,
				// Bearer Context to be modified: EBI 5, S5/S8-U SGW F-TEID (instance 1) 0xb002 10.10.0.4
				0x5d, 0x00, 0x12, 0x00,
				0x49, 0x00, 0x01, 0x00, 0x05,
				0x57, 0x00, 0x09, 0x01, 0x84, 0x00, 0x00, 0xb0, 0x02, 0x0a, 0x0a, 0x00, 0x04,
				// Recovery 2
				0x03, 0x00, 0x01, 0x00, 0x02,
			},
			want:  &mbreq,
			fresh: func() codec { return new(ModifyBearerRequest) },
		},
		{
			name: "ModifyBearerResponse/accepted",
			raw: []byte{
				// Header: T=1, type 35, length 53, TEID 0xa002, seq 0x000459
				0x48, 0x23, 0x00, 0x35, 0x00, 0x00, 0xa0, 0x02, 0x00, 0x04, 0x59, 0x00,
				// Cause: Request accepted
				0x02, 0x00, 0x02, 0x00, 0x10, 0x00,
				// MSISDN 8613800138000
				0x4c, 0x00, 0x07, 0x00, 0x68, 0x31, 0x08, 0x10, 0x83, 0x00, 0xf0,
				// Linked EBI 5
				0x49, 0x00, 0x01, 0x00, 0x05,
				// Bearer Context modified: EBI 5, Cause accepted, Charging ID 12345
				0x5d, 0x00, 0x13, 0x00,
				0x49, 0x00, 0x01, 0x00, 0x05,
				0x02, 0x00, 0x02, 0x00, 0x10, 0x00,
				0x5e, 0x00, 0x04, 0x00, 0x00, 0x00, 0x30, 0x39,
			},
			want:  &mbresp,
			fresh: func() codec { return new(ModifyBearerResponse) },
		},
		{name: "DeleteSessionRequest/S5S8", raw: dsreqBytes, want: &dsreq, fresh: func() codec { return new(DeleteSessionRequest) }},
		{
			name: "DeleteSessionRequest/every ULI part, dual-stack F-TEID",
			raw: []byte{
				// Header: T=1, type 36, length 108, TEID 0xc001, seq 0x000458
				0x48, 0x24, 0x00, 0x6c, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x04, 0x58, 0x00,
				// Cause: ISR deactivation (5)
				0x02, 0x00, 0x02, 0x00, 0x05, 0x00,
				// Linked EBI 5
				0x49, 0x00, 0x01, 0x00, 0x05,
				// ULI (51 octets): flags EMeNBI|MeNBI|LAI|ECGI|TAI|RAI|SAI|CGI
				0x56, 0x00, 0x33, 0x00, 0xff,
				0x64, 0xf0, 0x00, 0x11, 0x11, 0x22, 0x22, // CGI: 460-00, LAC 0x1111, CI 0x2222
				0x64, 0xf0, 0x00, 0x11, 0x11, 0x33, 0x33, // SAI: LAC 0x1111, SAC 0x3333
				0x64, 0xf0, 0x00, 0x11, 0x11, 0xff, 0x44, // RAI: LAC 0x1111, RAC 0x44 (octet 11 all ones)
				0x64, 0xf0, 0x00, 0x55, 0x55, // TAI: TAC 0x5555
				0x64, 0xf0, 0x00, 0x06, 0x66, 0x66, 0x66, // ECGI: ECI 0x6666666
				0x64, 0xf0, 0x00, 0x11, 0x11, // LAI: LAC 0x1111
				0x64, 0xf0, 0x00, 0x01, 0x11, 0x11, // Macro eNodeB ID 0x11111
				0x64, 0xf0, 0x00, 0x91, 0x11, 0x11, // Extended Macro eNodeB ID: SMeNB, 0x111111
				// Indication: OI
				0x4d, 0x00, 0x01, 0x00, 0x08,
				// Sender F-TEID: V4|V6, S5/S8 SGW GTP-C, TEID 0xa001, 10.10.0.1, 2001:db8::1
				0x57, 0x00, 0x19, 0x00, 0xc6, 0x00, 0x00, 0xa0, 0x01, 0x0a, 0x0a, 0x00, 0x01,
				0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
			},
			want: func() codec {
				m := &DeleteSessionRequest{
					Header:    Header{Type: MsgDeleteSessionRequest, HasTEID: true, TEID: 0xc001, Seq: 0x458, Length: 108},
					Cause:     CauseIE{Value: CauseISRDeactivation},
					LinkedEBI: 5,
					SenderFTEID: FTEID{Interface: IfS5S8SGWGTPC, TEID: 0xa001, IPv4: sgwC,
						IPv6: mustAddr("2001:db8::1")},
				}
				u := &m.ULI
				u.Flags = 0xff
				u.CGI.PLMN, u.CGI.LAC, u.CGI.CI = plmn, 0x1111, 0x2222
				u.SAI.PLMN, u.SAI.LAC, u.SAI.SAC = plmn, 0x1111, 0x3333
				u.RAI.PLMN, u.RAI.LAC, u.RAI.RAC = plmn, 0x1111, 0xff44
				u.TAI = TAI{PLMN: plmn, TAC: 0x5555}
				u.ECGI = ECGI{PLMN: plmn, ECI: 0x6666666}
				u.LAI.PLMN, u.LAI.LAC = plmn, 0x1111
				u.MacroENB.PLMN, u.MacroENB.ID = plmn, 0x11111
				u.ExtMacroENB.PLMN, u.ExtMacroENB.ID, u.ExtMacroENB.SMeNB = plmn, 0x111111, true
				m.Indication.Set(IndOI)
				return m
			}(),
			fresh: func() codec { return new(DeleteSessionRequest) },
		},
		{name: "DeleteSessionResponse/accepted", raw: dsrespBytes, want: &dsresp, fresh: func() codec { return new(DeleteSessionResponse) }},
		{
			name: "DeleteSessionResponse/context not found with recovery",
			raw: []byte{
				// Header: T=1, type 37, length 19, TEID 0xa001, seq 0x000458
				0x48, 0x25, 0x00, 0x13, 0x00, 0x00, 0xa0, 0x01, 0x00, 0x04, 0x58, 0x00,
				// Cause: Context not found (64)
				0x02, 0x00, 0x02, 0x00, 0x40, 0x00,
				// Recovery 9
				0x03, 0x00, 0x01, 0x00, 0x09,
			},
			want: &DeleteSessionResponse{
				Header:      Header{Type: MsgDeleteSessionResponse, HasTEID: true, TEID: 0xa001, Seq: 0x458, Length: 19},
				Cause:       CauseIE{Value: CauseContextNotFound},
				HasRecovery: true,
				Recovery:    9,
			},
			fresh: func() codec { return new(DeleteSessionResponse) },
		},
		{
			name: "DeleteBearerRequest/whole PDN connection",
			raw: []byte{
				// Header: T=1, type 99, length 19, TEID 0xa001 (SGW's), seq 0x001000
				0x48, 0x63, 0x00, 0x13, 0x00, 0x00, 0xa0, 0x01, 0x00, 0x10, 0x00, 0x00,
				// Linked EBI 5 (instance 0)
				0x49, 0x00, 0x01, 0x00, 0x05,
				// Cause: Reactivation requested (8)
				0x02, 0x00, 0x02, 0x00, 0x08, 0x00,
			},
			want: &DeleteBearerRequest{
				Header:    Header{Type: MsgDeleteBearerRequest, HasTEID: true, TEID: 0xa001, Seq: 0x1000, Length: 19},
				LinkedEBI: 5,
				Cause:     CauseIE{Value: CauseReactivationRequested},
			},
			fresh: func() codec { return new(DeleteBearerRequest) },
		},
		{
			name: "DeleteBearerRequest/dedicated bearers",
			raw: []byte{
				// Header: T=1, type 99, length 18, TEID 0xa001, seq 0x001001
				0x48, 0x63, 0x00, 0x12, 0x00, 0x00, 0xa0, 0x01, 0x00, 0x10, 0x01, 0x00,
				// EPS Bearer IDs (instance 1): 6, 7
				0x49, 0x00, 0x01, 0x01, 0x06,
				0x49, 0x00, 0x01, 0x01, 0x07,
			},
			want: &DeleteBearerRequest{
				Header:  Header{Type: MsgDeleteBearerRequest, HasTEID: true, TEID: 0xa001, Seq: 0x1001, Length: 18},
				NumEBIs: 2,
				EBIs:    [MaxBearers]uint8{6, 7},
			},
			fresh: func() codec { return new(DeleteBearerRequest) },
		},
		{
			name: "DeleteBearerResponse/whole PDN connection",
			raw: []byte{
				// Header: T=1, type 100, length 19, TEID 0xc001 (PGW's), seq 0x001000
				0x48, 0x64, 0x00, 0x13, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x10, 0x00, 0x00,
				// Cause: Request accepted
				0x02, 0x00, 0x02, 0x00, 0x10, 0x00,
				// Linked EBI 5
				0x49, 0x00, 0x01, 0x00, 0x05,
			},
			want: &DeleteBearerResponse{
				Header:    Header{Type: MsgDeleteBearerResponse, HasTEID: true, TEID: 0xc001, Seq: 0x1000, Length: 19},
				Cause:     CauseIE{Value: CauseRequestAccepted},
				LinkedEBI: 5,
			},
			fresh: func() codec { return new(DeleteBearerResponse) },
		},
		{
			name: "DeleteBearerResponse/per bearer causes",
			raw: []byte{
				// Header: T=1, type 100, length 44, TEID 0xc001, seq 0x001001
				0x48, 0x64, 0x00, 0x2c, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x10, 0x01, 0x00,
				// Cause: Request accepted
				0x02, 0x00, 0x02, 0x00, 0x10, 0x00,
				// Bearer Context: EBI 6, Cause accepted
				0x5d, 0x00, 0x0b, 0x00, 0x49, 0x00, 0x01, 0x00, 0x06, 0x02, 0x00, 0x02, 0x00, 0x10, 0x00,
				// Bearer Context: EBI 7, Cause Context not found
				0x5d, 0x00, 0x0b, 0x00, 0x49, 0x00, 0x01, 0x00, 0x07, 0x02, 0x00, 0x02, 0x00, 0x40, 0x00,
			},
			want:  &dbresp2,
			fresh: func() codec { return new(DeleteBearerResponse) },
		},
		{
			name: "EchoRequest",
			raw: []byte{
				// Header: version 2, T=0; type 1; length 9; seq 0x000100
				0x40, 0x01, 0x00, 0x09, 0x00, 0x01, 0x00, 0x00,
				// Recovery 7
				0x03, 0x00, 0x01, 0x00, 0x07,
			},
			want:  &Echo{Header: Header{Type: MsgEchoRequest, Seq: 0x100, Length: 9}, Recovery: 7},
			fresh: func() codec { return new(Echo) },
		},
		{
			name: "EchoResponse/with node features",
			raw: []byte{
				// Header: version 2, T=0; type 2; length 14; seq 0x000100
				0x40, 0x02, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x00,
				// Recovery 3
				0x03, 0x00, 0x01, 0x00, 0x03,
				// Sending Node Features: PRN
				0x98, 0x00, 0x01, 0x00, 0x01,
			},
			want: &Echo{Header: Header{Type: MsgEchoResponse, Seq: 0x100, Length: 14}, Recovery: 3,
				HasNodeFeatures: true, NodeFeatures: 1},
			fresh: func() codec { return new(Echo) },
		},
		{
			name: "CreateSessionRequest/IPv6 and priority",
			raw: []byte{
				// Header: version 2, T=1, MP=1; type 32; length 128; TEID 0; seq 0x7fffff; priority 3
				0x4c, 0x20, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0x30,
				// IMSI 00101000000001 (14 digits, no filler)
				0x01, 0x00, 0x07, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x10,
				// RAT Type LTE-M
				0x52, 0x00, 0x01, 0x00, 0x09,
				// Sender F-TEID: V6, S11 MME GTP-C, TEID 1, 2001:db8::1
				0x57, 0x00, 0x15, 0x00, 0x4a, 0x00, 0x00, 0x00, 0x01,
				0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
				// APN "iot.example"
				0x47, 0x00, 0x0c, 0x00, 0x03, 'i', 'o', 't', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
				// PAA: IPv6, prefix 64, ::
				0x4f, 0x00, 0x12, 0x00, 0x02, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				// Bearer Context: EBI 5, Bearer QoS PCI=0 PL=15 PVI=1 QCI 6, 40-bit rates
				0x5d, 0x00, 0x1f, 0x00,
				0x49, 0x00, 0x01, 0x00, 0x05,
				0x50, 0x00, 0x16, 0x00, 0x3d, 0x06,
				0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01,
				0x00, 0x00, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
				// Charging Characteristics 0x0800 (normal)
				0x5f, 0x00, 0x02, 0x00, 0x08, 0x00,
			},
			want: func() codec {
				m := &CreateSessionRequest{
					Header:                     Header{Type: MsgCreateSessionRequest, HasTEID: true, Seq: 0x7fffff, HasPriority: true, Priority: 3, Length: 128},
					IMSI:                       MustDigits("00101000000001"),
					RATType:                    RATLTEM,
					SenderFTEID:                FTEID{Interface: IfS11MMEGTPC, TEID: 1, IPv6: mustAddr("2001:db8::1")},
					APN:                        MustAPN("iot.example"),
					PAA:                        PAA{Type: PDNTypeIPv6, IPv6: mustAddr("::"), IPv6PrefixLen: 64},
					HasChargingCharacteristics: true,
					ChargingCharacteristics:    0x0800,
				}
				m.AddBearer(BearerToCreate{EBI: 5, QoS: BearerQoS{PriorityLevel: 15, PVI: true, QCI: 6,
					MBRUplink: 1<<40 - 1, MBRDownlink: 1, GBRUplink: 0x100, GBRDownlink: 0x8000000000}})
				return m
			}(),
			fresh: func() codec { return new(CreateSessionRequest) },
		},
	}
}

// fixtureRaw returns the bytes of the fixture with the given name.
func fixtureRaw(name string) []byte {
	for _, f := range fixtures() {
		if f.name == name {
			return f.raw
		}
	}
	panic("no fixture " + name)
}

func TestFixtureRoundTrip(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures() {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			got := f.fresh()
			if err := got.Decode(f.raw); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, f.want) {
				t.Errorf("Decode:\n got %+v\nwant %+v", got, f.want)
			}
			b, err := f.want.Append(nil)
			if err != nil {
				t.Fatalf("Append: %v", err)
			}
			if !bytes.Equal(b, f.raw) {
				t.Errorf("Append:\n got % x\nwant % x", b, f.raw)
			}
			// Appending after existing content leaves it alone and
			// patches the right length.
			prefix := []byte{0xde, 0xad}
			b, err = f.want.Append(prefix)
			if err != nil || !bytes.Equal(b[:2], []byte{0xde, 0xad}) || !bytes.Equal(b[2:], f.raw) {
				t.Errorf("Append after a prefix: % x, %v", b, err)
			}
		})
	}
}

func TestVersionNotSupported(t *testing.T) {
	t.Parallel()
	got := AppendVersionNotSupported(nil, 0x457)
	// version 2, T=0; type 3; length 4; seq 0x000457; spare
	want := []byte{0x40, 0x03, 0x00, 0x04, 0x00, 0x04, 0x57, 0x00}
	if !bytes.Equal(got, want) {
		t.Fatalf("got % x, want % x", got, want)
	}
	var h Header
	ies, rest, err := ParseHeader(got, &h)
	if err != nil || len(ies) != 0 || len(rest) != 0 || h.Type != MsgVersionNotSupported || h.Seq != 0x457 {
		t.Fatalf("ParseHeader: %+v %v", h, err)
	}
}
