package diameter

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
	"github.com/carriersim/carriersim/sim"
)

func TestCapabilitiesWatchdogDisconnect(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, func(cfg *ServerConfig) { cfg.OriginHost, cfg.OriginRealm = "ocs1.test", "realm.test" })

	tests := []struct {
		name   string
		apps   []uint32
		want   wire.ResultCode
		closed bool
	}{
		{"credit control", []uint32{wire.AppCreditControl}, wire.Success, false},
		{"relay agent", []uint32{relayAppID}, wire.Success, false},
		{"other application", []uint32{16777238}, wire.NoCommonApplication, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := dialPeer(t, s.Addr())
			a := p.cer(tt.apps...)
			if a.ResultCode != tt.want {
				t.Fatalf("CEA Result-Code %d, want %d", a.ResultCode, tt.want)
			}
			if string(a.OriginHost) != "ocs1.test" || string(a.OriginRealm) != "realm.test" {
				t.Fatalf("CEA from %s/%s", a.OriginHost, a.OriginRealm)
			}
			if tt.want == wire.Success && (len(a.AuthApplicationIDs) != 1 || a.AuthApplicationIDs[0] != wire.AppCreditControl) {
				t.Fatalf("CEA applications %v, want [4]", a.AuthApplicationIDs)
			}
			wait := 200 * time.Millisecond
			if tt.closed {
				wait = 3 * time.Second // returns as soon as it is closed
			}
			if got := p.closed(wait); got != tt.closed {
				t.Fatalf("closed = %v, want %v", got, tt.closed)
			}
		})
	}

	p := connect(t, s.Addr())
	var dwr wire.DWR
	dwr.Header.HopByHop, dwr.Header.EndToEnd = 77, 88
	dwr.OriginHost, dwr.OriginRealm = []byte("pgw.test"), []byte("test")
	p.send(mustEnc(t, dwr.Append))
	var dwa wire.DWA
	if err := dwa.Decode(p.read()); err != nil || dwa.ResultCode != wire.Success || dwa.Header.HopByHop != 77 {
		t.Fatalf("DWA %+v, %v", dwa, err)
	}
	var dpr wire.DPR
	dpr.Header.HopByHop, dpr.Header.EndToEnd = 78, 89
	dpr.OriginHost, dpr.OriginRealm = []byte("pgw.test"), []byte("test")
	p.send(mustEnc(t, dpr.Append))
	var dpa wire.DPA
	if err := dpa.Decode(p.read()); err != nil || dpa.ResultCode != wire.Success {
		t.Fatalf("DPA %+v, %v", dpa, err)
	}
	if !p.closed(2 * time.Second) {
		t.Fatal("connection still open after DPR/DPA")
	}
}

func TestServerCloseSendsDPR(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s, err := NewServer(ServerConfig{Addr: "127.0.0.1:0", Carrier: c})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	p := connect(t, s.Addr())
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	m := p.readMsg(2 * time.Second)
	var dpr wire.DPR
	if err := dpr.Decode(m); err != nil {
		t.Fatalf("want a DPR, got %v", err)
	}
	var dpa wire.DPA
	dpa.Header = dpr.Header
	dpa.ResultCode = wire.Success
	dpa.OriginHost, dpa.OriginRealm = []byte("pgw.test"), []byte("test")
	p.send(mustEnc(t, dpa.Append))
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not return")
	}
}

