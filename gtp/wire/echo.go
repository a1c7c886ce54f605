package wire

// Echo is an Echo Request or Echo Response (TS 29.274 §7.1.1, §7.1.2): the
// path liveness check between two GTP-C nodes. Recovery, mandatory in both,
// is the sender's restart counter; a change tells the peer that the sender
// restarted and lost its sessions. Echo messages have no TEID.
//
// An Echo may be reused; it is not safe for concurrent use.
type Echo struct {
	// Header.Type is MsgEchoRequest or MsgEchoResponse; Append uses it to
	// pick the message, and Decode sets it.
	Header   Header
	Recovery uint8

	// HasNodeFeatures and NodeFeatures: the Sending Node Features IE
	// (§8.83), optional.
	HasNodeFeatures bool
	NodeFeatures    uint8
}

// Decode decodes an Echo Request or Echo Response from b, a whole datagram.
// Errors are as for CreateSessionRequest.Decode, with ErrMessageType for any
// other message.
func (m *Echo) Decode(b []byte) error {
	*m = Echo{}
	ies, _, err := ParseHeader(b, &m.Header)
	if err != nil {
		return err
	}
	t := m.Header.Type
	if t != MsgEchoRequest && t != MsgEchoResponse {
		return ErrMessageType
	}
	if m.Header.HasTEID {
		return &Error{Msg: t, Cause: CauseInvalidMessageFormat, Reason: "T flag does not match the message type"}
	}
	var hasRecovery bool
	r := IEReader{rest: ies, msg: t}
	for r.Next() {
		ie := &r.cur
		if ie.Instance != 0 {
			continue
		}
		switch ie.Type {
		case IERecovery:
			if !hasRecovery {
				if len(ie.Value) < 1 {
					return incorrectIE(t, IERecovery, 0, "empty")
				}
				m.Recovery, hasRecovery = ie.Value[0], true
			}
		case IENodeFeatures:
			if !m.HasNodeFeatures && len(ie.Value) >= 1 {
				m.NodeFeatures, m.HasNodeFeatures = ie.Value[0], true
			}
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	if !hasRecovery {
		return missingIE(t, IERecovery, 0)
	}
	return nil
}

// Append appends the encoded Echo Request or Response, as Header.Type says,
// to b. On error b is returned unchanged.
func (m *Echo) Append(b []byte) ([]byte, error) {
	t := m.Header.Type
	if t != MsgEchoRequest && t != MsgEchoResponse {
		return b, &EncodeError{Msg: t, Field: "Header.Type", Reason: "not an Echo Request or Echo Response"}
	}
	if !m.HasNodeFeatures && m.NodeFeatures != 0 {
		return b, &EncodeError{Msg: t, Field: "NodeFeatures", Reason: "value set but its Has flag is false"}
	}
	orig := b
	b, start, err := appendHeader(b, &m.Header, t)
	if err != nil {
		return orig, err
	}
	b = appendU8IE(b, IERecovery, 0, m.Recovery)
	if m.HasNodeFeatures {
		b = appendU8IE(b, IENodeFeatures, 0, m.NodeFeatures)
	}
	b, err = finishMessage(b, start, t)
	if err != nil {
		return orig, err
	}
	return b, nil
}

// AppendEchoRequest appends an Echo Request with sequence number seq and
// the sender's restart counter.
func AppendEchoRequest(b []byte, seq uint32, recovery uint8) ([]byte, error) {
	m := Echo{Header: Header{Type: MsgEchoRequest, Seq: seq}, Recovery: recovery}
	return m.Append(b)
}

// AppendEchoResponse appends the Echo Response to a request with sequence
// number seq, carrying the responder's restart counter.
func AppendEchoResponse(b []byte, seq uint32, recovery uint8) ([]byte, error) {
	m := Echo{Header: Header{Type: MsgEchoResponse, Seq: seq}, Recovery: recovery}
	return m.Append(b)
}
