package wire

// CreateSessionResponse is the Create Session Response (TS 29.274 §7.2.2,
// table 7.2.2-1) a PGW returns to admit or refuse a PDN connection. Only
// Cause is mandatory; a rejection usually carries nothing else.
//
// Presence follows the rule of CreateSessionRequest: the zero value of a
// field means absent unless a Has field governs it. Decode fills the value
// from a received message; only PCO aliases the message. A
// CreateSessionResponse may be reused; it is not safe for concurrent use.
type CreateSessionResponse struct {
	Header Header

	Cause CauseIE // mandatory

	// SenderFTEID is the Sender F-TEID for Control Plane (instance 0):
	// on S5/S8 the PGW's GTP-C endpoint (IfS5S8PGWGTPC) and the TEID the
	// SGW must put in later requests of this session.
	SenderFTEID FTEID
	// PGWFTEID is the PGW S5/S8 F-TEID for Control Plane (instance 1),
	// which an SGW relays to the MME on S11.
	PGWFTEID FTEID

	PAA PAA // the address given to the device

	HasAPNRestriction bool
	APNRestriction    uint8

	HasAMBR bool
	AMBR    AMBR

	// PCO carries, for instance, DNS server addresses for the device.
	// After Decode it aliases the message buffer.
	PCO []byte

	// Bearers[:NumBearers] are the Bearer Contexts created (instance 0).
	NumBearers uint8
	Bearers    [MaxBearers]BearerCreated

	HasRecovery bool
	Recovery    uint8
}

// BearerCreated is a Bearer Context created within a Create Session
// Response (TS 29.274 table 7.2.2-2).
type BearerCreated struct {
	EBI   uint8   // mandatory
	Cause CauseIE // mandatory: whether this bearer was created
	// S5S8UPGW is the S5/S8-U PGW F-TEID (instance 2): where the SGW sends
	// uplink user data.
	S5S8UPGW FTEID
	// S1USGW is the S1-U SGW F-TEID (instance 0), sent by an SGW on S11.
	S1USGW FTEID
	HasQoS bool
	QoS    BearerQoS
	// HasChargingID and ChargingID: the charging identifier the PGW gave
	// the bearer, quoted in its charging records and Gy requests.
	HasChargingID bool
	ChargingID    uint32
}

// BearerContexts returns m.Bearers[:m.NumBearers].
func (m *CreateSessionResponse) BearerContexts() []BearerCreated {
	return m.Bearers[:min(int(m.NumBearers), MaxBearers)]
}

// AddBearer appends a bearer context; it returns false when MaxBearers are
// already in use.
func (m *CreateSessionResponse) AddBearer(b BearerCreated) bool {
	if int(m.NumBearers) >= MaxBearers {
		return false
	}
	m.Bearers[m.NumBearers] = b
	m.NumBearers++
	return true
}

