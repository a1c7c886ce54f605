package diameter

import (
	"errors"
	"testing"
	"time"

	"github.com/carriersim/carriersim/diameter/wire"
)

func TestSessionsListedAndReAuthOnDemand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	wantCode(t, f.open("pgw.test;m-1", 21, 1000), wire.Success, "")
	wantCode(t, f.open("pgw.test;m-2", 22, 1000), wire.Success, "")
	wantCode(t, f.update("pgw.test;m-2", 22, 1, 1000, 10), wire.Success, "")

	all := f.s.Sessions(0)
	if len(all) != 2 {
		t.Fatalf("Sessions: %+v, want 2", all)
	}
	got := f.s.CardSessions(22)
	if len(got) != 1 {
		t.Fatalf("CardSessions(22): %+v", got)
	}
	s := got[0]
	if s.ID != "pgw.test;m-2" || s.Card != 22 || s.Peer != "pgw.test" || s.RequestNumber != 1 ||
		!s.Started.Equal(t0) || s.PeerAddr == "" {
		t.Fatalf("session %+v", s)
	}
	if n := len(f.s.Sessions(1)); n != 1 {
		t.Fatalf("Sessions(1) gave %d", n)
	}

	if err := f.s.ReAuth("pgw.test;m-2"); err != nil {
		t.Fatal(err)
	}
	var rar wire.RAR
	if err := rar.Decode(f.p.readMsg(3 * time.Second)); err != nil || string(rar.SessionID) != "pgw.test;m-2" {
		t.Fatalf("want a RAR for m-2, got %v %q", err, rar.SessionID)
	}
	if err := f.s.Abort("pgw.test;m-1"); err != nil {
		t.Fatal(err)
	}
	var asr wire.ASR
	if err := asr.Decode(f.p.readMsg(3 * time.Second)); err != nil || string(asr.SessionID) != "pgw.test;m-1" {
		t.Fatalf("want an ASR for m-1, got %v %q", err, asr.SessionID)
	}
	if err := f.s.ReAuth("no-such"); !errors.Is(err, ErrNoSuchSession) {
		t.Fatalf("ReAuth of an unknown session: %v", err)
	}
	wantCode(t, f.terminate("pgw.test;m-1", 1, 0), wire.Success, "")
	if err := f.s.Abort("pgw.test;m-1"); !errors.Is(err, ErrNoSuchSession) {
		t.Fatalf("Abort of an ended session: %v", err)
	}
}

func TestInjectForcesResultCodeAndDelay(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	f.s.SetJournal(16)
	const card = 31
	if err := f.s.Inject(card, Injection{ResultCode: 4012, Count: 1}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.open("pgw.test;i-1", card, 1000), wire.CreditLimitReached, string(errForced))
	// The forced refusal opened no session; the next request is rated.
	wantCode(t, f.open("pgw.test;i-2", card, 1000), wire.Success, "")

	// A protocol error comes as the generic answer with the E bit.
	if err := f.s.Inject(card, Injection{ResultCode: 3004}); err != nil {
		t.Fatal(err)
	}
	a := f.update("pgw.test;i-2", card, 1, 1000, 100)
	if a.ResultCode != wire.TooBusy || !a.Header.IsError() {
		t.Fatalf("forced 3004: %d, E %v", a.ResultCode, a.Header.IsError())
	}
	// ... and ended the session, releasing its reservation.
	if st := f.card(t, card); st.Reserved != 0 {
		t.Fatalf("reservation kept after a forced refusal: %+v", st)
	}

	if err := f.s.Inject(card, Injection{Delay: 300 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	wantCode(t, f.open("pgw.test;i-3", card, 1000), wire.Success, "")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("delayed answer came after %s, want >= 300ms", d)
	}

	j := f.s.Journal(card)
	if len(j) != 4 {
		t.Fatalf("journal: %+v, want 4 exchanges", j)
	}
	want := []struct {
		req    string
		rc     uint32
		forced bool
	}{{"CCR-I", 4012, true}, {"CCR-I", 2001, false}, {"CCR-U", 3004, true}, {"CCR-I", 2001, false}}
	for i, w := range want {
		x := j[i]
		if x.Request != w.req || x.ResultCode != w.rc || x.Forced != w.forced || !x.Answered || x.Card != card {
			t.Errorf("journal[%d] = %+v, want %s %d forced %v", i, x, w.req, w.rc, w.forced)
		}
	}
	if j[1].Requested != 1000 || j[1].Granted != 1000 || j[2].Used != 100 || j[3].Delay != 300*time.Millisecond {
		t.Errorf("journal units or delay: %+v", j)
	}
	if len(f.s.Journal(card+1)) != 0 || len(f.s.Journal(AllCards)) != 4 {
		t.Errorf("journal filters")
	}
	if !f.s.hooks.On() {
		t.Fatal("hooks off while the journal is on")
	}
	f.s.SetJournal(0)
	if f.s.hooks.On() {
		t.Fatal("hooks on with nothing injected and no journal")
	}
	if err := f.s.Inject(card, Injection{ResultCode: 7}); err == nil {
		t.Fatal("Inject accepted Result-Code 7")
	}
}
