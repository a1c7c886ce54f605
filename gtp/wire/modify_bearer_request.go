package wire

// ModifyBearerRequest is the Modify Bearer Request (TS 29.274 §7.2.7, table
// 7.2.7-1). An SGW sends it to the PGW when the device moves (new ULI), the
// RAT changes, or the SGW's user plane endpoint changes. Every IE is
// conditional or optional.
//
// Presence follows the rule of CreateSessionRequest. A ModifyBearerRequest
// may be reused; it is not safe for concurrent use.
type ModifyBearerRequest struct {
	Header Header

	MEI            Digits
	ULI            ULI
	ServingNetwork PLMN

	HasRATType bool
	RATType    RATType

	Indication  Indication
	SenderFTEID FTEID // Sender F-TEID for Control Plane, instance 0

	HasAMBR bool
	AMBR    AMBR

	// Bearers[:NumBearers] are the Bearer Contexts to be modified
	// (instance 0).
	NumBearers uint8
	Bearers    [MaxBearers]BearerToModify

	HasRecovery bool
	Recovery    uint8
}

// BearerToModify is a Bearer Context to be modified (TS 29.274 table
// 7.2.7-2).
type BearerToModify struct {
	EBI      uint8 // mandatory
	S1UENB   FTEID // S1-U eNodeB F-TEID, instance 0
	S5S8USGW FTEID // S5/S8-U SGW F-TEID, instance 1
}

// BearerContexts returns m.Bearers[:m.NumBearers].
func (m *ModifyBearerRequest) BearerContexts() []BearerToModify {
	return m.Bearers[:min(int(m.NumBearers), MaxBearers)]
}

// AddBearer appends a bearer context; it returns false when MaxBearers are
// already in use.
func (m *ModifyBearerRequest) AddBearer(b BearerToModify) bool {
	if int(m.NumBearers) >= MaxBearers {
		return false
	}
	m.Bearers[m.NumBearers] = b
	m.NumBearers++
	return true
}

// Decode decodes a Modify Bearer Request from b, a whole datagram. Errors
// are as for CreateSessionRequest.Decode.
func (m *ModifyBearerRequest) Decode(b []byte) error {
	const t = MsgModifyBearerRequest
	*m = ModifyBearerRequest{}
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
		case IEMEI:
			if m.MEI.N == 0 {
				m.MEI, _ = DecodeTBCD(v)
			}
		case IEULI:
			if m.ULI.Flags == 0 {
				decodeULI(&m.ULI, v)
			}
		case IEServingNetwork:
			if m.ServingNetwork.MNCLen == 0 {
				m.ServingNetwork, _ = DecodePLMN(v)
			}
		case IERATType:
			if !m.HasRATType && len(v) >= 1 {
				m.RATType, m.HasRATType = RATType(v[0]), true
			}
		case IEIndication:
			if m.Indication.Len == 0 {
				m.Indication.decode(v)
			}
		case IEFTEID:
			if m.SenderFTEID.IsZero() {
				decodeFTEID(&m.SenderFTEID, v)
			}
		case IEAMBR:
			if !m.HasAMBR {
				m.HasAMBR = m.AMBR.decode(v)
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
	return r.Err()
}

func (bc *BearerToModify) decode(v []byte) error {
	const t = MsgModifyBearerRequest
	r := IEReader{rest: v, msg: t}
	for r.Next() {
		ie := &r.cur
		switch ie.Type {
		case IEEBI:
			if ie.Instance == 0 && bc.EBI == 0 {
				if bc.EBI = decodeEBI(ie.Value); bc.EBI == 0 {
					return bearerIncorrect(t, IEEBI, 0, "empty or 0")
				}
			}
		case IEFTEID:
			switch {
			case ie.Instance == 0 && bc.S1UENB.IsZero():
				decodeFTEID(&bc.S1UENB, ie.Value)
			case ie.Instance == 1 && bc.S5S8USGW.IsZero():
				decodeFTEID(&bc.S5S8USGW, ie.Value)
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
	return nil
}

// Append appends the encoded request to b. Header.TEID is the PGW's control
// plane TEID. On error b is returned unchanged.
func (m *ModifyBearerRequest) Append(b []byte) ([]byte, error) {
	const t = MsgModifyBearerRequest
	if err := m.check(); err != nil {
		return b, err
	}
	orig := b
	b, start, err := appendHeader(b, &m.Header, t)
	if err != nil {
		return orig, err
	}
	if m.MEI.N != 0 {
		b = appendTBCDIE(b, IEMEI, m.MEI)
	}
	if m.ULI.Flags != 0 {
		b = m.ULI.appendIE(b, 0)
	}
	if m.ServingNetwork.MNCLen != 0 {
		b = append(b, byte(IEServingNetwork), 0, 3, 0)
		b = appendPLMN(b, m.ServingNetwork)
	}
	if m.HasRATType {
		b = appendU8IE(b, IERATType, 0, uint8(m.RATType))
	}
	if m.Indication.Len != 0 {
		b = m.Indication.appendIE(b, 0)
	}
	if !m.SenderFTEID.IsZero() {
		b = m.SenderFTEID.appendIE(b, 0)
	}
	if m.HasAMBR {
		b = m.AMBR.appendIE(b, 0)
	}
	for i := range m.BearerContexts() {
		bc := &m.Bearers[i]
		var g int
		b, g = BeginIE(b, IEBearerContext, 0)
		b = appendU8IE(b, IEEBI, 0, bc.EBI)
		if !bc.S1UENB.IsZero() {
			b = bc.S1UENB.appendIE(b, 0)
		}
		if !bc.S5S8USGW.IsZero() {
			b = bc.S5S8USGW.appendIE(b, 1)
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

func (m *ModifyBearerRequest) check() error {
	c := newChecker(MsgModifyBearerRequest)
	c.digits("MEI", m.MEI)
	c.uli("ULI", &m.ULI)
	c.plmn("ServingNetwork", m.ServingNetwork)
	c.has("RATType", m.HasRATType, m.RATType != 0)
	c.indication("Indication", &m.Indication)
	c.fteid("SenderFTEID", &m.SenderFTEID, false)
	c.has("AMBR", m.HasAMBR, m.AMBR != (AMBR{}))
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
		c.fteid("S1UENB", &bc.S1UENB, false)
		c.fteid("S5S8USGW", &bc.S5S8USGW, false)
	}
	c.bearer = -1
	c.has("Recovery", m.HasRecovery, m.Recovery != 0)
	return c.err
}
