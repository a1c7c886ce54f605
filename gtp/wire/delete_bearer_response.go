package wire

// DeleteBearerResponse is the Delete Bearer Response (TS 29.274 §7.2.10.2,
// table 7.2.10.2-1). Only Cause is mandatory.
//
// Presence follows the rule of CreateSessionRequest. A
// DeleteBearerResponse may be reused; it is not safe for concurrent use.
type DeleteBearerResponse struct {
	Header Header

	Cause     CauseIE // mandatory
	LinkedEBI uint8   // C: 0 means absent

	// Bearers[:NumBearers] are the Bearer Contexts, one per dedicated
	// bearer of the request, each with its own Cause.
	NumBearers uint8
	Bearers    [MaxBearers]BearerDeleted

	HasRecovery bool
	Recovery    uint8
}

// BearerDeleted is a Bearer Context within a Delete Bearer Response (TS
// 29.274 table 7.2.10.2-2).
type BearerDeleted struct {
	EBI   uint8   // mandatory
	Cause CauseIE // mandatory
}

// BearerContexts returns m.Bearers[:m.NumBearers].
func (m *DeleteBearerResponse) BearerContexts() []BearerDeleted {
	return m.Bearers[:min(int(m.NumBearers), MaxBearers)]
}

// Decode decodes a Delete Bearer Response from b, a whole datagram. Errors
// are as for CreateSessionRequest.Decode.
func (m *DeleteBearerResponse) Decode(b []byte) error {
	const t = MsgDeleteBearerResponse
	*m = DeleteBearerResponse{}
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
		case IEEBI:
			if m.LinkedEBI == 0 {
				m.LinkedEBI = decodeEBI(v)
			}
		case IEBearerContext:
			if m.NumBearers < MaxBearers {
				if err := m.Bearers[m.NumBearers].decode(v); err != nil {
					return err
				}
				m.NumBearers++
			}
		case IERecovery:
			if !m.HasRecovery && len(v) >= 1 {
				m.Recovery, m.HasRecovery = v[0], true
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

func (bc *BearerDeleted) decode(v []byte) error {
	const t = MsgDeleteBearerResponse
	r := IEReader{rest: v, msg: t}
	for r.Next() {
		ie := &r.cur
		if ie.Instance != 0 {
			continue
		}
		switch ie.Type {
		case IEEBI:
			if bc.EBI == 0 {
				if bc.EBI = decodeEBI(ie.Value); bc.EBI == 0 {
					return bearerIncorrect(t, IEEBI, 0, "empty or 0")
				}
			}
		case IECause:
			if bc.Cause.Value == 0 {
				if !bc.Cause.decode(ie.Value) || bc.Cause.Value == 0 {
					return bearerIncorrect(t, IECause, 0, "malformed Cause")
				}
			}
		}
	}
	if err := r.Err(); err != nil {
		err.(*Error).InBearerContext = true
		return err
	}
	if bc.EBI == 0 {
		return bearerMissing(t, IEEBI, 0)
	}
	if bc.Cause.Value == 0 {
		return bearerMissing(t, IECause, 0)
	}
	return nil
}

// Append appends the encoded response to b. On error b is returned
// unchanged.
func (m *DeleteBearerResponse) Append(b []byte) ([]byte, error) {
	const t = MsgDeleteBearerResponse
	c := newChecker(t)
	c.cause("Cause", &m.Cause, true)
	c.ebi("LinkedEBI", m.LinkedEBI, false)
	c.count(m.NumBearers)
	for i := int(m.NumBearers); i < MaxBearers; i++ {
		if m.Bearers[i].EBI != 0 {
			c.past(i)
			break
		}
	}
	for i := range m.BearerContexts() {
		bc := &m.Bearers[i]
		c.bearer = i
		c.ebi("EBI", bc.EBI, true)
		c.cause("Cause", &bc.Cause, true)
	}
	c.bearer = -1
	c.has("Recovery", m.HasRecovery, m.Recovery != 0)
	if c.err != nil {
		return b, c.err
	}
	orig := b
	b, start, err := appendHeader(b, &m.Header, t)
	if err != nil {
		return orig, err
	}
	b = m.Cause.appendIE(b, 0)
	if m.LinkedEBI != 0 {
		b = appendU8IE(b, IEEBI, 0, m.LinkedEBI)
	}
	for i := range m.BearerContexts() {
		bc := &m.Bearers[i]
		var g int
		b, g = BeginIE(b, IEBearerContext, 0)
		b = appendU8IE(b, IEEBI, 0, bc.EBI)
		b = bc.Cause.appendIE(b, 0)
		b, _ = EndIE(b, g)
	}
	if m.HasRecovery {
		b = appendU8IE(b, IERecovery, 0, m.Recovery)
	}
	b, err = finishMessage(b, start, t)
	if err != nil {
		return orig, err
	}
	return b, nil
}
