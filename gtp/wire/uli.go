package wire

// ULI flags: which identities a User Location Information IE carries
// (TS 29.274 §8.21, octet 5).
const (
	ULICGI         uint8 = 0x01
	ULISAI         uint8 = 0x02
	ULIRAI         uint8 = 0x04
	ULITAI         uint8 = 0x08
	ULIECGI        uint8 = 0x10
	ULILAI         uint8 = 0x20
	ULIMacroENB    uint8 = 0x40
	ULIExtMacroENB uint8 = 0x80
)

// ULI is the User Location Information IE (TS 29.274 §8.21): where the
// device is. For LTE, NB-IoT and LTE-M that is the tracking area (TAI) and
// the cell (ECGI).
//
//	octet 5   EMeNBI | MeNBI | LAI | ECGI | TAI | RAI | SAI | CGI   (flags)
//	then, in this order, for each flag set:
//	  CGI   PLMN(3) LAC(2) CI(2)
//	  SAI   PLMN(3) LAC(2) SAC(2)
//	  RAI   PLMN(3) LAC(2) RAC(2)
//	  TAI   PLMN(3) TAC(2)
//	  ECGI  PLMN(3) spare(4 bits) ECI(28 bits)
//	  LAI   PLMN(3) LAC(2)
//	  Macro eNodeB ID           PLMN(3) spare(4 bits) ID(20 bits)
//	  Extended Macro eNodeB ID  PLMN(3) SMeNB(1 bit) spare(2 bits) ID(21 bits)
//
// Flags says which fields are meaningful; Flags 0 is the zero value and
// stands for an absent IE.
type ULI struct {
	Flags uint8

	CGI         CGI
	SAI         SAI
	RAI         RAI
	TAI         TAI
	ECGI        ECGI
	LAI         LAI
	MacroENB    MacroENB
	ExtMacroENB ExtMacroENB
}

// CGI is a cell global identity (TS 23.003 §4.3.1), the GERAN/UTRAN cell.
type CGI struct {
	PLMN    PLMN
	LAC, CI uint16
}

// SAI is a service area identity (TS 23.003 §12.5).
type SAI struct {
	PLMN     PLMN
	LAC, SAC uint16
}

// RAI is a routing area identity (TS 23.003 §4.2). RAC holds both octets of
// the field: the first is all ones, the second the RAC (TS 29.274 §8.21.3).
type RAI struct {
	PLMN     PLMN
	LAC, RAC uint16
}

// LAI is a location area identity (TS 23.003 §4.1).
type LAI struct {
	PLMN PLMN
	LAC  uint16
}

// MacroENB is a macro eNodeB identity (TS 29.274 §8.21.7): a 20-bit ID.
type MacroENB struct {
	PLMN PLMN
	ID   uint32
}

// ExtMacroENB is an extended macro eNodeB identity (TS 29.274 §8.21.8): a
// long macro eNodeB ID of 21 bits, or, with SMeNB set, a short one of 18
// bits in the same field.
type ExtMacroENB struct {
	PLMN  PLMN
	ID    uint32
	SMeNB bool
}

// TAI is a tracking area identity (TS 23.003 §19.4.2.3).
type TAI struct {
	PLMN PLMN
	TAC  uint16
}

// ECGI is an E-UTRAN cell global identity (TS 23.003 §19.6). ECI is 28
// bits: a 20-bit eNodeB ID followed by an 8-bit cell ID.
type ECGI struct {
	PLMN PLMN
	ECI  uint32
}

// Has reports whether the identity named by flag (ULITAI, ULIECGI, ...) is
// present.
func (u *ULI) Has(flag uint8) bool { return u.Flags&flag != 0 }

func (u *ULI) decode(v []byte) bool {
	if len(v) < 1 {
		return false
	}
	fl := v[0]
	v = v[1:]
	var (
		x   []byte
		err error
	)
	if fl&ULICGI != 0 {
		if x, v = uliPart(v, 7); x == nil {
			return false
		}
		if u.CGI.PLMN, err = DecodePLMN(x); err != nil {
			return false
		}
		u.CGI.LAC, u.CGI.CI = be16(x[3:]), be16(x[5:])
	}
	if fl&ULISAI != 0 {
		if x, v = uliPart(v, 7); x == nil {
			return false
		}
		if u.SAI.PLMN, err = DecodePLMN(x); err != nil {
			return false
		}
		u.SAI.LAC, u.SAI.SAC = be16(x[3:]), be16(x[5:])
	}
	if fl&ULIRAI != 0 {
		if x, v = uliPart(v, 7); x == nil {
			return false
		}
		if u.RAI.PLMN, err = DecodePLMN(x); err != nil {
			return false
		}
		u.RAI.LAC, u.RAI.RAC = be16(x[3:]), be16(x[5:])
	}
	if fl&ULITAI != 0 {
		if x, v = uliPart(v, 5); x == nil {
			return false
		}
		if u.TAI.PLMN, err = DecodePLMN(x); err != nil {
			return false
		}
		u.TAI.TAC = be16(x[3:])
	}
	if fl&ULIECGI != 0 {
		if x, v = uliPart(v, 7); x == nil {
			return false
		}
		if u.ECGI.PLMN, err = DecodePLMN(x); err != nil {
			return false
		}
		u.ECGI.ECI = be32(x[3:]) & 0x0fffffff
	}
	if fl&ULILAI != 0 {
		if x, v = uliPart(v, 5); x == nil {
			return false
		}
		if u.LAI.PLMN, err = DecodePLMN(x); err != nil {
			return false
		}
		u.LAI.LAC = be16(x[3:])
	}
	if fl&ULIMacroENB != 0 {
		if x, v = uliPart(v, 6); x == nil {
			return false
		}
		if u.MacroENB.PLMN, err = DecodePLMN(x); err != nil {
			return false
		}
		u.MacroENB.ID = (uint32(x[3])<<16 | uint32(x[4])<<8 | uint32(x[5])) & 0x0fffff
	}
	if fl&ULIExtMacroENB != 0 {
		if x, _ = uliPart(v, 6); x == nil {
			return false
		}
		if u.ExtMacroENB.PLMN, err = DecodePLMN(x); err != nil {
			return false
		}
		u.ExtMacroENB.SMeNB = x[3]&0x80 != 0
		u.ExtMacroENB.ID = (uint32(x[3])<<16 | uint32(x[4])<<8 | uint32(x[5])) & 0x1fffff
	}
	u.Flags = fl
	return true
}

