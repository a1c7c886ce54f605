package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestIter(t *testing.T) {
	t.Parallel()
	b := unhex(t, `
		00000108 40 00000b 6f6373 00          # Origin-Host "ocs", padded
		00000368 c0 000010 000028af 00000002  # Reporting-Reason, V|M, vendor 10415: FINAL
		000001c8 40 000014                    # MSCC, length 20
		  000001b0 40 00000c 00000007         #   Rating-Group 7
		00000001 00 000009 61                 # User-Name "a", last AVP without padding`)
	type avp struct {
		code   uint32
		flags  AVPFlags
		vendor uint32
		data   string
	}
	want := []avp{
		{AVPOriginHost, AVPFlagMandatory, 0, "ocs"},
		{AVPReportingReason, AVPFlagVendor | AVPFlagMandatory, Vendor3GPP, "\x00\x00\x00\x02"},
		{AVPMultipleServicesCreditControl, AVPFlagMandatory, 0, "\x00\x00\x01\xb0\x40\x00\x00\x0c\x00\x00\x00\x07"},
		{AVPUserName, 0, 0, "a"},
	}
	it := NewIter(b)
	var got []avp
	for it.Next() {
		a := it.AVP()
		got = append(got, avp{a.Code, a.Flags, a.Vendor, string(a.Data)})
		if a.Code == AVPMultipleServicesCreditControl {
			inner := NewIter(a.Data)
			if !inner.Next() || inner.AVP().Code != AVPRatingGroup || inner.Next() || inner.Err() != nil {
				t.Errorf("descent into MSCC failed: %v", inner.Err())
			}
			if !a.Mandatory() || len(a.Raw) != 20 {
				t.Errorf("MSCC Raw %x", a.Raw)
			}
		}
	}
	if it.Err() != nil {
		t.Fatalf("Err = %v", it.Err())
	}
	if len(got) != len(want) {
		t.Fatalf("got %d AVPs: %+v", len(got), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("AVP %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if it.Offset() != len(b) {
		t.Errorf("Offset = %d", it.Offset())
	}
	var zero Iter
	if zero.Next() || zero.Err() != nil {
		t.Error("zero Iter not empty")
	}
}

func TestIterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		b      string
		good   int    // AVPs read before the error
		failed string // Failed-AVP content
	}{
		{"4 stray bytes", "00000108", 0, "00000108 00 000008"},
		{"header of 7 bytes", "00000108 40 0000", 0, "00000108 40 000008"},
		{"length 7", "00000108 40 000007 00", 0, "00000108 40 000008"},
		{"length past the end", "00000108 40 000010 6f6373 00", 0, "00000108 40 000008"},
		{"vendor header cut short", "00000368 c0 000010 0000", 0, "00000368 c0 00000c 00000000"},
		{"vendor length 11", "00000368 c0 00000b 000028af", 0, "00000368 c0 00000c 000028af"},
		{"second AVP bad", "00000108 40 000009 61 000000 00000001 40 0000ff", 1, "00000001 40 000008"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			it := NewIter(unhex(t, tt.b))
			n := 0
			for it.Next() {
				n++
			}
			var e *Error
			if !errors.As(it.Err(), &e) || e.ResultCode != InvalidAVPLength {
				t.Fatalf("Err = %v, want 5014", it.Err())
			}
			if n != tt.good {
				t.Errorf("read %d AVPs before the error, want %d", n, tt.good)
			}
			if want := unhex(t, tt.failed); !bytes.Equal(e.AVP, want) {
				t.Errorf("Failed-AVP %x, want %x", e.AVP, want)
			}
			if it.Next() {
				t.Error("Next after error")
			}
		})
	}
}

