package wire

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestHeaderRoundTrip(t *testing.T) {
	t.Parallel()
	b := unhex(t, `
		01 000014   # version 1, Message Length 20
		90 000118   # flags R|T, Command-Code 280 (Device-Watchdog)
		00000000    # Application-ID 0
		deadbeef    # Hop-by-Hop
		01020304    # End-to-End`)
	want := Header{Version: 1, Length: 20, Flags: FlagRequest | FlagRetransmitted,
		Code: CommandDeviceWatchdog, AppID: 0, HopByHop: 0xdeadbeef, EndToEnd: 0x01020304}
	h, err := ParseHeader(b)
	if err != nil || h != want {
		t.Fatalf("ParseHeader = %+v, %v", h, err)
	}
	if !h.IsRequest() || h.IsError() {
		t.Errorf("IsRequest %v IsError %v", h.IsRequest(), h.IsError())
	}
	if got := AppendHeader(nil, h); !bytes.Equal(got, b) {
		t.Errorf("AppendHeader = %x, want %x", got, b)
	}
	if _, err := ParseHeader(b[:19]); err != ErrIncomplete {
		t.Errorf("short header: %v", err)
	}
	b[0] = 2
	if _, err := ParseHeader(b); err != ErrUnsupportedVersion {
		t.Errorf("version 2: %v", err)
	}
}

func TestFrame(t *testing.T) {
	t.Parallel()
	msg := unhex(t, ccrUpdateHex) // 296 bytes
	tests := []struct {
		name   string
		b      []byte
		max    int
		n      int
		err    error
		result ResultCode
	}{
		{name: "whole message", b: msg, n: 296},
		{name: "message and the start of the next", b: append(append([]byte(nil), msg...), 1, 0), n: 296},
		{name: "empty", b: nil, n: 0, err: ErrIncomplete},
		{name: "3 bytes", b: msg[:3], n: 0, err: ErrIncomplete},
		{name: "4 bytes give the length", b: msg[:4], n: 296, err: ErrIncomplete},
		{name: "all but one byte", b: msg[:295], n: 296, err: ErrIncomplete},
		{name: "version 0", b: []byte{0}, err: ErrUnsupportedVersion, result: UnsupportedVersion},
		{name: "length 16", b: []byte{1, 0, 0, 16}, n: 16, err: ErrInvalidMessageLength, result: InvalidMessageLength},
		{name: "length 0", b: []byte{1, 0, 0, 0}, n: 0, err: ErrInvalidMessageLength, result: InvalidMessageLength},
		{name: "length 22", b: []byte{1, 0, 0, 22}, n: 22, err: ErrInvalidMessageLength, result: InvalidMessageLength},
		{name: "length over default max", b: []byte{1, 1, 0, 4}, n: 65540, err: ErrMessageTooLong, result: UnableToComply},
		{name: "length over given max", b: msg, max: 292, n: 296, err: ErrMessageTooLong},
		{name: "length at given max", b: msg, max: 296, n: 296},
		{name: "large max", b: []byte{1, 0xff, 0xff, 0xfc}, max: 1 << 30, n: 0xfffffc, err: ErrIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := Frame(tt.b, tt.max)
			if n != tt.n || err != tt.err {
				t.Errorf("Frame = %d, %v; want %d, %v", n, err, tt.n, tt.err)
			}
			var e *Error
			if tt.result != 0 && (!errors.As(err, &e) || e.ResultCode != tt.result) {
				t.Errorf("result code of %v, want %d", err, tt.result)
			}
		})
	}
}

func TestBeginEndMessage(t *testing.T) {
	t.Parallel()
	dst := []byte("prefix")
	b, start := BeginMessage(dst, FlagRequest, CommandDeviceWatchdog, AppCommon, 7, 8)
	b = AppendAVP(b, AVPOriginHost, AVPFlagMandatory, 0, []byte("host"))
	b, err := EndMessage(b, start)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:6]) != "prefix" {
		t.Errorf("prefix lost: %q", b[:6])
	}
	want := unhex(t, `
		01 000020 80 000118 00000000 00000007 00000008 # header, length 32
		00000108 40 00000c 686f7374                    # Origin-Host "host"`)
	if !bytes.Equal(b[6:], want) {
		t.Errorf("got  %x\nwant %x", b[6:], want)
	}
	if n, err := Frame(b[6:], 0); n != 32 || err != nil {
		t.Errorf("Frame = %d, %v", n, err)
	}
}

func TestTimeNTP(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ntp  uint32
		unix int64
	}{
		{0xe8d0a000, 0xe8d0a000 - ntpEpochOffset}, // 2023
		{0x83aa7e80, 0},                      // 1970-01-01
		{0x00000000, 1<<32 - ntpEpochOffset}, // 2036-02-07 06:28:16, era 1
		{0x7fffffff, 1<<32 - ntpEpochOffset + 0x7fffffff},
	} {
		got := TimeFromNTP(tt.ntp)
		if got.Unix() != tt.unix || got.Location() != time.UTC {
			t.Errorf("TimeFromNTP(%#x) = %v, want unix %d", tt.ntp, got, tt.unix)
		}
		if back := NTPFromTime(got); back != tt.ntp {
			t.Errorf("NTPFromTime(%v) = %#x, want %#x", got, back, tt.ntp)
		}
	}
}

func TestResultCodeString(t *testing.T) {
	t.Parallel()
	if s := CreditLimitReached.String(); s != "DIAMETER_CREDIT_LIMIT_REACHED" {
		t.Errorf("4012 = %q", s)
	}
	if s := ResultCode(4999).String(); s != "Result-Code(4999)" {
		t.Errorf("4999 = %q", s)
	}
	if !TooBusy.IsProtocolError() || Success.IsProtocolError() || !LimitedSuccess.IsSuccess() {
		t.Error("classes")
	}
	if UpdateRequest.String() != "UPDATE_REQUEST" || RequestType(9).Valid() {
		t.Error("RequestType")
	}
	e := &Error{ResultCode: InvalidAVPLength, Msg: "CC-Time (420): want 4 bytes, got 3"}
	if s := e.Error(); s != "wire: CC-Time (420): want 4 bytes, got 3 (DIAMETER_INVALID_AVP_LENGTH 5014)" {
		t.Errorf("Error() = %q", s)
	}
}
