package wire

// DeleteSessionResponse is the Delete Session Response (TS 29.274
// §7.2.10.1, table 7.2.10.1-1). Only Cause is mandatory.
//
// A DeleteSessionResponse may be reused; it is not safe for concurrent use.
type DeleteSessionResponse struct {
	Header Header

	Cause CauseIE // mandatory

	HasRecovery bool
	Recovery    uint8

	// PCO aliases the message buffer after Decode.
	PCO []byte
}

// Decode decodes a Delete Session Response from b, a whole datagram. Errors
// are as for CreateSessionRequest.Decode.
func (m *DeleteSessionResponse) Decode(b []byte) error {
	const t = MsgDeleteSessionResponse
	*m = DeleteSessionResponse{}
	ies, err := parseMessage(b, &m.Header, t)
	if err != nil {
		return err
	}
	r := IEReader{rest: ies, msg: t}
	for r.Next() {
		ie := &r.cur
		v := ie.Value
		if ie.Instance != 0 {
			continue
		}
		switch ie.Type {
		case IECause:
			if m.Cause.Value == 0 {
				if !m.Cause.decode(v) || m.Cause.Value == 0 {
					return incorrectIE(t, IECause, 0, "malformed Cause")
				}
			}
		case IERecovery:
			if !m.HasRecovery && len(v) >= 1 {
				m.Recovery, m.HasRecovery = v[0], true
			}
		case IEPCO:
			if m.PCO == nil {
				m.PCO = v
			}
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	if m.Cause.Value == 0 {
		return missingIE(t, IECause, 0)
	}
	return nil
}

// Append appends the encoded response to b. Header.TEID is the SGW's control
// plane TEID and Header.Seq the request's. On error b is returned
// unchanged.
func (m *DeleteSessionResponse) Append(b []byte) ([]byte, error) {
	const t = MsgDeleteSessionResponse
	c := newChecker(t)
	c.cause("Cause", &m.Cause, true)
	c.has("Recovery", m.HasRecovery, m.Recovery != 0)
	c.pco("PCO", m.PCO)
	if c.err != nil {
		return b, c.err
	}
	orig := b
	b, start, err := appendHeader(b, &m.Header, t)
	if err != nil {
		return orig, err
	}
	b = m.Cause.appendIE(b, 0)
	if m.HasRecovery {
		b = appendU8IE(b, IERecovery, 0, m.Recovery)
	}
	if m.PCO != nil {
		b = appendBytesIE(b, IEPCO, 0, m.PCO)
	}
	b, err = finishMessage(b, start, t)
	if err != nil {
		return orig, err
	}
	return b, nil
}