func TestAppendAVP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"octets padded", AppendAVP(nil, AVPSessionID, AVPFlagMandatory, 0, []byte("abcde")),
			"00000107 40 00000d 6162636465 000000"},
		{"empty", AppendAVP(nil, AVPErrorMessage, 0, 0, nil), "00000119 00 000008"},
		{"vendor sets V", AppendUint32AVP(nil, AVPVolumeQuotaThreshold, AVPFlagMandatory, Vendor3GPP, 1024),
			"00000365 c0 000010 000028af 00000400"},
		{"V flag with vendor 0", AppendUint32AVP(nil, 1, AVPFlagVendor, 0, 1), "00000001 80 000010 00000000 00000001"},
		{"Unsigned64", AppendUint64AVP(nil, AVPCCTotalOctets, AVPFlagMandatory, 0, 1<<40),
			"000001a5 40 000010 0000010000000000"},
		{"grouped", func() []byte {
			b, g := BeginGroupedAVP(nil, AVPSubscriptionID, AVPFlagMandatory, 0)
			b = AppendUint32AVP(b, AVPSubscriptionIDType, AVPFlagMandatory, 0, 0)
			b = AppendAVP(b, AVPSubscriptionIDData, AVPFlagMandatory, 0, []byte("861"))
			return EndGroupedAVP(b, g)
		}(), "000001bb 40 000020 000001c2 40 00000c 00000000 000001bc 40 00000b 383631 00"},
	}
	for _, tt := range tests {
		if want := unhex(t, tt.want); !bytes.Equal(tt.got, want) {
			t.Errorf("%s:\n got %x\nwant %x", tt.name, tt.got, want)
		}
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	p, err := NewPLMN("460", "01")
	if err != nil || p != (PLMN{0x64, 0xf0, 0x10}) || p.MCC() != 460 || p.MNC() != 1 || p.MNCDigits() != 2 || p.String() != "460-01" {
		t.Errorf("NewPLMN(460, 01) = %x %v %d %d %d", p[:], err, p.MCC(), p.MNC(), p.MNCDigits())
	}
	p3, err := NewPLMN("310", "260")
	if err != nil || p3 != (PLMN{0x13, 0x00, 0x62}) || p3.MNC() != 260 || p3.MNCDigits() != 3 || p3.String() != "310-260" {
		t.Errorf("NewPLMN(310, 260) = %x %v %s", p3[:], err, p3)
	}
	for _, bad := range [][2]string{{"46", "01"}, {"460", "1"}, {"4a0", "01"}, {"460", "0001"}} {
		if _, err := NewPLMN(bad[0], bad[1]); err == nil {
			t.Errorf("NewPLMN(%q, %q) accepted", bad[0], bad[1])
		}
	}
	tai := TAI{PLMN: p, TAC: 0x1234}
	ecgi := ECGI{PLMN: p3, ECI: 0x0abcdef1}
	tests := []struct {
		name string
		uli  UserLocationInfo
		hex  string
		typ  uint8
		tai  *TAI
		ecgi *ECGI
	}{
		{"TAI", AppendUserLocationInfo(nil, &tai, nil), "80 64f010 1234", LocationTAI, &tai, nil},
		{"ECGI", AppendUserLocationInfo(nil, nil, &ecgi), "81 130062 0abcdef1", LocationECGI, nil, &ecgi},
		{"TAI and ECGI", AppendUserLocationInfo(nil, &tai, &ecgi), "82 64f010 1234 130062 0abcdef1", LocationTAIECGI, &tai, &ecgi},
		{"CGI", UserLocationInfo(unhex(t, "00 64f010 0001 0002")), "00 64f010 0001 0002", LocationCGI, nil, nil},
		{"TAI cut short", UserLocationInfo(unhex(t, "80 64f010 12")), "80 64f010 12", LocationTAI, nil, nil},
		{"ECGI spare bits ignored", UserLocationInfo(unhex(t, "81 130062 fabcdef1")), "81 130062 fabcdef1", LocationECGI, nil, &ecgi},
	}
	for _, tt := range tests {
		if want := unhex(t, tt.hex); !bytes.Equal(tt.uli, want) {
			t.Errorf("%s: bytes %x, want %x", tt.name, []byte(tt.uli), want)
		}
		if typ, ok := tt.uli.Type(); !ok || typ != tt.typ {
			t.Errorf("%s: Type = %d, %v", tt.name, typ, ok)
		}
		gotTAI, ok := tt.uli.TAI()
		if ok != (tt.tai != nil) || (ok && gotTAI != *tt.tai) {
			t.Errorf("%s: TAI = %+v, %v", tt.name, gotTAI, ok)
		}
		gotECGI, ok := tt.uli.ECGI()
		if ok != (tt.ecgi != nil) || (ok && gotECGI != *tt.ecgi) {
			t.Errorf("%s: ECGI = %+v, %v", tt.name, gotECGI, ok)
		}
	}
	if _, ok := UserLocationInfo(nil).Type(); ok {
		t.Error("empty ULI has a type")
	}
	if got := AppendUserLocationInfo([]byte{9}, nil, nil); len(got) != 1 {
		t.Errorf("no location appended %x", got)
	}
}
