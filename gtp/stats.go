package gtp

import (
	"strconv"
	"sync/atomic"

	"github.com/carriersim/carriersim/gtp/wire"
	"github.com/carriersim/carriersim/metrics"
)

// msgKind numbers the requests the gateway answers, for its counters.
type msgKind uint8

const (
	kindCreate msgKind = iota
	kindModify
	kindDelete
	kindEcho
	kindDeleteBearer // network-initiated; "answers" are the SGW's causes
	numKinds
)

var kindNames = [numKinds]string{"CreateSession", "ModifyBearer", "DeleteSession", "Echo", "DeleteBearer"}

// counters is one worker's shard of the gateway's figures. Each field is
// written by its worker only (atomically, so Stats may read at any time)
// and padded away from the other shards.
type counters struct {
	requests [numKinds]atomic.Uint64
	answers  [numKinds][256]atomic.Uint64

	malformedDropped  atomic.Uint64
	malformedRejected atomic.Uint64
	duplicates        atomic.Uint64
	unknownMessages   atomic.Uint64
	outageDropped     atomic.Uint64
	gpdus             atomic.Uint64
	gpduBytes         atomic.Uint64
	unknownTEID       atomic.Uint64
	userEchoes        atomic.Uint64
	userDropped       atomic.Uint64
	replaced          atomic.Uint64
	lat               metrics.Buckets // requests by the time taken to answer them
	_                 [64]byte
}

// PGWStats is a snapshot of a gateway's figures since it started.
type PGWStats struct {
	// SessionsOpen is the number of sessions held now.
	SessionsOpen int64
	// Requests counts requests received by message name: CreateSession,
	// ModifyBearer, DeleteSession, Echo (and DeleteBearer: the gateway's
	// own requests sent).
	Requests map[string]uint64
	// Answers counts answers by "message:cause", e.g. "CreateSession:16";
	// for DeleteBearer the causes are those the SGWs answered with, and
	// "DeleteBearer:timeout" counts requests never answered.
	Answers map[string]uint64
	// MalformedDropped counts datagrams discarded unanswered (too short,
	// not GTP, a response that does not decode); MalformedRejected those
	// answered with a rejection cause (65-70, Version Not Supported).
	MalformedDropped, MalformedRejected uint64
	// Duplicates counts retransmitted requests answered from the
	// duplicate table (or dropped while the original was in progress).
	Duplicates uint64
	// UnknownMessages counts well-formed messages of types the gateway does
	// not handle.
	UnknownMessages uint64
	// OutageDropped counts requests ignored during a silent outage.
	OutageDropped uint64
	// GPDUs and GPDUBytes count user packets received on known tunnels
	// (T-PDU octets); UnknownTEID those for unknown tunnels, each answered
	// with an Error Indication.
	GPDUs, GPDUBytes, UnknownTEID uint64
	// Replaced counts sessions released because their card opened another.
	Replaced uint64
	// NetworkDeleted counts sessions the gateway tore down itself, by sim
	// reason ("over_quota", "maintenance", "manual_stop", "final_units"...).
	NetworkDeleted map[string]uint64
	// PeerRestarts and PathFailures count peers seen restarting (a new
	// Recovery) and peers that stopped answering Echo.
	PeerRestarts, PathFailures uint64
	// Restarts counts the gateway's own restarts (after silent outages);
	// Recovery is its current restart counter.
	Restarts uint64
	Recovery uint8
	// ReleasedByPeerLoss counts sessions released on a peer's restart or
	// path failure.
	ReleasedByPeerLoss uint64
	// ChargingErrors counts charging requests that failed.
	ChargingErrors uint64
	// MemoryBytes is what the session table holds (records, generations,
	// card index, free list).
	MemoryBytes int
	// Latency counts the requests (Create Session, Modify Bearer, Delete
	// Session, Echo) by the time taken to answer them: with the local
	// charger, a read batch's time from the read to the write of its
	// answers; charging over Gy, each request's from being taken by a
	// charging worker to its answer written (the OCS's answer included).
	// Counted when PGWConfig.MeasureLatency is set.
	Latency metrics.BucketCounts
}

// Stats returns a snapshot of the gateway's figures. It sums the workers'
// shards and allocates a few maps: call it about once a second, not per
// request.
func (p *PGW) Stats() PGWStats {
	s := PGWStats{Requests: map[string]uint64{}, Answers: map[string]uint64{}, NetworkDeleted: map[string]uint64{}}
	s.SessionsOpen = p.table.open.Load()
	p.statsMu.Lock()
	shards := []*counters{&p.extra}
	for _, w := range p.workers {
		shards = append(shards, w.stats)
	}
	p.statsMu.Unlock()
	var lat metrics.Buckets
	for _, c := range shards {
		lat.Add(&c.lat)
		for k := msgKind(0); k < numKinds; k++ {
			if v := c.requests[k].Load(); v > 0 {
				s.Requests[kindNames[k]] += v
			}
			for cause := range c.answers[k] {
				if v := c.answers[k][cause].Load(); v > 0 {
					key := kindNames[k] + ":" + strconv.Itoa(cause)
					if k == kindDeleteBearer && cause == 0 {
						key = kindNames[k] + ":timeout"
					}
					s.Answers[key] += v
				}
			}
		}
		s.MalformedDropped += c.malformedDropped.Load()
		s.MalformedRejected += c.malformedRejected.Load()
		s.Duplicates += c.duplicates.Load()
		s.UnknownMessages += c.unknownMessages.Load()
		s.OutageDropped += c.outageDropped.Load()
		s.GPDUs += c.gpdus.Load()
		s.GPDUBytes += c.gpduBytes.Load()
		s.UnknownTEID += c.unknownTEID.Load()
		s.Replaced += c.replaced.Load()
	}
	n := p.net
	n.mu.Lock()
	for k, v := range n.deleted {
		s.NetworkDeleted[k] = v
	}
	n.mu.Unlock()
	s.PeerRestarts = n.peerRestarts.Load()
	s.PathFailures = n.pathFailures.Load()
	s.Restarts = n.restarts.Load()
	s.ReleasedByPeerLoss = n.peerLossReleased.Load()
	s.ChargingErrors = n.chargingErrors.Load()
	s.Recovery = p.Recovery()
	s.MemoryBytes = p.table.bytes()
	s.Latency = lat.Load()
	return s
}

// answered counts an answer of kind k with cause c.
func (c *counters) answered(k msgKind, cause wire.Cause) { c.answers[k][cause].Add(1) }