func TestFullSessionExactQuota(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	const card = 5
	before := f.card(t, card)
	a := f.open("pgw.test;1;1", card, 1<<20)
	wantCode(t, a, wire.Success, "")
	if g := granted(t, a); g != 1<<20 {
		t.Fatalf("granted %d, want 1 MiB", g)
	}
	m := &a.MSCC[0]
	if !m.HasRatingGroup || m.RatingGroup != 1 || m.ResultCode != wire.Success || !m.HasValidityTime || m.ValidityTime != 1800 {
		t.Fatalf("MSCC %+v", m)
	}
	if !m.HasVolumeQuotaThreshold || m.VolumeQuotaThreshold != (1<<20)/5 {
		t.Fatalf("Volume-Quota-Threshold %d, want 20%% of the grant", m.VolumeQuotaThreshold)
	}
	if st := f.card(t, card); st.Reserved != 1<<20 {
		t.Fatalf("reserved %d after CCR-I, want 1 MiB", st.Reserved)
	}
	used := []int64{300_000, 1 << 20, 123_457}
	for i, u := range used[:2] {
		a = f.update("pgw.test;1;1", card, uint32(i+1), 512<<10, u)
		wantCode(t, a, wire.Success, "")
		if g := granted(t, a); g != 512<<10 {
			t.Fatalf("update %d granted %d", i, g)
		}
	}
	a = f.terminate("pgw.test;1;1", 3, used[2])
	wantCode(t, a, wire.Success, "")
	st := f.card(t, card)
	want := before.Used + uint64(used[0]+used[1]+used[2])
	if st.Used != want || st.Reserved != 0 {
		t.Fatalf("used %d reserved %d, want used %d reserved 0", st.Used, st.Reserved, want)
	}
	if n := f.s.Stats().SessionsOpen; n != 0 {
		t.Fatalf("%d sessions open after CCR-T", n)
	}
	if f.c.Anomalies() != 0 {
		t.Fatalf("carrier anomalies %d", f.c.Anomalies())
	}
	// The session is over: another update is 5002.
	wantCode(t, f.update("pgw.test;1;1", card, 4, 1, 0), wire.UnknownSessionID, "")
	wantCode(t, f.update("pgw.test;never", card, 1, 1, 0), wire.UnknownSessionID, "")
}

func TestOverQuotaFinalUnitThenCreditLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(cfg *sim.Config) {
		cfg.Plans = []sim.Plan{{Name: "tiny", Allowance: 3 * sim.MB, Cycle: sim.CycleMonth, Price: sim.Yuan}}
		cfg.Population.Plans = map[string]float64{"tiny": 1}
	})
	const card = 9
	a := f.open("s-oq", card, 2<<20)
	wantCode(t, a, wire.Success, "")
	if a.MSCC[0].HasFUI {
		t.Fatal("first grant carries a Final-Unit-Indication")
	}
	// 2 MiB used, 2 MiB asked: only 1 MiB is left, granted as the last units.
	a = f.update("s-oq", card, 1, 2<<20, 2<<20)
	wantCode(t, a, wire.Success, "")
	m := a.MSCC[0]
	if m.GSU.Total != 1<<20 || !m.HasFUI || m.FUI.Action != wire.ActionTerminate {
		t.Fatalf("last grant %d with FUI %v %+v, want 1 MiB and TERMINATE", m.GSU.Total, m.HasFUI, m.FUI)
	}
	a = f.update("s-oq", card, 2, 1<<20, 1<<20)
	wantCode(t, a, wire.CreditLimitReached, "reason=over_quota blame=card")
	if a.MSCC[0].ResultCode != wire.CreditLimitReached || a.MSCC[0].HasGSU {
		t.Fatalf("MSCC %+v", a.MSCC[0])
	}
	st := f.card(t, card)
	if st.Used != 3<<20 || st.Reserved != 0 || !st.Stops.Has(sim.ReasonOverQuota) {
		t.Fatalf("card %+v", st)
	}
	// The refusal ended the session; a new one is refused at once.
	wantCode(t, f.terminate("s-oq", 3, 0), wire.UnknownSessionID, "")
	wantCode(t, f.open("s-oq2", card, 1), wire.CreditLimitReached, "reason=over_quota blame=card")
}

