package gtp

import (
	"errors"
	"testing"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

func TestSessionsListedAndDeleteBearerOnDemand(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 1000, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)
	const card = 7
	resp, _ := s.create(s.createRequest(card))
	if resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("create: %v", resp.Cause.Value)
	}
	teid := resp.SenderFTEID.TEID
	list := p.Sessions(0)
	if len(list) != 1 {
		t.Fatalf("Sessions: %+v", list)
	}
	si, ok := p.CardSession(card)
	if !ok || si != list[0] {
		t.Fatalf("CardSession %+v %v, want %+v", si, ok, list[0])
	}
	if si.TEID != teid || si.Card != card || si.APN != "cmiot" || si.UE != resp.PAA.IPv4 || si.EBI != 5 ||
		si.Peer.String() != s.conn.LocalAddr().String() || si.SGWControlTEID != card+1 || si.Closing ||
		!si.Started.Equal(c.Clock().Now()) {
		t.Fatalf("session %+v (UE %v, peer %v)", si, resp.PAA.IPv4, s.conn.LocalAddr())
	}
	if err := p.DeleteBearer(teid, sim.ReasonNone); err != nil {
		t.Fatal(err)
	}
	s.expectDeleteBearer(card+1, wire.CauseReactivationRequested, sim.ReasonNone)
	waitFor(t, "the session released", func() bool { return p.Stats().SessionsOpen == 0 })
	if err := p.DeleteBearer(teid, sim.ReasonNone); !errors.Is(err, ErrNoSuchSession) {
		t.Fatalf("second DeleteBearer: %v", err)
	}
}

func TestInjectForcesCauseAndDelay(t *testing.T) {
	t.Parallel()
	c := newTestCarrier(t, 1000, nil)
	p := startTestPGW(t, c, nil)
	s := newTestSGW(t, c, p)
	p.SetJournal(8)
	const card = 9
	must(t, p.Inject(card, Injection{Cause: uint8(wire.CauseNoResourcesAvailable)}))
	resp, _ := s.create(s.createRequest(card))
	if resp.Cause.Value != wire.CauseNoResourcesAvailable || p.Stats().SessionsOpen != 0 {
		t.Fatalf("forced create: cause %v, %d sessions", resp.Cause.Value, p.Stats().SessionsOpen)
	}
	resp, _ = s.create(s.createRequest(card))
	if resp.Cause.Value != wire.CauseRequestAccepted {
		t.Fatalf("create after the injection: %v", resp.Cause.Value)
	}
	teid := resp.SenderFTEID.TEID

	must(t, p.Inject(card, Injection{Delay: 300 * time.Millisecond}))
	start := time.Now()
	m := wire.ModifyBearerRequest{Header: wire.Header{TEID: teid, Seq: s.nextSeq()}, ULI: uliOf(c.HomeLocation(card))}
	req := mustB(m.Append(nil))
	s.send(req)
	// A retransmission while the answer is held back is dropped.
	time.Sleep(50 * time.Millisecond)
	s.send(req)
	out := s.recv(2 * time.Second)
	if d := time.Since(start); out == nil || d < 300*time.Millisecond {
		t.Fatalf("delayed modify answered after %s (%d bytes)", d, len(out))
	}
	if again := s.recv(200 * time.Millisecond); again != nil {
		t.Fatalf("the retransmission was answered too")
	}

	must(t, p.Inject(card, Injection{Cause: uint8(wire.CauseSystemFailure)}))
	if d := s.deleteSession(teid); d.Cause.Value != wire.CauseSystemFailure {
		t.Fatalf("forced delete: %v", d.Cause.Value)
	}
	if st, _ := c.Card(card); p.Stats().SessionsOpen != 0 || st.Reserved != 0 {
		t.Fatalf("a forced refusal of Delete Session left the session: %d open, %+v", p.Stats().SessionsOpen, st)
	}

	j := p.Journal(card)
	// The retransmission dropped while the answer was held is journaled
	// unanswered.
	want := []struct {
		req      string
		cause    uint8
		forced   bool
		answered bool
	}{{"CreateSession", 73, true, true}, {"CreateSession", 16, false, true}, {"ModifyBearer", 16, false, true},
		{"ModifyBearer", 0, false, false}, {"DeleteSession", 72, true, true}}
	if len(j) != len(want) {
		t.Fatalf("journal %+v", j)
	}
	for i, w := range want {
		if x := j[i]; x.Request != w.req || x.Cause != w.cause || x.Forced != w.forced || x.Answered != w.answered || x.Card != card {
			t.Errorf("journal[%d] = %+v, want %s %d forced %v", i, x, w.req, w.cause, w.forced)
		}
	}
	if j[1].TEID != teid || j[1].APN != "cmiot" || j[1].IMSI == "" || j[2].Delay != 300*time.Millisecond {
		t.Errorf("journal details %+v", j)
	}
	p.SetJournal(0)
	if p.hooks.On() {
		t.Fatal("hooks on with nothing injected and no journal")
	}
}
