package gtp

import (
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/sim"
)

// The gateway's user plane (TS 29.281): G-PDUs are counted against their
// session (the T-PDU octets) and dropped, since the simulated carrier has no
// Internet behind it; a G-PDU for an unknown tunnel is answered with an
// Error Indication (§7.3.1), an Echo Request with an Echo Response (§7.2).
// When a session's counted usage reaches its grant's threshold, a usage
// report to charging is queued (network.reportUsage).

// serveUser is a reading goroutine of the GTP-U socket.
func (w *pgwWorker) serveUser() {
	p := w.p
	w.conn = p.user
	for {
		n, err := p.user.read(w.in, true, time.Time{})
		if err != nil {
			if p.closed.Load() || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if p.c.Faults().Outage(sim.NodeGateway, p.c.Clock().UnixNano()) == sim.OutageSilent {
			w.stats.outageDropped.Add(uint64(n))
			continue
		}
		for i := 0; i < n; i++ {
			w.userPacket(w.in.data(i), w.in.addrs[i])
			if w.out.full() {
				w.flush()
			}
		}
		w.flush()
	}
}

// userPacket handles one GTP-U datagram.
func (w *pgwWorker) userPacket(pkt []byte, from netip.AddrPort) {
	p := w.p
	payload, err := wire.ParseGTPU(pkt, &w.uh)
	if err != nil {
		w.stats.userDropped.Add(1)
		return
	}
	switch w.uh.Type {
	case wire.GTPUMsgGPDU:
		teid := w.uh.TEID
		r, mu := p.table.find(teid)
		if r == nil {
			w.stats.unknownTEID.Add(1)
			w.ei = wire.GTPUErrorIndication{Header: wire.GTPUHeader{HasSeq: true}, TEID: teid, PeerAddr: p.userIP}
			if out, err := w.ei.Append(w.out.slot()); err == nil {
				w.out.push(out, from)
			}
			return
		}
		r.used += uint64(len(payload))
		report := r.state == stateOpen && !r.busy && !r.queued && p.needsReport(r, 0)
		if report {
			r.queued = true
		}
		mu.Unlock()
		w.stats.gpdus.Add(1)
		w.stats.gpduBytes.Add(uint64(len(payload)))
		if report {
			p.net.report(teid)
		}
	case wire.GTPUMsgEchoRequest:
		w.stats.userEchoes.Add(1)
		w.out.push(wire.AppendGTPUEchoResponse(w.out.slot(), w.uh.Seq), from)
	default:
		w.stats.userDropped.Add(1)
	}
}