// TestRestrictAccessFilterRules: a plan whose final action is restrict
// gets its last units with RESTRICT_ACCESS and the configured
// Restriction-Filter-Rules (RFC 4006 §8.34).
func TestRestrictAccessFilterRules(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, func(cfg *sim.Config) {
		cfg.Plans = []sim.Plan{{Name: "walled", Allowance: 3 * sim.MB, Cycle: sim.CycleMonth, Price: sim.Yuan,
			FinalAction: sim.FinalRestrict}}
		cfg.Population.Plans = map[string]float64{"walled": 1}
	})
	rules := []string{"permit in ip from assigned to 203.0.113.7", "permit out ip from 203.0.113.7 to assigned"}
	s := startServer(t, c, func(cfg *ServerConfig) { cfg.RestrictionFilterRules = rules })
	f := &fixture{c: c, s: s, p: connect(t, s.Addr())}
	const card = 4
	wantCode(t, f.open("s-walled", card, 2<<20), wire.Success, "")
	a := f.update("s-walled", card, 1, 2<<20, 2<<20)
	wantCode(t, a, wire.Success, "")
	m := a.MSCC[0]
	if !m.HasFUI || m.FUI.Action != wire.ActionRestrictAccess || m.FUI.NumFilterRules != 2 ||
		string(m.FUI.FilterRules[0]) != rules[0] || string(m.FUI.FilterRules[1]) != rules[1] || m.FUI.HasRedirectServer {
		t.Fatalf("last grant's FUI %v %+v, want RESTRICT_ACCESS with %q", m.HasFUI, m.FUI, rules)
	}
	if _, err := NewServer(ServerConfig{Carrier: c, RestrictionFilterRules: []string{"allow everything"}}); err == nil ||
		!strings.Contains(err.Error(), `restriction_filter_rules[0]: want an IPFilterRule`) {
		t.Errorf("a bad rule: err = %v", err)
	}
}

