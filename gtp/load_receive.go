package gtp

import (
	"net/netip"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/metrics"
)

// receive handles one datagram from the gateway: an answer to one of our
// requests (matched by sequence number), or the gateway's own Delete
// Bearer or Echo Request.
func (w *loadWorker) receive(pkt []byte, from netip.AddrPort, now int64) {
	h := &w.hdr
	if _, _, err := wire.ParseHeader(pkt, h); err != nil {
		w.st.unexpected.Add(1)
		return
	}
	switch h.Type {
	case wire.MsgCreateSessionResponse, wire.MsgModifyBearerResponse, wire.MsgDeleteSessionResponse:
		s, ok := w.outstanding(h.Seq, h.Type)
		if !ok {
			// A late answer to a request already answered or given up.
			w.st.unexpected.Add(1)
			return
		}
		w.answer(s, h.Type, pkt, now)
	case wire.MsgDeleteBearerRequest:
		w.deleteBearer(pkt, from, now)
	case wire.MsgEchoRequest:
		if err := w.ech.Decode(pkt); err != nil {
			w.st.unexpected.Add(1)
			return
		}
		// An Echo Request is answered whoever sends it; its Recovery
		// counts only from a gateway we drive.
		if peer := w.peerAt(from); peer >= 0 {
			w.sawRecovery(peer, w.ech.Recovery, -1, now)
		}
		if out, err := wire.AppendEchoResponse(w.ctrlSlot(), w.ech.Header.Seq, w.recovery); err == nil {
			w.pushCtrlTo(out, from)
		}
	case wire.MsgEchoResponse:
		peer := -1
		if err := w.ech.Decode(pkt); err == nil {
			for i := range w.paths {
				if p := &w.paths[i]; p.echoOut && p.echoSeq == w.ech.Header.Seq {
					peer = i
					break
				}
			}
		}
		if peer < 0 {
			w.st.unexpected.Add(1)
			return
		}
		p := &w.paths[peer]
		p.echoOut = false
		w.l.cfg.Run.Observe(w.id, metrics.Sample{Msg: w.l.msgs[mEcho], Class: metrics.ClassOK,
			Code: uint32(wire.CauseRequestAccepted), Latency: time.Duration(now - p.echoStart)})
		w.sawRecovery(peer, w.ech.Recovery, -1, now)
	default:
		w.st.unexpected.Add(1)
	}
}

// outstanding finds the session whose outstanding request has sequence
// number seq and is answered by a message of type t.
func (w *loadWorker) outstanding(seq uint32, t wire.MsgType) (uint32, bool) {
	v := w.bySeq[seq&(seqRing-1)]
	if v == 0 || int(v-1) >= len(w.sess) {
		return 0, false
	}
	s := v - 1
	x := &w.sess[s]
	if !x.sent || x.seq != seq || responseOf(x.state) != t {
		return 0, false
	}
	return s, true
}

func responseOf(st uint8) wire.MsgType {
	switch st {
	case csCreating:
		return wire.MsgCreateSessionResponse
	case csModifying:
		return wire.MsgModifyBearerResponse
	case csDeleting:
		return wire.MsgDeleteSessionResponse
	}
	return 0
}

// answer handles the answer to session s's outstanding request.
func (w *loadWorker) answer(s uint32, t wire.MsgType, pkt []byte, now int64) {
	l := w.l
	x := &w.sess[s]
	var cause wire.Cause
	switch t {
	case wire.MsgCreateSessionResponse:
		if err := w.csp.Decode(pkt); err != nil {
			w.st.unexpected.Add(1) // discarded; the request is sent again
			return
		}
		cause = w.csp.Cause.Value
		if w.csp.HasRecovery {
			w.sawRecovery(l.peerOf(x.card), w.csp.Recovery, int64(s), now)
		}
	case wire.MsgModifyBearerResponse:
		if err := w.mbp.Decode(pkt); err != nil {
			w.st.unexpected.Add(1)
			return
		}
		cause = w.mbp.Cause.Value
	default:
		if err := w.dsp.Decode(pkt); err != nil {
			w.st.unexpected.Add(1)
			return
		}
		cause = w.dsp.Cause.Value
	}
	w.settle(s)
	w.st.answered.Add(1)
	class, blame := judge(cause, pkt)
	l.cfg.Run.Observe(w.id, metrics.Sample{Msg: l.msgs[msgOfState(x.state)], Class: class, Code: uint32(cause),
		Blame: blame, Latency: time.Duration(now - x.intended)})
	switch x.state {
	case csCreating:
		if !cause.IsAccepted() {
			w.end(s)
			return
		}
		x.pgwC = w.csp.SenderFTEID.TEID
		if w.csp.NumBearers > 0 {
			x.pgwU = w.csp.Bearers[0].S5S8UPGW.TEID
		}
		x.open = true
		w.st.open.Add(1)
		w.next(s, now)
	case csModifying:
		switch {
		case cause.IsAccepted():
			w.next(s, now)
		case class == metrics.ClassRefused, cause == wire.CauseContextNotFound:
			// The gateway ended the session with its refusal.
			w.end(s)
		default:
			// An error (charging unreachable, a collision): the session
			// goes on.
			w.next(s, now)
		}
	case csDeleting:
		if cause.IsAccepted() {
			w.st.completed.Add(1)
		}
		w.end(s)
	}
}

