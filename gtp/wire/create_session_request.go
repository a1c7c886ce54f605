package wire

// MaxBearers is the number of bearer contexts a message value holds. EPS
// bearer IDs run from 5 to 15, so a PDN connection has at most eleven
// bearers; further Bearer Context IEs in a received message are discarded.
const MaxBearers = 11

// CreateSessionRequest is the Create Session Request (TS 29.274 §7.2.1,
// table 7.2.1-1) that an SGW sends a PGW over S5/S8, or an MME an SGW over
// S11, to open a PDN connection. It holds the IEs a gateway acts on; other
// IEs are skipped on decode.
//
// Presence: mandatory IEs are always encoded. An optional or conditional IE
// is absent when its field is the zero value, except where a Has field
// governs it because zero is a meaningful value (Recovery, Selection Mode).
// Append refuses a half-set value rather than leave its IE out: Digits with
// a Value but no N, an F-TEID without an address, ULI fields without Flags,
// a value whose Has flag is clear, a bearer context past NumBearers.
//
// Decode fills the value from a received message; no field aliases the
// message except PCO. Append encodes it. A CreateSessionRequest may be
// reused across messages; it is not safe for concurrent use.
type CreateSessionRequest struct {
	Header Header

	IMSI           Digits     // C: subscriber identity
	MSISDN         Digits     // C
	MEI            Digits     // C: IMEI (15 digits) or IMEISV (16 digits)
	ULI            ULI        // C: TAI and ECGI for E-UTRAN
	ServingNetwork PLMN       // C
	RATType        RATType    // mandatory
	Indication     Indication // C

	// SenderFTEID is the Sender F-TEID for Control Plane (instance 0,
	// mandatory): where the peer sends this session's GTP-C messages,
	// with the TEID to put in their headers.
	SenderFTEID FTEID
	// PGWFTEID is the PGW S5/S8 Address for Control Plane (instance 1),
	// sent on S11/S4 only.
	PGWFTEID FTEID

	APN APN // mandatory

	HasSelectionMode bool
	SelectionMode    SelectionMode

	PDNType PDNType // C
	PAA     PAA     // C: requested address, usually 0.0.0.0

	// HasAPNRestriction and APNRestriction: the Maximum APN Restriction.
	HasAPNRestriction bool
	APNRestriction    uint8

	HasAMBR bool
	AMBR    AMBR // APN-AMBR

	// PCO is the Protocol Configuration Options value (TS 24.008
	// §10.5.6.3), opaque here; nil means absent, an empty non-nil slice
	// an empty IE. After Decode it aliases the message buffer: copy it
	// before the buffer is reused.
	PCO []byte

	// Bearers[:NumBearers] are the Bearer Contexts to be created
	// (instance 0, mandatory, at least one).
	NumBearers uint8
	Bearers    [MaxBearers]BearerToCreate

	HasRecovery bool
	Recovery    uint8 // restart counter of the sender

	HasChargingCharacteristics bool
	ChargingCharacteristics    uint16 // TS 32.251 Annex A
}

// BearerToCreate is a Bearer Context to be created within a Create Session
// Request (TS 29.274 table 7.2.1-2).
type BearerToCreate struct {
	EBI uint8     // EPS bearer ID, mandatory
	QoS BearerQoS // Bearer Level QoS, mandatory
	// S5S8USGW is the S5/S8-U SGW F-TEID (instance 2): where the PGW
	// sends downlink user data.
	S5S8USGW FTEID
	// S1UENB is the S1-U eNodeB F-TEID (instance 0), sent on S11 in some
	// procedures.
	S1UENB FTEID
}

// BearerContexts returns the bearer contexts in use, m.Bearers[:m.NumBearers].
func (m *CreateSessionRequest) BearerContexts() []BearerToCreate {
	return m.Bearers[:min(int(m.NumBearers), MaxBearers)]
}

// AddBearer appends a bearer context; it returns false when MaxBearers are
// already in use.
func (m *CreateSessionRequest) AddBearer(b BearerToCreate) bool {
	if int(m.NumBearers) >= MaxBearers {
		return false
	}
	m.Bearers[m.NumBearers] = b
	m.NumBearers++
	return true
}