func TestArrearsRedirect(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s := startServer(t, c, func(cfg *ServerConfig) { cfg.RedirectServer = "https://pay.example/top-up" })
	f := &fixture{c: c, s: s, p: connect(t, s.Addr())}
	const card = 3
	if err := c.SetBalance(card, -sim.Yuan); err != nil {
		t.Fatal(err)
	}
	if err := c.SetStop(card, sim.ReasonArrears, true); err != nil {
		t.Fatal(err)
	}
	a := f.open("s-arrears", card, 1000)
	wantCode(t, a, wire.CreditLimitReached, "reason=arrears blame=card")
	m := a.MSCC[0]
	if !m.HasFUI || m.FUI.Action != wire.ActionRedirect || !m.FUI.HasRedirectServer ||
		m.FUI.RedirectAddressType != wire.RedirectURL || string(m.FUI.RedirectServerAddress) != "https://pay.example/top-up" {
		t.Fatalf("FUI %+v", m.FUI)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	xinjiang, err := f.c.RegionID("Xinjiang")
	if err != nil {
		t.Fatal(err)
	}
	barredLoc := f.c.RegionLocation(xinjiang, 0)
	tests := []struct {
		name string
		spec func(id sim.Identity, home sim.Location) ccrSpec
		code wire.ResultCode
		msg  string
	}{
		{"barred region", func(id sim.Identity, _ sim.Location) ccrSpec {
			return ccrSpec{imsi: id.IMSI, loc: &barredLoc, imei: id.DeviceIMEI}
		}, wire.EndUserServiceDenied, "reason=barred_region blame=card"},
		{"IMEI mismatch", func(id sim.Identity, home sim.Location) ccrSpec {
			return ccrSpec{imsi: id.IMSI, loc: &home, imei: id.DeviceIMEI + 1}
		}, wire.EndUserServiceDenied, "reason=imei_mismatch blame=device"},
		{"unknown IMSI", func(id sim.Identity, home sim.Location) ccrSpec {
			return ccrSpec{imsi: 460049999999999, loc: &home}
		}, wire.UserUnknown, "reason=unknown_sim blame=card"},
		{"voice on a data card", func(id sim.Identity, home sim.Location) ccrSpec {
			return ccrSpec{imsi: id.IMSI, loc: &home, imei: id.DeviceIMEI, ctx: contextIMS}
		}, wire.EndUserServiceDenied, "reason=service_not_allowed blame=card"},
		{"unknown service context", func(id sim.Identity, home sim.Location) ccrSpec {
			return ccrSpec{imsi: id.IMSI, loc: &home, ctx: "example@foo"}
		}, wire.RatingFailed, "reason=rating_failed blame=card"},
	}
	for i, tt := range tests {
		card := uint32(100 + i)
		sp := tt.spec(f.c.Identity(card), f.c.HomeLocation(card))
		sp.typ, sp.sid = wire.InitialRequest, "refusal-"+itoa(uint64(i))
		sp.mscc = []wire.MSCCRequest{rg(1000, -1)}
		a := f.p.ccr(sp)
		if a.ResultCode != tt.code || string(a.ErrorMessage) != tt.msg {
			t.Errorf("%s: %d %q, want %d %q", tt.name, a.ResultCode, a.ErrorMessage, tt.code, tt.msg)
		}
	}
}

func TestMaintenanceBlamesNetwork(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	if _, err := f.c.Faults().StartMaintenance(sim.Target{Regions: []string{"Guangdong"}}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.open("s-maint", 1, 100), wire.EndUserServiceDenied, "reason=maintenance blame=network")
}

func TestManualStopSendsRAR(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	const card = 11
	wantCode(t, f.open("pgw.test;s-stop", card, 1<<20), wire.Success, "")
	if err := f.c.Stop(card); err != nil {
		t.Fatal(err)
	}
	m := f.p.readMsg(3 * time.Second)
	var rar wire.RAR
	if err := rar.Decode(m); err != nil {
		t.Fatalf("want a RAR, got %v", err)
	}
	if string(rar.SessionID) != "pgw.test;s-stop" || string(rar.DestinationHost) != "pgw.test" || rar.ReAuthRequestType != wire.AuthorizeOnly {
		t.Fatalf("RAR %+v", rar)
	}
	var raa wire.RAA
	raa.ReplyTo(&rar)
	raa.OriginHost, raa.OriginRealm = []byte("pgw.test"), []byte("test")
	f.p.send(mustEnc(t, raa.Append))
	// The client re-authorises and is refused: the card is stopped.
	a := f.update("pgw.test;s-stop", card, 1, 1000, 1000)
	wantCode(t, a, wire.EndUserServiceDenied, "reason=manual_stop blame=card")
	if st := f.card(t, card); st.Reserved != 0 || st.Used != 1000 {
		t.Fatalf("after refusal: %+v", st)
	}
	// Resumed: a new session gets a RAR-free grant.
	if err := f.c.Resume(card); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.open("s-stop2", card, 1000), wire.Success, "")
	if st := f.s.Stats(); st.RARs < 1 || st.Requests["RAA"] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestCancelledCardSendsASR(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	const card = 12
	wantCode(t, f.open("s-asr", card, 1<<20), wire.Success, "")
	if err := f.c.SetStop(card, sim.ReasonContractViolation, true); err != nil {
		t.Fatal(err)
	}
	var asr wire.ASR
	if err := asr.Decode(f.p.readMsg(3 * time.Second)); err != nil {
		t.Fatalf("want an ASR, got %v", err)
	}
	if string(asr.SessionID) != "s-asr" {
		t.Fatalf("ASR for %q", asr.SessionID)
	}
	wantCode(t, f.terminate("s-asr", 1, 10), wire.Success, "")
	if st := f.card(t, card); st.Reserved != 0 || st.Used != 10 {
		t.Fatalf("after CCR-T: %+v", st)
	}
}

func TestRetransmissionChargedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	const card = 20
	wantCode(t, f.open("s-dup", card, 1<<20), wire.Success, "")
	id := f.c.Identity(card)
	loc := f.c.HomeLocation(card)
	spec := ccrSpec{typ: wire.UpdateRequest, sid: "s-dup", num: 1, loc: &loc, imei: id.DeviceIMEI,
		mscc: []wire.MSCCRequest{rg(1<<20, 400_000)}, e2e: 0xabcdef}
	first := f.p.ccr(spec)
	wantCode(t, first, wire.Success, "")
	// The same request again with the T flag, as after a failover.
	spec.flags = wire.FlagRetransmitted
	second := f.p.ccr(spec)
	wantCode(t, second, wire.Success, "")
	if m1, m2 := first.MSCC[0], second.MSCC[0]; m1.GSU != m2.GSU || m1.ResultCode != m2.ResultCode || m1.ValidityTime != m2.ValidityTime || m1.VolumeQuotaThreshold != m2.VolumeQuotaThreshold {
		t.Fatalf("retransmission answered %+v, original %+v", second.MSCC[0], first.MSCC[0])
	}
	// And once more on another connection, as a client failing over does.
	p2 := connect(t, f.s.Addr())
	_, b := p2.buildCCR(spec)
	p2.send(b)
	third := p2.answer()
	wantCode(t, third, wire.Success, "")
	if st := f.card(t, card); st.Used != 400_000 || st.Reserved != 1<<20 {
		t.Fatalf("used %d reserved %d, want 400000 and 1 MiB (charged once)", st.Used, st.Reserved)
	}
	if d := f.s.Stats().Duplicates; d != 2 {
		t.Fatalf("%d duplicates, want 2", d)
	}
	// A retransmitted CCR-T after the session ended gets its answer again.
	tspec := ccrSpec{typ: wire.TerminationRequest, sid: "s-dup", num: 2, mscc: []wire.MSCCRequest{rg(-1, 5)}, e2e: 0xabcdf0}
	wantCode(t, f.p.ccr(tspec), wire.Success, "")
	tspec.flags = wire.FlagRetransmitted
	wantCode(t, f.p.ccr(tspec), wire.Success, "")
	if st := f.card(t, card); st.Used != 400_005 || st.Reserved != 0 {
		t.Fatalf("used %d reserved %d after CCR-T and its duplicate", st.Used, st.Reserved)
	}
}

