package wire

// DeleteSessionRequest is the Delete Session Request (TS 29.274 §7.2.9.1,
// table 7.2.9.1-1) that closes a PDN connection. All its IEs are
// conditional or optional; on S5/S8 the SGW normally sends the Linked EBI
// of the default bearer, the ULI and the Indication flags (OI).
//
// Presence follows the rule of CreateSessionRequest. A
// DeleteSessionRequest may be reused; it is not safe for concurrent use.
type DeleteSessionRequest struct {
	Header Header

	Cause CauseIE // C: e.g. ISR deactivation; zero means absent
	// LinkedEBI is the default bearer of the PDN connection to delete; 0
	// means absent.
	LinkedEBI   uint8
	ULI         ULI
	Indication  Indication
	SenderFTEID FTEID // Sender F-TEID for Control Plane, instance 0
}

// Decode decodes a Delete Session Request from b, a whole datagram. Errors
// are as for CreateSessionRequest.Decode.
func (m *DeleteSessionRequest) Decode(b []byte) error {
	const t = MsgDeleteSessionRequest
	*m = DeleteSessionRequest{}
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
				var c CauseIE
				if c.decode(v) && c.Value != 0 {
					m.Cause = c
				}
			}
		case IEEBI:
			if m.LinkedEBI == 0 {
				m.LinkedEBI = decodeEBI(v)
			}
		case IEULI:
			if m.ULI.Flags == 0 {
				decodeULI(&m.ULI, v)
			}
		case IEIndication:
			if m.Indication.Len == 0 {
				m.Indication.decode(v)
			}
		case IEFTEID:
			if m.SenderFTEID.IsZero() {
				decodeFTEID(&m.SenderFTEID, v)
			}
		}
	}
	return r.Err()
}

// Append appends the encoded request to b. Header.TEID is the PGW's control
// plane TEID. On error b is returned unchanged.
func (m *DeleteSessionRequest) Append(b []byte) ([]byte, error) {
	const t = MsgDeleteSessionRequest
	c := newChecker(t)
	c.cause("Cause", &m.Cause, false)
	c.ebi("LinkedEBI", m.LinkedEBI, false)
	c.uli("ULI", &m.ULI)
	c.indication("Indication", &m.Indication)
	c.fteid("SenderFTEID", &m.SenderFTEID, false)
	if c.err != nil {
		return b, c.err
	}
	orig := b
	b, start, err := appendHeader(b, &m.Header, t)
	if err != nil {
		return orig, err
	}
	if m.Cause.Value != 0 {
		b = m.Cause.appendIE(b, 0)
	}
	if m.LinkedEBI != 0 {
		b = appendU8IE(b, IEEBI, 0, m.LinkedEBI)
	}
	if m.ULI.Flags != 0 {
		b = m.ULI.appendIE(b, 0)
	}
	if m.Indication.Len != 0 {
		b = m.Indication.appendIE(b, 0)
	}
	if !m.SenderFTEID.IsZero() {
		b = m.SenderFTEID.appendIE(b, 0)
	}
	b, err = finishMessage(b, start, t)
	if err != nil {
		return orig, err
	}
	return b, nil
}
