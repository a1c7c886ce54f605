package wire

// DeleteBearerRequest is the Delete Bearer Request (TS 29.274 §7.2.9.2,
// table 7.2.9.2-1), which a PGW sends to tear down bearers it decided to
// remove: all bearers of a PDN connection when LinkedEBI names its default
// bearer, or the dedicated bearers listed in EBIs. The carrier simulator
// uses it to cut a session off, for instance when a card is stopped.
//
// Presence follows the rule of CreateSessionRequest. A DeleteBearerRequest
// may be reused; it is not safe for concurrent use.
type DeleteBearerRequest struct {
	Header Header

	// LinkedEBI (EBI IE, instance 0) is the default bearer of the PDN
	// connection to delete; 0 means absent.
	LinkedEBI uint8
	// EBIs[:NumEBIs] are the dedicated bearers to delete (EBI IEs,
	// instance 1).
	NumEBIs uint8
	EBIs    [MaxBearers]uint8
	// Cause is conditional: why the bearers go, e.g. CauseReactivationRequested.
	Cause CauseIE
}

// Decode decodes a Delete Bearer Request from b, a whole datagram. Errors
// are as for CreateSessionRequest.Decode.
func (m *DeleteBearerRequest) Decode(b []byte) error {
	const t = MsgDeleteBearerRequest
	*m = DeleteBearerRequest{}
	ies, err := parseMessage(b, &m.Header, t)
	if err != nil {
		return err
	}
	r := IEReader{rest: ies, msg: t}
	for r.Next() {
		ie := &r.cur
		v := ie.Value
		switch ie.Type {
		case IEEBI:
			switch {
			case ie.Instance == 0 && m.LinkedEBI == 0:
				m.LinkedEBI = decodeEBI(v)
			case ie.Instance == 1 && m.NumEBIs < MaxBearers:
				if e := decodeEBI(v); e != 0 {
					m.EBIs[m.NumEBIs] = e
					m.NumEBIs++
				}
			}
		case IECause:
			if ie.Instance == 0 && m.Cause.Value == 0 {
				var c CauseIE
				if c.decode(v) && c.Value != 0 {
					m.Cause = c
				}
			}
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	if m.LinkedEBI == 0 && m.NumEBIs == 0 {
		// Table 7.2.9.2-1: one of the two conditional IEs says what to
		// delete.
		return &Error{Msg: t, Cause: CauseConditionalIEMissing, IE: IEEBI, Reason: "neither Linked EBI nor EPS Bearer IDs"}
	}
	return nil
}

// Append appends the encoded request to b. Header.TEID is the SGW's control
// plane TEID. At least one of LinkedEBI and EBIs must be set. On error b is
// returned unchanged.
func (m *DeleteBearerRequest) Append(b []byte) ([]byte, error) {
	const t = MsgDeleteBearerRequest
	c := newChecker(t)
	c.ebi("LinkedEBI", m.LinkedEBI, false)
	switch {
	case m.NumEBIs > MaxBearers:
		c.fail("NumEBIs", "exceeds MaxBearers")
	case m.LinkedEBI == 0 && m.NumEBIs == 0:
		c.fail("LinkedEBI", "neither LinkedEBI nor EBIs set")
	}
	for i, e := range m.EBIs {
		switch {
		case i < int(m.NumEBIs) && (e == 0 || e > 15):
			c.fail("EBIs["+itoa(i)+"]", "EPS bearer ID must be 1 to 15")
		case i >= int(m.NumEBIs) && e != 0:
			c.fail("EBIs["+itoa(i)+"]", "set past NumEBIs")
		}
	}
	c.cause("Cause", &m.Cause, false)
	if c.err != nil {
		return b, c.err
	}
	orig := b
	b, start, err := appendHeader(b, &m.Header, t)
	if err != nil {
		return orig, err
	}
	if m.LinkedEBI != 0 {
		b = appendU8IE(b, IEEBI, 0, m.LinkedEBI)
	}
	for _, e := range m.EBIs[:min(int(m.NumEBIs), MaxBearers)] {
		b = appendU8IE(b, IEEBI, 1, e)
	}
	if m.Cause.Value != 0 {
		b = m.Cause.appendIE(b, 0)
	}
	b, err = finishMessage(b, start, t)
	if err != nil {
		return orig, err
	}
	return b, nil
}