// uliPart splits the next n octets off v, or returns nil when v is shorter.
func uliPart(v []byte, n int) (part, rest []byte) {
	if len(v) < n {
		return nil, v
	}
	return v[:n], v[n:]
}

// check returns the reason u cannot be encoded, or "".
func (u *ULI) check() string {
	bad := func(flag uint8, p PLMN) bool { return u.Flags&flag != 0 && !p.Valid() }
	switch {
	case bad(ULICGI, u.CGI.PLMN), bad(ULISAI, u.SAI.PLMN), bad(ULIRAI, u.RAI.PLMN),
		bad(ULITAI, u.TAI.PLMN), bad(ULIECGI, u.ECGI.PLMN), bad(ULILAI, u.LAI.PLMN),
		bad(ULIMacroENB, u.MacroENB.PLMN), bad(ULIExtMacroENB, u.ExtMacroENB.PLMN):
		return "invalid PLMN"
	case u.Flags&ULIECGI != 0 && u.ECGI.ECI > 0x0fffffff:
		return "ECI exceeds 28 bits"
	case u.Flags&ULIMacroENB != 0 && u.MacroENB.ID > 0x0fffff:
		return "macro eNodeB ID exceeds 20 bits"
	case u.Flags&ULIExtMacroENB != 0 && u.ExtMacroENB.ID > 0x1fffff:
		return "extended macro eNodeB ID exceeds 21 bits"
	}
	return ""
}

func (u *ULI) appendIE(b []byte, inst uint8) []byte {
	b, start := BeginIE(b, IEULI, inst)
	b = append(b, u.Flags)
	if u.Flags&ULICGI != 0 {
		b = appendPLMN(b, u.CGI.PLMN)
		b = append(b, byte(u.CGI.LAC>>8), byte(u.CGI.LAC), byte(u.CGI.CI>>8), byte(u.CGI.CI))
	}
	if u.Flags&ULISAI != 0 {
		b = appendPLMN(b, u.SAI.PLMN)
		b = append(b, byte(u.SAI.LAC>>8), byte(u.SAI.LAC), byte(u.SAI.SAC>>8), byte(u.SAI.SAC))
	}
	if u.Flags&ULIRAI != 0 {
		b = appendPLMN(b, u.RAI.PLMN)
		b = append(b, byte(u.RAI.LAC>>8), byte(u.RAI.LAC), byte(u.RAI.RAC>>8), byte(u.RAI.RAC))
	}
	if u.Flags&ULITAI != 0 {
		b = appendPLMN(b, u.TAI.PLMN)
		b = append(b, byte(u.TAI.TAC>>8), byte(u.TAI.TAC))
	}
	if u.Flags&ULIECGI != 0 {
		b = appendPLMN(b, u.ECGI.PLMN)
		e := u.ECGI.ECI
		b = append(b, byte(e>>24), byte(e>>16), byte(e>>8), byte(e))
	}
	if u.Flags&ULILAI != 0 {
		b = appendPLMN(b, u.LAI.PLMN)
		b = append(b, byte(u.LAI.LAC>>8), byte(u.LAI.LAC))
	}
	if u.Flags&ULIMacroENB != 0 {
		b = appendPLMN(b, u.MacroENB.PLMN)
		id := u.MacroENB.ID
		b = append(b, byte(id>>16), byte(id>>8), byte(id))
	}
	if u.Flags&ULIExtMacroENB != 0 {
		b = appendPLMN(b, u.ExtMacroENB.PLMN)
		id := u.ExtMacroENB.ID
		hi := byte(id >> 16)
		if u.ExtMacroENB.SMeNB {
			hi |= 0x80
		}
		b = append(b, hi, byte(id>>8), byte(id))
	}
	b, _ = EndIE(b, start) // at most 1+7*3+5*2+7+6*2 octets
	return b
}