// Decode decodes a Create Session Response from b, a whole datagram; a
// piggybacked message after it is ignored (see ParseHeader to reach it).
// PCO aliases b. Errors are as for CreateSessionRequest.Decode; a response
// that fails to decode is discarded, not answered.
func (m *CreateSessionResponse) Decode(b []byte) error {
	const t = MsgCreateSessionResponse
	*m = CreateSessionResponse{}
	ies, err := parseMessage(b, &m.Header, t)
	if err != nil {
		return err
	}
	r := IEReader{rest: ies, msg: t}
	for r.Next() {
		ie := &r.cur
		v := ie.Value
		switch ie.Type {
		case IECause:
			if ie.Instance == 0 && m.Cause.Value == 0 {
				if !m.Cause.decode(v) || m.Cause.Value == 0 {
					return incorrectIE(t, IECause, 0, "malformed Cause")
				}
			}
		case IEFTEID:
			switch {
			case ie.Instance == 0 && m.SenderFTEID.IsZero():
				decodeFTEID(&m.SenderFTEID, v)
			case ie.Instance == 1 && m.PGWFTEID.IsZero():
				decodeFTEID(&m.PGWFTEID, v)
			}
		case IEPAA:
			if ie.Instance == 0 && m.PAA.Type == 0 {
				decodePAA(&m.PAA, v)
			}
		case IEAPNRestriction:
			if ie.Instance == 0 && !m.HasAPNRestriction && len(v) >= 1 {
				m.APNRestriction, m.HasAPNRestriction = v[0], true
			}
		case IEAMBR:
			if ie.Instance == 0 && !m.HasAMBR {
				m.HasAMBR = m.AMBR.decode(v)
			}
		case IEPCO:
			if ie.Instance == 0 && m.PCO == nil {
				m.PCO = v
			}
		case IEBearerContext:
			if ie.Instance == 0 && m.NumBearers < MaxBearers {
				if err := m.Bearers[m.NumBearers].decode(v, t); err != nil {
					return err
				}
				m.NumBearers++
			}
		case IERecovery:
			if ie.Instance == 0 && !m.HasRecovery && len(v) >= 1 {
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

func (bc *BearerCreated) decode(v []byte, t MsgType) error {
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
		case IECause:
			if ie.Instance == 0 && bc.Cause.Value == 0 {
				if !bc.Cause.decode(ie.Value) || bc.Cause.Value == 0 {
					return bearerIncorrect(t, IECause, 0, "malformed Cause")
				}
			}
		case IEFTEID:
			switch {
			case ie.Instance == 2 && bc.S5S8UPGW.IsZero():
				decodeFTEID(&bc.S5S8UPGW, ie.Value)
			case ie.Instance == 0 && bc.S1USGW.IsZero():
				decodeFTEID(&bc.S1USGW, ie.Value)
			}
		case IEBearerQoS:
			if ie.Instance == 0 && !bc.HasQoS {
				bc.HasQoS = bc.QoS.decode(ie.Value)
			}
		case IEChargingID:
			if ie.Instance == 0 && !bc.HasChargingID && len(ie.Value) >= 4 {
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

// Append appends the encoded response to b and returns the extended slice.
// Header.TEID is the SGW's control plane TEID from the request's Sender
// F-TEID, and Header.Seq the request's sequence number. On error b is
// returned unchanged.
func (m *CreateSessionResponse) Append(b []byte) ([]byte, error) {
	const t = MsgCreateSessionResponse
	if err := m.check(); err != nil {
		return b, err
	}
	orig := b
	b, start, err := appendHeader(b, &m.Header, t)
	if err != nil {
		return orig, err
	}
	b = m.Cause.appendIE(b, 0)
	if !m.SenderFTEID.IsZero() {
		b = m.SenderFTEID.appendIE(b, 0)
	}
	if !m.PGWFTEID.IsZero() {
		b = m.PGWFTEID.appendIE(b, 1)
	}
	if m.PAA.Type != 0 {
		b = m.PAA.appendIE(b, 0)
	}
	if m.HasAPNRestriction {
		b = appendU8IE(b, IEAPNRestriction, 0, m.APNRestriction)
	}
	if m.HasAMBR {
		b = m.AMBR.appendIE(b, 0)
	}
	if m.PCO != nil {
		b = appendBytesIE(b, IEPCO, 0, m.PCO)
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
		if !bc.S5S8UPGW.IsZero() {
			b = bc.S5S8UPGW.appendIE(b, 2)
		}
		if bc.HasQoS {
			b = bc.QoS.appendIE(b, 0)
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

func (m *CreateSessionResponse) check() error {
	c := newChecker(MsgCreateSessionResponse)
	c.cause("Cause", &m.Cause, true)
	c.fteid("SenderFTEID", &m.SenderFTEID, false)
	c.fteid("PGWFTEID", &m.PGWFTEID, false)
	c.paa("PAA", &m.PAA)
	c.has("APNRestriction", m.HasAPNRestriction, m.APNRestriction != 0)
	c.has("AMBR", m.HasAMBR, m.AMBR != (AMBR{}))
	c.pco("PCO", m.PCO)
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
		c.fteid("S5S8UPGW", &bc.S5S8UPGW, false)
		c.fteid("S1USGW", &bc.S1USGW, false)
		c.has("QoS", bc.HasQoS, bc.QoS != (BearerQoS{}))
		c.qos("QoS", &bc.QoS)
		c.has("ChargingID", bc.HasChargingID, bc.ChargingID != 0)
	}
	c.bearer = -1
	c.has("Recovery", m.HasRecovery, m.Recovery != 0)
	return c.err
}