func TestRequestNumberChecked(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	wantCode(t, f.open("s-num", 30, 1000), wire.Success, "")
	a := f.update("s-num", 30, 5, 1000, 10)
	wantCode(t, a, wire.InvalidAVPValue, "CC-Request-Number (415): want 1, got 5")
	wantCode(t, f.update("s-num", 30, 1, 1000, 10), wire.Success, "")
}

func TestSilentSessionReleased(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	const card = 40
	wantCode(t, f.open("s-tcc", card, 1<<20), wire.Success, "")
	f.s.Sweep()
	if st := f.card(t, card); st.Reserved != 1<<20 {
		t.Fatalf("reserved %d before validity ran out", st.Reserved)
	}
	f.c.Clock().Advance(31 * time.Minute)
	f.s.Sweep()
	if st := f.card(t, card); st.Reserved != 0 {
		t.Fatalf("reserved %d after the session fell silent past its validity", st.Reserved)
	}
	if st := f.s.Stats(); st.SessionsOpen != 0 || st.SessionsReleased != 1 {
		t.Fatalf("stats %+v", st)
	}
	wantCode(t, f.terminate("s-tcc", 1, 0), wire.UnknownSessionID, "")
}

func TestOutageModes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	id, err := f.c.Faults().StartOutage(sim.NodeOCS, sim.OutageBusy)
	if err != nil {
		t.Fatal(err)
	}
	a := f.open("s-busy", 1, 10)
	if a.ResultCode != wire.TooBusy || !a.Header.IsError() || string(a.ErrorMessage) != "reason=node_outage blame=network" {
		t.Fatalf("busy OCS answered %d (E %v) %q", a.ResultCode, a.Header.IsError(), a.ErrorMessage)
	}
	_ = f.c.Faults().EndOutage(id)
	id, _ = f.c.Faults().StartOutage(sim.NodeOCS, sim.OutageUnable)
	wantCode(t, f.open("s-unable", 1, 10), wire.UnableToDeliver, "reason=node_outage blame=network")
	_ = f.c.Faults().EndOutage(id)
	id, _ = f.c.Faults().StartOutage(sim.NodeOCS, sim.OutageSilent)
	_, b := f.p.buildCCR(ccrSpec{typ: wire.InitialRequest, sid: "s-silent", imsi: f.c.Identity(1).IMSI, mscc: []wire.MSCCRequest{rg(10, -1)}})
	f.p.send(b)
	var dwr wire.DWR
	dwr.Header.HopByHop, dwr.Header.EndToEnd = 1, 1
	dwr.OriginHost, dwr.OriginRealm = []byte("pgw.test"), []byte("test")
	f.p.send(mustEnc(t, dwr.Append))
	if m := f.p.readMsg(300 * time.Millisecond); m != nil {
		t.Fatalf("silent OCS answered %x", m[:20])
	}
	_ = f.c.Faults().EndOutage(id)
	wantCode(t, f.open("s-after", 1, 10), wire.Success, "")
}