// deleteBearer answers the gateway's Delete Bearer Request (TS 29.274
// §7.2.10.2) and ends the session it names.
func (w *loadWorker) deleteBearer(pkt []byte, from netip.AddrPort, now int64) {
	m := &w.dbr
	if err := m.Decode(pkt); err != nil {
		if c, ok := wire.RejectCause(err); ok {
			if out, err := wire.AppendRejection(w.ctrlSlot(), wire.MsgDeleteBearerRequest, 0, m.Header.Seq, c); err == nil {
				w.pushCtrlTo(out, from)
			}
		}
		w.st.unexpected.Add(1)
		return
	}
	s, ok := w.byTEID(m.Header.TEID)
	r := &w.dbp
	*r = wire.DeleteBearerResponse{Header: wire.Header{Seq: m.Header.Seq}, Cause: wire.CauseIE{Value: wire.CauseContextNotFound}}
	if ok {
		x := &w.sess[s]
		r.Header.TEID = x.pgwC
		r.Cause.Value = wire.CauseRequestAccepted
		r.LinkedEBI = m.LinkedEBI
	}
	if out, err := r.Append(w.ctrlSlot()); err == nil {
		w.pushCtrlTo(out, from)
	}
	if ok {
		w.st.netDeleted.Add(1)
		w.networkEnded(s, now)
	}
}

// peerAt is the index in Load.peers of the gateway whose GTP-C address is
// from, or -1; with one gateway, any sender is taken for it.
func (w *loadWorker) peerAt(from netip.AddrPort) int {
	ps := w.l.peers
	if len(ps) == 1 {
		return 0
	}
	for i := range ps {
		if ps[i].c == from {
			return i
		}
	}
	return -1
}

// sawRecovery notes gateway peer's restart counter: a change means it
// restarted and lost every session admitted before (TS 23.007 §18), except
// keep, the one whose answer carried the new counter. The other gateways'
// sessions are not touched.
func (w *loadWorker) sawRecovery(peer int, r uint8, keep int64, now int64) {
	p := &w.paths[peer]
	if p.rec >= 0 && int(r) != p.rec {
		w.st.restarts.Add(1)
		p.restarts.Add(1)
		p.rec = int(r)
		w.loseAll(peer, keep, now)
		return
	}
	p.rec = int(r)
}

// echo runs the worker's path management toward each gateway (TS 29.274
// §7.1.1): an Echo Request every EchoInterval, sent again T3 apart, N3
// times; no answer is a path failure and that gateway's sessions are given
// up.
func (w *loadWorker) echo(now int64) {
	l := w.l
	for peer := range w.paths {
		p := &w.paths[peer]
		if p.echoOut {
			if now < p.echoDue {
				continue
			}
			if p.echoTries < l.cfg.N3 {
				p.echoTries++
				p.echoDue = now + int64(l.cfg.T3)
				w.sendEcho(peer)
				continue
			}
			p.echoOut = false
			l.cfg.Run.Observe(w.id, metrics.Sample{Msg: l.msgs[mEcho], Class: metrics.ClassTimeout, Blame: blameNetwork,
				Latency: time.Duration(now - p.echoStart)})
			w.st.pathFailures.Add(1)
			p.pathFailures.Add(1)
			w.loseAll(peer, -1, now)
			p.nextEcho = now + int64(l.cfg.EchoInterval)
			continue
		}
		if now < p.nextEcho {
			continue
		}
		w.seq = wire.NextSeq(w.seq)
		p.echoSeq, p.echoOut, p.echoTries, p.echoStart = w.seq, true, 0, now
		p.echoDue = now + int64(l.cfg.T3)
		p.nextEcho = now + int64(l.cfg.EchoInterval)
		w.sendEcho(peer)
	}
}

func (w *loadWorker) sendEcho(peer int) {
	if out, err := wire.AppendEchoRequest(w.ctrlSlot(), w.paths[peer].echoSeq, w.recovery); err == nil {
		w.pushCtrl(out, peer)
	}
}
