package wire

// ModifyBearerResponse is the Modify Bearer Response (TS 29.274 §7.2.8,
// table 7.2.8-1). Only Cause is mandatory.
//
// Presence follows the rule of CreateSessionRequest. A ModifyBearerResponse
// may be reused; it is not safe for concurrent use.
type ModifyBearerResponse struct {
	Header Header

	Cause  CauseIE // mandatory
	MSISDN Digits
	// LinkedEBI is the default bearer of the PDN connection; 0 (reserved)
	// means absent.
	LinkedEBI uint8

	HasAPNRestriction bool
	APNRestriction    uint8

	// Bearers[:NumBearers] are the Bearer Contexts modified (instance 0).
	NumBearers uint8
	Bearers    [MaxBearers]BearerModified

	HasRecovery bool
	Recovery    uint8
}

// BearerModified is a Bearer Context modified (TS 29.274 table 7.2.8-2).
type BearerModified struct {
	EBI    uint8   // mandatory
	Cause  CauseIE // mandatory
	S1USGW FTEID   // S1-U SGW F-TEID, instance 0 (S11 only)

	HasChargingID bool
	ChargingID    uint32
}

// BearerContexts returns m.Bearers[:m.NumBearers].
func (m *ModifyBearerResponse) BearerContexts() []BearerModified {
	return m.Bearers[:min(int(m.NumBearers), MaxBearers)]
}

// AddBearer appends a bearer context; it returns false when MaxBearers are
// already in use.
func (m *ModifyBearerResponse) AddBearer(b BearerModified) bool {
	if int(m.NumBearers) >= MaxBearers {
		return false
	}
	m.Bearers[m.NumBearers] = b
	m.NumBearers++
	return true
}

// Decode decodes a Modify Bearer Response from b, a whole datagram. Errors
// are as for CreateSessionRequest.Decode.
func (m *ModifyBearerResponse) Decode(b []byte) error {
	const t = MsgModifyBearerResponse
	*m = ModifyBearerResponse{}
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
		case IEMSISDN:
			if m.MSISDN.N == 0 {
				m.MSISDN, _ = DecodeTBCD(v)
			}
		case IEEBI:
			if m.LinkedEBI == 0 {
				m.LinkedEBI = decodeEBI(v)
			}
		case IEAPNRestriction:
			if !m.HasAPNRestriction && len(v) >= 1 {
				m.APNRestriction, m.HasAPNRestriction = v[0], true
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

func (bc *BearerModified) decode(v []byte) error {
	const t = MsgModifyBearerResponse
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
		case IEFTEID:
			if bc.S1USGW.IsZero() {
				decodeFTEID(&bc.S1USGW, ie.Value)
			}
		case IEChargingID:
			if !bc.HasChargingID && len(ie.Value) >= 4 {
				bc.ChargingID, bc.HasChargingID = be32(ie.Value), true
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
func (m *ModifyBearerResponse) Append(b []byte) ([]byte, error) {
	const t = MsgModifyBearerResponse
	if err := m.check(); err != nil {
		return b, err
	}
	orig := b
	b, start, err := appendHeader(b, &m.Header, t)
	if err != nil {
		return orig, err
	}
	b = m.Cause.appendIE(b, 0)
	if m.MSISDN.N != 0 {
		b = appendTBCDIE(b, IEMSISDN, m.MSISDN)
	}
	if m.LinkedEBI != 0 {
		b = appendU8IE(b, IEEBI, 0, m.LinkedEBI)
	}
	if m.HasAPNRestriction {
		b = appendU8IE(b, IEAPNRestriction, 0, m.APNRestriction)
	}
	for i := range m.BearerContexts() {
		bc := &m.Bearers[i]
		var g int
		b, g = BeginIE(b, IEBearerContext, 0)
		b = appendU8IE(b, IEEBI, 0, bc.EBI)
		b = bc.Cause.appendIE(b, 0)
		if !bc.S1USGW.IsZero() {
			b = bc.S1USGW.appendIE(b, 0)
		}
		if bc.HasChargingID {
			b = appendU32IE(b, IEChargingID, 0, bc.ChargingID)
		}
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

func (m *ModifyBearerResponse) check() error {
	c := newChecker(MsgModifyBearerResponse)
	c.cause("Cause", &m.Cause, true)
	c.digits("MSISDN", m.MSISDN)
	c.ebi("LinkedEBI", m.LinkedEBI, false)
	c.has("APNRestriction", m.HasAPNRestriction, m.APNRestriction != 0)
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
		c.fteid("S1USGW", &bc.S1USGW, false)
		c.has("ChargingID", bc.HasChargingID, bc.ChargingID != 0)
	}
	c.bearer = -1
	c.has("Recovery", m.HasRecovery, m.Recovery != 0)
	return c.err
}