func TestMultipleServices(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	const card = 50
	id := f.c.Identity(card)
	loc := f.c.HomeLocation(card)
	mk := func(rgn uint32, want, used int64) wire.MSCCRequest {
		m := rg(want, used)
		m.RatingGroup = rgn
		m.HasServiceID, m.ServiceID = true, rgn*10
		return m
	}
	a := f.p.ccr(ccrSpec{typ: wire.InitialRequest, sid: "s-multi", imsi: id.IMSI, loc: &loc, imei: id.DeviceIMEI,
		mscc: []wire.MSCCRequest{mk(1, 1000, -1), mk(2, 2000, -1), mk(3, 3000, -1)}})
	wantCode(t, a, wire.Success, "")
	if a.NumMSCC != 3 {
		t.Fatalf("%d MSCC in answer", a.NumMSCC)
	}
	for i, m := range a.Services() {
		if m.RatingGroup != uint32(i+1) || m.ServiceID != uint32(i+1)*10 || m.GSU.Total != uint64(i+1)*1000 {
			t.Fatalf("MSCC %d: %+v", i, m)
		}
	}
	// Update two of them; rating group 3 keeps its reservation.
	a = f.p.ccr(ccrSpec{typ: wire.UpdateRequest, sid: "s-multi", num: 1, loc: &loc, imei: id.DeviceIMEI,
		mscc: []wire.MSCCRequest{mk(2, 500, 2000), mk(1, -1, 700)}})
	wantCode(t, a, wire.Success, "")
	if a.NumMSCC != 2 || a.MSCC[0].RatingGroup != 2 || a.MSCC[0].GSU.Total != 500 || a.MSCC[1].HasGSU {
		t.Fatalf("update answer %+v", a.Services())
	}
	if st := f.card(t, card); st.Used != 2700 || st.Reserved != 3500 {
		t.Fatalf("used %d reserved %d, want 2700 and 3500", st.Used, st.Reserved)
	}
	// Terminate reporting only group 3: group 2's hold is released too.
	wantCode(t, f.p.ccr(ccrSpec{typ: wire.TerminationRequest, sid: "s-multi", num: 2, mscc: []wire.MSCCRequest{mk(3, -1, 100)}}), wire.Success, "")
	if st := f.card(t, card); st.Used != 2800 || st.Reserved != 0 {
		t.Fatalf("used %d reserved %d, want 2800 and 0", st.Used, st.Reserved)
	}
}

func TestEventCharges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	const card = 60
	id := f.c.Identity(card)
	loc := f.c.HomeLocation(card)
	spec := ccrSpec{typ: wire.EventRequest, sid: "s-event", imsi: id.IMSI, loc: &loc, imei: id.DeviceIMEI,
		mscc: []wire.MSCCRequest{rg(5000, -1)}, e2e: 4242}
	wantCode(t, f.p.ccr(spec), wire.Success, "")
	spec.flags = wire.FlagRetransmitted
	wantCode(t, f.p.ccr(spec), wire.Success, "")
	if st := f.card(t, card); st.Used != 5000 || st.Reserved != 0 {
		t.Fatalf("used %d reserved %d after an event and its duplicate", st.Used, st.Reserved)
	}
}

