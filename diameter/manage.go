package diameter

import (
	"errors"
	"sort"
	"time"
)

// Managing open sessions from outside the protocol: listing them, and
// sending a Re-Auth-Request or Abort-Session-Request to one on demand (the
// management API does, and tests). The server sends the same requests by
// itself when a card changes (notify.go).

// ErrNoSuchSession is returned for a Session-Id that names no open session.
var ErrNoSuchSession = errors.New("diameter: no such open session")

// ErrPeerGone is returned when the connection a session's requests came in
// on is closed (or not open yet), so a server-initiated request cannot
// reach the client.
var ErrPeerGone = errors.New("diameter: the session's peer connection is gone")

// SessionInfo describes one open credit-control session.
type SessionInfo struct {
	// ID is the Session-Id.
	ID string
	// Card is the card index the session charges.
	Card uint32
	// Peer is the Origin-Host the client announced in its CER, and
	// PeerAddr the remote address of its connection; both are "" when
	// that connection has closed since the session's last request.
	Peer, PeerAddr string
	// Started is when its CCR-INITIAL was taken, on the carrier's clock.
	Started time.Time
	// RequestNumber is the CC-Request-Number of its last request.
	RequestNumber uint32
	// Expires is when the server releases it if it stays silent (its
	// grant's Validity-Time plus SessionGrace, carrier clock).
	Expires time.Time
}

// openSession is what Sessions copies out of the table under a shard lock.
type openSession struct {
	SessionInfo
	conn uint32
}

// Sessions lists the open sessions, up to max of them (max <= 0: all),
// sorted by start then Session-Id. It locks each shard of the session
// table in turn while it copies, so it costs about 50 ns a session: fine
// for a management call, not for every request. Safe for concurrent use.
func (s *Server) Sessions(max int) []SessionInfo {
	var out []openSession
	t := s.sessions
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		var long map[uint32]string
		for slot := range sh.n {
			ss := sh.at(slot)
			if ss.state != stateOpen || !carded(ss) {
				continue
			}
			id := string(ss.key[:ss.keyLen])
			if ss.long {
				if long == nil {
					long = make(map[uint32]string, len(sh.long))
					for k, v := range sh.long {
						long[v] = k
					}
				}
				id = long[uint32(slot)]
			}
			out = append(out, openSession{SessionInfo: SessionInfo{ID: id, Card: ss.sim,
				Started: time.Unix(0, ss.started), RequestNumber: ss.num, Expires: time.Unix(0, ss.expires)}, conn: ss.conn})
		}
		sh.mu.Unlock()
	}
	sort.Slice(out, func(a, b int) bool {
		if !out[a].Started.Equal(out[b].Started) {
			return out[a].Started.Before(out[b].Started)
		}
		return out[a].ID < out[b].ID
	})
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return s.withPeers(out)
}

// CardSessions lists the open sessions of one card, through the card
// index the server keeps for RAR and ASR; it is cheap. Safe for
// concurrent use.
func (s *Server) CardSessions(card uint32) []SessionInfo {
	refs := s.sessions.cardSessions(card, nil)
	var out []openSession
	for _, ref := range refs {
		sh := &s.sessions.shards[ref.shard]
		sh.mu.Lock()
		if int(ref.slot) < sh.n {
			ss := sh.at(int(ref.slot))
			if ss.gen == ref.gen && ss.state == stateOpen {
				id := string(ss.key[:ss.keyLen])
				if ss.long {
					for k, v := range sh.long {
						if v == ref.slot {
							id = k
							break
						}
					}
				}
				out = append(out, openSession{SessionInfo: SessionInfo{ID: id, Card: ss.sim,
					Started: time.Unix(0, ss.started), RequestNumber: ss.num, Expires: time.Unix(0, ss.expires)}, conn: ss.conn})
			}
		}
		sh.mu.Unlock()
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Started.Before(out[b].Started) })
	return s.withPeers(out)
}

// Session returns the open session id. Safe for concurrent use.
func (s *Server) Session(id string) (SessionInfo, bool) {
	key := []byte(id)
	t := s.sessions
	h := t.hash(key)
	sh := &t.shards[shardOf(h)]
	sh.mu.Lock()
	slot := sh.lookup(h, key)
	if slot < 0 || sh.at(slot).state != stateOpen || !carded(sh.at(slot)) {
		sh.mu.Unlock()
		return SessionInfo{}, false
	}
	ss := sh.at(slot)
	o := openSession{SessionInfo: SessionInfo{ID: id, Card: ss.sim, Started: time.Unix(0, ss.started),
		RequestNumber: ss.num, Expires: time.Unix(0, ss.expires)}, conn: ss.conn}
	sh.mu.Unlock()
	return s.withPeers([]openSession{o})[0], true
}

// withPeers fills in each session's peer from its connection. It runs
// with no shard lock held: a connection's lock is taken before a shard's
// on the request path.
func (s *Server) withPeers(in []openSession) []SessionInfo {
	out := make([]SessionInfo, len(in))
	type peer struct{ host, addr string }
	peers := map[uint32]peer{}
	for i := range in {
		p, ok := peers[in[i].conn]
		if !ok {
			if c := s.conn(in[i].conn); c != nil {
				c.outMu.Lock()
				p = peer{host: string(c.peerHost), addr: c.nc.RemoteAddr().String()}
				c.outMu.Unlock()
			}
			peers[in[i].conn] = p
		}
		out[i] = in[i].SessionInfo
		out[i].Peer, out[i].PeerAddr = p.host, p.addr
	}
	return out
}

// ReAuth sends a Re-Auth-Request (Re-Auth-Request-Type AUTHORIZE_ONLY) for
// the open session id to the peer that sent its last request, as the
// server does itself when the session's card changes: the client reports
// at once and asks again (RFC 4006 §5.5). It returns once the request is
// written; the RAA comes back on the connection like any answer (one
// with 5002 ends the session). Errors: ErrNoSuchSession, ErrPeerGone.
func (s *Server) ReAuth(id string) error { return s.request(id, false) }

// Abort sends an Abort-Session-Request for the open session id (RFC 6733
// §8.5); the client is expected to end the session with a CCR-TERMINATION.
// Errors as for ReAuth.
func (s *Server) Abort(id string) error { return s.request(id, true) }

func (s *Server) request(id string, abort bool) error {
	key := []byte(id)
	t := s.sessions
	h := t.hash(key)
	sh := &t.shards[shardOf(h)]
	sh.mu.Lock()
	slot := sh.lookup(h, key)
	if slot < 0 || sh.at(slot).state != stateOpen {
		sh.mu.Unlock()
		return ErrNoSuchSession
	}
	connID := sh.at(slot).conn
	sh.mu.Unlock()
	c := s.conn(connID)
	if c == nil {
		return ErrPeerGone
	}
	return c.sessionRequest(key, abort)
}