// Decode decodes a Create Session Request from b, a whole datagram (a
// trailing piggybacked message is allowed when the header says so and is
// ignored). On success m holds the message; PCO aliases b.
//
// Errors: ErrTooShort, ErrVersion and ErrMessageType, or an *Error whose
// Cause is the one to reject the request with (see RejectCause). With an
// *Error, m.Header holds the TEID and sequence number needed to address
// the rejection.
func (m *CreateSessionRequest) Decode(b []byte) error {
	const t = MsgCreateSessionRequest
	*m = CreateSessionRequest{}
	ies, err := parseMessage(b, &m.Header, t)
	if err != nil {
		return err
	}
	var hasRAT bool
	r := IEReader{rest: ies, msg: t}
	for r.Next() {
		ie := &r.cur
		v := ie.Value
		switch ie.Type {
		case IEIMSI:
			if ie.Instance == 0 && m.IMSI.N == 0 {
				m.IMSI, _ = DecodeTBCD(v)
			}
		case IEMSISDN:
			if ie.Instance == 0 && m.MSISDN.N == 0 {
				m.MSISDN, _ = DecodeTBCD(v)
			}
		case IEMEI:
			if ie.Instance == 0 && m.MEI.N == 0 {
				m.MEI, _ = DecodeTBCD(v)
			}
		case IEULI:
			if ie.Instance == 0 && m.ULI.Flags == 0 {
				decodeULI(&m.ULI, v)
			}
		case IEServingNetwork:
			if ie.Instance == 0 && m.ServingNetwork.MNCLen == 0 {
				m.ServingNetwork, _ = DecodePLMN(v)
			}
		case IERATType:
			if ie.Instance == 0 && !hasRAT {
				if len(v) < 1 {
					return incorrectIE(t, IERATType, 0, "empty")
				}
				m.RATType, hasRAT = RATType(v[0]), true
			}
		case IEIndication:
			if ie.Instance == 0 && m.Indication.Len == 0 {
				m.Indication.decode(v)
			}
		case IEFTEID:
			switch {
			case ie.Instance == 0 && m.SenderFTEID.IsZero():
				if !decodeFTEID(&m.SenderFTEID, v) {
					return incorrectIE(t, IEFTEID, 0, "malformed Sender F-TEID for Control Plane")
				}
			case ie.Instance == 1 && m.PGWFTEID.IsZero():
				decodeFTEID(&m.PGWFTEID, v)
			}
		case IEAPN:
			if ie.Instance == 0 && m.APN.n == 0 {
				if !m.APN.decode(v) {
					return incorrectIE(t, IEAPN, 0, "malformed APN labels")
				}
			}
		case IESelectionMode:
			if ie.Instance == 0 && !m.HasSelectionMode && len(v) >= 1 {
				m.SelectionMode, m.HasSelectionMode = SelectionMode(v[0]&0x03), true
			}
		case IEPDNType:
			if ie.Instance == 0 && m.PDNType == 0 && len(v) >= 1 {
				m.PDNType = pdnType(v[0])
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
				if err := m.Bearers[m.NumBearers].decode(v); err != nil {
					return err
				}
				m.NumBearers++
			}
		case IERecovery:
			if ie.Instance == 0 && !m.HasRecovery && len(v) >= 1 {
				m.Recovery, m.HasRecovery = v[0], true
			}
		case IEChargingCharacteristics:
			if ie.Instance == 0 && !m.HasChargingCharacteristics && len(v) >= 2 {
				m.ChargingCharacteristics, m.HasChargingCharacteristics = be16(v), true
			}
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	switch {
	case m.SenderFTEID.IsZero():
		return missingIE(t, IEFTEID, 0)
	case m.APN.n == 0:
		return missingIE(t, IEAPN, 0)
	case !hasRAT:
		return missingIE(t, IERATType, 0)
	case m.NumBearers == 0:
		return missingIE(t, IEBearerContext, 0)
	}
	return nil
}

func (bc *BearerToCreate) decode(v []byte) error {
	const t = MsgCreateSessionRequest
	var hasQoS bool
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
		case IEBearerQoS:
			if ie.Instance == 0 && !hasQoS {
				if !bc.QoS.decode(ie.Value) {
					return bearerIncorrect(t, IEBearerQoS, 0, "shorter than 22 octets")
				}
				hasQoS = true
			}
		case IEFTEID:
			switch {
			case ie.Instance == 2 && bc.S5S8USGW.IsZero():
				decodeFTEID(&bc.S5S8USGW, ie.Value)
			case ie.Instance == 0 && bc.S1UENB.IsZero():
				decodeFTEID(&bc.S1UENB, ie.Value)
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
	if !hasQoS {
		return bearerMissing(t, IEBearerQoS, 0)
	}
	return nil
}

// Append appends the encoded request to b and returns the extended slice.
// The header's T flag is set (TS 29.274 §5.5.1); Header.TEID is the peer's
// control plane TEID, 0 for the first request of a session. On error b is
// returned unchanged.
func (m *CreateSessionRequest) Append(b []byte) ([]byte, error) {
	const t = MsgCreateSessionRequest
	if err := m.check(); err != nil {
		return b, err
	}
	orig := b
	b, start, err := appendHeader(b, &m.Header, t)
	if err != nil {
		return orig, err
	}
	if m.IMSI.N != 0 {
		b = appendTBCDIE(b, IEIMSI, m.IMSI)
	}
	if m.MSISDN.N != 0 {
		b = appendTBCDIE(b, IEMSISDN, m.MSISDN)
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
	b = appendU8IE(b, IERATType, 0, uint8(m.RATType))
	if m.Indication.Len != 0 {
		b = m.Indication.appendIE(b, 0)
	}
	b = m.SenderFTEID.appendIE(b, 0)
	if !m.PGWFTEID.IsZero() {
		b = m.PGWFTEID.appendIE(b, 1)
	}
	b, apn := BeginIE(b, IEAPN, 0)
	b = m.APN.appendLabels(b)
	b, _ = EndIE(b, apn)
	if m.HasSelectionMode {
		b = appendU8IE(b, IESelectionMode, 0, uint8(m.SelectionMode))
	}
	if m.PDNType != 0 {
		b = appendU8IE(b, IEPDNType, 0, uint8(m.PDNType))
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
		if !bc.S1UENB.IsZero() {
			b = bc.S1UENB.appendIE(b, 0)
		}
		if !bc.S5S8USGW.IsZero() {
			b = bc.S5S8USGW.appendIE(b, 2)
		}
		b = bc.QoS.appendIE(b, 0)
		b, _ = EndIE(b, g)
	}
	if m.HasRecovery {
		b = appendU8IE(b, IERecovery, 0, m.Recovery)
	}
	if m.HasChargingCharacteristics {
		b = appendU16IE(b, IEChargingCharacteristics, 0, m.ChargingCharacteristics)
	}
	b, err = finishMessage(b, start, t)
	if err != nil {
		return orig, err
	}
	return b, nil
}

func (m *CreateSessionRequest) check() error {
	c := newChecker(MsgCreateSessionRequest)
	c.digits("IMSI", m.IMSI)
	c.digits("MSISDN", m.MSISDN)
	c.digits("MEI", m.MEI)
	c.uli("ULI", &m.ULI)
	c.plmn("ServingNetwork", m.ServingNetwork)
	c.indication("Indication", &m.Indication)
	c.fteid("SenderFTEID", &m.SenderFTEID, true)
	c.fteid("PGWFTEID", &m.PGWFTEID, false)
	if !m.APN.valid() {
		c.fail("APN", "missing or invalid")
	}
	c.has("SelectionMode", m.HasSelectionMode, m.SelectionMode != 0)
	if m.SelectionMode > 3 {
		c.fail("SelectionMode", "exceeds 2 bits")
	}
	if m.PDNType > PDNTypeEthernet {
		c.fail("PDNType", "unknown PDN type")
	}
	c.paa("PAA", &m.PAA)
	c.has("APNRestriction", m.HasAPNRestriction, m.APNRestriction != 0)
	c.has("AMBR", m.HasAMBR, m.AMBR != (AMBR{}))
	c.pco("PCO", m.PCO)
	if m.NumBearers == 0 {
		c.fail("NumBearers", "need 1 to MaxBearers bearer contexts")
	}
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
		c.qos("QoS", &bc.QoS)
		c.fteid("S5S8USGW", &bc.S5S8USGW, false)
		c.fteid("S1UENB", &bc.S1UENB, false)
	}
	c.bearer = -1
	c.has("Recovery", m.HasRecovery, m.Recovery != 0)
	c.has("ChargingCharacteristics", m.HasChargingCharacteristics, m.ChargingCharacteristics != 0)
	return c.err
}