func TestMSISDNSubscription(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	id := f.c.Identity(70)
	_, b := f.p.buildCCR(ccrSpec{typ: wire.InitialRequest, sid: "s-msisdn", mscc: []wire.MSCCRequest{rg(10, -1)}})
	var r wire.CCR
	if err := r.Decode(b); err != nil {
		t.Fatal(err)
	}
	r.AddSubscriptionID(wire.EndUserE164, []byte(itoa(id.MSISDN)))
	f.p.send(mustEnc(t, r.Append))
	a := f.p.answer()
	wantCode(t, a, wire.Success, "")
	if !bytes.Equal(a.SessionID, []byte("s-msisdn")) {
		t.Fatalf("Session-Id %q", a.SessionID)
	}
}

// TestUsageOnlyUpdate: a CCR-U whose MSCCs only report usage (no
// Requested-Service-Unit) commits it and releases the rating group.
func TestUsageOnlyUpdate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	const card = 80
	wantCode(t, f.open("s-usage", card, 10_000), wire.Success, "")
	a := f.update("s-usage", card, 1, -1, 4000)
	wantCode(t, a, wire.Success, "")
	if a.NumMSCC != 1 || a.MSCC[0].HasGSU || a.MSCC[0].ResultCode != wire.Success {
		t.Fatalf("answer %+v", a.Services())
	}
	if st := f.card(t, card); st.Used != 4000 || st.Reserved != 0 {
		t.Fatalf("used %d reserved %d", st.Used, st.Reserved)
	}
	wantCode(t, f.terminate("s-usage", 2, 0), wire.Success, "")
}

// TestSCTP runs a session over SCTP where the kernel offers it.
func TestSCTP(t *testing.T) {
	t.Parallel()
	c := newCarrier(t, nil)
	s, err := NewServer(ServerConfig{Addr: "127.0.0.1:0", Network: NetworkSCTP, Carrier: c})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Skipf("no SCTP here: %v", err)
	}
	defer s.Close()
	ch, err := NewCharger(context.Background(), ChargerConfig{Addrs: []string{s.Addr()}, Network: NetworkSCTP, Carrier: c})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	var d sim.Decision
	if err := ch.Charge(context.Background(), 1, &sim.Request{SIM: 1, Kind: sim.KindInitial, Loc: c.HomeLocation(1)}, &d); err != nil || d.Outcome != sim.OutcomeSuccess {
		t.Fatalf("%v %+v", err, d)
	}
}

// TestAnswersCountedByTheirOwnRequest pipelines a CCR-U, a CCR-T and a CCR-I
// in one write, so that they are rated as one batch, and checks that each
// answer is counted under its own request type.
func TestAnswersCountedByTheirOwnRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	wantCode(t, f.open("s-a", 1, 1000), wire.Success, "")
	wantCode(t, f.open("s-b", 2, 1000), wire.Success, "")
	id, loc := f.c.Identity(3), f.c.HomeLocation(3)
	_, u := f.p.buildCCR(ccrSpec{typ: wire.UpdateRequest, sid: "s-a", num: 1, mscc: []wire.MSCCRequest{rg(1000, 500)}})
	_, tm := f.p.buildCCR(ccrSpec{typ: wire.TerminationRequest, sid: "s-b", num: 1, mscc: []wire.MSCCRequest{rg(-1, 500)}})
	_, i := f.p.buildCCR(ccrSpec{typ: wire.InitialRequest, sid: "s-c", imsi: id.IMSI, loc: &loc, imei: id.DeviceIMEI,
		mscc: []wire.MSCCRequest{rg(1000, -1)}})
	f.p.send(append(append(u, tm...), i...))
	for range 3 {
		wantCode(t, f.p.answer(), wire.Success, "")
	}
	got := f.s.Stats().CCAnswers
	if got["CCR-I:2001"] != 3 || got["CCR-U:2001"] != 1 || got["CCR-T:2001"] != 1 {
		t.Errorf("answers by request %v, want CCR-I:2001 3, CCR-U:2001 1, CCR-T:2001 1", got)
	}
}
